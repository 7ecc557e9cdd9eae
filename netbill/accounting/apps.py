from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountingConfig(AppConfig):
    name = "netbill.accounting"
    label = "accounting"
    verbose_name = _("Accounting")

    def ready(self):
        from . import menu, subscribers  # noqa: F401 (Accounting; tenant.created → chart)
