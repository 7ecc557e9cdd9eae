"""/api/v1/zones/: the panel's permission (zones.manage) and scoping; the services decide
(a refusal is a 400)."""

from rest_framework import mixins

from netbill.core.api import ServiceCreateMixin, ServiceUpdateMixin, TenantViewSet
from netbill.network.api.pools import ServiceDestroyMixin

from .. import services
from ..filters import ZoneFilterSet
from ..models import Zone
from .serializers import ZoneSerializer


class ZoneViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceCreateMixin,
    ServiceUpdateMixin,
    ServiceDestroyMixin,
    TenantViewSet,
):
    """Customer zones."""

    model = Zone
    queryset = Zone.objects.none()
    serializer_class = ZoneSerializer
    filterset_class = ZoneFilterSet
    permission_codes = {"*": "zones.manage"}

    def get_base_queryset(self):
        return Zone.objects.order_by("name")

    def perform_service_create(self, serializer):
        return services.zone_create(by=self.request.user, **serializer.validated_data)

    def perform_service_update(self, serializer, instance):
        return services.zone_update(
            zone=instance, by=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_service_destroy(self, instance):
        services.zone_delete(zone=instance, by=self.request.user)


def register(router) -> None:
    """Add the zones viewset to the /api/v1/ router."""
    router.register("zones", ZoneViewSet, basename="zone")
