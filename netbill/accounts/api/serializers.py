from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from netbill.core.permissions import can, restrict

from ..choices import OperatorKindChoices as Kind
from ..choices import UserRoleChoices as Role
from ..models import ApiKey, Operator, User


class OperatorSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=[Kind.OPERATOR, Kind.SUB_OPERATOR])
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Operator.objects.none(), required=False, allow_null=True
    )
    username = serializers.CharField(write_only=True, max_length=150)
    password = serializers.CharField(
        write_only=True, min_length=8, style={"input_type": "password"}
    )
    mobile = serializers.CharField(max_length=20)
    credit_limit = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False
    )

    class Meta:
        model = Operator
        fields = [
            "id",
            "name",
            "kind",
            "parent",
            "path",
            "mobile",
            "email",
            "address",
            "is_active",
            "balance",
            "credit_limit",
            "created_at",
            "username",
            "password",
        ]
        read_only_fields = ["id", "path", "balance", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["parent"].queryset = restrict(
                Operator.objects.exclude(kind=Kind.SUB_OPERATOR),
                request.user,
                "sub_operators.manage",
            )
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            # Editing: login and structure are fixed once made.
            for name in ("username", "password", "kind", "parent", "credit_limit"):
                self.fields[name].read_only = True
                self.fields[name].required = False

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not can(request.user, "operators.balance"):
            data.pop("balance", None)
            data.pop("credit_limit", None)
        return data

    def validate(self, attrs):
        if (
            self.instance is None
            and attrs.get("kind") == Kind.SUB_OPERATOR
            and not attrs.get("parent")
        ):
            raise serializers.ValidationError({"parent": _("Choose the operator it works under.")})
        return attrs


class UserSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(
        choices=[Role.MANAGER, Role.CARD_DISTRIBUTOR, Role.NOC, Role.SALES_MANAGER]
    )
    operator = serializers.PrimaryKeyRelatedField(
        queryset=Operator.objects.none(), required=False, allow_null=True
    )
    password = serializers.CharField(
        write_only=True, min_length=8, style={"input_type": "password"}
    )
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True, allow_null=True)
    permission_codes = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "role",
            "operator",
            "mobile",
            "email",
            "is_active",
            "last_login",
            "date_joined",
            "permission_codes",
            "password",
        ]
        read_only_fields = ["id", "last_login", "date_joined", "permission_codes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["operator"].queryset = restrict(
                Operator.objects.all(), request.user, "managers.manage"
            )
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            for name in ("username", "password", "role", "operator"):
                self.fields[name].read_only = True
                self.fields[name].required = False

    def get_permission_codes(self, obj) -> list[str]:
        return sorted(obj.permission_codes)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Roles outside the creatable set (group admin, operator…) still read back.
        data["role"] = instance.role
        return data


class ApiKeySerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at"]
