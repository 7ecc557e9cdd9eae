"""Forms of the payments pages: Receive Payment and Advance Payment on the customer
profile, and the two actions of Manage Bulk Bills.

Each form carries a hidden token, a fresh uuid4 made when the form is drawn. The view
passes it to the service as the idempotency key, so a double click (the same form sent
twice) records one payment."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from netbill.core.exceptions import BusinessRuleError

from .choices import PaymentMethodChoices
from .services import clean_amount

__all__ = [
    "BulkCancelForm",
    "BulkPayForm",
    "PaymentReceiveForm",
    "new_token",
]

METHOD_CHOICES = [
    (PaymentMethodChoices.CASH.value, PaymentMethodChoices.CASH.label),
    (PaymentMethodChoices.BANK.value, PaymentMethodChoices.BANK.label),
]


def new_token() -> str:
    return uuid.uuid4().hex


class TokenField(forms.CharField):
    """The form's idempotency token: a uuid4 in hex (anything else is refused, so a
    token can never be made to collide with another kind of key)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", True)
        kwargs.setdefault(
            "error_messages",
            {"required": _("The form has expired; open it again and resend it.")},
        )
        super().__init__(max_length=64, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return uuid.UUID(value).hex
        except (TypeError, ValueError):
            raise forms.ValidationError(
                _("The form has expired; open it again and resend it."), code="token"
            ) from None


class PaymentReceiveForm(forms.Form):
    """Receive Payment / Advance Payment: how much, how, and a note."""

    amount = forms.CharField(
        label=_("Amount"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("For example 525 or 525.50."),
    )
    method = forms.ChoiceField(
        label=_("Method"), choices=METHOD_CHOICES, initial=PaymentMethodChoices.CASH
    )
    reference = forms.CharField(
        label=_("Reference"),
        max_length=128,
        required=False,
        help_text=_("A bank slip or transaction number, if any."),
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)
    token = TokenField()

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.customer = instance

    def clean_amount(self):
        # The service's own rule (positive, two places, never a float), shown on the
        # field; the service checks it again.
        try:
            return clean_amount(self.cleaned_data["amount"])
        except BusinessRuleError as exc:
            raise forms.ValidationError(exc.messages) from None


class BulkPayForm(forms.Form):
    """Manage Bulk Bills → Bulk Bill Paid: the ticked bills, a reference, the token."""

    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=128,
        required=False,
        help_text=_("Written on every payment, e.g. “Collection of 5 May, zone A”."),
    )
    token = TokenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is accepted here; the service checks each one is in the user's reach.
        self.fields["ids"].valid_value = lambda value: True

    def clean_ids(self):
        ids = self.cleaned_data["ids"]
        if not ids:
            raise forms.ValidationError(_("Select at least one bill."))
        return ids


class BulkCancelForm(forms.Form):
    """Manage Bulk Bills → Cancel selected: the ticked bills and the reason."""

    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].valid_value = lambda value: True

    def clean_ids(self):
        ids = self.cleaned_data["ids"]
        if not ids:
            raise forms.ValidationError(_("Select at least one bill."))
        return ids

    def clean_reason(self):
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(_("Give a reason for the cancellation."))
        return reason
