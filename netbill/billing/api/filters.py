"""Filters of /api/v1/bills/ and /api/v1/bill-runs/: Manage Bulk Bills' filters
(status, operator, customer, kind, period, billing profile, zone) and `search` over the
customer's name, username and mobile.

Related objects are filtered by id: the queryset is already cut down to the caller's
ISP and subtree, so naming someone else's id only finds nothing.
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import (
    OPEN_STATUSES,
    BillKindChoices,
    BillRunKindChoices,
    BillRunStatusChoices,
    BillStatusChoices,
)
from ..models import Bill, BillRun


class BillAPIFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(label=_("Search"), method="filter_search")
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=BillStatusChoices.choices
    )
    open = django_filters.BooleanFilter(label=_("Unpaid or partly paid"), method="filter_open")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=BillKindChoices.choices)
    operator = django_filters.NumberFilter(label=_("Operator"), field_name="operator_id")
    customer = django_filters.NumberFilter(label=_("Customer"), field_name="customer_id")
    billing_profile = django_filters.NumberFilter(
        label=_("Billing profile"), field_name="customer__billing_profile_id"
    )
    zone = django_filters.NumberFilter(label=_("Zone"), field_name="customer__zone_id")
    bill_run = django_filters.NumberFilter(label=_("Bill run"), field_name="bill_run_id")
    # ?period_start_after=2026-12-01&period_start_before=2026-12-31 (both included)
    period_start = django_filters.DateFromToRangeFilter(label=_("Period start"))
    due_date = django_filters.DateFromToRangeFilter(label=_("Due date"))

    class Meta:
        model = Bill
        fields = [
            "search",
            "status",
            "open",
            "kind",
            "operator",
            "customer",
            "billing_profile",
            "zone",
            "bill_run",
            "period_start",
            "due_date",
        ]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(customer__name__icontains=value)
            | Q(customer__username__icontains=value)
            | Q(customer__mobile__icontains=value)
        )

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.exclude(status__in=OPEN_STATUSES)


class BillRunAPIFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=BillRunKindChoices.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=BillRunStatusChoices.choices)
    run_date = django_filters.DateFromToRangeFilter(label=_("Date"))

    class Meta:
        model = BillRun
        fields = ["kind", "status", "run_date"]
