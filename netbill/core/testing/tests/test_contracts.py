"""The contracts must be able to fail: pointed at deliberately broken views
(`broken.py`), each generated test raises, with the right message. Pointed at the real
view, the same test passes (the control)."""

import pytest
from django.db import transaction
from django_scopes import scope

from netbill.accounts.models import Operator
from netbill.core.testing.contracts import (
    REGISTRY,
    APIDetailContract,
    DetailViewContract,
    EditViewContract,
    ListViewContract,
)
from netbill.core.testing.state import nothing_changes

BROKEN = "netbill.core.testing.tests.broken"

pytestmark = pytest.mark.django_db


@pytest.fixture
def broken_urls(settings):
    settings.ROOT_URLCONF = BROKEN


#
# Contracts used below; their names do not start with "Test": not collected, not registered.
#


class _OperatorDetail(DetailViewContract):
    url_name = "accounts:operator"
    permission = "operators.view"
    other_subtree_user = "user_y"

    def target(self, isp):
        return isp.op_x


class _LeakyOperatorDetail(_OperatorDetail):
    url_name = "broken:operator"


class _OperatorList(ListViewContract):
    url_name = "accounts:operator_list"
    permission = "operators.view"
    other_subtree_user = "user_x"

    def expected_rows(self, isp):
        return [isp.op_x, isp.op_y, isp.sub_x1]

    def other_subtree_rows(self, isp):
        return [isp.op_x, isp.sub_x1]


class _LeakyOperatorList(_OperatorList):
    url_name = "broken:operator_list"


class _Touch(EditViewContract):
    url_name = "broken:touch"
    permission = "operators.edit"
    other_subtree_user = "user_y"

    def target(self, isp):
        return isp.op_x


class _Announce(_Touch):
    url_name = "broken:announce"


class _OperatorAPIDetail(APIDetailContract):
    url_name = "api:operator-detail"
    permission = "operators.view"
    other_subtree_user = "user_y"

    def target(self, isp):
        return isp.op_x


class _LeakyOperatorAPIDetail(_OperatorAPIDetail):
    url_name = "broken:operator-detail"


#
# Detail pages
#


def test_detail_control_passes(client, isp, request, broken_urls):
    _OperatorDetail().test_other_subtree(client, isp, request)
    _OperatorDetail().test_other_tenant(client, isp, request)


def test_detail_contract_catches_a_missing_subtree_check(client, isp, request, broken_urls):
    with pytest.raises(AssertionError, match="other subtree: GET .* answered 200, expected 404"):
        _LeakyOperatorDetail().test_other_subtree(client, isp, request)


def test_detail_contract_catches_a_missing_tenant_check(client, isp, request, broken_urls):
    with pytest.raises(AssertionError, match="other tenant: GET .* answered 200, expected 404"):
        _LeakyOperatorDetail().test_other_tenant(client, isp, request)


#
# Lists
#


def test_list_control_passes(client, isp, request, broken_urls):
    _OperatorList().test_other_subtree(client, isp, request)
    _OperatorList().test_other_tenant(client, isp, request)


def test_list_contract_catches_rows_of_another_subtree(client, isp, request, broken_urls):
    with pytest.raises(AssertionError, match="other subtree: listed"):
        _LeakyOperatorList().test_other_subtree(client, isp, request)


def test_list_contract_catches_rows_of_another_tenant(client, isp, request, broken_urls):
    with pytest.raises(AssertionError, match="other tenant: listed"):
        _LeakyOperatorList().test_other_tenant(client, isp, request)


#
# Refusals that still change something
#


def test_refusal_that_writes_is_caught(client, isp, request, broken_urls):
    with pytest.raises(AssertionError, match="data changed although it must not"):
        _Touch().test_other_subtree(client, isp, request)


def test_refusal_that_writes_in_another_tenant_is_caught(client, isp, request, broken_urls):
    with pytest.raises(AssertionError, match="data changed although it must not"):
        _Touch().test_other_tenant(client, isp, request)


def test_refusal_that_announces_an_event_is_caught(client, isp, request, broken_urls):
    with pytest.raises(AssertionError, match="on-commit work"):
        _Announce().test_other_subtree(client, isp, request)


#
# API
#


def test_api_control_passes(client, isp, request, broken_urls):
    _OperatorAPIDetail().test_other_tenant(client, isp, request)


def test_api_contract_insists_on_404_not_403(client, isp, request, broken_urls):
    # The leaky viewset's object check still refuses, but 403 tells the other ISP the
    # object exists: the contract demands 404.
    with pytest.raises(AssertionError, match="answered 403, expected 404"):
        _LeakyOperatorAPIDetail().test_other_tenant(client, isp, request)


#
# The contract machinery itself
#


def test_a_scenario_is_dropped_only_with_a_reason():
    with pytest.raises(TypeError, match="needs a reason"):
        type("_X", (DetailViewContract,), {"not_applicable": {"other_subtree": " "}})
    with pytest.raises(TypeError, match="needs a reason"):
        type("_Y", (DetailViewContract,), {"not_applicable": {"no_such_scenario": "why"}})
    dropped = type("_Z", (DetailViewContract,), {"not_applicable": {"other_subtree": "why"}})
    assert dropped.test_other_subtree is None
    assert callable(dropped.test_other_tenant)


def test_a_contract_names_a_catalog_code():
    with pytest.raises(TypeError, match="unknown permission"):
        type("TestBadCode", (DetailViewContract,), {"permission": "no.such.code"})
    assert all(c.__name__.startswith("Test") for c in REGISTRY)


def test_nothing_changes_sees_writes_and_events(isp):
    writing = nothing_changes(isp.tenant, what="write")
    in_alpha = scope(tenant=isp.tenant.pk)
    with pytest.raises(AssertionError, match="accounts.Operator"), writing, in_alpha:
        Operator.objects.filter(pk=isp.op_x.pk).update(name="Changed")
    announcing = nothing_changes(isp.tenant, what="event")
    with pytest.raises(AssertionError, match="on-commit work"), announcing:
        transaction.on_commit(lambda: None)
    with nothing_changes(isp.tenant, what="a read"), scope(tenant=isp.tenant.pk):
        assert Operator.objects.count() == 4
