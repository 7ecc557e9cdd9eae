from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentMethodChoices(models.TextChoices):
    CASH = "cash", _("Cash")
    BANK = "bank", _("Bank")
    GATEWAY = "gateway", _("Online gateway")
    CARD = "card", _("Recharge card")


class PaymentKindChoices(models.TextChoices):
    PAYMENT = "payment", _("Bill payment")
    ADVANCE = "advance", _("Advance payment")


class PaymentStatusChoices(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    REVERSED = "reversed", _("Reversed")
