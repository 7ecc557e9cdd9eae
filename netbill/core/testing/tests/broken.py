"""Deliberately broken pages and endpoints, for proving that the contracts and crawlers
fail when a view leaks. Used only as ROOT_URLCONF inside those tests."""

import django_tables2 as tables
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import include, path
from rest_framework import mixins, serializers
from rest_framework.routers import SimpleRouter

from netbill import urls as project_urls
from netbill.accounts.models import Operator
from netbill.core.api import TenantViewSet
from netbill.core.events import publish
from netbill.core.permissions import restrict
from netbill.core.views import BaseView, ObjectListView, ObjectView


class LeakyOperatorView(ObjectView):
    """Forgets restrict(): any operator of any ISP, by pk."""

    permission_required = "operators.view"
    model = Operator

    def get_queryset(self):
        return Operator._base_manager.all()

    def render_to_response(self, context, **kwargs):
        return HttpResponse(f"{self.object.name} {self.object.credit_limit}")


class _NameTable(tables.Table):
    name = tables.Column()

    class Meta:
        model = Operator
        fields = ["name"]


class LeakyOperatorListView(ObjectListView):
    """Lists every ISP's operators."""

    permission_required = "operators.view"
    model = Operator
    table_class = _NameTable
    filterset_class = None
    filterset_fields = ["kind"]

    def get_queryset(self):
        return Operator._base_manager.exclude(kind="root")


class WritesBeforeCheckingView(BaseView):
    """Touches the operator, then finds out it is beyond reach (404)."""

    permission_required = "operators.edit"
    model = Operator

    def dispatch(self, request, pk):
        Operator._base_manager.filter(pk=pk).update(address="touched")
        get_object_or_404(restrict(Operator.objects.all(), request.user, "operators.edit"), pk=pk)
        return HttpResponse("saved", status=302, headers={"Location": "/"})


class AnnouncesBeforeCheckingView(BaseView):
    """Publishes an event, then answers 404: nothing written, but something announced."""

    permission_required = "operators.edit"
    model = Operator

    def dispatch(self, request, pk):
        publish("operator.updated", tenant_id=request.user.tenant_id, operator_id=pk)
        get_object_or_404(restrict(Operator.objects.all(), request.user, "operators.edit"), pk=pk)
        return HttpResponse("saved", status=302, headers={"Location": "/"})


class MoneyOnTheNocPage(BaseView):
    """A NOC page that shows operator money."""

    permission_required = "monitoring.view"

    def get(self, request):
        rows = Operator.objects.values_list("credit_limit", flat=True)
        return HttpResponse(" ".join(f"{v:,}" for v in rows))


class _OperatorNameSerializer(serializers.ModelSerializer):
    class Meta:
        model = Operator
        fields = ["id", "name"]


class LeakyOperatorViewSet(mixins.RetrieveModelMixin, TenantViewSet):
    """Forgets restrict() in get_queryset; the object check still says no (403, not 404)."""

    model = Operator
    queryset = Operator.objects.none()
    serializer_class = _OperatorNameSerializer
    permission_codes = {"*": "operators.view"}

    def get_queryset(self):
        return Operator._base_manager.all()


router = SimpleRouter()
router.register("operators", LeakyOperatorViewSet, basename="operator")

broken_patterns = [
    path("operators/", LeakyOperatorListView.as_view(), name="operator_list"),
    path("operators/<int:pk>/", LeakyOperatorView.as_view(), name="operator"),
    path("operators/<int:pk>/touch/", WritesBeforeCheckingView.as_view(), name="touch"),
    path("operators/<int:pk>/announce/", AnnouncesBeforeCheckingView.as_view(), name="announce"),
    path("noc-money/", MoneyOnTheNocPage.as_view(), name="noc_money"),
    path("api/", include(router.urls)),
]

urlpatterns = [
    path("broken/", include((broken_patterns, "broken"))),
    *project_urls.urlpatterns,
]
