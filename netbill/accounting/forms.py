"""Forms of the accounting pages: the account statement's period and sub-ledger, and the
journal's filters."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import EntrySourceChoices
from .models import JournalEntry


def _date_field(label):
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class AccountStatementForm(forms.Form):
    """?start=&end= and an optional customer or operator sub-ledger. The ids are looked
    up by the view within the user's reach (out of reach: 404), not offered as choices:
    an ISP has hundreds of thousands of customers."""

    start = _date_field(_("From"))
    end = _date_field(_("To"))
    customer = forms.IntegerField(
        label=_("Customer"), required=False, min_value=1, widget=forms.HiddenInput
    )
    # Offered as a list of the operators in reach, but any id passes the form: the view
    # answers 404 for one out of reach rather than a form error.
    operator = forms.IntegerField(
        label=_("Operator"), required=False, min_value=1, widget=forms.Select
    )

    def __init__(self, *args, operators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operator"].widget.choices = [
            ("", _("All")),
            *[(o.pk, o.name) for o in operators],
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end lies before the start."))
        if data.get("customer") and data.get("operator"):
            self.add_error(None, _("Choose a customer or an operator, not both."))
        return data


class JournalFilterSet(django_filters.FilterSet):
    """Accounting → Journal: a date range and the source of the entries."""

    start = django_filters.DateFilter(
        field_name="date",
        lookup_expr="gte",
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = django_filters.DateFilter(
        field_name="date",
        lookup_expr="lte",
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    source = django_filters.ChoiceFilter(choices=EntrySourceChoices.choices, label=_("Source"))
    memo = django_filters.CharFilter(lookup_expr="icontains", label=_("Memo"))

    class Meta:
        model = JournalEntry
        fields = ["start", "end", "source", "memo"]
