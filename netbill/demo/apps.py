from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo ISP that `make run` seeds (highest app: it may import every other)."""

    name = "netbill.demo"
    label = "demo"
    verbose_name = "Demo"
