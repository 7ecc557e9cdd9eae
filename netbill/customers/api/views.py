"""/api/v1/custom-fields/: the panel's permission (custom_fields.manage) and scoping; the
services decide (a refusal is a 400)."""

from rest_framework import mixins

from netbill.core.api import ServiceCreateMixin, ServiceUpdateMixin, TenantViewSet
from netbill.network.api.pools import ServiceDestroyMixin

from .. import services
from ..filters import CustomFieldFilterSet
from ..models import CustomField
from .serializers import CustomFieldSerializer


class CustomFieldViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceCreateMixin,
    ServiceUpdateMixin,
    ServiceDestroyMixin,
    TenantViewSet,
):
    """Custom field definitions."""

    model = CustomField
    queryset = CustomField.objects.none()
    serializer_class = CustomFieldSerializer
    filterset_class = CustomFieldFilterSet
    permission_codes = {"*": "custom_fields.manage"}

    def get_base_queryset(self):
        return CustomField.objects.order_by("order", "name")

    def perform_service_create(self, serializer):
        return services.custom_field_create(by=self.request.user, **serializer.validated_data)

    def perform_service_update(self, serializer, instance):
        return services.custom_field_update(
            field=instance, by=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_service_destroy(self, instance):
        services.custom_field_delete(field=instance, by=self.request.user)


def register(router) -> None:
    """Add the customers viewsets to the /api/v1/ router."""
    router.register("custom-fields", CustomFieldViewSet, basename="custom-field")
