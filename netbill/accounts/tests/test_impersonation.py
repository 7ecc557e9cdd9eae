"""Get Access (django-hijack): who may open whose panel, and the audit trail it leaves."""

import pytest
from django.contrib.auth import SESSION_KEY

from conftest import in_scope
from netbill.accounts import services
from netbill.accounts.choices import OperatorKindChoices as Kind
from netbill.accounts.models import Operator, User
from netbill.accounts.roles import ROLE_DEFAULTS

from .factories import audit_entries, login_user_of, make_operator

pytestmark = pytest.mark.django_db

BACK = "Back to Group Admin"


def _acquire(client, user, next_url="/operators/"):
    return client.post("/hijack/acquire/", {"user_pk": user.pk, "next": next_url})


def _release(client):
    return client.post("/hijack/release/", {"next": "/operators/"})


def _session_user_id(client):
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


def _access_entries(tenant):
    return [
        (e.action, e.actor_id, e.object_id, e.impersonator_id)
        for e in audit_entries(tenant)
        if e.action.startswith("access.")
    ]


def test_group_admin_gets_access_to_an_operator_and_comes_back(isp, client):
    client.force_login(isp.ga)
    assert BACK not in client.get("/operators/").content.decode()

    response = _acquire(client, isp.user_x)
    assert response.status_code == 302
    assert response.url == "/operators/"
    assert _session_user_id(client) == isp.user_x.pk
    assert client.session["hijack_history"] == [str(isp.ga.pk)]

    page = client.get("/operators/")
    assert page.status_code == 200
    assert page.context["user"].pk == isp.user_x.pk
    html = page.content.decode()
    assert 'id="impersonation-bar"' in html
    assert BACK in html
    # The operator's panel shows the operator's reach, not the Group Admin's.
    assert [o.pk for o in page.context["table"].data] == [isp.op_x.pk, isp.sub_x1.pk]

    response = _release(client)
    assert response.status_code == 302
    assert response.url == "/operators/"
    assert _session_user_id(client) == isp.ga.pk
    assert client.session["hijack_history"] == []
    assert BACK not in client.get("/operators/").content.decode()

    started, ended = [e for e in audit_entries(isp.tenant) if e.action.startswith("access.")]
    assert (started.action, started.actor_id, started.object_type, started.object_id) == (
        "access.started",
        isp.ga.pk,
        "accounts.user",
        str(isp.user_x.pk),
    )
    assert started.impersonator_id is None
    assert started.tenant_id == isp.tenant.pk
    assert (ended.action, ended.actor_id, ended.object_id) == (
        "access.ended",
        isp.ga.pk,
        str(isp.user_x.pk),
    )
    # Ending the access is the Group Admin acting as itself, not through Get Access.
    assert ended.impersonator_id is None


def test_nested_access_unwinds_one_step_at_a_time(isp, client):
    client.force_login(isp.ga)
    _acquire(client, isp.user_x)
    assert _acquire(client, isp.user_x1).status_code == 302
    assert _session_user_id(client) == isp.user_x1.pk
    assert client.session["hijack_history"] == [str(isp.ga.pk), str(isp.user_x.pk)]
    _release(client)
    assert _session_user_id(client) == isp.user_x.pk
    _release(client)
    assert _session_user_id(client) == isp.ga.pk
    assert _access_entries(isp.tenant) == [
        ("access.started", isp.ga.pk, str(isp.user_x.pk), None),
        ("access.started", isp.user_x.pk, str(isp.user_x1.pk), isp.ga.pk),
        # Back in X's panel, still entered by the Group Admin.
        ("access.ended", isp.user_x.pk, str(isp.user_x1.pk), isp.ga.pk),
        ("access.ended", isp.ga.pk, str(isp.user_x.pk), None),
    ]


