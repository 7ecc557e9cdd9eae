"""Filters of /api/v1/customers/: the customer list page's filters (zone, package,
status, operator, connection type) and `search` over name, username and mobile.

Related objects are filtered by id: the queryset is already cut down to the caller's
ISP and subtree, so naming someone else's id only finds nothing.
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import ConnectionTypeChoices, CustomerStatusChoices
from ..models import Customer


class CustomerAPIFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(label=_("Search"), method="filter_search")
    zone = django_filters.NumberFilter(label=_("Zone"), field_name="zone_id")
    package = django_filters.NumberFilter(label=_("Package"), field_name="package_id")
    operator = django_filters.NumberFilter(label=_("Operator"), field_name="operator_id")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CustomerStatusChoices.choices)
    connection_type = django_filters.ChoiceFilter(
        label=_("Connection type"), choices=ConnectionTypeChoices.choices
    )

    class Meta:
        model = Customer
        fields = ["search", "zone", "package", "operator", "status", "connection_type"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(username__icontains=value) | Q(mobile__icontains=value)
        )
