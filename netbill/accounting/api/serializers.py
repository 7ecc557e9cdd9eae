"""Accounting API serializers: the chart of accounts with balances, and journal
entries with their lines. Read-only: money enters the books only through the
services that post entries. Amounts are strings with two places ("600.00")."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Account, JournalEntry, JournalLine


def _money(**kwargs):
    return serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, **kwargs)


class AccountSerializer(serializers.ModelSerializer):
    """An account with its debit and credit totals and its balance on its normal
    side (assets and expenses: debit − credit; the others: credit − debit)."""

    debit = _money(source="debit_total", help_text=_("Total debits posted."))
    credit = _money(source="credit_total", help_text=_("Total credits posted."))
    balance = _money(
        source="balance_total", help_text=_("The balance on the account's normal side.")
    )
    is_system = serializers.BooleanField(read_only=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "code",
            "name",
            "type",
            "key",
            "description",
            "is_system",
            "debit",
            "credit",
            "balance",
            "created_at",
        ]
        read_only_fields = fields


class JournalLineSerializer(serializers.ModelSerializer):
    account_code = serializers.CharField(source="account.code", read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)

    class Meta:
        model = JournalLine
        fields = [
            "id",
            "account",
            "account_code",
            "account_name",
            "debit",
            "credit",
            "customer",
            "operator",
            "memo",
        ]
        read_only_fields = fields


class JournalEntrySerializer(serializers.ModelSerializer):
    """A posted entry. The list shows its totals; one entry (`journal-entries/{id}/`)
    also shows its lines (a bill run's entry has a line per bill)."""

    total = _money(source="debit_total", help_text=_("The entry's debits (= its credits)."))
    line_count = serializers.IntegerField(read_only=True)
    reversed_by = serializers.IntegerField(source="reversal_id", read_only=True, allow_null=True)

    class Meta:
        model = JournalEntry
        fields = [
            "id",
            "date",
            "memo",
            "source",
            "source_id",
            "reverses",
            "reversed_by",
            "total",
            "line_count",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class JournalEntryDetailSerializer(JournalEntrySerializer):
    lines = JournalLineSerializer(many=True, read_only=True)

    class Meta(JournalEntrySerializer.Meta):
        fields = [*JournalEntrySerializer.Meta.fields, "lines"]
        read_only_fields = fields
