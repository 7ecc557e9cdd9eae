"""Customers API serializers: custom field definitions and the customers themselves.

The serializers only shape the data; `customers.services` checks every field (one
400 with all problems, nothing saved). Related choices come from the caller's own ISP
and subtree, so another ISP's or another operator's id "does not exist". The password is
write-only; prices are left out for callers without a financial code (NOC users).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from netbill.accounts.models import Operator
from netbill.catalog.models import BillingProfile, OperatorPackage
from netbill.core.permissions import can, restrict
from netbill.network.models import IPPool
from netbill.tenancy.models import Zone

from ..models import Customer, CustomField

VIEW = "customers.view"
# Either code lets the caller see what a customer pays (the package price needs
# packages.view, a custom price customers.custom_price); NOC users hold neither.
PRICE_CODES = ("packages.view", "customers.custom_price")
PRICE_FIELDS = ("price", "custom_price")


def _user(serializer):
    request = serializer.context.get("request")
    if request is not None and request.user.is_authenticated:
        return request.user
    return None


def _code(serializer) -> str:
    """The catalog code of the action being served (what the choices are restricted by)."""
    view = serializer.context.get("view")
    if view is not None and hasattr(view, "required_code"):
        return view.required_code()
    return VIEW


def _is_single(instance) -> bool:
    return instance is not None and not isinstance(instance, list | tuple)


def _choice(model, message):
    """A related object by id; the queryset (the caller's ISP and subtree) is set per
    request, so anything else "does not exist" with `message`."""
    return serializers.PrimaryKeyRelatedField(
        queryset=model._default_manager.none(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": message, "incorrect_type": message},
    )


def may_see_prices(user) -> bool:
    return user is not None and any(can(user, code) for code in PRICE_CODES)


class CustomFieldSerializer(serializers.ModelSerializer):
    key = serializers.CharField(max_length=64, required=False, allow_blank=True)
    choices = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, allow_empty=True
    )

    class Meta:
        model = CustomField
        fields = [
            "id",
            "name",
            "key",
            "field_type",
            "choices",
            "mandatory",
            "order",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        # Uniqueness is the service's to check (a clear field error, per tenant).
        validators = []


class CustomerSerializer(serializers.ModelSerializer):
    """A customer. `custom_fields` is an object keyed by custom-field key; `price` is what
    the customer pays per period (the custom price, or the package's customer price)."""

    operator = _choice(Operator, _("Choose an operator within your reach."))
    zone = _choice(Zone, _("Choose one of your zones."))
    package = _choice(OperatorPackage, _("Choose one of the operator's packages."))
    package_name = serializers.CharField(source="package.master_package.name", read_only=True)
    billing_profile = _choice(BillingProfile, _("Choose one of your billing profiles."))
    ip_pool = _choice(IPPool, _("Choose one of your IPv4 pools."))
    # Free text here: the service normalises and explains what is wrong.
    name = serializers.CharField(required=False, allow_blank=True)
    mobile = serializers.CharField(required=False, allow_blank=True)
    email = serializers.CharField(required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    nid = serializers.CharField(required=False, allow_blank=True)
    username = serializers.CharField(required=False, allow_blank=True)
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Write-only. On edit, empty or absent keeps the current password.",
    )
    static_ip = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    mac_address = serializers.CharField(required=False, allow_blank=True)
    custom_fields = serializers.DictField(required=False)
    price = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    custom_price = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Only on create; afterwards through the set-price action.",
    )

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "mobile",
            "email",
            "address",
            "nid",
            "zone",
            "operator",
            "connection_type",
            "username",
            "password",
            "static_ip",
            "ip_pool",
            "mac_address",
            "package",
            "package_name",
            "billing_profile",
            "price",
            "custom_price",
            "custom_fields",
            "connection_date",
            "status",
            "status_reason",
            "status_changed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "status_reason",
            "status_changed_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"connection_type": {"required": False}}
        # Uniqueness (username, static IP) is the service's to check, per tenant.
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        if user is not None:
            code = _code(self)
            for name, model in (
                ("operator", Operator),
                ("zone", Zone),
                ("package", OperatorPackage),
                ("billing_profile", BillingProfile),
                ("ip_pool", IPPool),
            ):
                self.fields[name].queryset = restrict(model._default_manager.all(), user, code)
        if _is_single(self.instance):
            # A custom price changes only through set-price (customers.custom_price).
            self.fields["custom_price"].read_only = True

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not may_see_prices(_user(self)):
            for name in PRICE_FIELDS:
                data.pop(name, None)
        return data


class CustomerStatusSerializer(serializers.Serializer):
    """Why the status changes (kept in the status history and the audit trail)."""

    reason = serializers.CharField(max_length=255)


class CustomerPriceSerializer(serializers.Serializer):
    """A custom price, or null to go back to the package's customer price."""

    custom_price = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, allow_null=True
    )
