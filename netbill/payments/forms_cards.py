"""Recharge card forms: Create Batch, Redeem Card and a card distributor's Add Balance.
Each carries a uuid4 token drawn with the form: the service's idempotency key, so a
double submit creates one batch, one payment, one deposit."""

from django import forms
from django.utils.translation import gettext_lazy as _

from netbill.accounts.choices import OperatorKindChoices
from netbill.accounts.models import Operator
from netbill.core.permissions import restrict
from netbill.customers.models import Customer

from .cards import card_distributors
from .forms import TokenField, new_token


class _Tokened(forms.Form):
    token = TokenField()

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not self.is_bound:
            self.initial.setdefault("token", new_token())


class CardBatchForm(_Tokened):
    """Recharge Cards → Create Batch. Leave both "issued to" fields empty for the ISP's
    own stock."""

    name = forms.CharField(label=_("Name"), max_length=64)
    prefix = forms.CharField(
        label=_("Serial prefix"),
        max_length=8,
        help_text=_("1 to 8 letters or digits; serials run PREFIX-000001, PREFIX-000002…"),
    )
    value = forms.CharField(
        label=_("Value of one card"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    count = forms.IntegerField(label=_("Number of cards"), min_value=1, max_value=10_000)
    valid_until = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    operator = forms.ModelChoiceField(
        label=_("Issued to operator"),
        queryset=Operator.objects.none(),
        required=False,
        help_text=_("A reseller pays for the cards from its deposit."),
    )
    distributor = forms.ModelChoiceField(
        label=_("Issued to card distributor"),
        queryset=Operator.objects.none(),
        required=False,
        help_text=_("A card distributor pays for the cards from its balance."),
    )

    field_order = ["name", "prefix", "value", "count", "valid_until", "operator", "distributor"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        self.fields["operator"].queryset = restrict(
            Operator.objects.exclude(kind=OperatorKindChoices.ROOT), user, "cards.manage"
        ).order_by("path")
        self.fields["distributor"].queryset = restrict(
            card_distributors(user.tenant_id).select_related("operator"), user, "cards.manage"
        ).order_by("username")
        self.fields["distributor"].label_from_instance = lambda u: (
            f"{u.name or u.username} ({u.username})"
        )


class CardRedeemForm(_Tokened):
    """Recharge Cards → Redeem Card: the customer (by username, within reach) and the
    PIN scratched off the card."""

    username = forms.CharField(label=_("Customer username"), max_length=64)
    pin = forms.CharField(
        label=_("PIN"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        help_text=_("As printed on the card, such as ABCD-EFGH-JKMN-PQ."),
    )

    field_order = ["username", "pin"]

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        customer = (
            restrict(Customer.objects.select_related("tenant"), self.user, "cards.sell")
            .filter(username=username)
            .first()
        )
        if customer is None:
            raise forms.ValidationError(
                _("No customer with this username within your reach."), code="unknown"
            )
        self.customer = customer
        return username


class DistributorAddBalanceForm(_Tokened):
    """Card Distributors → Add Balance: the distributor paid the ISP."""

    amount = forms.CharField(
        label=_("Amount"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reference = forms.CharField(
        label=_("Reference note"),
        max_length=255,
        help_text=_("The receipt or bank slip the money came with."),
    )

    field_order = ["amount", "reference"]
