"""/api/v1/operators/ and /api/v1/users/: same rules as the panel, JSON in and out."""

from decimal import Decimal

import pytest

from conftest import PASSWORD, in_scope
from netbill.accounts.choices import OperatorKindChoices as Kind
from netbill.accounts.choices import UserRoleChoices as Role
from netbill.accounts.models import Operator, User
from netbill.accounts.roles import ROLE_DEFAULTS

from .factories import audit_entries, counts, login_user_of

pytestmark = pytest.mark.django_db

OPERATORS = "/api/v1/operators/"
USERS = "/api/v1/users/"
PUBLIC_OPERATOR_FIELDS = {
    "id",
    "name",
    "kind",
    "parent",
    "path",
    "mobile",
    "email",
    "address",
    "is_active",
    "created_at",
}


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def _operator_payload(**overrides):
    data = {
        "kind": "operator",
        "name": "Banani Net",
        "username": "banani",
        "password": PASSWORD,
        "mobile": "01811400001",
        "email": "noc@banani.net",
    }
    data.update(overrides)
    return data


def _reload(node):
    with in_scope(node.tenant_id):
        return Operator.objects.get(pk=node.pk)


#
# Operators: reading
#


def test_group_admin_lists_every_operator_but_not_the_root(isp, other_isp, client):
    client.force_login(isp.ga)
    assert _ids(client.get(OPERATORS)) == {isp.op_x.pk, isp.sub_x1.pk, isp.op_y.pk}


def test_operator_lists_its_own_subtree(isp, client):
    client.force_login(isp.user_x)
    assert _ids(client.get(OPERATORS)) == {isp.op_x.pk, isp.sub_x1.pk}


