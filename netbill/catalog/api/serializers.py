"""Catalog serializers: amounts and rates are strings (COERCE_DECIMAL_TO_STRING);
related choices come from the caller's own ISP, so another ISP's id "does not exist"."""

from rest_framework import serializers

from netbill.accounts.models import Operator
from netbill.core.permissions import restrict
from netbill.network.choices import IPPoolKindChoices
from netbill.network.models import IPPool, PPPoEProfile

from ..choices import MasterPackageConnectionTypeChoices
from ..models import BillingProfile, MasterPackage, OperatorPackage, VATProfile

PACKAGES = "packages.manage"


def _user(serializer):
    request = serializer.context.get("request")
    if request is not None and request.user.is_authenticated:
        return request.user
    return None


def _is_single(instance) -> bool:
    return instance is not None and not isinstance(instance, list | tuple)


class VATProfileSerializer(serializers.ModelSerializer):
    rate = serializers.DecimalField(max_digits=7, decimal_places=4, min_value=0, max_value=100)

    class Meta:
        model = VATProfile
        fields = ["id", "name", "rate", "mode", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]


class BillingProfileSerializer(serializers.ModelSerializer):
    operators = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Operator.objects.none(), required=False
    )

    class Meta:
        model = BillingProfile
        fields = [
            "id",
            "name",
            "billing_type",
            "due_day",
            "grace_days",
            "auto_billing",
            "auto_suspension",
            "operators",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"due_day": {"help_text": "1–28, or 0 for the last day of the month."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        if user is not None:
            self.fields["operators"].child_relation.queryset = restrict(
                Operator.objects.all(), user, PACKAGES
            )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        user = _user(self)
        if user is not None:
            # Only the operators the caller reaches.
            reach = restrict(instance.assignments.all(), user, PACKAGES)
            data["operators"] = sorted(reach.values_list("operator_id", flat=True))
        return data


class MasterPackageSerializer(serializers.ModelSerializer):
    connection_types = serializers.ListField(
        child=serializers.ChoiceField(choices=MasterPackageConnectionTypeChoices.choices),
        allow_empty=False,
    )
    pppoe_profile = serializers.PrimaryKeyRelatedField(
        queryset=PPPoEProfile.objects.none(), required=False, allow_null=True
    )
    vat_profile = serializers.PrimaryKeyRelatedField(
        queryset=VATProfile.objects.none(), required=False, allow_null=True
    )
    fup_pool = serializers.PrimaryKeyRelatedField(
        queryset=IPPool.objects.none(), required=False, allow_null=True
    )
    rate_limit = serializers.CharField(read_only=True)
    fup_rate_limit = serializers.CharField(read_only=True)

    class Meta:
        model = MasterPackage
        fields = [
            "id",
            "name",
            "download_kbps",
            "upload_kbps",
            "burst_download_kbps",
            "burst_upload_kbps",
            "burst_threshold_download_kbps",
            "burst_threshold_upload_kbps",
            "burst_time_seconds",
            "price",
            "validity",
            "validity_days",
            "pppoe_profile",
            "connection_types",
            "vat_profile",
            "fup_data_limit_gb",
            "fup_download_kbps",
            "fup_upload_kbps",
            "fup_pool",
            "rate_limit",
            "fup_rate_limit",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        if user is not None:
            tenant_id = user.tenant_id
            self.fields["pppoe_profile"].queryset = PPPoEProfile.objects.filter(tenant_id=tenant_id)
            self.fields["vat_profile"].queryset = VATProfile.objects.filter(tenant_id=tenant_id)
            self.fields["fup_pool"].queryset = IPPool.objects.filter(
                tenant_id=tenant_id, kind=IPPoolKindChoices.FUP
            )


class OperatorPackageSerializer(serializers.ModelSerializer):
    operator = serializers.PrimaryKeyRelatedField(queryset=Operator.objects.none())
    master_package = serializers.PrimaryKeyRelatedField(queryset=MasterPackage.objects.none())
    rate_limit = serializers.CharField(source="master_package.rate_limit", read_only=True)

    class Meta:
        model = OperatorPackage
        fields = [
            "id",
            "operator",
            "master_package",
            "operator_price",
            "customer_price",
            "rate_limit",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        if user is not None:
            self.fields["operator"].queryset = restrict(Operator.objects.all(), user, PACKAGES)
            self.fields["master_package"].queryset = restrict(
                MasterPackage.objects.all(), user, PACKAGES
            )
        if _is_single(self.instance):
            # The operator and the package are chosen once; only the prices change.
            for name in ("operator", "master_package"):
                self.fields[name].read_only = True
