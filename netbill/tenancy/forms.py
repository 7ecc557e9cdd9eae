import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Tenant
from .services import COMPANY_FIELDS

MAX_LOGO_BYTES = 1024 * 1024


def time_zone_choices():
    return [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz]


class CompanyForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    class Meta:
        model = Tenant
        fields = COMPANY_FIELDS
        widgets = {
            "address": forms.Textarea(attrs={"rows": 2}),
            "invoice_footer": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "size") and logo.size > MAX_LOGO_BYTES:
            raise forms.ValidationError(_("The logo must be at most 1 MB."))
        return logo

    def clean_currency(self):
        return (self.cleaned_data.get("currency") or "").upper()

    def changes(self) -> dict:
        """Only what the user changed, for the service."""
        data = {name: self.cleaned_data[name] for name in self.changed_data}
        if data.get("logo") is False:
            # The "Clear" box of the logo input: False means "no logo" (as a ModelForm's
            # save_form_data does); set as is, the model would fail to save it.
            data["logo"] = ""
        return data


class ZoneForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    description = forms.CharField(label=_("Description"), max_length=255, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, user=None, instance=None, **kwargs):
        self.user, self.instance = user, instance
        if instance is not None:
            kwargs["initial"] = {
                "name": instance.name,
                "description": instance.description,
                "is_active": instance.is_active,
            }
        super().__init__(*args, **kwargs)

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}
