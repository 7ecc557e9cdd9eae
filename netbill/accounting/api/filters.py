"""Filters of /api/v1/accounts/ and /api/v1/journal-entries/: the Accounting pages'
filters (account type; the journal's date range, source and account)."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from ..choices import AccountTypeChoices, EntrySourceChoices
from ..models import Account, JournalEntry, JournalLine


class AccountAPIFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(label=_("Search"), method="filter_search")
    type = django_filters.ChoiceFilter(label=_("Type"), choices=AccountTypeChoices.choices)
    key = django_filters.CharFilter(label=_("System key"), field_name="key")

    class Meta:
        model = Account
        fields = ["search", "type", "key"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__istartswith=value) | Q(name__icontains=value))


class JournalEntryAPIFilterSet(django_filters.FilterSet):
    # ?date_after=2026-12-01&date_before=2026-12-31 (both ends included)
    date = django_filters.DateFromToRangeFilter(label=_("Date"))
    source = django_filters.ChoiceFilter(label=_("Source"), choices=EntrySourceChoices.choices)
    source_id = django_filters.NumberFilter(label=_("Source id"), field_name="source_id")
    account = django_filters.NumberFilter(label=_("Account"), method="filter_account")

    class Meta:
        model = JournalEntry
        fields = ["date", "source", "source_id", "account"]

    def filter_account(self, queryset, name, value):
        # Entries with at least one line on the account (EXISTS: no duplicate rows).
        lines = JournalLine.objects.filter(entry_id=OuterRef("pk"), account_id=value)
        return queryset.filter(Exists(lines))
