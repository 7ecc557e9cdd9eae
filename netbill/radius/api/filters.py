"""Filters of /api/v1/radius-sessions/ and /api/v1/coa-attempts/."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import CoAAttempt, RadiusAccounting


class RadiusSessionFilterSet(django_filters.FilterSet):
    username = django_filters.CharFilter(label=_("Username"))
    open = django_filters.BooleanFilter(
        label=_("Open"), field_name="stop_time", lookup_expr="isnull"
    )
    # Sessions that were running at some time in [since, until].
    since = django_filters.IsoDateTimeFilter(label=_("Since"), method="filter_since")
    until = django_filters.IsoDateTimeFilter(
        label=_("Until"), field_name="start_time", lookup_expr="lte"
    )

    class Meta:
        model = RadiusAccounting
        fields = ["username", "open", "since", "until"]

    def filter_since(self, queryset, name, value):
        # Still open, or stopped at or after `since`.
        return queryset.filter(Q(stop_time__isnull=True) | Q(stop_time__gte=value))


class CoAAttemptFilterSet(django_filters.FilterSet):
    username = django_filters.CharFilter(label=_("Username"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CoAAttempt.Kind.choices)
    outcome = django_filters.ChoiceFilter(label=_("Outcome"), choices=CoAAttempt.Outcome.choices)

    class Meta:
        model = CoAAttempt
        fields = ["username", "kind", "outcome"]
