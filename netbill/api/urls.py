"""/api/v1/: the root router, the OpenAPI schema and Swagger UI (served offline)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from netbill.accounting.api import register as register_accounting
from netbill.accounts.api.views import ApiKeyViewSet, OperatorViewSet, UserViewSet
from netbill.billing.api import register as register_billing
from netbill.catalog.api import register as register_catalog
from netbill.customers.api import register as register_customers
from netbill.network.api import register as register_network
from netbill.payments.api import register as register_payments
from netbill.payments.api import urls as payments_urls
from netbill.radius.api import register as register_radius
from netbill.tenancy.api import register as register_tenancy

router = DefaultRouter()
router.register("operators", OperatorViewSet, basename="operator")
router.register("users", UserViewSet, basename="user")
router.register("api-keys", ApiKeyViewSet, basename="api-key")
register_network(router)
register_catalog(router)
register_tenancy(router)
register_customers(router)
register_radius(router)
register_billing(router)
register_payments(router)
register_accounting(router)

urlpatterns = [
    # Nested paths other than the router's (operators/<pk>/balance/) come first.
    path("v1/", include(([*payments_urls(), *router.urls], "api"), namespace="api")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
