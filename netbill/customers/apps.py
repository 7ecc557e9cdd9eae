from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "netbill.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from . import menu  # noqa: F401 (Customers)