def test_operator_detail_with_money_for_holders_of_operators_balance(isp, client):
    client.force_login(isp.ga)
    response = client.get(f"{OPERATORS}{isp.op_x.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PUBLIC_OPERATOR_FIELDS | {"balance", "credit_limit"}
    assert (body["balance"], body["credit_limit"]) == ("0.00", "0.00")
    assert (body["name"], body["kind"], body["parent"], body["path"], body["mobile"]) == (
        "Alpha Net X",
        "operator",
        isp.root.pk,
        isp.op_x.path,
        isp.op_x.mobile,
    )
    assert "password" not in body and "username" not in body


def test_financial_fields_are_absent_without_operators_balance(isp, client):
    client.force_login(isp.sales)
    detail = client.get(f"{OPERATORS}{isp.op_x.pk}/").json()
    assert set(detail) == PUBLIC_OPERATOR_FIELDS
    for row in client.get(OPERATORS).json()["results"]:
        assert set(row) == PUBLIC_OPERATOR_FIELDS


def test_financial_fields_vanish_when_operators_balance_is_revoked(isp, client):
    from netbill.accounts import services

    with in_scope(isp.tenant):
        services.user_set_permissions(
            user=isp.user_x,
            by=isp.ga,
            codes=ROLE_DEFAULTS[Role.OPERATOR] - {"operators.balance"},
        )
    client.force_login(isp.user_x)
    assert set(client.get(f"{OPERATORS}{isp.sub_x1.pk}/").json()) == PUBLIC_OPERATOR_FIELDS


@pytest.mark.parametrize(
    ("who", "target"),
    [("user_x", "op_y"), ("user_x", "root"), ("ga", "root")],
)
def test_operators_beyond_reach_are_404(isp, client, who, target):
    client.force_login(getattr(isp, who))
    assert client.get(f"{OPERATORS}{getattr(isp, target).pk}/").status_code == 404


def test_another_tenants_operator_is_404(isp, other_isp, client):
    client.force_login(isp.ga)
    assert client.get(f"{OPERATORS}{other_isp.op_x.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["noc", "manager_x", "cards", "user_x1"])
def test_roles_without_operators_view_get_403(isp, client, who):
    client.force_login(getattr(isp, who))
    assert client.get(OPERATORS).status_code == 403


def test_platform_admin_sees_no_operators(isp, platform_admin, client):
    client.force_login(platform_admin)
    assert client.get(OPERATORS).status_code == 403


#
# Operators: creating
#


def test_group_admin_creates_an_operator(isp, client):
    client.force_login(isp.ga)
    response = _post(client, OPERATORS, _operator_payload(credit_limit="750.00"))
    assert response.status_code == 201, response.content
    body = response.json()
    with in_scope(isp.tenant):
        node = Operator.objects.get(pk=body["id"])
    assert (node.name, node.kind, node.parent_id, node.credit_limit, node.mobile) == (
        "Banani Net",
        Kind.OPERATOR,
        isp.root.pk,
        Decimal("750.00"),
        "+8801811400001",
    )
    assert body["credit_limit"] == "750.00"
    assert body["path"] == f"/{isp.root.pk}/{node.pk}/"
    assert "password" not in body and "username" not in body
    login = login_user_of(node)
    assert (login.username, login.role) == ("banani", Role.OPERATOR)
    assert login.check_password(PASSWORD)
    assert [e.action for e in audit_entries(isp.tenant, actor=isp.ga)][-2:] == [
        "operator.created",
        "user.created",
    ]


def test_operator_creates_a_sub_operator_under_itself(isp, client):
    client.force_login(isp.user_x)
    response = _post(client, OPERATORS, _operator_payload(kind="sub_operator", parent=isp.op_x.pk))
    assert response.status_code == 201, response.content
    with in_scope(isp.tenant):
        node = Operator.objects.get(pk=response.json()["id"])
    assert (node.kind, node.parent_id) == (Kind.SUB_OPERATOR, isp.op_x.pk)


def _refused_create(client, isp, by, payload, status, errors=None):
    client.force_login(by)
    before = counts(isp.tenant)
    response = _post(client, OPERATORS, payload)
    assert response.status_code == status, response.content
    if errors is not None:
        assert response.json() == errors
    assert counts(isp.tenant) == before
    assert not User.objects.filter(username=payload.get("username", "")).exists()
    return response


def test_operator_cannot_create_under_operator_y(isp, client):
    _refused_create(
        client,
        isp,
        isp.user_x,
        _operator_payload(kind="sub_operator", parent=isp.op_y.pk),
        400,
        {"parent": [f'Invalid pk "{isp.op_y.pk}" - object does not exist.']},
    )


def test_sub_operator_cannot_be_a_parent(isp, client):
    _refused_create(
        client,
        isp,
        isp.ga,
        _operator_payload(kind="sub_operator", parent=isp.sub_x1.pk),
        400,
        {"parent": [f'Invalid pk "{isp.sub_x1.pk}" - object does not exist.']},
    )


def test_sub_operator_needs_a_parent(isp, client):
    _refused_create(
        client,
        isp,
        isp.ga,
        _operator_payload(kind="sub_operator"),
        400,
        {"parent": ["Choose the operator it works under."]},
    )


def test_operator_cannot_create_operators_through_the_api(isp, client):
    _refused_create(client, isp, isp.user_x, _operator_payload(), 403)


def test_bad_mobile_is_400_and_nothing_is_saved(isp, client):
    _refused_create(
        client,
        isp,
        isp.ga,
        _operator_payload(mobile="017"),
        400,
        {"mobile": ["Enter a valid mobile number."]},
    )


def test_duplicate_username_is_400_and_nothing_is_saved(isp, client):
    payload = _operator_payload(username="A-OPX")
    client.force_login(isp.ga)
    before = counts(isp.tenant)
    response = _post(client, OPERATORS, payload)
    assert response.status_code == 400
    assert response.json() == {"username": ["This username is taken."]}
    assert counts(isp.tenant) == before
    with in_scope(isp.tenant):
        assert not Operator.objects.filter(name="Banani Net").exists()


def test_short_password_is_400(isp, client):
    _refused_create(
        client,
        isp,
        isp.ga,
        _operator_payload(password="Ab1-x"),
        400,
        {"password": ["Ensure this field has at least 8 characters."]},
    )


def test_common_password_is_400(isp, client):
    _refused_create(
        client,
        isp,
        isp.ga,
        _operator_payload(password="password123"),
        400,
        {"password": ["This password is too common."]},
    )


def test_username_with_spaces_is_400_not_500(isp, client):
    response = _refused_create(client, isp, isp.ga, _operator_payload(username="two words"), 400)
    assert list(response.json()) == ["username"]


def test_duplicate_operator_name_is_400(isp, client):
    _refused_create(
        client,
        isp,
        isp.ga,
        _operator_payload(name="alpha net y"),
        400,
        {"name": ["An operator with this name already exists."]},
    )


def test_negative_credit_limit_is_400(isp, client):
    _refused_create(
        client,
        isp,
        isp.ga,
        _operator_payload(credit_limit="-5.00"),
        400,
        {"credit_limit": ["Ensure this value is greater than or equal to 0."]},
    )


def test_missing_fields_are_400(isp, client):
    response = _refused_create(client, isp, isp.ga, {"kind": "operator"}, 400)
    assert set(response.json()) == {"name", "username", "password", "mobile"}


#
# Operators: updating
#


def test_group_admin_patches_an_operator(isp, client):
    client.force_login(isp.ga)
    response = _patch(client, f"{OPERATORS}{isp.op_x.pk}/", {"address": "Uttara 7"})
    assert response.status_code == 200
    assert response.json()["address"] == "Uttara 7"
    assert _reload(isp.op_x).address == "Uttara 7"
    (entry,) = audit_entries(isp.tenant, action="operator.updated")
    assert (entry.actor_id, entry.before["address"], entry.after["address"]) == (
        isp.ga.pk,
        "",
        "Uttara 7",
    )


def test_put_with_unchanged_mobile_succeeds(isp, client):
    client.force_login(isp.ga)
    body = client.get(f"{OPERATORS}{isp.op_x.pk}/").json()
    body["address"] = "Banani 11"
    response = client.put(f"{OPERATORS}{isp.op_x.pk}/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    node = _reload(isp.op_x)
    assert (node.address, node.mobile) == ("Banani 11", isp.op_x.mobile)


def test_read_only_fields_are_ignored_on_update(isp, client):
    client.force_login(isp.ga)
    response = _patch(
        client,
        f"{OPERATORS}{isp.op_x.pk}/",
        {"balance": "999.00", "credit_limit": "999.00", "kind": "sub_operator", "path": "/"},
    )
    assert response.status_code == 200
    node = _reload(isp.op_x)
    assert (node.balance, node.credit_limit, node.kind, node.path) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Kind.OPERATOR,
        isp.op_x.path,
    )


def test_update_with_bad_mobile_is_400(isp, client):
    client.force_login(isp.ga)
    response = _patch(client, f"{OPERATORS}{isp.op_x.pk}/", {"mobile": "12"})
    assert response.status_code == 400
    assert response.json() == {"mobile": ["Enter a valid mobile number."]}
    assert _reload(isp.op_x).mobile == isp.op_x.mobile
    assert audit_entries(isp.tenant, action="operator.updated") == []


@pytest.mark.parametrize(("who", "status"), [("sales", 403), ("user_x1", 403), ("noc", 403)])
def test_operator_update_refused(isp, client, who, status):
    client.force_login(getattr(isp, who))
    response = _patch(client, f"{OPERATORS}{isp.op_x.pk}/", {"name": "Renamed"})
    assert response.status_code == status
    assert _reload(isp.op_x).name == "Alpha Net X"
    assert audit_entries(isp.tenant, action="operator.updated") == []


def test_operator_cannot_edit_itself_or_operator_y(isp, client):
    client.force_login(isp.user_x)
    assert _patch(client, f"{OPERATORS}{isp.op_x.pk}/", {"name": "Me"}).status_code == 403
    assert _patch(client, f"{OPERATORS}{isp.op_y.pk}/", {"name": "Them"}).status_code == 404
    assert (_reload(isp.op_x).name, _reload(isp.op_y).name) == ("Alpha Net X", "Alpha Net Y")
    assert audit_entries(isp.tenant, action="operator.updated") == []


def test_operator_edits_its_sub_operator(isp, client):
    client.force_login(isp.user_x)
    response = _patch(client, f"{OPERATORS}{isp.sub_x1.pk}/", {"email": "x1@alpha.net"})
    assert response.status_code == 200
    assert _reload(isp.sub_x1).email == "x1@alpha.net"


def test_another_tenants_operator_cannot_be_updated(isp, other_isp, client):
    client.force_login(isp.ga)
    response = _patch(client, f"{OPERATORS}{other_isp.op_x.pk}/", {"name": "Ours now"})
    assert response.status_code == 404
    assert _reload(other_isp.op_x).name == "Beta Net X"


#
# Users
#


def _usernames(response):
    assert response.status_code == 200, response.content
    return {row["username"] for row in response.json()["results"]}


def test_group_admin_lists_every_user_of_its_tenant(isp, other_isp, platform_admin, client):
    client.force_login(isp.ga)
    assert _usernames(client.get(USERS)) == {
        "a-ga",
        "a-opx",
        "a-opy",
        "a-subx1",
        "a-mgrx",
        "a-mgry",
        "a-noc",
        "a-sales",
        "a-cards",
    }


def test_operator_lists_the_users_of_its_subtree(isp, client):
    client.force_login(isp.user_x)
    assert _usernames(client.get(USERS)) == {"a-opx", "a-subx1", "a-mgrx", "a-cards"}


def test_user_detail(isp, client):
    client.force_login(isp.ga)
    body = client.get(f"{USERS}{isp.noc.pk}/").json()
    assert (body["username"], body["role"], body["operator"], body["mobile"]) == (
        "a-noc",
        "noc",
        isp.root.pk,
        isp.noc.mobile,
    )
    assert body["permission_codes"] == sorted(ROLE_DEFAULTS[Role.NOC])
    assert "password" not in body


@pytest.mark.parametrize("target", ["manager_y", "noc", "ga", "user_y"])
def test_users_beyond_reach_are_404(isp, client, target):
    client.force_login(isp.user_x)
    assert client.get(f"{USERS}{getattr(isp, target).pk}/").status_code == 404


def test_another_tenants_users_are_404(isp, other_isp, client):
    client.force_login(isp.ga)
    assert client.get(f"{USERS}{other_isp.ga.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["sales", "noc", "manager_x"])
def test_roles_without_users_view_get_403(isp, client, who):
    client.force_login(getattr(isp, who))
    assert client.get(USERS).status_code == 403


def _user_payload(**overrides):
    data = {
        "username": "shafiq",
        "name": "Shafiq",
        "role": "manager",
        "password": PASSWORD,
        "mobile": "01811400002",
    }
    data.update(overrides)
    return data


def test_group_admin_creates_a_manager(isp, client):
    client.force_login(isp.ga)
    response = _post(client, USERS, _user_payload(operator=isp.op_y.pk))
    assert response.status_code == 201, response.content
    body = response.json()
    user = User.objects.get(pk=body["id"])
    assert (user.username, user.role, user.operator_id, user.mobile, user.tenant_id) == (
        "shafiq",
        Role.MANAGER,
        isp.op_y.pk,
        "+8801811400002",
        isp.tenant.pk,
    )
    assert body["permission_codes"] == sorted(ROLE_DEFAULTS[Role.MANAGER])
    assert "password" not in body
    assert user.check_password(PASSWORD)


def test_group_admin_creates_a_noc_user_on_the_root(isp, client):
    client.force_login(isp.ga)
    response = _post(client, USERS, _user_payload(role="noc"))
    assert response.status_code == 201, response.content
    assert User.objects.get(username="shafiq").operator_id == isp.root.pk


def _refused_user_create(client, isp, by, payload, status, errors=None):
    client.force_login(by)
    before = counts(isp.tenant)
    response = _post(client, USERS, payload)
    assert response.status_code == status, response.content
    if errors is not None:
        assert response.json() == errors
    assert counts(isp.tenant) == before
    return response


def test_operator_cannot_create_a_manager_for_operator_y(isp, client):
    _refused_user_create(
        client,
        isp,
        isp.user_x,
        _user_payload(operator=isp.op_y.pk),
        400,
        {"operator": [f'Invalid pk "{isp.op_y.pk}" - object does not exist.']},
    )


@pytest.mark.parametrize("role", ["noc", "sales_manager"])
def test_operator_cannot_create_tenant_wide_staff(isp, client, role):
    _refused_user_create(client, isp, isp.user_x, _user_payload(role=role), 403)


@pytest.mark.parametrize("role", ["operator", "group_admin", "platform_admin"])
def test_only_staff_roles_can_be_created(isp, client, role):
    _refused_user_create(
        client,
        isp,
        isp.ga,
        _user_payload(role=role, operator=isp.op_x.pk),
        400,
        {"role": [f'"{role}" is not a valid choice.']},
    )


def test_user_create_field_errors(isp, client):
    cases = [
        ({"mobile": "999"}, {"mobile": ["Enter a valid mobile number."]}),
        ({"username": "a-mgrx"}, {"username": ["A user with that username already exists."]}),
        ({"username": "A-MGRX"}, {"username": ["This username is taken."]}),
        ({"password": "short"}, {"password": ["Ensure this field has at least 8 characters."]}),
        ({"operator": None}, {"operator": ["Choose the operator it works for."]}),
        ({"mobile": isp.manager_y.mobile}, {"mobile": ["This mobile number is already in use."]}),
    ]
    for overrides, errors in cases:
        payload = _user_payload(operator=isp.op_x.pk)
        payload.update(overrides)
        _refused_user_create(client, isp, isp.ga, payload, 400, errors)


def test_group_admin_patches_a_user(isp, client, fresh):
    client.force_login(isp.ga)
    response = _patch(client, f"{USERS}{isp.manager_x.pk}/", {"name": "Manager X", "role": "noc"})
    assert response.status_code == 200
    user = fresh(isp.manager_x)
    assert (user.name, user.role) == ("Manager X", Role.MANAGER)
    (entry,) = audit_entries(isp.tenant, action="user.updated")
    assert entry.actor_id == isp.ga.pk


def test_user_update_refused_beyond_reach(isp, client, fresh):
    client.force_login(isp.user_x)
    assert _patch(client, f"{USERS}{isp.manager_y.pk}/", {"name": "x"}).status_code == 404
    assert _patch(client, f"{USERS}{isp.ga.pk}/", {"is_active": False}).status_code == 404
    assert fresh(isp.manager_y).name == "mgry"
    assert fresh(isp.ga).is_active is True
    assert audit_entries(isp.tenant, action="user.updated") == []


def test_user_update_without_the_manage_code_is_403(isp, client, fresh):
    # An operator sees its own login but holds no operators.edit for it.
    client.force_login(isp.user_x)
    response = _patch(client, f"{USERS}{isp.user_x.pk}/", {"name": "Me"})
    assert response.status_code == 403
    assert fresh(isp.user_x).name == "Alpha Net X"


def test_user_update_bad_mobile_is_400(isp, client, fresh):
    client.force_login(isp.ga)
    response = _patch(client, f"{USERS}{isp.manager_x.pk}/", {"mobile": "0"})
    assert response.status_code == 400
    assert response.json() == {"mobile": ["Enter a valid mobile number."]}
    assert fresh(isp.manager_x).mobile == isp.manager_x.mobile
