"""Bills & Payments → Bills: the list's filters (operator, the customer's zone and
billing profile, status, period month, kind) and one search box over the customer's
name and username and the bill number."""

import re
from datetime import date

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from netbill.accounts.models import Operator
from netbill.catalog.models import BillingProfile
from netbill.core.permissions import restrict
from netbill.tenancy.models import Zone

from .choices import BillKindChoices, BillStatusChoices
from .models import Bill

VIEW = "bills.view"

# "INV-000123", "inv-123", "000123" or "123": the number's digits are the bill's pk
# (Bill.number is "<invoice prefix>-<pk, six digits>").
_NUMBER = re.compile(r"(?:[A-Za-z0-9-]*-)?0*(\d{1,12})")


def _reachable(model, order):
    """A ModelChoiceFilter queryset: `model`'s rows the viewer reaches with bills.view
    (built per request, never at import time)."""

    def queryset(request):
        if request is None:
            return model.objects.none()
        return restrict(model.objects.all(), request.user, VIEW).order_by(*order)

    return queryset


class MonthField(forms.CharField):
    """A month as "YYYY-MM" (what `<input type="month">` sends) → its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-12"})
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, e.g. 2026-12.")}

    def to_python(self, value):
        value = super().to_python(value).strip()
        if not value:
            return None
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", value)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return date(int(match.group(1)), int(match.group(2)), 1)


class MonthFilter(django_filters.Filter):
    """Bills whose period starts in the month."""

    field_class = MonthField

    def filter(self, qs, value):
        if not value:
            return qs
        following = date(value.year + value.month // 12, value.month % 12 + 1, 1)
        return qs.filter(period_start__gte=value, period_start__lt=following)


class BillFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    operator = django_filters.ModelChoiceFilter(
        label=_("Operator"), queryset=_reachable(Operator, ["path"])
    )
    zone = django_filters.ModelChoiceFilter(
        label=_("Zone"), field_name="customer__zone", queryset=_reachable(Zone, ["name"])
    )
    billing_profile = django_filters.ModelChoiceFilter(
        label=_("Billing profile"),
        field_name="customer__billing_profile",
        queryset=_reachable(BillingProfile, ["name"]),
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=BillStatusChoices.choices)
    period = MonthFilter(label=_("Period (month)"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=BillKindChoices.choices)

    class Meta:
        model = Bill
        fields = ["q", "operator", "zone", "billing_profile", "status", "period", "kind"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        match = Q(customer__name__icontains=value) | Q(customer__username__icontains=value)
        number = _NUMBER.fullmatch(value)
        if number:
            match |= Q(pk=int(number.group(1)))
        return queryset.filter(match)
