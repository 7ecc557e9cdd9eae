"""Catalog forms. Plain forms (not ModelForms), as in network: the services check and
save. Choices come from the scoped queryset restricted to the user's reach, so another
ISP's PPPoE profile, pool, VAT profile or operator is "not a valid choice"."""

from django import forms
from django.utils.translation import gettext_lazy as _

from netbill.accounts.models import Operator
from netbill.core.forms import ConfirmDeleteForm
from netbill.core.permissions import restrict
from netbill.network.choices import IPPoolKindChoices
from netbill.network.models import IPPool, PPPoEProfile

from .choices import (
    BillingProfileTypeChoices,
    MasterPackageConnectionTypeChoices,
    MasterPackageValidityChoices,
    VATProfileModeChoices,
)
from .models import BillingProfile, MasterPackage, OperatorPackage, VATProfile
from .services import PACKAGE_FIELDS

__all__ = [
    "BillingProfileForm",
    "ConfirmDeleteForm",
    "MasterPackageForm",
    "OperatorPackageForm",
    "VATProfileForm",
]

PACKAGES = "packages.manage"

DUE_DAY_CHOICES = [("0", _("Last day of the month")), *((str(d), str(d)) for d in range(1, 29))]


def _money_field(label, **kwargs):
    return forms.DecimalField(label=label, min_value=0, max_digits=14, decimal_places=2, **kwargs)


def operators_in_reach(user):
    """The operators `user` may give packages and billing profiles to."""
    return restrict(Operator.objects.all(), user, PACKAGES).order_by("path")


class VATProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    rate = forms.DecimalField(
        label=_("Rate (%)"),
        min_value=0,
        max_value=100,
        max_digits=7,
        decimal_places=4,
        help_text=_("e.g. 5 or 7.5"),
    )
    mode = forms.ChoiceField(
        label=_("Mode"), choices=VATProfileModeChoices.choices, initial="exclusive"
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, user=None, instance: VATProfile | None = None, **kwargs):
        self.user, self.instance = user, instance
        if instance is not None:
            kwargs["initial"] = {
                "name": instance.name,
                "rate": instance.rate.normalize(),
                "mode": instance.mode,
                "is_active": instance.is_active,
            }
        super().__init__(*args, **kwargs)

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class BillingProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    billing_type = forms.ChoiceField(
        label=_("Billing type"), choices=BillingProfileTypeChoices.choices, initial="monthly"
    )
    due_day = forms.TypedChoiceField(
        label=_("Due day"), choices=DUE_DAY_CHOICES, coerce=int, initial="1"
    )
    grace_days = forms.IntegerField(
        label=_("Grace days"),
        min_value=0,
        max_value=60,
        initial=0,
        help_text=_("Days after the due date before auto-suspension."),
    )
    auto_billing = forms.BooleanField(label=_("Auto-billing"), required=False, initial=True)
    auto_suspension = forms.BooleanField(label=_("Auto-suspension"), required=False, initial=True)
    operators = forms.ModelMultipleChoiceField(
        label=_("Operators"),
        queryset=Operator.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user=None, instance: BillingProfile | None = None, **kwargs):
        self.user, self.instance = user, instance
        operators = operators_in_reach(user)
        if instance is not None:
            kwargs["initial"] = {
                "name": instance.name,
                "billing_type": instance.billing_type,
                "due_day": str(instance.due_day),
                "grace_days": instance.grace_days,
                "auto_billing": instance.auto_billing,
                "auto_suspension": instance.auto_suspension,
                "operators": list(
                    instance.assignments.filter(operator__in=operators).values_list(
                        "operator_id", flat=True
                    )
                ),
            }
        super().__init__(*args, **kwargs)
        self.fields["operators"].queryset = operators

    def values(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.fields}
        data["operators"] = list(data["operators"])
        return data


class MasterPackageForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    download_kbps = forms.IntegerField(
        label=_("Download (kbit/s)"), min_value=1, help_text=_("e.g. 10000 for 10 Mbit/s")
    )
    upload_kbps = forms.IntegerField(label=_("Upload (kbit/s)"), min_value=1)
    burst_download_kbps = forms.IntegerField(
        label=_("Burst download (kbit/s)"), min_value=1, required=False
    )
    burst_upload_kbps = forms.IntegerField(
        label=_("Burst upload (kbit/s)"), min_value=1, required=False
    )
    burst_threshold_download_kbps = forms.IntegerField(
        label=_("Burst threshold download (kbit/s)"), min_value=1, required=False
    )
    burst_threshold_upload_kbps = forms.IntegerField(
        label=_("Burst threshold upload (kbit/s)"), min_value=1, required=False
    )
    burst_time_seconds = forms.IntegerField(
        label=_("Burst time (seconds)"), min_value=1, required=False
    )
    price = _money_field(_("Price"))
    validity = forms.ChoiceField(
        label=_("Validity"), choices=MasterPackageValidityChoices.choices, initial="monthly"
    )
    validity_days = forms.IntegerField(
        label=_("Validity (days)"),
        min_value=1,
        required=False,
        help_text=_("Only for a validity of a number of days."),
    )
    pppoe_profile = forms.ModelChoiceField(
        label=_("PPPoE profile"), queryset=PPPoEProfile.objects.none(), required=False
    )
    connection_types = forms.MultipleChoiceField(
        label=_("Allowed connection types"),
        choices=MasterPackageConnectionTypeChoices.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    vat_profile = forms.ModelChoiceField(
        label=_("VAT profile"), queryset=VATProfile.objects.none(), required=False
    )
    fup_data_limit_gb = forms.IntegerField(
        label=_("FUP data limit (GB)"),
        min_value=1,
        required=False,
        help_text=_("Leave empty for no Fair Usage Policy."),
    )
    fup_download_kbps = forms.IntegerField(
        label=_("FUP download (kbit/s)"), min_value=1, required=False
    )
    fup_upload_kbps = forms.IntegerField(
        label=_("FUP upload (kbit/s)"), min_value=1, required=False
    )
    fup_pool = forms.ModelChoiceField(
        label=_("FUP pool"), queryset=IPPool.objects.none(), required=False
    )

    def __init__(self, *args, user=None, instance: MasterPackage | None = None, **kwargs):
        self.user, self.instance = user, instance
        if instance is not None:
            initial = {f: getattr(instance, f) for f in PACKAGE_FIELDS}
            for f in ("pppoe_profile", "vat_profile", "fup_pool"):
                initial[f] = getattr(instance, f"{f}_id")
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        # A PPPoE profile, pool or VAT profile is network/settings data: any holder of
        # packages.manage may pick the ISP's own (they are tenant-wide, not owned).
        self.fields["pppoe_profile"].queryset = PPPoEProfile.objects.filter(
            tenant_id=getattr(user, "tenant_id", None)
        ).order_by("name")
        self.fields["vat_profile"].queryset = VATProfile.objects.filter(
            tenant_id=getattr(user, "tenant_id", None)
        ).order_by("name")
        self.fields["fup_pool"].queryset = IPPool.objects.filter(
            tenant_id=getattr(user, "tenant_id", None), kind=IPPoolKindChoices.FUP
        ).order_by("name")

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class OperatorPackageForm(forms.Form):
    """Assign (operator and master package chosen once) or re-price an operator package."""

    operator = forms.ModelChoiceField(label=_("Operator"), queryset=Operator.objects.none())
    master_package = forms.ModelChoiceField(
        label=_("Master package"), queryset=MasterPackage.objects.none()
    )
    operator_price = _money_field(_("Operator price"), help_text=_("What the operator pays."))
    customer_price = _money_field(
        _("Customer price"), help_text=_("What the operator's customers pay; not below it.")
    )

    def __init__(self, *args, user=None, instance: OperatorPackage | None = None, **kwargs):
        self.user, self.instance = user, instance
        if instance is not None:
            kwargs["initial"] = {
                "operator": instance.operator_id,
                "master_package": instance.master_package_id,
                "operator_price": instance.operator_price,
                "customer_price": instance.customer_price,
            }
        elif "initial" not in kwargs:
            kwargs["initial"] = {}
        super().__init__(*args, **kwargs)
        self.fields["operator"].queryset = operators_in_reach(user)
        self.fields["master_package"].queryset = restrict(
            MasterPackage.objects.all(), user, PACKAGES
        ).order_by("name")
        if instance is not None:
            for name in ("operator", "master_package"):
                self.fields[name].disabled = True

    def changes(self) -> dict:
        return {f: self.cleaned_data[f] for f in ("operator_price", "customer_price")}
