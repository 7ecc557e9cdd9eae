from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "netbill.core"
    label = "core"
    verbose_name = "Core"
