from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "netbill.api"
    label = "api"
    verbose_name = "API"
