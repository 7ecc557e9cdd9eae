"""Catalog pages: Settings → VAT Profiles; Routers & Packages → Master Packages,
Operator Packages and Billing Profiles. Every write goes through `catalog.services`.

Master packages and billing profiles are the Group Admin's (packages.manage). Operators
(packages.view) see the operator packages of their own subtree, read-only: only holders
of packages.manage assign and price them.
"""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from netbill.core.permissions import can, restrict
from netbill.core.views import ObjectDeleteView, ObjectEditView, ObjectListView, ObjectView

from . import services
from .filters import (
    BillingProfileFilterSet,
    MasterPackageFilterSet,
    OperatorPackageFilterSet,
    VATProfileFilterSet,
)
from .forms import BillingProfileForm, MasterPackageForm, OperatorPackageForm, VATProfileForm
from .models import BillingProfile, MasterPackage, OperatorPackage, VATProfile
from .tables import BillingProfileTable, MasterPackageTable, OperatorPackageTable, VATProfileTable

PACKAGES = "packages.manage"
PACKAGES_VIEW = "packages.view"
SETTINGS = "editCompany"


#
# VAT profiles
#


class VATProfileListView(ObjectListView):
    """Settings → VAT Profiles."""

    permission_required = SETTINGS
    model = VATProfile
    filterset_class = VATProfileFilterSet
    table_class = VATProfileTable
    title = _("VAT Profiles")
    create_url_name = "catalog:vat_profile_add"

    def get_base_queryset(self):
        return VATProfile.objects.order_by("name")


class VATProfileView(ObjectView):
    permission_required = SETTINGS
    model = VATProfile
    template_name = "catalog/vat_profile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["packages"] = self.object.master_packages.order_by("name")
        return context


class VATProfileEditView(ObjectEditView):
    permission_required = SETTINGS
    model = VATProfile
    form_class = VATProfileForm
    success_message = _("VAT profile saved.")

    def save(self, form, instance):
        values = form.values()
        if instance is None:
            return services.vat_profile_create(by=self.request.user, **values)
        return services.vat_profile_update(profile=instance, by=self.request.user, data=values)


class VATProfileDeleteView(ObjectDeleteView):
    permission_required = SETTINGS
    model = VATProfile

    def delete(self, obj):
        services.vat_profile_delete(profile=obj, by=self.request.user)

    def list_url(self, obj):
        return reverse("catalog:vat_profile_list")


#
# Billing profiles
#


class BillingProfileListView(ObjectListView):
    """Routers & Packages → Billing Profiles."""

    permission_required = PACKAGES
    model = BillingProfile
    filterset_class = BillingProfileFilterSet
    table_class = BillingProfileTable
    title = _("Billing Profiles")
    create_url_name = "catalog:billing_profile_add"

    def get_base_queryset(self):
        return BillingProfile.objects.prefetch_related("assignments__operator").order_by("name")


class BillingProfileView(ObjectView):
    permission_required = PACKAGES
    model = BillingProfile
    template_name = "catalog/billing_profile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assignments = restrict(
            self.object.assignments.select_related("operator"), self.request.user, PACKAGES
        )
        context["operators"] = [a.operator for a in assignments]
        return context


class BillingProfileEditView(ObjectEditView):
    permission_required = PACKAGES
    model = BillingProfile
    form_class = BillingProfileForm
    success_message = _("Billing profile saved.")

    def save(self, form, instance):
        values = form.values()
        if instance is None:
            return services.billing_profile_create(by=self.request.user, **values)
        return services.billing_profile_update(profile=instance, by=self.request.user, data=values)


class BillingProfileDeleteView(ObjectDeleteView):
    permission_required = PACKAGES
    model = BillingProfile

    def delete(self, obj):
        services.billing_profile_delete(profile=obj, by=self.request.user)

    def list_url(self, obj):
        return reverse("catalog:billing_profile_list")


#
# Master packages
#


class MasterPackageListView(ObjectListView):
    """Routers & Packages → Master Packages."""

    permission_required = PACKAGES
    model = MasterPackage
    filterset_class = MasterPackageFilterSet
    table_class = MasterPackageTable
    title = _("Master Packages")
    create_url_name = "catalog:master_package_add"

    def get_base_queryset(self):
        return MasterPackage.objects.select_related("pppoe_profile").order_by("name")


