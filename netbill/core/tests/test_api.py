"""core.api: TenantViewSet always checks the action's code and restricts its queryset."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import mixins, serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.test import APIRequestFactory, force_authenticate

from conftest import in_scope
from netbill.accounts.models import Operator
from netbill.core.api import CodePermission, TenantViewSet

factory = APIRequestFactory()


class _OperatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Operator
        fields = ["id", "name"]


class ProbeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    model = Operator
    serializer_class = _OperatorSerializer
    pagination_class = None
    permission_codes = {"*": "operators.view"}


class DenyAll(BasePermission):
    def has_permission(self, request, view):
        return False


def _call(viewset, user, action, tenant, **kwargs):
    method = {"list": "get", "retrieve": "get"}[action]
    request = factory.get("/probe/")
    force_authenticate(request, user=user)
    view = viewset.as_view({method: action})
    with in_scope(tenant):
        response = view(request, **kwargs)
        response.render()
    return response


def test_a_viewset_without_code_permission_is_refused_when_defined():
    with pytest.raises(ImproperlyConfigured, match="Open must keep CodePermission"):

        class Open(TenantViewSet):
            permission_classes = [IsAuthenticated]
            permission_codes = {"*": "operators.view"}


def test_a_viewset_with_an_unknown_code_is_refused_when_defined():
    with pytest.raises(ImproperlyConfigured, match="unknown permission code 'operators.eat'"):

        class Bad(TenantViewSet):
            permission_codes = {"*": "operators.view", "destroy": "operators.eat"}


def test_list_is_restricted_to_the_subtree(isp, other_isp):
    response = _call(ProbeViewSet, isp.user_x, "list", isp.tenant)
    assert response.status_code == 200
    assert sorted(row["name"] for row in response.data) == ["Alpha Net X", "Alpha Net X1"]


def test_list_never_shows_another_tenant_even_in_its_scope(isp, other_isp):
    response = _call(ProbeViewSet, isp.ga, "list", other_isp.tenant)
    assert response.status_code == 200
    assert response.data == []


def test_without_the_code_the_answer_is_403(isp):
    response = _call(ProbeViewSet, isp.manager_x, "list", isp.tenant)
    assert response.status_code == 403


@pytest.mark.parametrize("target", ["op_y", "root"])
def test_retrieve_outside_the_subtree_is_404(isp, target):
    pk = getattr(isp, target).pk
    assert _call(ProbeViewSet, isp.user_x, "retrieve", isp.tenant, pk=pk).status_code == 404


def test_retrieve_in_another_tenant_is_404(isp, other_isp):
    pk = other_isp.op_x.pk
    assert _call(ProbeViewSet, isp.ga, "retrieve", isp.tenant, pk=pk).status_code == 404
    assert _call(ProbeViewSet, isp.ga, "retrieve", other_isp.tenant, pk=pk).status_code == 404


def test_retrieve_in_reach(isp):
    response = _call(ProbeViewSet, isp.user_x, "retrieve", isp.tenant, pk=isp.sub_x1.pk)
    assert response.status_code == 200
    assert response.data == {"id": isp.sub_x1.pk, "name": "Alpha Net X1"}


def test_the_action_code_overrides_the_default(isp):
    class PerAction(ProbeViewSet):
        permission_codes = {"*": "operators.view", "retrieve": "editCompany"}

    assert _call(PerAction, isp.user_x, "list", isp.tenant).status_code == 200
    pk = isp.sub_x1.pk
    assert _call(PerAction, isp.user_x, "retrieve", isp.tenant, pk=pk).status_code == 403
    assert _call(PerAction, isp.ga, "retrieve", isp.tenant, pk=pk).status_code == 200


def test_an_action_without_a_code_is_a_configuration_error(isp):
    class NoDefault(ProbeViewSet):
        permission_codes = {"retrieve": "operators.view"}

    with pytest.raises(ImproperlyConfigured, match="no permission code for 'list'"):
        _call(NoDefault, isp.ga, "list", isp.tenant)


def test_a_stricter_permission_next_to_code_permission_is_honoured(isp):
    class Stricter(ProbeViewSet):
        permission_classes = [CodePermission, DenyAll]

    assert _call(Stricter, isp.ga, "list", isp.tenant).status_code == 403


def test_code_permission_runs_even_if_permission_classes_is_swapped_later(isp):
    class Swapped(ProbeViewSet):
        pass

    Swapped.permission_classes = []  # after definition, past __init_subclass__
    assert _call(Swapped, isp.manager_x, "list", isp.tenant).status_code == 403
    assert [type(p) for p in Swapped().get_permissions()] == [CodePermission]
