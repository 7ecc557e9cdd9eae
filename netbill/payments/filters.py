"""Filters of Bills & Payments → Customer Payments and Manage Bulk Bills. Every choice
list holds only what the viewer reaches (built per request, never at import time)."""

import datetime

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

from .choices import PaymentKindChoices, PaymentMethodChoices
from .models import Payment

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

    q = django_filters.CharFilter(label=_("Customer"), method="search")
    received_from = django_filters.DateFilter(
        label=_("From"), field_name="received_at", lookup_expr="date__gte", widget=DATE
    )
    received_to = django_filters.DateFilter(
        label=_("To"), field_name="received_at", lookup_expr="date__lte", widget=DATE
    )
    method = django_filters.ChoiceFilter(label=_("Method"), choices=PaymentMethodChoices.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=PaymentKindChoices.choices)
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
            "operator",
            "collector",
            "received_by",
            "zone",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(customer__username__icontains=value) | Q(customer__name__icontains=value)
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
