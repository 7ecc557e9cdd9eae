"""Forms of Send Payment Link (customer profile) and Bills & Payments → Payment Link
Broadcast. Choice lists hold only what the user reaches (built per request)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from netbill.accounts.models import Operator
from netbill.core.permissions import restrict
from netbill.tenancy.models import Zone

from .links import (
    DEFAULT_VALID_DAYS,
    MAX_VALID_DAYS,
    PERMISSION,
    LinkChannelChoices,
    LinkPaymentStatusChoices,
)

__all__ = ["PaymentLinkBroadcastForm", "PaymentLinkSendForm"]


def _valid_days_field():
    return forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=MAX_VALID_DAYS,
        initial=DEFAULT_VALID_DAYS,
    )


def _channel_field():
    return forms.ChoiceField(
        label=_("Send by"),
        choices=LinkChannelChoices.choices,
        initial=LinkChannelChoices.COPY,
        help_text=_("SMS and WhatsApp are sent by the notifications module when it is set up."),
    )


class PaymentLinkSendForm(forms.Form):
    """Send Payment Link: how to send it and how long it stays valid."""

    channel = _channel_field()
    valid_days = _valid_days_field()

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)


class PaymentLinkBroadcastForm(forms.Form):
    """Payment Link Broadcast: which customers (zone, operator, payment status), how to
    send, how long the links stay valid."""

    zone = forms.ModelChoiceField(
        label=_("Zone"), queryset=Zone.objects.none(), required=False, empty_label=_("All")
    )
    operator = forms.ModelChoiceField(
        label=_("Operator"),
        queryset=Operator.objects.none(),
        required=False,
        empty_label=_("All in my reach"),
        help_text=_("Its sub-operators' customers are included."),
    )
    payment_status = forms.ChoiceField(
        label=_("Payment status"),
        choices=LinkPaymentStatusChoices.choices,
        initial=LinkPaymentStatusChoices.DUE,
    )
    channel = _channel_field()
    valid_days = _valid_days_field()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user is not None:
            self.fields["zone"].queryset = restrict(Zone.objects.all(), user, PERMISSION).order_by(
                "name"
            )
            self.fields["operator"].queryset = restrict(
                Operator.objects.all(), user, PERMISSION
            ).order_by("path")
