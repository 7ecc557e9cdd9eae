from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "netbill.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self):
        from . import menu, profile_section, subscribers  # noqa: F401 (menu; first bills)

        profile_section.register()  # the Billing section of the customer profile
