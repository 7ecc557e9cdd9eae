from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountTypeChoices(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    EQUITY = "equity", _("Equity")
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")


class EntrySourceChoices(models.TextChoices):
    BILL = "bill", _("Bill")
    BILL_RUN = "bill_run", _("Bill run")
    BILL_CANCEL = "bill_cancel", _("Bill cancellation")
    PAYMENT = "payment", _("Payment")
    PAYMENT_REVERSAL = "payment_reversal", _("Payment reversal")
    ADVANCE = "advance", _("Advance payment")
    ADVANCE_APPLIED = "advance_applied", _("Advance applied to a bill")
    OPERATOR_DEPOSIT = "operator_deposit", _("Operator balance")
    DISTRIBUTOR_DEPOSIT = "distributor_deposit", _("Card distributor balance")
    CARD_ISSUE = "card_issue", _("Recharge cards issued")
    GATEWAY_REFUND = "gateway_refund", _("Gateway refund")
    MANUAL = "manual", _("Manual entry")
    REVERSAL = "reversal", _("Reversal")
