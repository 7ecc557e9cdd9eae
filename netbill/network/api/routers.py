"""/api/v1/routers/: list, retrieve, create and update, plus the actions test-connection
and configure-radius. The API password and RADIUS secret are write-only."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from netbill.core.api import ServiceCreateMixin, ServiceUpdateMixin, TenantViewSet
from netbill.core.exceptions import BusinessRuleError
from netbill.core.permissions import restrict

from ..filters.routers import RouterFilterSet
from ..models import Router, VPNAccount
from ..services import routers as services

SECRET_STYLE = {"input_type": "password"}


class RouterSerializer(serializers.ModelSerializer):
    api_password = serializers.CharField(
        write_only=True, trim_whitespace=False, style=SECRET_STYLE, max_length=255
    )
    radius_secret = serializers.CharField(
        write_only=True, trim_whitespace=False, style=SECRET_STYLE, max_length=128
    )
    host = serializers.CharField(max_length=255, required=False, allow_blank=True)
    vpn_account = serializers.PrimaryKeyRelatedField(
        queryset=VPNAccount.objects.none(), required=False, allow_null=True
    )

    class Meta:
        model = Router
        fields = [
            "id",
            "name",
            "host",
            "api_port",
            "use_ssl",
            "api_username",
            "api_password",
            "radius_secret",
            "coa_port",
            "vpn_account",
            "location",
            "is_active",
            "status",
            "last_checked_at",
            "last_error",
            "identity",
            "ros_version",
            "board_name",
            "uptime",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "last_checked_at",
            "last_error",
            "identity",
            "ros_version",
            "board_name",
            "uptime",
            "created_at",
        ]
        # Uniqueness is the service's rule (and error message).
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["vpn_account"].queryset = restrict(
                VPNAccount.objects.all(), request.user, "routers.manage"
            )
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            # Editing: a blank or missing secret keeps the stored one.
            for name in ("api_password", "radius_secret"):
                self.fields[name].required = False
                self.fields[name].allow_blank = True

    def validate(self, attrs):
        if self.instance is None and not attrs.get("host") and not attrs.get("vpn_account"):
            raise serializers.ValidationError(
                {"host": _("Enter the router's IP address or host name.")}
            )
        return attrs


ConnectionResultSerializer = inline_serializer(
    name="RouterConnectionResult",
    fields={
        "ok": serializers.BooleanField(),
        "kind": serializers.ChoiceField(choices=sorted(services.KIND_LABELS)),
        "label": serializers.CharField(),
        "message": serializers.CharField(),
        "checked_at": serializers.DateTimeField(),
        "identity": serializers.CharField(),
        "version": serializers.CharField(),
        "board": serializers.CharField(),
        "uptime": serializers.CharField(),
        "router": RouterSerializer(),
    },
)

RadiusResultSerializer = inline_serializer(
    name="RouterRadiusResult",
    fields={
        "ok": serializers.BooleanField(),
        "changed": serializers.BooleanField(),
        "message": serializers.CharField(),
        "changes": serializers.ListField(child=serializers.CharField()),
    },
)

RadiusErrorSerializer = inline_serializer(
    name="RouterRadiusError",
    fields={
        "ok": serializers.BooleanField(),
        "kind": serializers.CharField(),
        "message": serializers.CharField(),
    },
)


class RouterViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceCreateMixin,
    ServiceUpdateMixin,
    TenantViewSet,
):
    """The ISP's MikroTik routers. NOC users manage them by default."""

    model = Router
    queryset = Router.objects.none()
    serializer_class = RouterSerializer
    filterset_class = RouterFilterSet
    permission_codes = {
        "*": "routers.view",
        "create": "routers.manage",
        "update": "routers.manage",
        "partial_update": "routers.manage",
        "test_connection": "routers.manage",
        "configure_radius": "routers.manage",
    }

    def get_base_queryset(self):
        return Router.objects.select_related("vpn_account").order_by("name")

    def perform_service_create(self, serializer):
        data = serializer.validated_data
        return services.router_create(
            by=self.request.user,
            name=data["name"],
            host=data.get("host", ""),
            api_port=data.get("api_port", 8728),
            use_ssl=data.get("use_ssl", False),
            api_username=data["api_username"],
            api_password=data["api_password"],
            radius_secret=data["radius_secret"],
            coa_port=data.get("coa_port", 3799),
            vpn_account=data.get("vpn_account"),
            location=data.get("location", ""),
            is_active=data.get("is_active", True),
        )

    def perform_service_update(self, serializer, instance):
        data = {k: v for k, v in serializer.validated_data.items() if k in services.EDITABLE_FIELDS}
        return services.router_update(router=instance, by=self.request.user, data=data)

    @extend_schema(request=None, responses={200: ConnectionResultSerializer})
    @action(detail=True, methods=["post"], url_path="test-connection")
    def test_connection(self, request, pk=None, format=None):  # format: /test-connection.json
        """Log in to the router now: identity, RouterOS version, board and uptime, or the
        exact failure (timeout, refused, auth, api_disabled…). The answer becomes the
        router's status."""
        router = self.get_object()
        result = services.router_test_connection(router=router, by=request.user)
        data = result.as_dict()
        data["router"] = RouterSerializer(router, context=self.get_serializer_context()).data
        return Response(data)

    @extend_schema(
        request=None,
        responses={
            200: RadiusResultSerializer,
            502: OpenApiResponse(RadiusErrorSerializer, description="The router failed."),
        },
    )
    @action(detail=True, methods=["post"], url_path="configure-radius")
    def configure_radius(self, request, pk=None, format=None):
        """Point the router at our RADIUS server, accept CoA, and use RADIUS for PPP;
        only what differs is changed (a second run changes nothing)."""
        router = self.get_object()
        try:
            result = services.router_configure_radius(router=router, by=request.user)
        except services.RouterOperationFailed as exc:
            body = {"ok": False, "kind": exc.kind, "message": " ".join(exc.messages)}
            return Response(body, status=status.HTTP_502_BAD_GATEWAY)
        except BusinessRuleError as exc:
            raise serializers.ValidationError(
                exc.message_dict
                if hasattr(exc, "error_dict")
                else {"non_field_errors": exc.messages}
            ) from exc
        return Response(
            {
                "ok": True,
                "changed": result.changed,
                "message": result.message,
                "changes": result.lines,
            }
        )


def register(router) -> None:
    """Add this area's viewsets to the /api/v1/ router."""
    router.register("routers", RouterViewSet, basename="router")
