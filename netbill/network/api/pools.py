"""/api/v1/ip-pools/ and /api/v1/pppoe-profiles/: list, retrieve, create, update and
delete, with the panel's rules (the services decide; a refusal is a 400 with the reason).
"""

from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from netbill.core.api import ServiceCreateMixin, ServiceUpdateMixin, TenantViewSet
from netbill.core.exceptions import BusinessRuleError
from netbill.core.permissions import restrict

from ..choices import IPPoolFamilyChoices as Family
from ..filters.pools import IPPoolFilterSet, PPPoEProfileFilterSet
from ..models import IPPool, PPPoEProfile
from ..queries import pool_usage
from ..services import pools as services

CODE = "ip_pools.manage"


def error_detail(exc: BusinessRuleError):
    if hasattr(exc, "error_dict"):
        return {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    return {"non_field_errors": exc.messages}


class ServiceDestroyMixin(mixins.DestroyModelMixin):
    """destroy() calls `perform_service_destroy`; a refusal answers 400 with the reason."""

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        try:
            self.perform_service_destroy(instance)
        except BusinessRuleError as exc:
            raise serializers.ValidationError(error_detail(exc)) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


#
# IP pools
#


class IPPoolSerializer(serializers.ModelSerializer):
    family = serializers.ChoiceField(choices=Family.choices)
    ranges = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Comma-separated ranges (a-b or one address); empty: the whole subnet.",
    )
    size = serializers.SerializerMethodField(
        help_text="Addresses in the ranges (a string: IPv6 counts exceed JSON numbers)."
    )
    in_use = serializers.SerializerMethodField()
    utilisation_percent = serializers.SerializerMethodField()

    class Meta:
        model = IPPool
        fields = [
            "id",
            "name",
            "family",
            "subnet",
            "ranges",
            "kind",
            "is_protected",
            "comment",
            "size",
            "in_use",
            "utilisation_percent",
            "created_at",
        ]
        read_only_fields = ["id", "is_protected", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            # The family is chosen once, on create.
            self.fields["family"].read_only = True
            self.fields["family"].required = False

    def get_size(self, obj) -> str:
        return str(pool_usage(obj).size)

    def get_in_use(self, obj) -> int:
        return pool_usage(obj).in_use

    def get_utilisation_percent(self, obj) -> int:
        return pool_usage(obj).percent


class IPPoolViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceCreateMixin,
    ServiceUpdateMixin,
    ServiceDestroyMixin,
    TenantViewSet,
):
    """IPv4 and IPv6 pools (filter with ?family=4 or 6). The protected suspended-users
    pool cannot be deleted, renamed or change kind."""

    model = IPPool
    queryset = IPPool.objects.none()
    serializer_class = IPPoolSerializer
    filterset_class = IPPoolFilterSet
    permission_codes = {"*": CODE}

    def get_base_queryset(self):
        return IPPool.objects.order_by("family", "name")

    def perform_service_create(self, serializer):
        data = serializer.validated_data
        return services.ip_pool_create(
            by=self.request.user,
            family=int(data["family"]),
            name=data["name"],
            subnet=data["subnet"],
            ranges=data.get("ranges", ""),
            kind=data.get("kind", IPPool._meta.get_field("kind").default),
            comment=data.get("comment", ""),
        )

    def perform_service_update(self, serializer, instance):
        fields = {"name", "subnet", "ranges", "kind", "comment"}
        data = {k: v for k, v in serializer.validated_data.items() if k in fields}
        return services.ip_pool_update(pool=instance, by=self.request.user, data=data)

    def perform_service_destroy(self, instance):
        services.ip_pool_delete(pool=instance, by=self.request.user)


#
# PPPoE profiles
#


class PPPoEProfileSerializer(serializers.ModelSerializer):
    ipv4_pool = serializers.PrimaryKeyRelatedField(queryset=IPPool.objects.none())
    ipv6_pool = serializers.PrimaryKeyRelatedField(
        queryset=IPPool.objects.none(), required=False, allow_null=True
    )
    local_address = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=45
    )
    rate_limit = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=128,
        help_text="Mikrotik-Rate-Limit, e.g. 10M/10M; stored in its canonical form.",
    )

    class Meta:
        model = PPPoEProfile
        fields = [
            "id",
            "name",
            "ipv4_pool",
            "ipv6_pool",
            "local_address",
            "dns_servers",
            "rate_limit",
            "comment",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            # The caller's own pools only: another ISP's pool id is "does not exist".
            pools = restrict(IPPool.objects.all(), request.user, CODE)
            self.fields["ipv4_pool"].queryset = pools.filter(family=Family.IPV4)
            self.fields["ipv6_pool"].queryset = pools.filter(family=Family.IPV6)


class PPPoEProfileViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceCreateMixin,
    ServiceUpdateMixin,
    ServiceDestroyMixin,
    TenantViewSet,
):
    """PPPoE profiles: pools, DNS and a rate limit in Mikrotik-Rate-Limit syntax."""

    model = PPPoEProfile
    queryset = PPPoEProfile.objects.none()
    serializer_class = PPPoEProfileSerializer
    filterset_class = PPPoEProfileFilterSet
    permission_codes = {"*": CODE}

    def get_base_queryset(self):
        return PPPoEProfile.objects.select_related("ipv4_pool", "ipv6_pool").order_by("name")

    def perform_service_create(self, serializer):
        data = serializer.validated_data
        return services.pppoe_profile_create(
            by=self.request.user,
            name=data["name"],
            ipv4_pool=data["ipv4_pool"],
            ipv6_pool=data.get("ipv6_pool"),
            local_address=data.get("local_address") or "",
            dns_servers=data.get("dns_servers", ""),
            rate_limit=data.get("rate_limit", ""),
            comment=data.get("comment", ""),
        )

    def perform_service_update(self, serializer, instance):
        data = dict(serializer.validated_data)
        return services.pppoe_profile_update(profile=instance, by=self.request.user, data=data)

    def perform_service_destroy(self, instance):
        services.pppoe_profile_delete(profile=instance, by=self.request.user)


def register(router) -> None:
    """Add this area's viewsets to the /api/v1/ router."""
    router.register("ip-pools", IPPoolViewSet, basename="ip-pool")
    router.register("pppoe-profiles", PPPoEProfileViewSet, basename="pppoe-profile")