def test_actions_while_impersonating_name_both_users(isp, client):
    client.force_login(isp.ga)
    _acquire(client, isp.user_x)
    response = client.post(
        f"/operators/{isp.sub_x1.pk}/edit-sub-operator/",
        {
            "name": "Alpha Net X1",
            "mobile": isp.sub_x1.mobile,
            "email": "",
            "address": "Set through Get Access",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    with in_scope(isp.tenant):
        assert Operator.objects.get(pk=isp.sub_x1.pk).address == "Set through Get Access"
    (entry,) = audit_entries(isp.tenant, action="operator.updated")
    assert entry.actor_id == isp.user_x.pk
    assert entry.actor_repr == "a-opx"
    assert entry.impersonator_id == isp.ga.pk
    assert entry.impersonator_repr == "a-ga"
    assert entry.object_id == str(isp.sub_x1.pk)
    assert {k for k, _old, _new in entry.changes} == {"address"}

    # After release the Group Admin acts as itself again, with no impersonator.
    _release(client)
    client.post(
        f"/operators/{isp.sub_x1.pk}/edit-sub-operator/",
        {
            "name": "Alpha Net X1",
            "mobile": isp.sub_x1.mobile,
            "address": "Back as GA",
            "is_active": "on",
        },
    )
    first, second = audit_entries(isp.tenant, action="operator.updated")
    assert (second.actor_id, second.impersonator_id) == (isp.ga.pk, None)


def test_api_write_while_impersonating_is_audited_with_both(isp, client):
    client.force_login(isp.ga)
    _acquire(client, isp.user_x)
    response = client.patch(
        f"/api/v1/operators/{isp.sub_x1.pk}/",
        {"address": "Via API"},
        content_type="application/json",
    )
    assert response.status_code == 200
    (entry,) = audit_entries(isp.tenant, action="operator.updated")
    assert (entry.actor_id, entry.impersonator_id) == (isp.user_x.pk, isp.ga.pk)


def test_group_admin_enters_sub_operators_managers_and_card_distributors(isp, client):
    for target in (isp.user_x1, isp.manager_y, isp.cards):
        client.force_login(isp.ga)
        assert _acquire(client, target).status_code == 302
        assert _session_user_id(client) == target.pk
        _release(client)
        assert _session_user_id(client) == isp.ga.pk


def test_operator_enters_its_own_sub_operator_and_staff(isp, client):
    for target in (isp.user_x1, isp.manager_x, isp.cards):
        client.force_login(isp.user_x)
        assert _acquire(client, target).status_code == 302
        assert _session_user_id(client) == target.pk
        _release(client)
        assert _session_user_id(client) == isp.user_x.pk
    assert [a for a, *_ in _access_entries(isp.tenant)] == ["access.started", "access.ended"] * 3


def _refused(client, by, target):
    client.force_login(by)
    response = _acquire(client, target)
    assert response.status_code == 403
    assert _session_user_id(client) == by.pk
    assert "hijack_history" not in client.session


@pytest.mark.parametrize("target", ["user_y", "manager_y", "ga", "noc", "sales"])
def test_operator_cannot_enter_sideways_or_upwards(isp, client, target):
    _refused(client, isp.user_x, getattr(isp, target))
    assert _access_entries(isp.tenant) == []


def test_operator_cannot_enter_operator_ys_sub_operator(isp, client):
    y1 = login_user_of(make_operator(by=isp.ga, kind=Kind.SUB_OPERATOR, parent=isp.op_y))
    _refused(client, isp.user_x, y1)
    assert _access_entries(isp.tenant) == []


def test_nobody_enters_another_tenant(isp, other_isp, client):
    _refused(client, isp.ga, other_isp.user_x)
    _refused(client, isp.user_x, other_isp.user_x1)
    assert _access_entries(isp.tenant) == []
    assert _access_entries(other_isp.tenant) == []


@pytest.mark.parametrize("who", ["noc", "manager_x", "sales", "cards", "user_x1"])
def test_roles_without_get_access_cannot_use_it(isp, client, who):
    _refused(client, getattr(isp, who), isp.cards if who != "cards" else isp.manager_x)
    assert _access_entries(isp.tenant) == []


@pytest.mark.parametrize("target", ["noc", "sales"])
def test_group_admin_cannot_enter_noc_or_sales_panels(isp, client, target):
    _refused(client, isp.ga, getattr(isp, target))


def test_group_admin_cannot_enter_another_group_admin_or_itself(isp, client):
    from conftest import PASSWORD
    from netbill.accounts.choices import UserRoleChoices as Role

    ga2 = User.objects.create_user(
        username="a-ga2",
        password=PASSWORD,
        role=Role.GROUP_ADMIN,
        tenant=isp.tenant,
        operator=isp.root,
    )
    _refused(client, isp.ga, ga2)
    _refused(client, isp.ga, isp.ga)


def test_platform_admin_cannot_enter_tenant_users(isp, platform_admin, client):
    _refused(client, platform_admin, isp.ga)
    _refused(client, platform_admin, isp.user_x)


def test_inactive_users_cannot_be_entered(isp, client):
    User.objects.filter(pk=isp.manager_y.pk).update(is_active=False)
    _refused(client, isp.ga, User.objects.get(pk=isp.manager_y.pk))


def test_revoking_operators_access_takes_get_access_away(isp, client, fresh):
    with in_scope(isp.tenant):
        services.user_set_permissions(
            user=isp.user_x,
            by=isp.ga,
            codes=ROLE_DEFAULTS[isp.user_x.role] - {"operators.access"},
        )
    _refused(client, fresh(isp.user_x), isp.user_x1)


def test_release_without_impersonation_is_refused(isp, client):
    client.force_login(isp.user_x)
    assert _release(client).status_code == 403
    assert _session_user_id(client) == isp.user_x.pk


def test_anonymous_get_access_goes_to_login(isp, client):
    response = _acquire(client, isp.user_x)
    assert response.status_code == 302
    assert response.url.startswith("/login/")
    assert _session_user_id(client) is None


def test_operator_page_shows_get_access_only_when_allowed(isp, client):
    client.force_login(isp.ga)
    page = client.get(f"/operators/{isp.op_x.pk}/")
    assert page.context["can_access"] is True
    assert 'action="/hijack/acquire/"' in page.content.decode()
    client.force_login(isp.sales)
    page = client.get(f"/operators/{isp.op_x.pk}/")
    assert page.context["can_access"] is False
    assert 'action="/hijack/acquire/"' not in page.content.decode()
