"""/api/v1/vat-profiles/, billing-profiles/, master-packages/ and operator-packages/:
the panel's permissions and scoping; the services decide (a refusal is a 400)."""

from rest_framework import mixins

from netbill.core.api import ServiceCreateMixin, ServiceUpdateMixin, TenantViewSet
from netbill.network.api.pools import ServiceDestroyMixin

from .. import services
from ..filters import (
    BillingProfileFilterSet,
    MasterPackageFilterSet,
    OperatorPackageFilterSet,
    VATProfileFilterSet,
)
from ..models import BillingProfile, MasterPackage, OperatorPackage, VATProfile
from .serializers import (
    BillingProfileSerializer,
    MasterPackageSerializer,
    OperatorPackageSerializer,
    VATProfileSerializer,
)

PACKAGES = "packages.manage"


class _CRUD(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceCreateMixin,
    ServiceUpdateMixin,
    ServiceDestroyMixin,
    TenantViewSet,
):
    """List, retrieve, create, update and delete, each write through a service."""

    permission_codes = {"*": PACKAGES}


class VATProfileViewSet(_CRUD):
    """VAT profiles (company settings: editCompany)."""

    model = VATProfile
    queryset = VATProfile.objects.none()
    serializer_class = VATProfileSerializer
    filterset_class = VATProfileFilterSet
    permission_codes = {"*": "editCompany"}

    def get_base_queryset(self):
        return VATProfile.objects.order_by("name")

    def perform_service_create(self, serializer):
        return services.vat_profile_create(by=self.request.user, **serializer.validated_data)

    def perform_service_update(self, serializer, instance):
        return services.vat_profile_update(
            profile=instance, by=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_service_destroy(self, instance):
        services.vat_profile_delete(profile=instance, by=self.request.user)


class BillingProfileViewSet(_CRUD):
    """Billing profiles and the operators (in reach) they are assigned to."""

    model = BillingProfile
    queryset = BillingProfile.objects.none()
    serializer_class = BillingProfileSerializer
    filterset_class = BillingProfileFilterSet
    permission_codes = {"*": PACKAGES}

    def get_base_queryset(self):
        return BillingProfile.objects.order_by("name")

    def perform_service_create(self, serializer):
        return services.billing_profile_create(by=self.request.user, **serializer.validated_data)

    def perform_service_update(self, serializer, instance):
        return services.billing_profile_update(
            profile=instance, by=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_service_destroy(self, instance):
        services.billing_profile_delete(profile=instance, by=self.request.user)


class MasterPackageViewSet(_CRUD):
    """Master packages (the Group Admin's: packages.manage), with their derived
    Mikrotik-Rate-Limit and FUP rate limit."""

    model = MasterPackage
    queryset = MasterPackage.objects.none()
    serializer_class = MasterPackageSerializer
    filterset_class = MasterPackageFilterSet
    permission_codes = {"*": PACKAGES}

    def get_base_queryset(self):
        return MasterPackage.objects.order_by("name")

    def perform_service_create(self, serializer):
        return services.master_package_create(by=self.request.user, **serializer.validated_data)

    def perform_service_update(self, serializer, instance):
        return services.master_package_update(
            package=instance, by=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_service_destroy(self, instance):
        services.master_package_delete(package=instance, by=self.request.user)


class OperatorPackageViewSet(_CRUD):
    """Operator packages: operators (packages.view) read their subtree's; holders of
    packages.manage assign, re-price and remove them."""

    model = OperatorPackage
    queryset = OperatorPackage.objects.none()
    serializer_class = OperatorPackageSerializer
    filterset_class = OperatorPackageFilterSet
    permission_codes = {"*": PACKAGES, "list": "packages.view", "retrieve": "packages.view"}

    def get_base_queryset(self):
        return OperatorPackage.objects.select_related("operator", "master_package").order_by(
            "operator__path", "master_package__name"
        )

    def perform_service_create(self, serializer):
        return services.operator_package_assign(by=self.request.user, **serializer.validated_data)

    def perform_service_update(self, serializer, instance):
        data = {
            k: v
            for k, v in serializer.validated_data.items()
            if k in ("operator_price", "customer_price")
        }
        return services.operator_package_update(package=instance, by=self.request.user, data=data)

    def perform_service_destroy(self, instance):
        services.operator_package_delete(package=instance, by=self.request.user)


def register(router) -> None:
    """Add the catalog's viewsets to the /api/v1/ router."""
    router.register("vat-profiles", VATProfileViewSet, basename="vat-profile")
    router.register("billing-profiles", BillingProfileViewSet, basename="billing-profile")
    router.register("master-packages", MasterPackageViewSet, basename="master-package")
    router.register("operator-packages", OperatorPackageViewSet, basename="operator-package")
