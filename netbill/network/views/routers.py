"""Routers & Packages → Routers: list, detail, add, edit, Test Connection and Configure
for RADIUS. Every write goes through `network.services.routers`."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from netbill.core.exceptions import BusinessRuleError
from netbill.core.permissions import can
from netbill.core.views import (
    BaseView,
    ObjectActionView,
    ObjectEditView,
    ObjectListView,
    ObjectView,
    RestrictedQuerysetMixin,
    add_service_error,
)

from ..filters.routers import RouterFilterSet
from ..forms.routers import RouterConnectionForm, RouterForm
from ..models import Router
from ..services import routers as services
from ..tables.routers import RouterTable


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


class RouterListView(ObjectListView):
    """Routers & Packages → Routers, with each router's last known status."""

    permission_required = "routers.view"
    model = Router
    filterset_class = RouterFilterSet
    table_class = RouterTable
    title = _("Routers")
    create_url_name = "network:router_add"
    create_permission = "routers.manage"

    def get_base_queryset(self):
        return Router.objects.select_related("vpn_account").order_by("name")


class RouterView(ObjectView):
    permission_required = "routers.view"
    model = Router
    template_name = "network/router.html"

    def get_base_queryset(self):
        return Router.objects.select_related("vpn_account")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["router"] = self.object
        context["can_manage"] = can(self.request.user, "routers.manage", self.object)
        return context


class RouterCreateView(ObjectEditView):
    """Routers → Add Router."""

    permission_required = "routers.manage"
    model = Router
    form_class = RouterForm
    template_name = "network/router_edit.html"
    success_message = _("Router added. Use Test Connection to check it.")

    def get_object(self):
        return None

    def save(self, form, instance):
        return services.router_create(by=self.request.user, **form.values())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Add Router")
        context["test_url"] = reverse("network:router_add_test")
        return context


class RouterEditView(ObjectEditView):
    permission_required = "routers.manage"
    model = Router
    form_class = RouterForm
    template_name = "network/router_edit.html"
    success_message = _("Router saved.")

    def save(self, form, instance):
        return services.router_update(router=instance, by=self.request.user, data=form.changes())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["test_url"] = reverse("network:router_edit_test", args=[self.object.pk])
        return context


#
# Test Connection
#


class RouterFormTestView(RestrictedQuerysetMixin, BaseView):
    """Test Connection on the add form: logs in with the typed values, saves nothing.

    HTMX swaps the answer in below the button; without JavaScript the form page is shown
    again with the answer.
    """

    permission_required = "routers.manage"
    model = Router
    http_method_names = ["post"]

    def get_object(self):
        return None

    def post(self, request, *args, **kwargs):
        instance = self.get_object()
        form = RouterConnectionForm(request.POST, user=request.user, instance=instance)
        result = None
        if form.is_valid():
            try:
                result = services.router_probe(by=request.user, **form.connection())
            except BusinessRuleError as exc:
                add_service_error(form, exc)
        context = {"test_form": form, "result": result, "object": instance}
        if _is_htmx(request):
            return TemplateResponse(request, "network/_router_test_result.html", context)
        context.update(
            form=RouterForm(request.POST, user=request.user, instance=instance),
            title=_("Add Router")
            if instance is None
            else _("Edit %(object)s") % {"object": instance},
            test_url=request.path,
        )
        return TemplateResponse(request, "network/router_edit.html", context)


class RouterEditTestView(RouterFormTestView):
    """Test Connection on the edit form: a blank password means the stored one."""

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])


class RouterTestConnectionView(ObjectActionView):
    """Test Connection on a saved router: the answer becomes its status."""

    permission_required = "routers.manage"
    model = Router

    def post(self, request, *args, **kwargs):
        router = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        try:
            result = services.router_test_connection(router=router, by=request.user)
        except BusinessRuleError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(router.get_absolute_url())
        if _is_htmx(request):
            context = {"router": router, "result": result, "can_manage": True}
            return TemplateResponse(request, "network/_router_status.html", context)
        text = f"{result.label}: {result.message}"
        (messages.success if result.ok else messages.error)(request, text)
        return HttpResponseRedirect(router.get_absolute_url())


class RouterConfigureRadiusView(ObjectActionView):
    """Configure for RADIUS: shows each change made, or that nothing needed changing."""

    permission_required = "routers.manage"
    model = Router

    def post(self, request, *args, **kwargs):
        router = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        result, error = None, ""
        try:
            result = services.router_configure_radius(router=router, by=request.user)
        except BusinessRuleError as exc:
            error = " ".join(exc.messages)
        if _is_htmx(request):
            context = {"router": router, "radius": result, "radius_error": error}
            return TemplateResponse(request, "network/_router_radius_result.html", context)
        if error:
            messages.error(request, error)
        else:
            messages.success(request, result.message)
            for line in result.lines:
                messages.info(request, line)
        return HttpResponseRedirect(router.get_absolute_url())


urlpatterns = [
    path("routers/", RouterListView.as_view(), name="router_list"),
    path("routers/add/", RouterCreateView.as_view(), name="router_add"),
    path("routers/add/test-connection/", RouterFormTestView.as_view(), name="router_add_test"),
    path("routers/<int:pk>/", RouterView.as_view(), name="router"),
    path("routers/<int:pk>/edit/", RouterEditView.as_view(), name="router_edit"),
    path(
        "routers/<int:pk>/edit/test-connection/",
        RouterEditTestView.as_view(),
        name="router_edit_test",
    ),
    path(
        "routers/<int:pk>/test-connection/",
        RouterTestConnectionView.as_view(),
        name="router_test_connection",
    ),
    path(
        "routers/<int:pk>/configure-radius/",
        RouterConfigureRadiusView.as_view(),
        name="router_configure_radius",
    ),
]
