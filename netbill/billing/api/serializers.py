"""Billing API serializers: bills, bill runs and the run preview.

Money is a string with two places ("600.00"), never a float. The write bodies are only
shapes; `billing.services` (and `payments.services` for Bulk Bill Paid) decide."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..choices import BillRunKindChoices
from ..models import Bill, BillRun


def _money(**kwargs):
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, **kwargs)


#
# Bills
#


class BillSerializer(serializers.ModelSerializer):
    """A customer's bill for one period. `due` is what is left to pay (total − paid)."""

    number = serializers.CharField(read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    customer_username = serializers.CharField(source="customer.username", read_only=True)
    due = _money(help_text=_("What is left to pay: total − paid."))

    class Meta:
        model = Bill
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "customer_username",
            "operator",
            "kind",
            "period_start",
            "period_end",
            "issue_date",
            "due_date",
            "package_name",
            "price",
            "discount",
            "vat_rate",
            "vat_inclusive",
            "vat_amount",
            "total",
            "paid_amount",
            "due",
            "operator_share",
            "status",
            "paid_at",
            "cancelled_at",
            "cancel_reason",
            "bill_run",
            "journal_entry",
            "created_at",
        ]
        read_only_fields = fields


class BillCancelSerializer(serializers.Serializer):
    """Why the bill is cancelled (kept on the bill, in its reversing entry and the
    audit trail)."""

    reason = serializers.CharField(max_length=255)


class BillBulkPaySerializer(serializers.Serializer):
    """Bulk Bill Paid: the bills to mark paid (a cash payment of what is due on each)."""

    bills = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=False,
        max_length=500,
        help_text=_("Ids of open bills within your reach (at most 500)."),
    )
    reference = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")


class BulkPaidSerializer(serializers.Serializer):
    """What Bulk Bill Paid recorded: one payment per bill."""

    paid = serializers.IntegerField(help_text=_("How many bills were paid."))
    amount = _money(help_text=_("The sum of the payments."))
    bills = serializers.ListField(child=serializers.IntegerField())
    payments = serializers.ListField(child=serializers.IntegerField())


#
# Bill runs
#


class BillRunSerializer(serializers.ModelSerializer):
    """One run of the monthly, daily, prepaid or auto-suspension job for a date."""

    class Meta:
        model = BillRun
        fields = [
            "id",
            "kind",
            "run_date",
            "status",
            "considered",
            "billed",
            "paid_from_credit",
            "skipped_existing",
            "skipped_credit_limit",
            "suspended",
            "amount",
            "message",
            "details",
            "journal_entry",
            "started_by",
            "started_at",
            "finished_at",
            "duration_ms",
            "confirmed_by",
            "confirmed_at",
        ]
        read_only_fields = fields


class BillRunStartSerializer(serializers.Serializer):
    """Start a run now: its kind and the (local) date it runs for; today by default."""

    kind = serializers.ChoiceField(choices=BillRunKindChoices.choices)
    date = serializers.DateField(
        required=False, help_text=_("The ISP's local date; today when left out.")
    )


class BillRunPreviewQuerySerializer(BillRunStartSerializer):
    """?kind=monthly&date=2026-12-01"""


class PreviewRowSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer_id")
    name = serializers.CharField()
    username = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    total = _money()
    from_advance = _money(help_text=_("The part the customer's advance credit pays."))
    reason = serializers.CharField(
        help_text=_("The bill kind, or credit_limit when the operator is at its limit.")
    )


class BillRunPreviewSerializer(serializers.Serializer):
    """A dry run of a monthly, daily or prepaid run: who would be billed, for how much,
    and who would be skipped because the operator is at its credit limit."""

    kind = serializers.CharField()
    date = serializers.DateField(source="on")
    due = serializers.IntegerField(help_text=_("How many customers would be billed."))
    amount = _money(help_text=_("The total of the bills the run would write."))
    rows = PreviewRowSerializer(many=True)
    blocked_count = serializers.IntegerField()
    blocked = PreviewRowSerializer(many=True)


class SuspensionRowSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer.pk")
    name = serializers.CharField(source="customer.name")
    username = serializers.CharField(source="customer.username")
    status = serializers.CharField(source="customer.status")
    bill = serializers.IntegerField(source="bill.pk", allow_null=True, default=None)
    bill_number = serializers.CharField(source="bill.number", allow_null=True, default=None)
    due_date = serializers.DateField(source="bill.due_date", allow_null=True, default=None)
    due = _money(source="bill.due", allow_null=True, default=None)


class SuspensionPreviewSerializer(serializers.Serializer):
    """A dry run of auto-suspension: who would be suspended and the overdue bill that
    makes it so; `trips` says the circuit breaker would hold the run."""

    kind = serializers.CharField()
    date = serializers.DateField()
    count = serializers.IntegerField(help_text=_("How many customers would be suspended."))
    base = serializers.IntegerField(help_text=_("The customers the share is taken of."))
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    trips = serializers.BooleanField(
        help_text=_("The run would wait for a Group Admin's confirmation.")
    )
    rows = SuspensionRowSerializer(many=True)
