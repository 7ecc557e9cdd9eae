from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "netbill.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self):
        from . import menu, menu_cards, menu_gateways, menu_links  # noqa: F401
