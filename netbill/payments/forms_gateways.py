"""Forms of Settings → Payment Gateways, Verify Payments (Refund) and Customer Payments
(Reverse). Shapes only: `gateway_admin.gateway_configure`, `gateway_services.txn_refund`
and `reversal.payment_reverse` decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .gateway_admin import missing_credentials

PREFIX = "cred_"
# Credentials pasted as several lines (PEM keys): a text area, not a one-line input.
MULTILINE_HINTS = ("private_key", "public_key", "pem", "certificate")


def credential_field_name(name: str) -> str:
    return f"{PREFIX}{name}"


def _multiline(field) -> bool:
    return bool(getattr(field, "multiline", False)) or any(
        hint in field.name.lower() for hint in MULTILINE_HINTS
    )


class GatewayForm(forms.Form):
    """One provider's settings and its module's credential fields. A secret is never
    drawn back into the page: its input is empty, and left empty it keeps the stored
    value. Required credentials are required only while the gateway is Active."""

    display_name = forms.CharField(
        label=_("Name shown to customers"),
        max_length=64,
        required=False,
        help_text=_("Leave blank to use the gateway's own name."),
    )
    is_sandbox = forms.TypedChoiceField(
        label=_("Mode"),
        choices=[("1", _("Sandbox (test)")), ("0", _("Live"))],
        coerce=lambda v: v in ("1", True, "True"),
        widget=forms.RadioSelect,
        initial="1",
    )
    is_active = forms.BooleanField(
        label=_("Active: customers may pay with this gateway"), required=False
    )
    sort_order = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        max_value=32767,
        initial=0,
        help_text=_("Lower numbers are listed first on the payment page."),
    )

    def __init__(self, *args, module, gateway=None, **kwargs):
        self.module = module
        self.gateway = gateway
        self.stored = gateway.get_credentials() if gateway is not None else {}
        if gateway is not None:
            kwargs.setdefault(
                "initial",
                {
                    "display_name": gateway.display_name,
                    "is_sandbox": "1" if gateway.is_sandbox else "0",
                    "is_active": gateway.is_active,
                    "sort_order": gateway.sort_order,
                },
            )
        super().__init__(*args, **kwargs)
        initial = dict(self.initial)
        for field in module.fields:
            name = credential_field_name(field.name)
            help_text = field.help or ""
            if field.secret:
                widget = (
                    forms.Textarea(attrs={"rows": 4, "autocomplete": "off"})
                    if _multiline(field)
                    else forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
                )
                if self.stored.get(field.name):
                    help_text = _("Stored. Leave blank to keep it; type a new value to replace it.")
            else:
                widget = (
                    forms.Textarea(attrs={"rows": 4}) if _multiline(field) else forms.TextInput()
                )
                initial[name] = self.stored.get(field.name, "")
            self.fields[name] = forms.CharField(
                label=field.label,
                required=False,
                strip=True,
                widget=widget,
                help_text=help_text,
            )
        self.initial = initial

    def credential_names(self) -> list[str]:
        return [credential_field_name(f.name) for f in self.module.fields]

    def secret_stored(self, name: str) -> bool:
        return bool(self.stored.get(name))

    def clean(self):
        data = super().clean()
        if data.get("is_active"):
            merged = dict(self.stored)
            for field in self.module.fields:
                value = data.get(credential_field_name(field.name)) or ""
                if value or not field.secret:
                    merged[field.name] = value
            for name in missing_credentials(self.module.provider, merged):
                self.add_error(
                    credential_field_name(name), _("Required while the gateway is active.")
                )
        return data

    def values(self) -> dict:
        """The credentials as the service takes them (module field name → value)."""
        return {
            f.name: self.cleaned_data.get(credential_field_name(f.name)) or ""
            for f in self.module.fields
        }

    def field_map(self) -> dict:
        """Service error keys (credential names) → form field names."""
        return {f.name: credential_field_name(f.name) for f in self.module.fields}


class ReasonForm(forms.Form):
    """Why a payment is reversed or refunded (kept on the payment, in its reversing
    entry and in the audit trail)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
