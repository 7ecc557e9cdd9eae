"""Filters of Bills & Payments → Customer Payments and Manage Bulk Bills. Every choice
list holds only what the viewer reaches (built per request, never at import time)."""

import datetime
import re

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from netbill.accounts.models import Operator, User
from netbill.billing.choices import OPEN_STATUSES, BillStatusChoices
from netbill.billing.models import Bill
from netbill.catalog.models import BillingProfile
from netbill.core.permissions import restrict
from netbill.tenancy.models import Zone

from .choices import (
    PaymentKindChoices,
    PaymentMethodChoices,
    PaymentStatusChoices,
    TxnStatusChoices,
)
from .models import GatewayTransaction, Payment, PaymentGateway

DATE = forms.DateInput(attrs={"type": "date"})


def _reachable(model, code, order, **extra):
    def queryset(request):
        if request is None:
            return model.objects.none()
        return restrict(model.objects.filter(**extra), request.user, code).order_by(*order)

    return queryset


def _billing_profiles(code):
    """The ISP's billing profiles; a reseller sees those offered to its subtree."""

    def queryset(request):
        if request is None:
            return BillingProfile.objects.none()
        user = request.user
        rows = restrict(BillingProfile.objects.all(), user, code)
        operator = getattr(user, "operator", None)
        if operator is not None and not operator.is_root:
            rows = rows.filter(assignments__operator__path__startswith=user.reach_path).distinct()
        return rows.order_by("name")

    return queryset


class PaymentFilterSet(django_filters.FilterSet):
    """Bills & Payments → Customer Payments."""

    q = django_filters.CharFilter(label=_("Customer, receipt or reference"), method="search")
    received_from = django_filters.DateFilter(
        label=_("From"), field_name="received_at", lookup_expr="date__gte", widget=DATE
    )
    received_to = django_filters.DateFilter(
        label=_("To"), field_name="received_at", lookup_expr="date__lte", widget=DATE
    )
    method = django_filters.ChoiceFilter(label=_("Method"), choices=PaymentMethodChoices.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=PaymentKindChoices.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=PaymentStatusChoices.choices)
    operator = django_filters.ModelChoiceFilter(
        label=_("Operator"), queryset=_reachable(Operator, "payments.view", ["path"])
    )
    collector = django_filters.ModelChoiceFilter(
        label=_("Collected by (reseller)"),
        queryset=_reachable(Operator, "payments.view", ["path"], parent__isnull=False),
    )
    received_by = django_filters.ModelChoiceFilter(
        label=_("Received by"),
        queryset=_reachable(User, "payments.view", ["username"], is_active=True),
    )
    zone = django_filters.ModelChoiceFilter(
        label=_("Zone"),
        field_name="customer__zone",
        queryset=_reachable(Zone, "payments.view", ["name"]),
    )

    class Meta:
        model = Payment
        fields = [
            "q",
            "received_from",
            "received_to",
            "method",
            "kind",
            "status",
            "operator",
            "collector",
            "received_by",
            "zone",
        ]

    def search(self, queryset, name, value):
        return payment_search(queryset, value)


RECEIPT = re.compile(r"^(?:RCPT-?)?0*(\d{1,12})$", re.IGNORECASE)


def payment_search(queryset, value: str):
    """Payments whose customer's username or name, reference, or receipt number
    ("RCPT-000042", or just 42) matches `value`."""
    value = (value or "").strip()
    if not value:
        return queryset
    match = Q(customer__username__icontains=value) | Q(customer__name__icontains=value)
    match |= Q(reference__icontains=value)
    receipt = RECEIPT.match(value)
    if receipt:
        match |= Q(pk=int(receipt.group(1)))
    return queryset.filter(match)


#
# Bills & Payments → Verify Payments
#

TXN_OPEN = "open"
TXN_ALL = "all"
# What Verify Payments lists unless told otherwise: attempts nobody has settled yet.
UNSETTLED_TXN_STATUSES = (
    TxnStatusChoices.INITIATED,
    TxnStatusChoices.PENDING,
    TxnStatusChoices.HELD,
)
TXN_STATUS_CHOICES = [
    (TXN_OPEN, _("Waiting (initiated, pending or held)")),
    (TXN_ALL, _("All")),
    *TxnStatusChoices.choices,
]


def _gateways(request):
    if request is None:
        return PaymentGateway.objects.none()
    return PaymentGateway.objects.filter(tenant_id=request.user.tenant_id).order_by(
        "sort_order", "provider"
    )


class GatewayTransactionFilterSet(django_filters.FilterSet):
    """Bills & Payments → Verify Payments: the waiting attempts by default; "All"
    finds succeeded, failed and refunded ones too."""

    q = django_filters.CharFilter(label=_("Customer or reference"), method="search")
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=TXN_STATUS_CHOICES,
        method="filter_status",
        empty_label=None,
    )
    gateway = django_filters.ModelChoiceFilter(label=_("Gateway"), queryset=_gateways)
    created_from = django_filters.DateFilter(
        label=_("From"), field_name="created_at", lookup_expr="date__gte", widget=DATE
    )
    created_to = django_filters.DateFilter(
        label=_("To"), field_name="created_at", lookup_expr="date__lte", widget=DATE
    )

    class Meta:
        model = GatewayTransaction
        fields = ["q", "status", "gateway", "created_from", "created_to"]

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("status"):
            data = data.copy()
            data["status"] = TXN_OPEN
        super().__init__(data, *args, **kwargs)

    def filter_status(self, queryset, name, value):
        if value == TXN_ALL:
            return queryset
        if value in ("", TXN_OPEN, None):
            return queryset.filter(status__in=UNSETTLED_TXN_STATUSES)
        return queryset.filter(status=value)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(gateway_ref__icontains=value)
            | Q(gateway_txn_id__icontains=value)
            | Q(customer__username__icontains=value)
            | Q(customer__name__icontains=value)
        )


OPEN = "open"
STATUS_CHOICES = [(OPEN, _("Open (unpaid or partly paid)")), *BillStatusChoices.choices]


class MonthField(forms.CharField):
    """A month as <input type="month"> sends it: 2026-12."""

    widget = forms.TextInput(attrs={"type": "month"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return datetime.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("Enter a month such as 2026-12.")) from None


class MonthFilter(django_filters.Filter):
    field_class = MonthField

    def filter(self, qs, value):
        if not value:
            return qs
        following = (value.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return qs.filter(period_start__gte=value, period_start__lt=following)


class BulkBillFilterSet(django_filters.FilterSet):
    """Bills & Payments → Manage Bulk Bills: open bills by default."""

    operator = django_filters.ModelChoiceFilter(
        label=_("Operator"), queryset=_reachable(Operator, "bills.view", ["path"])
    )
    zone = django_filters.ModelChoiceFilter(
        label=_("Zone"),
        field_name="customer__zone",
        queryset=_reachable(Zone, "bills.view", ["name"]),
    )
    billing_profile = django_filters.ModelChoiceFilter(
        label=_("Billing profile"),
        field_name="customer__billing_profile",
        queryset=_billing_profiles("bills.view"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="filter_status", empty_label=_("Any")
    )
    period = MonthFilter(label=_("Period (month)"))

    class Meta:
        model = Bill
        fields = ["operator", "zone", "billing_profile", "status", "period"]

    def __init__(self, data=None, *args, **kwargs):
        # Open bills unless the user chose otherwise ("Any" sends status=).
        if data is not None and "status" not in data:
            data = data.copy()
            data["status"] = OPEN
        super().__init__(data, *args, **kwargs)

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status=value)