class MasterPackageView(ObjectView):
    permission_required = PACKAGES
    model = MasterPackage
    template_name = "catalog/master_package.html"

    def get_base_queryset(self):
        return MasterPackage.objects.select_related("pppoe_profile", "vat_profile", "fup_pool")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["operator_packages"] = restrict(
            self.object.operator_packages.select_related("operator"),
            self.request.user,
            PACKAGES,
        )
        return context


class MasterPackageEditView(ObjectEditView):
    permission_required = PACKAGES
    model = MasterPackage
    form_class = MasterPackageForm
    success_message = _("Master package saved.")

    def save(self, form, instance):
        values = form.values()
        if instance is None:
            return services.master_package_create(by=self.request.user, **values)
        return services.master_package_update(package=instance, by=self.request.user, data=values)


class MasterPackageDeleteView(ObjectDeleteView):
    permission_required = PACKAGES
    model = MasterPackage

    def delete(self, obj):
        services.master_package_delete(package=obj, by=self.request.user)

    def list_url(self, obj):
        return reverse("catalog:master_package_list")


#
# Operator packages
#


class OperatorPackageListView(ObjectListView):
    """Routers & Packages → Operator Packages: an operator sees its subtree's packages."""

    permission_required = PACKAGES_VIEW
    model = OperatorPackage
    filterset_class = OperatorPackageFilterSet
    table_class = OperatorPackageTable
    title = _("Operator Packages")
    create_url_name = "catalog:operator_package_add"
    create_permission = PACKAGES

    def get_base_queryset(self):
        return OperatorPackage.objects.select_related("operator", "master_package").order_by(
            "operator__path", "master_package__name"
        )


class OperatorPackageView(ObjectView):
    permission_required = PACKAGES_VIEW
    model = OperatorPackage
    template_name = "catalog/operator_package.html"

    def get_base_queryset(self):
        return OperatorPackage.objects.select_related(
            "operator", "master_package", "master_package__pppoe_profile"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = can(self.request.user, PACKAGES, self.object)
        return context


class OperatorPackageEditView(ObjectEditView):
    """Assign a master package to an operator, or change its prices."""

    permission_required = PACKAGES
    model = OperatorPackage
    form_class = OperatorPackageForm
    success_message = _("Operator package saved.")

    def get_base_queryset(self):
        return OperatorPackage.objects.select_related("operator", "master_package")

    def save(self, form, instance):
        if instance is None:
            data = form.cleaned_data
            return services.operator_package_assign(
                by=self.request.user,
                operator=data["operator"],
                master_package=data["master_package"],
                operator_price=data["operator_price"],
                customer_price=data["customer_price"],
            )
        return services.operator_package_update(
            package=instance, by=self.request.user, data=form.changes()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.object is None:
            context["title"] = _("Assign a package to an operator")
        return context


class OperatorPackageDeleteView(ObjectDeleteView):
    permission_required = PACKAGES
    model = OperatorPackage

    def get_base_queryset(self):
        return OperatorPackage.objects.select_related("operator", "master_package")

    def delete(self, obj):
        services.operator_package_delete(package=obj, by=self.request.user)

    def list_url(self, obj):
        return reverse("catalog:operator_package_list")


def _crud(prefix, slug, list_view, detail, edit, delete):
    return [
        path(f"{slug}/", list_view.as_view(), name=f"{prefix}_list"),
        path(f"{slug}/add/", edit.as_view(), name=f"{prefix}_add"),
        path(f"{slug}/<int:pk>/", detail.as_view(), name=prefix),
        path(f"{slug}/<int:pk>/edit/", edit.as_view(), name=f"{prefix}_edit"),
        path(f"{slug}/<int:pk>/delete/", delete.as_view(), name=f"{prefix}_delete"),
    ]


urlpatterns = [
    *_crud(
        "vat_profile",
        "vat-profiles",
        VATProfileListView,
        VATProfileView,
        VATProfileEditView,
        VATProfileDeleteView,
    ),
    *_crud(
        "billing_profile",
        "billing-profiles",
        BillingProfileListView,
        BillingProfileView,
        BillingProfileEditView,
        BillingProfileDeleteView,
    ),
    *_crud(
        "master_package",
        "master-packages",
        MasterPackageListView,
        MasterPackageView,
        MasterPackageEditView,
        MasterPackageDeleteView,
    ),
    *_crud(
        "operator_package",
        "operator-packages",
        OperatorPackageListView,
        OperatorPackageView,
        OperatorPackageEditView,
        OperatorPackageDeleteView,
    ),
]
