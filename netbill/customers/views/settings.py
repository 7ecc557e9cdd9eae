"""Customer settings pages: Customers → Custom Fields and Mandatory Attributes. Both
belong to the whole ISP (custom_fields.manage, the Group Admin's by default); every write
goes through `customers.services`."""

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

from .. import services
from ..filters import CustomFieldFilterSet
from ..forms import CustomFieldForm, MandatoryAttributesForm
from ..models import CustomField
from ..tables import CustomFieldTable

CUSTOM_FIELDS = "custom_fields.manage"


#
# Custom fields
#


class CustomFieldListView(ObjectListView):
    """Customers → Custom Fields."""

    permission_required = CUSTOM_FIELDS
    model = CustomField
    filterset_class = CustomFieldFilterSet
    table_class = CustomFieldTable
    title = _("Custom Fields")
    create_url_name = "customers:custom_field_add"

    def get_base_queryset(self):
        return CustomField.objects.order_by("order", "name")


class CustomFieldView(ObjectView):
    permission_required = CUSTOM_FIELDS
    model = CustomField
    template_name = "customers/custom_field.html"


class CustomFieldEditView(ObjectEditView):
    permission_required = CUSTOM_FIELDS
    model = CustomField
    form_class = CustomFieldForm
    success_message = _("Custom field saved.")

    def save(self, form, instance):
        values = form.values()
        if instance is None:
            return services.custom_field_create(by=self.request.user, **values)
        return services.custom_field_update(field=instance, by=self.request.user, data=values)


class CustomFieldDeleteView(ObjectDeleteView):
    permission_required = CUSTOM_FIELDS
    model = CustomField

    def delete(self, obj):
        services.custom_field_delete(field=obj, by=self.request.user)

    def list_url(self, obj):
        return reverse("customers:custom_field_list")


#
# Mandatory attributes
#


class MandatoryAttributesView(BaseView, FormView):
    """Customers → Mandatory Attributes: one form of checkboxes for the user's own ISP."""

    permission_required = CUSTOM_FIELDS
    template_name = "customers/mandatory_attributes.html"
    form_class = MandatoryAttributesForm

    def get_initial(self):
        row = services.mandatory_attributes_for(self.request.user.tenant_id)
        return {"required": list(row.required)}

    def form_valid(self, form):
        try:
            services.mandatory_attributes_update(
                by=self.request.user, required=form.cleaned_data["required"]
            )
        except BusinessRuleError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Mandatory attributes saved."))
        return redirect("customers:mandatory_attributes")


urlpatterns = [
    path("custom-fields/", CustomFieldListView.as_view(), name="custom_field_list"),
    path("custom-fields/add/", CustomFieldEditView.as_view(), name="custom_field_add"),
    path("custom-fields/<int:pk>/", CustomFieldView.as_view(), name="custom_field"),
    path("custom-fields/<int:pk>/edit/", CustomFieldEditView.as_view(), name="custom_field_edit"),
    path(
        "custom-fields/<int:pk>/delete/",
        CustomFieldDeleteView.as_view(),
        name="custom_field_delete",
    ),
    path(
        "mandatory-attributes/",
        MandatoryAttributesView.as_view(),
        name="mandatory_attributes",
    ),
]
