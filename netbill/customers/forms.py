"""Customer settings forms, and the builder that turns the ISP's custom fields into form
fields for the customer forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from netbill.core.permissions import restrict

from .choices import ConnectionTypeChoices, CustomerStatusChoices, CustomFieldTypeChoices
from .constants import MANDATORY_ATTRIBUTE_CHOICES
from .models import CustomField, MandatoryAttributes

__all__ = [
    "CUSTOM_FIELD_PREFIX",
    "CustomFieldForm",
    "CustomerForm",
    "CustomerPriceForm",
    "CustomerStatusForm",
    "MandatoryAttributesForm",
    "custom_field_formfields",
]

# Form field names are the key with this prefix, so that a custom field keyed "email"
# never collides with the built-in customer field of that name.
CUSTOM_FIELD_PREFIX = "cf_"


def custom_field_formfields(tenant) -> dict[str, forms.Field]:
    """The ISP's active custom fields as Django form fields, in their order, named
    `cf_<key>`; a mandatory one is required. The Create and Edit Customer forms add them."""
    fields: dict[str, forms.Field] = {}
    rows = CustomField.objects.filter(tenant=tenant, is_active=True).order_by("order", "name")
    for row in rows:
        common = {"label": row.name, "required": row.mandatory}
        if row.field_type == CustomFieldTypeChoices.NUMBER:
            field = forms.DecimalField(max_digits=20, decimal_places=6, **common)
        elif row.field_type == CustomFieldTypeChoices.DATE:
            field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        elif row.field_type == CustomFieldTypeChoices.DROPDOWN:
            choices = [("", "---------")] + [(c, c) for c in row.choices]
            field = forms.ChoiceField(choices=choices, **common)
        else:
            field = forms.CharField(max_length=255, **common)
        fields[f"{CUSTOM_FIELD_PREFIX}{row.key}"] = field
    return fields


class CustomFieldForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    key = forms.CharField(
        label=_("Key"),
        max_length=64,
        required=False,
        help_text=_("Names the value in the API; made from the name when left empty."),
    )
    field_type = forms.ChoiceField(label=_("Type"), choices=CustomFieldTypeChoices.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Dropdown only: one choice a line."),
    )
    mandatory = forms.BooleanField(label=_("Mandatory"), required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, user=None, instance: CustomField | None = None, **kwargs):
        self.user, self.instance = user, instance
        if instance is not None:
            kwargs["initial"] = {
                "name": instance.name,
                "key": instance.key,
                "field_type": instance.field_type,
                "choices": "\n".join(instance.choices),
                "mandatory": instance.mandatory,
                "order": instance.order,
                "is_active": instance.is_active,
            }
        super().__init__(*args, **kwargs)

    def clean_choices(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class MandatoryAttributesForm(forms.Form):
    required = forms.MultipleChoiceField(
        label=_("Required at registration"),
        choices=MANDATORY_ATTRIBUTE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


#
# Customers
#


def _choice_querysets(user, code):
    """Choices of the customer form, each from the scoped manager and the user's reach:
    operators and operator packages of the subtree; the ISP's zones, billing profiles
    and IPv4 pools. The service re-checks everything (package of the chosen operator,
    billing profile assigned to it, address inside the pool)."""
    from netbill.accounts.models import Operator
    from netbill.catalog.models import BillingProfile, OperatorPackage
    from netbill.network.models import IPPool
    from netbill.tenancy.models import Zone

    return {
        "operator": restrict(Operator.objects.all(), user, code).order_by("path"),
        "package": restrict(
            OperatorPackage.objects.select_related("operator", "master_package"), user, code
        ).order_by("operator__path", "master_package__name"),
        "zone": restrict(Zone.objects.all(), user, code).order_by("name"),
        "billing_profile": restrict(BillingProfile.objects.all(), user, code).order_by("name"),
        "ip_pool": restrict(IPPool.objects.filter(family=4), user, code).order_by("name"),
    }


class CustomerForm(forms.Form):
    """Create Customer and Edit Customer. A plain form: the service checks and saves.

    Custom fields are added as `cf_<key>`; the custom price only for holders of
    customers.custom_price, and only on Create (afterwards it has its own page). The
    fields the ISP made mandatory are marked required.
    """

    name = forms.CharField(label=_("Name"), max_length=128)
    mobile = forms.CharField(
        label=_("Mobile"), max_length=20, help_text=_("e.g. 01711000000 or +8801711000000")
    )
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    nid = forms.CharField(label=_("NID"), max_length=32, required=False)
    zone = forms.ModelChoiceField(label=_("Zone"), queryset=None, required=False)
    operator = forms.ModelChoiceField(label=_("Operator"), queryset=None)
    connection_type = forms.ChoiceField(
        label=_("Connection type"), choices=ConnectionTypeChoices.choices, initial="pppoe"
    )
    username = forms.CharField(label=_("Username"), max_length=64)
    password = forms.CharField(
        label=_("Password"),
        max_length=64,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("PPPoE and Hotspot customers log in with it."),
    )
    static_ip = forms.CharField(
        label=_("Static IP"),
        max_length=15,
        required=False,
        help_text=_("Static IP customers: a free address inside one of your IPv4 pools."),
    )
    ip_pool = forms.ModelChoiceField(label=_("IP pool"), queryset=None, required=False)
    mac_address = forms.CharField(
        label=_("MAC address"),
        max_length=17,
        required=False,
        help_text=_("Optional MAC binding, e.g. AA:BB:CC:DD:EE:FF."),
    )
    package = forms.ModelChoiceField(label=_("Package"), queryset=None)
    billing_profile = forms.ModelChoiceField(label=_("Billing profile"), queryset=None)
    custom_price = forms.DecimalField(
        label=_("Custom price"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("Leave empty to charge the package's customer price."),
    )
    connection_date = forms.DateField(
        label=_("Connection date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, user=None, instance=None, **kwargs):
        from netbill.core.permissions import can

        self.user, self.instance = user, instance
        code = "customers.create" if instance is None else "customers.edit"
        custom = custom_field_formfields(user.tenant_id)
        if instance is not None:
            initial = {
                name: getattr(instance, name)
                for name in (
                    "name",
                    "mobile",
                    "email",
                    "address",
                    "nid",
                    "connection_type",
                    "username",
                    "static_ip",
                    "mac_address",
                    "connection_date",
                )
            }
            for name in ("zone", "operator", "ip_pool", "package", "billing_profile"):
                initial[name] = getattr(instance, f"{name}_id")
            for key, value in (instance.custom_fields or {}).items():
                initial[f"{CUSTOM_FIELD_PREFIX}{key}"] = value
            initial.update(kwargs.get("initial") or {})
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for name, queryset in _choice_querysets(user, code).items():
            self.fields[name].queryset = queryset
        self.fields["package"].label_from_instance = _package_label
        if not self.is_bound:
            # Display only: the packages of the operator shown. A POST keeps every package
            # in reach, and the service says when one is not the chosen operator's.
            operator = self.initial.get("operator")
            operator_pk = getattr(operator, "pk", operator)
            if str(operator_pk or "").isdigit():
                self.fields["package"].queryset = self.fields["package"].queryset.filter(
                    operator_id=operator_pk
                )
        if instance is not None or not can(user, "customers.custom_price"):
            del self.fields["custom_price"]
        if instance is not None:
            self.fields["password"].help_text = _("Leave empty to keep the current password.")
        required = (
            MandatoryAttributes.objects.filter(tenant_id=user.tenant_id)
            .values_list("required", flat=True)
            .first()
            or []
        )
        for name in required:
            if name in self.fields:
                self.fields[name].required = True
        self.fields.update(custom)

    def values(self) -> dict:
        """The service's keyword arguments: every customer field, custom fields as one
        dict keyed by key."""
        data = self.cleaned_data
        values = {
            name: data[name]
            for name in self.fields
            if not name.startswith(CUSTOM_FIELD_PREFIX) and name in data
        }
        for name in ("static_ip", "mac_address"):
            values[name] = values.get(name) or ""
        values["custom_fields"] = {
            name[len(CUSTOM_FIELD_PREFIX) :]: data[name]
            for name in self.fields
            if name.startswith(CUSTOM_FIELD_PREFIX) and data.get(name) not in (None, "")
        }
        return values


def _package_label(package) -> str:
    # No price here: the form is shown to users without packages.view as well.
    return f"{package.master_package.name} — {package.operator.name}"


class CustomerStatusForm(forms.Form):
    """Profile → change status, with the reason kept in the history."""

    status = forms.ChoiceField(label=_("New status"), choices=CustomerStatusChoices.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        help_text=_("Kept in the status history and the activity log."),
    )

    def __init__(self, *args, user=None, instance=None, **kwargs):
        self.user, self.instance = user, instance
        super().__init__(*args, **kwargs)
        if instance is not None:
            self.fields["status"].choices = [
                c for c in CustomerStatusChoices.choices if c[0] != instance.status
            ]


class CustomerPriceForm(forms.Form):
    """Profile → Custom Pricing: a price for this customer, or empty for the package's."""

    custom_price = forms.DecimalField(
        label=_("Custom price"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("Leave empty to go back to the package's customer price."),
    )

    def __init__(self, *args, user=None, instance=None, **kwargs):
        self.user, self.instance = user, instance
        if instance is not None:
            kwargs.setdefault("initial", {"custom_price": instance.custom_price})
        super().__init__(*args, **kwargs)
