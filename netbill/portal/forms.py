"""Forms of the customer portal, the suspension portal and Settings → Suspension Portal
Settings."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from netbill.payments.services import clean_amount

from .models import SuspensionPortalSettings

__all__ = [
    "IspCodeForm",
    "PayForm",
    "PortalLoginForm",
    "RedeemForm",
    "SuspensionPortalSettingsForm",
    "add_errors",
]

MAX_LOGO_BYTES = 1024 * 1024


def add_errors(form, exc: ValidationError) -> None:
    """A service's refusal on the form: errors naming one of its fields go there, the
    rest on top (Form.add_error would refuse a field the form does not have)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class IspCodeForm(forms.Form):
    code = forms.SlugField(
        label=_("Your ISP's code"),
        max_length=50,
        help_text=_("It is printed on your bill and on your ISP's website."),
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip().lower()


class PortalLoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PayForm(forms.Form):
    """Choose one of the ISP's active gateways and, optionally, the amount."""

    gateway = forms.TypedChoiceField(label=_("Pay with"), coerce=int, widget=forms.RadioSelect)
    amount = forms.CharField(
        label=_("Amount"),
        required=False,
        max_length=20,
        help_text=_("Leave it as it is to pay everything that is due."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args, gateways=(), with_amount=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.gateways = {g.pk: g for g in gateways}
        self.fields["gateway"].choices = [(g.pk, g.label) for g in gateways]
        if not with_amount:
            del self.fields["amount"]

    def clean_amount(self):
        value = (self.cleaned_data.get("amount") or "").strip()
        if not value:
            return None
        try:
            return clean_amount(value)
        except ValidationError as exc:
            raise forms.ValidationError(exc.error_dict["amount"][0].messages) from None

    def chosen_gateway(self):
        return self.gateways[self.cleaned_data["gateway"]]


class RedeemForm(forms.Form):
    pin = forms.CharField(
        label=_("Recharge card PIN"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class SuspensionPortalSettingsForm(forms.ModelForm):
    """Settings → Suspension Portal Settings."""

    class Meta:
        model = SuspensionPortalSettings
        fields = [
            "title",
            "message",
            "contact_phone",
            "contact_email",
            "contact_address",
            "logo",
            "show_pay_button",
        ]
        widgets = {"message": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "size") and logo.size > MAX_LOGO_BYTES:
            raise forms.ValidationError(_("The logo must be at most 1 MB."))
        return logo

    def values(self) -> dict:
        """The fields for the service (the logo only when it changed; False clears it)."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "logo"}
        if "logo" in self.changed_data:
            logo = self.cleaned_data.get("logo")
            data["logo"] = "" if logo is False else logo
        return data
