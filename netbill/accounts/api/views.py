from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from netbill.core.api import ServiceCreateMixin, ServiceUpdateMixin, TenantViewSet
from netbill.core.permissions import can

from .. import services
from ..choices import OperatorKindChoices as Kind
from ..filters import OperatorFilterSet, UserFilterSet
from ..models import ApiKey, Operator, User
from .serializers import ApiKeySerializer, OperatorSerializer, UserSerializer


class OperatorViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceCreateMixin,
    ServiceUpdateMixin,
    TenantViewSet,
):
    """Operators and sub-operators of the caller's subtree (the root is not listed)."""

    model = Operator
    queryset = Operator.objects.none()  # for the router and the schema; see get_base_queryset
    serializer_class = OperatorSerializer
    filterset_class = OperatorFilterSet
    permission_codes = {
        "*": "operators.view",
        "create": "operators.create",
        "update": "operators.view",
        "partial_update": "operators.view",
    }

    def get_base_queryset(self):
        return Operator.objects.select_related("parent").exclude(kind=Kind.ROOT)

    def required_code(self) -> str:
        if self.action == "create" and self.request.data.get("kind") == Kind.SUB_OPERATOR:
            return "sub_operators.manage"
        return super().required_code()

    def get_object(self):
        obj = super().get_object()
        if self.action in ("update", "partial_update"):
            code = "sub_operators.manage" if obj.kind == Kind.SUB_OPERATOR else "operators.edit"
            if not can(self.request.user, code, obj):
                self.permission_denied(self.request)
        return obj

    def perform_service_create(self, serializer):
        data = serializer.validated_data
        return services.operator_create(
            by=self.request.user,
            kind=data["kind"],
            parent=data.get("parent"),
            name=data["name"],
            username=data["username"],
            password=data["password"],
            mobile=data["mobile"],
            email=data.get("email", ""),
            address=data.get("address", ""),
            credit_limit=data.get("credit_limit") or 0,
        )

    def perform_service_update(self, serializer, instance):
        fields = {"name", "mobile", "email", "address", "is_active"}
        data = {k: v for k, v in serializer.validated_data.items() if k in fields}
        return services.operator_update(operator=instance, by=self.request.user, data=data)


class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceCreateMixin,
    ServiceUpdateMixin,
    TenantViewSet,
):
    """Users of the caller's subtree. Create makes staff: managers, card distributors,
    NOC users and sales managers."""

    model = User
    queryset = User.objects.none()
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    permission_codes = {"*": "users.view"}

    def get_base_queryset(self):
        return User.in_tenant.select_related("operator")

    def required_code(self) -> str:
        if self.action == "create":
            return services.STAFF_ROLE_CODES.get(self.request.data.get("role"), "users.view")
        return super().required_code()

    def get_object(self):
        obj = super().get_object()
        if self.action in ("update", "partial_update") and not can(
            self.request.user, services.manage_code_for(obj), obj
        ):
            self.permission_denied(self.request)
        return obj

    def perform_service_create(self, serializer):
        data = serializer.validated_data
        if data["role"] not in services.STAFF_ROLE_CODES:
            raise PermissionDenied
        return services.staff_user_create(
            by=self.request.user,
            role=data["role"],
            operator=data.get("operator"),
            username=data["username"],
            password=data["password"],
            name=data.get("name", ""),
            mobile=data.get("mobile") or "",
            email=data.get("email", ""),
        )

    def perform_service_update(self, serializer, instance):
        fields = {"name", "mobile", "email", "is_active"}
        data = {k: v for k, v in serializer.validated_data.items() if k in fields}
        return services.user_update(user=instance, by=self.request.user, data=data)


class ApiKeyViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, TenantViewSet):
    """The caller's own API keys. The token is in the create response, and only there."""

    model = ApiKey
    queryset = ApiKey.objects.none()
    serializer_class = ApiKeySerializer
    permission_codes = {"*": "api.keys"}

    def get_queryset(self):
        # Keys are never shared: only the caller's own, whatever its role.
        return ApiKey.objects.filter(user=self.request.user).order_by("-created_at")

    def get_object(self):
        # A key has no tenant column, so the generic object check (tenant and subtree)
        # would refuse every key; the queryset above, the caller's own keys, is the check.
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key, token = services.api_key_create(
            by=request.user, name=serializer.validated_data["name"]
        )
        data = ApiKeySerializer(key).data
        data["token"] = token
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None, format=None):  # format: /revoke.json
        key = self.get_object()
        services.api_key_revoke(key=key, by=request.user)
        return Response(ApiKeySerializer(key).data)
