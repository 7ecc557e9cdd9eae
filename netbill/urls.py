from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path

from netbill.reports.views import home

urlpatterns = [
    path("", home, name="home"),
    path("", include("netbill.accounts.urls")),
    path("", include("netbill.tenancy.urls")),
    path("", include("netbill.network.urls")),
    path("", include("netbill.catalog.urls")),
    path("", include("netbill.customers.urls")),
    path("billing/", include("netbill.billing.urls")),
    path("payments/", include("netbill.payments.urls")),
    path("accounting/", include("netbill.accounting.urls")),
    path("", include("netbill.reports.urls")),
    path("", include("netbill.monitoring.urls")),
    path("", include("netbill.radius.urls")),
    path("pay/<slug:isp>/", include("netbill.payments.public_urls")),
    path("portal/", include("netbill.portal.urls")),
    path("portal-settings/", include("netbill.portal.settings_urls")),
    path("api/", include("netbill.api.urls")),
    path("hijack/", include("hijack.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
