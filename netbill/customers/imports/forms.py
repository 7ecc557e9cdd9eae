"""The wizard's forms: the upload, the column mapping and the import choice."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from netbill.core.permissions import restrict

from .mapping import FIELD_LABELS, IGNORE
from .reader import too_big

# Without these columns (or a default for them) no row could be valid.
NEEDED = ("name", "mobile", "username", "package")


class CustomerImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("An .xlsx or .csv file; the first row holds the column headers."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        message = too_big(upload.size)
        if message:
            raise forms.ValidationError(message)
        return upload


class CustomerImportMappingForm(forms.Form):
    """One select per column, then the defaults for empty cells and the update choice."""

    update_existing = forms.BooleanField(
        label=_("Update customers whose username already exists"),
        required=False,
        help_text=_("Otherwise such rows are rejected. Empty cells never clear a customer's data."),
    )

    def __init__(self, *args, headers, choices, initial_mapping, user, **kwargs):
        super().__init__(*args, **kwargs)
        from netbill.accounts.models import Operator
        from netbill.catalog.models import BillingProfile

        self.headers = headers
        self.column_names = []
        for index, header in enumerate(headers):
            name = f"col_{index}"
            self.column_names.append(name)
            self.fields[name] = forms.ChoiceField(
                label=header or _("(column %(n)s without a header)") % {"n": index + 1},
                choices=choices,
                required=False,
                initial=initial_mapping[index] if index < len(initial_mapping) else IGNORE,
            )
        self.fields["default_operator"] = forms.ModelChoiceField(
            label=_("Operator for rows without one"),
            queryset=restrict(Operator.objects.all(), user, "customers.create").order_by("path"),
            required=False,
        )
        self.fields["default_billing_profile"] = forms.ModelChoiceField(
            label=_("Billing profile for rows without one"),
            queryset=BillingProfile.objects.filter(tenant_id=user.tenant_id),
            required=False,
        )
        self.order_fields([*self.column_names, "default_operator", "default_billing_profile"])

    def column_fields(self):
        return [self[name] for name in self.column_names]

    def clean(self):
        data = super().clean()
        mapping = [data.get(name) or IGNORE for name in self.column_names]
        used = [f for f in mapping if f]
        twice = sorted({f for f in used if used.count(f) > 1})
        if twice:
            raise forms.ValidationError(
                _("Each field can come from one column only: %(fields)s.")
                % {"fields": ", ".join(str(FIELD_LABELS.get(f, f)) for f in twice)}
            )
        needed = list(NEEDED)
        if not data.get("default_operator"):
            needed.append("operator")
        if not data.get("default_billing_profile"):
            needed.append("billing_profile")
        missing = [f for f in needed if f not in used]
        if missing:
            raise forms.ValidationError(
                _("Choose a column for: %(fields)s.")
                % {"fields": ", ".join(str(FIELD_LABELS[f]) for f in missing)}
            )
        data["mapping"] = mapping
        return data


class CustomerImportRunForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("What to import"),
        choices=[
            ("valid", _("Import the valid rows (the others go to the rejected-rows file)")),
            ("all", _("Import only if every row is valid")),
        ],
        initial="valid",
        widget=forms.RadioSelect,
    )
