"""/api/v1/vpn-accounts/: list, retrieve, create, update (name, active) and delete.

Keys: the router's private key and the preshared key are never fields of their own.
They appear only inside `router_commands` (the RouterOS commands to paste) and
`server_peer`, which the create and retrieve answers carry and lists never do. Every
action needs routers.manage, the same code as the panel page that shows those commands.
"""

from rest_framework import mixins, serializers

from netbill.core.api import ServiceCreateMixin, ServiceUpdateMixin, TenantViewSet
from netbill.core.exceptions import BusinessRuleError

from ..filters.vpn import VPNAccountFilterSet
from ..models import VPNAccount
from ..services import vpn as services
from .pools import ServiceDestroyMixin

CODE = "routers.manage"


class VPNAccountSerializer(serializers.ModelSerializer):
    with_preshared_key = serializers.BooleanField(
        write_only=True, default=True, help_text="Create: add a preshared key (default yes)."
    )
    has_preshared_key = serializers.SerializerMethodField()

    class Meta:
        model = VPNAccount
        fields = [
            "id",
            "name",
            "protocol",
            "tunnel_address",
            "public_key",
            "has_preshared_key",
            "is_active",
            "created_at",
            "with_preshared_key",
        ]
        read_only_fields = ["id", "protocol", "tunnel_address", "public_key", "created_at"]

    def get_has_preshared_key(self, obj) -> bool:
        return bool(obj.preshared_key)


class VPNAccountDetailSerializer(VPNAccountSerializer):
    router_commands = serializers.SerializerMethodField(
        help_text="RouterOS v7 commands for the router; they hold its private key."
    )
    server_peer = serializers.SerializerMethodField(
        help_text="The [Peer] section of the platform's WireGuard server for this router."
    )

    class Meta(VPNAccountSerializer.Meta):
        fields = [*VPNAccountSerializer.Meta.fields, "router_commands", "server_peer"]

    def get_router_commands(self, obj) -> str:
        try:
            return services.router_commands(obj)
        except BusinessRuleError:
            return ""

    def get_server_peer(self, obj) -> str:
        return services.server_peer(obj)


class VPNAccountViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceCreateMixin,
    ServiceUpdateMixin,
    ServiceDestroyMixin,
    TenantViewSet,
):
    """WireGuard VPN accounts for routers behind NAT."""

    model = VPNAccount
    queryset = VPNAccount.objects.none()
    serializer_class = VPNAccountSerializer
    filterset_class = VPNAccountFilterSet
    permission_codes = {"*": CODE}

    def get_serializer_class(self):
        if self.action in ("retrieve", "create"):
            return VPNAccountDetailSerializer
        return VPNAccountSerializer

    def get_base_queryset(self):
        return VPNAccount.objects.select_related("tenant").order_by("name")

    def perform_service_create(self, serializer):
        data = serializer.validated_data
        return services.vpn_account_create(
            by=self.request.user,
            name=data["name"],
            with_preshared_key=data.get("with_preshared_key", True),
        )

    def perform_service_update(self, serializer, instance):
        data = {k: v for k, v in serializer.validated_data.items() if k in ("name", "is_active")}
        return services.vpn_account_update(account=instance, by=self.request.user, data=data)

    def perform_service_destroy(self, instance):
        services.vpn_account_delete(account=instance, by=self.request.user)


def register(router) -> None:
    """Add this area's viewsets to the /api/v1/ router."""
    router.register("vpn-accounts", VPNAccountViewSet, basename="vpn-account")
