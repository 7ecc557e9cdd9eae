"""/api/v1/custom-fields/ and /api/v1/customers/: the panel's permissions and scoping;
the services decide (a refusal is a 400 with the field errors)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from netbill.core.api import ServiceCreateMixin, ServiceUpdateMixin, TenantViewSet
from netbill.core.exceptions import BusinessRuleError
from netbill.network.api.pools import ServiceDestroyMixin, error_detail

from .. import services
from ..choices import CustomerStatusChoices
from ..filters import CustomFieldFilterSet
from ..models import Customer, CustomField
from .filters import CustomerAPIFilterSet
from .serializers import (
    CustomerPriceSerializer,
    CustomerSerializer,
    CustomerStatusSerializer,
    CustomFieldSerializer,
)


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


#
# Customers
#


class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceCreateMixin,
    ServiceUpdateMixin,
    TenantViewSet,
):
    """Customers of the caller's subtree: list (the list page's filters and search),
    profile, Create Customer, Edit Customer, the status actions (suspend, activate,
    disable: each with a reason) and Custom Pricing (set-price)."""

    model = Customer
    queryset = Customer.objects.none()
    serializer_class = CustomerSerializer
    filterset_class = CustomerAPIFilterSet
    permission_codes = {
        "*": "customers.view",
        "create": "customers.create",
        "update": "customers.edit",
        "partial_update": "customers.edit",
        "suspend": "customers.suspend",
        "activate": "customers.suspend",
        "disable": "customers.suspend",
        "set_price": "customers.custom_price",
    }

    def get_base_queryset(self):
        return Customer.objects.select_related("package__master_package").order_by("-id")

    def perform_service_create(self, serializer):
        return services.customer_create(by=self.request.user, **serializer.validated_data)

    def perform_service_update(self, serializer, instance):
        data = dict(serializer.validated_data)
        data.pop("custom_price", None)  # read-only here; set-price changes it
        return services.customer_update(customer=instance, by=self.request.user, data=data)

    def _answer(self, customer):
        customer = self.get_base_queryset().get(pk=customer.pk)
        return Response(self.get_serializer(customer).data)

    def _change_status(self, request, status):
        customer = self.get_object()
        body = CustomerStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            customer = services.customer_change_status(
                customer=customer,
                status=status,
                by=request.user,
                reason=body.validated_data["reason"],
            )
        except BusinessRuleError as exc:
            raise serializers.ValidationError(error_detail(exc)) from exc
        return self._answer(customer)

    @extend_schema(request=CustomerStatusSerializer, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None, format=None):  # format: /suspend.json
        """Suspend: RADIUS puts the customer in the walled garden (suspended pool) and
        the live session is disconnected."""
        return self._change_status(request, CustomerStatusChoices.SUSPENDED)

    @extend_schema(request=CustomerStatusSerializer, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None, format=None):
        """Make the customer active again: back in its package group."""
        return self._change_status(request, CustomerStatusChoices.ACTIVE)

    @extend_schema(request=CustomerStatusSerializer, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None, format=None):
        """Disable: RADIUS rejects the customer and the live session is disconnected."""
        return self._change_status(request, CustomerStatusChoices.DISABLED)

    @extend_schema(request=CustomerPriceSerializer, responses=CustomerSerializer)
    @action(detail=True, methods=["post"], url_path="set-price", url_name="set-price")
    def set_price(self, request, pk=None, format=None):
        """Custom Pricing: a price replacing the package's on this customer's bills;
        null goes back to the package price."""
        customer = self.get_object()
        body = CustomerPriceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            customer = services.customer_set_custom_price(
                customer=customer, by=request.user, price=body.validated_data["custom_price"]
            )
        except BusinessRuleError as exc:
            raise serializers.ValidationError(error_detail(exc)) from exc
        return self._answer(customer)


def register(router) -> None:
    """Add the customers viewsets to the /api/v1/ router."""
    router.register("custom-fields", CustomFieldViewSet, basename="custom-field")
    router.register("customers", CustomerViewSet, basename="customer")
