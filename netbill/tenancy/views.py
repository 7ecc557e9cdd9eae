from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from netbill.core.exceptions import BusinessRuleError
from netbill.core.views import (
    BaseView,
    ObjectDeleteView,
    ObjectEditView,
    ObjectListView,
    ObjectView,
)

from . import services
from .filters import ZoneFilterSet
from .forms import CompanyForm, ZoneForm
from .models import Tenant, Zone
from .services import tenant_update_company
from .tables import ZoneTable

ZONES = "zones.manage"


class CompanyView(BaseView, FormView):
    """Settings → Company Settings for the user's own tenant."""

    permission_required = "editCompany"
    template_name = "tenancy/company.html"
    form_class = CompanyForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # A fresh copy: a failed form must not leave half-applied values on request.user.
        kwargs["instance"] = Tenant.objects.get(pk=self.request.user.tenant_id)
        return kwargs

    def form_valid(self, form):
        try:
            tenant_update_company(tenant=form.instance, by=self.request.user, data=form.changes())
        except BusinessRuleError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Company settings saved."))
        return redirect("tenancy:company")


#
# Customer zones
#


class ZoneListView(ObjectListView):
    """Customers → Customer Zones."""

    permission_required = ZONES
    model = Zone
    filterset_class = ZoneFilterSet
    table_class = ZoneTable
    title = _("Customer Zones")
    create_url_name = "tenancy:zone_add"

    def get_base_queryset(self):
        return Zone.objects.order_by("name")


class ZoneView(ObjectView):
    permission_required = ZONES
    model = Zone
    template_name = "tenancy/zone.html"


class ZoneEditView(ObjectEditView):
    permission_required = ZONES
    model = Zone
    form_class = ZoneForm
    success_message = _("Zone saved.")

    def save(self, form, instance):
        values = form.values()
        if instance is None:
            return services.zone_create(by=self.request.user, **values)
        return services.zone_update(zone=instance, by=self.request.user, data=values)


class ZoneDeleteView(ObjectDeleteView):
    permission_required = ZONES
    model = Zone

    def delete(self, obj):
        services.zone_delete(zone=obj, by=self.request.user)

    def list_url(self, obj):
        return reverse("tenancy:zone_list")


urlpatterns = [
    path("settings/company/", CompanyView.as_view(), name="company"),
    path("zones/", ZoneListView.as_view(), name="zone_list"),
    path("zones/add/", ZoneEditView.as_view(), name="zone_add"),
    path("zones/<int:pk>/", ZoneView.as_view(), name="zone"),
    path("zones/<int:pk>/edit/", ZoneEditView.as_view(), name="zone_edit"),
    path("zones/<int:pk>/delete/", ZoneDeleteView.as_view(), name="zone_delete"),
]
