"""Payments API serializers: an operator's balance and Add Balance. Money is a
string with two places ("600.00"), never a float."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


def _money(**kwargs):
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, **kwargs)


class OperatorBalanceSerializer(serializers.Serializer):
    """An operator's balance with the ISP (Account Balance)."""

    id = serializers.IntegerField(source="operator.pk", help_text=_("The operator's id."))
    operator = serializers.IntegerField(source="operator.pk")
    name = serializers.CharField(source="operator.name")
    balance = _money(
        help_text=_("From the ledger: the credit balance of the operator's deposit account.")
    )
    cached_balance = _money(
        source="operator.balance", help_text=_("The running figure kept on the operator.")
    )
    credit_limit = _money(source="operator.credit_limit")
    at_credit_limit = serializers.BooleanField(
        help_text=_("At its limit the operator can neither create customers nor be billed.")
    )


class AmountField(serializers.CharField):
    """An amount of money as sent: a string ("5000.00") or a whole number. A JSON
    number with a fraction arrives as a float and is refused, never rounded; the
    service checks the rest (more than zero, at most two decimal places)."""

    default_error_messages = {
        "float": _('Send amounts as strings such as "5000.00", never as floats.'),
    }

    def to_internal_value(self, data):
        if isinstance(data, float):
            self.fail("float")
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class AddBalanceSerializer(serializers.Serializer):
    """Account Balance → Add Balance: money the operator deposited with the ISP."""

    amount = AmountField(max_length=32, help_text=_('For example "5000.00".'))
    reference = serializers.CharField(
        max_length=255, help_text=_("The receipt or bank slip it is recorded against.")
    )


class OperatorDepositSerializer(serializers.Serializer):
    """The recorded deposit and the operator's balance after it."""

    id = serializers.IntegerField()
    operator = serializers.IntegerField(source="operator_id")
    amount = _money()
    reference = serializers.CharField()
    journal_entry = serializers.IntegerField(source="journal_entry_id")
    created_at = serializers.DateTimeField()
    balance = _money(help_text=_("The operator's balance from the ledger, afterwards."))
