"""Panel pages: operators, staff, special permissions, activity log, platform tenants."""

from decimal import Decimal

import pytest

from conftest import PASSWORD, in_scope
from netbill.accounts.choices import OperatorKindChoices as Kind
from netbill.accounts.choices import UserRoleChoices as Role
from netbill.accounts.models import Operator, PermissionOverride, SalesNote, User
from netbill.accounts.roles import ROLE_DEFAULTS
from netbill.core.models import AuditLog
from netbill.core.permissions import FINANCIAL_CODES
from netbill.tenancy.models import Tenant

from .factories import audit_entries, counts, login_user_of

pytestmark = pytest.mark.django_db


def _rows(response):
    assert response.status_code == 200
    return {obj.pk for obj in response.context["table"].data}


def _field_errors(response):
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


def _reload(node):
    with in_scope(node.tenant_id):
        return Operator.objects.get(pk=node.pk)


#
# Operator List and detail
#


def test_anonymous_is_sent_to_login(isp, client):
    response = client.get("/operators/")
    assert response.status_code == 302
    assert response.url == "/login/?next=/operators/"


def test_group_admin_operator_list(isp, other_isp, client):
    client.force_login(isp.ga)
    response = client.get("/operators/")
    assert _rows(response) == {isp.op_x.pk, isp.sub_x1.pk, isp.op_y.pk}
    html = response.content.decode()
    assert "Balance" in html and "Credit limit" in html
    assert response.context["create_url_name"] == "accounts:operator_add"
    assert "Beta Net" not in html


def test_operator_list_is_the_operators_subtree(isp, client):
    client.force_login(isp.user_x)
    response = client.get("/operators/")
    assert _rows(response) == {isp.op_x.pk, isp.sub_x1.pk}
    assert "create_url_name" not in response.context


def test_operator_list_filters(isp, client):
    client.force_login(isp.ga)
    assert _rows(client.get("/operators/", {"kind": "sub_operator"})) == {isp.sub_x1.pk}
    assert _rows(client.get("/operators/", {"q": "net y"})) == {isp.op_y.pk}


def test_operator_list_offers_get_access_only_where_allowed(isp, client):
    import re

    def enterable(response):
        return {
            int(pk) for pk in re.findall(r'name="user_pk" value="(\d+)"', response.content.decode())
        }

    client.force_login(isp.ga)
    assert enterable(client.get("/operators/")) == {isp.user_x.pk, isp.user_y.pk, isp.user_x1.pk}
    # Operator X may enter its own sub-operator, not itself or anyone above.
    client.force_login(isp.user_x)
    assert enterable(client.get("/operators/")) == {isp.user_x1.pk}
    # Only the page shown is looked at: a one-row page offers one button.
    client.force_login(isp.ga)
    assert enterable(client.get("/operators/", {"per_page": 1})) <= {
        isp.user_x.pk,
        isp.user_y.pk,
        isp.user_x1.pk,
    }
    assert len(enterable(client.get("/operators/", {"per_page": 1}))) == 1


def test_sales_manager_reads_the_operator_list_without_money_or_create(isp, client):
    client.force_login(isp.sales)
    response = client.get("/operators/")
    assert _rows(response) == {isp.op_x.pk, isp.sub_x1.pk, isp.op_y.pk}
    html = response.content.decode()
    assert "Balance" not in html and "Credit limit" not in html
    assert "create_url_name" not in response.context
    assert "Get Access" not in html
    assert client.get("/operators/add/").status_code == 403


@pytest.mark.parametrize("who", ["noc", "manager_x", "cards", "user_x1"])
def test_operator_list_needs_operators_view(isp, client, who):
    client.force_login(getattr(isp, who))
    assert client.get("/operators/").status_code == 403


def test_operator_detail_for_the_group_admin(isp, client):
    client.force_login(isp.ga)
    response = client.get(f"/operators/{isp.op_x.pk}/")
    assert response.status_code == 200
    ctx = response.context
    assert (ctx["show_money"], ctx["can_credit_limit"], ctx["can_edit"], ctx["can_access"]) == (
        True,
        True,
        True,
        True,
    )
    assert ctx["login_user"].pk == isp.user_x.pk
    assert [c.pk for c in ctx["children"]] == [isp.sub_x1.pk]
    assert {u.username for u in ctx["staff"]} == {"a-opx", "a-mgrx", "a-cards"}
    assert 'id="operator-balance"' in response.content.decode()


def test_operator_detail_for_the_sales_manager(isp, client):
    client.force_login(isp.sales)
    response = client.get(f"/operators/{isp.op_x.pk}/")
    ctx = response.context
    assert (ctx["show_money"], ctx["can_credit_limit"], ctx["can_edit"], ctx["can_access"]) == (
        False,
        False,
        False,
        False,
    )
    assert "note_form" in ctx
    html = response.content.decode()
    assert 'id="operator-balance"' not in html
    assert 'id="operator-credit-limit"' not in html


@pytest.mark.parametrize(("who", "target"), [("user_x", "op_y"), ("user_x", "root")])
def test_operator_detail_beyond_reach_is_404(isp, client, who, target):
    client.force_login(getattr(isp, who))
    assert client.get(f"/operators/{getattr(isp, target).pk}/").status_code == 404


def test_another_tenants_operator_detail_is_404(isp, other_isp, client):
    client.force_login(isp.ga)
    assert client.get(f"/operators/{other_isp.op_x.pk}/").status_code == 404


#
# Create Operator / Create Sub-Operator
#


def _operator_form(**overrides):
    data = {
        "name": "Mohakhali Link",
        "mobile": "01811500001",
        "email": "",
        "address": "Mohakhali",
        "credit_limit": "1200.50",
        "username": "mohakhali",
        "password": PASSWORD,
    }
    data.update(overrides)
    return data


def test_group_admin_creates_an_operator_from_the_form(isp, client):
    client.force_login(isp.ga)
    assert client.get("/operators/add/").status_code == 200
    response = client.post("/operators/add/", _operator_form())
    with in_scope(isp.tenant):
        node = Operator.objects.get(name="Mohakhali Link")
    assert response.status_code == 302
    assert response.url == f"/operators/{node.pk}/"
    assert (node.kind, node.parent_id, node.credit_limit, node.mobile, node.address) == (
        Kind.OPERATOR,
        isp.root.pk,
        Decimal("1200.50"),
        "+8801811500001",
        "Mohakhali",
    )
    assert login_user_of(node).username == "mohakhali"
    page = client.get(response.url)
    assert [str(m) for m in page.context["messages"]] == ["Operator created."]


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"mobile": "01711"}, {"mobile": ["Enter a valid mobile number."]}),
        ({"mobile": ""}, {"mobile": ["This field is required."]}),
        ({"username": "a-opx"}, {"username": ["This username is taken."]}),
        ({"name": "ALPHA NET X"}, {"name": ["An operator with this name already exists."]}),
        (
            {"password": "1234"},
            {"password": ["Ensure this value has at least 8 characters (it has 4)."]},
        ),
        (
            {"credit_limit": "-1"},
            {"credit_limit": ["Ensure this value is greater than or equal to 0."]},
        ),
    ],
)
def test_create_operator_form_errors_save_nothing(isp, client, overrides, errors):
    client.force_login(isp.ga)
    before = counts(isp.tenant)
    response = client.post("/operators/add/", _operator_form(**overrides))
    assert response.status_code == 200
    assert _field_errors(response) == errors
    assert counts(isp.tenant) == before
    with in_scope(isp.tenant):
        assert not Operator.objects.filter(name="Mohakhali Link").exists()


def test_username_with_spaces_is_a_form_error_not_a_crash(isp, client):
    client.force_login(isp.ga)
    before = counts(isp.tenant)
    response = client.post("/operators/add/", _operator_form(username="two words"))
    assert response.status_code == 200
    assert list(_field_errors(response)) == ["username"]
    assert counts(isp.tenant) == before


def test_operator_cannot_open_create_operator(isp, client):
    client.force_login(isp.user_x)
    before = counts(isp.tenant)
    assert client.get("/operators/add/").status_code == 403
    assert client.post("/operators/add/", _operator_form()).status_code == 403
    assert counts(isp.tenant) == before


def test_sub_operator_form_offers_only_reachable_parents(isp, client):
    client.force_login(isp.user_x)
    response = client.get("/operators/add-sub-operator/")
    parents = response.context["form"].fields["parent"].queryset
    assert [p.pk for p in parents] == [isp.op_x.pk]
    assert "credit_limit" not in response.context["form"].fields
    client.force_login(isp.ga)
    response = client.get("/operators/add-sub-operator/")
    parents = response.context["form"].fields["parent"].queryset
    assert {p.pk for p in parents} == {isp.root.pk, isp.op_x.pk, isp.op_y.pk}


def test_operator_creates_a_sub_operator_from_the_form(isp, client):
    client.force_login(isp.user_x)
    data = _operator_form(parent=isp.op_x.pk)
    del data["credit_limit"]
    response = client.post("/operators/add-sub-operator/", data)
    assert response.status_code == 302
    with in_scope(isp.tenant):
        node = Operator.objects.get(name="Mohakhali Link")
    assert (node.kind, node.parent_id, node.path) == (
        Kind.SUB_OPERATOR,
        isp.op_x.pk,
        f"{isp.op_x.path}{node.pk}/",
    )
    assert [str(m) for m in client.get(response.url).context["messages"]] == [
        "Sub-operator created."
    ]


@pytest.mark.parametrize("parent", ["op_y", "sub_x1", "root"])
def test_operator_cannot_create_a_sub_operator_elsewhere(isp, client, parent):
    client.force_login(isp.user_x)
    before = counts(isp.tenant)
    response = client.post(
        "/operators/add-sub-operator/", _operator_form(parent=getattr(isp, parent).pk)
    )
    assert response.status_code == 200
    assert _field_errors(response) == {
        "parent": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert counts(isp.tenant) == before


#
# Edit, credit limit, sales notes
#


def _edit_form(node, **overrides):
    data = {
        "name": node.name,
        "mobile": node.mobile,
        "email": node.email,
        "address": node.address,
        "is_active": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_group_admin_edits_an_operator(isp, client):
    client.force_login(isp.ga)
    response = client.post(f"/operators/{isp.op_x.pk}/edit/", _edit_form(isp.op_x, address="X"))
    assert response.status_code == 302
    assert _reload(isp.op_x).address == "X"
    (entry,) = audit_entries(isp.tenant, action="operator.updated")
    assert [k for k, _o, _n in entry.changes] == ["address"]


def test_group_admin_deactivates_an_operator_from_the_form(isp, client):
    client.force_login(isp.ga)
    response = client.post(f"/operators/{isp.op_y.pk}/edit/", _edit_form(isp.op_y, is_active=None))
    assert response.status_code == 302
    assert _reload(isp.op_y).is_active is False
    assert User.objects.get(pk=isp.user_y.pk).is_active is False


def test_operator_edits_its_sub_operator_but_not_itself(isp, client):
    client.force_login(isp.user_x)
    url = f"/operators/{isp.sub_x1.pk}/edit-sub-operator/"
    assert client.post(url, _edit_form(isp.sub_x1, address="Kafrul")).status_code == 302
    assert _reload(isp.sub_x1).address == "Kafrul"
    response = client.post(f"/operators/{isp.op_x.pk}/edit/", _edit_form(isp.op_x, address="Me"))
    assert response.status_code == 403
    assert _reload(isp.op_x).address == ""


def test_edit_urls_match_the_kind(isp, client):
    client.force_login(isp.ga)
    assert client.get(f"/operators/{isp.sub_x1.pk}/edit/").status_code == 404
    assert client.get(f"/operators/{isp.op_x.pk}/edit-sub-operator/").status_code == 404


def test_edit_beyond_reach_is_404_and_changes_nothing(isp, other_isp, client):
    client.force_login(isp.user_x)
    y1_url = f"/operators/{isp.op_y.pk}/edit-sub-operator/"
    assert client.post(y1_url, _edit_form(isp.op_y, address="Nope")).status_code == 404
    client.force_login(isp.ga)
    url = f"/operators/{other_isp.op_x.pk}/edit/"
    assert client.post(url, _edit_form(other_isp.op_x, address="Nope")).status_code == 404
    assert _reload(isp.op_y).address == ""
    assert _reload(other_isp.op_x).address == ""
    assert audit_entries(isp.tenant, action="operator.updated") == []
    assert audit_entries(other_isp.tenant, action="operator.updated") == []


def test_credit_limit_page(isp, client):
    client.force_login(isp.ga)
    url = f"/operators/{isp.op_x.pk}/credit-limit/"
    assert client.get(url).context["form"].initial == {"credit_limit": Decimal("0.00")}
    response = client.post(url, {"credit_limit": "5000"})
    assert response.status_code == 302
    assert _reload(isp.op_x).credit_limit == Decimal("5000.00")
    response = client.post(url, {"credit_limit": "-10"})
    assert response.status_code == 200
    assert _field_errors(response) == {
        "credit_limit": ["Ensure this value is greater than or equal to 0."]
    }
    assert _reload(isp.op_x).credit_limit == Decimal("5000.00")
    assert len(audit_entries(isp.tenant, action="operator.credit_limit_set")) == 1


def test_credit_limit_page_refusals(isp, client):
    client.force_login(isp.ga)
    assert client.get(f"/operators/{isp.root.pk}/credit-limit/").status_code == 404
    client.force_login(isp.user_x)
    url = f"/operators/{isp.sub_x1.pk}/credit-limit/"
    assert client.post(url, {"credit_limit": "10"}).status_code == 403
    assert _reload(isp.sub_x1).credit_limit == Decimal("0.00")


def test_sales_manager_adds_a_note_from_the_operator_page(isp, client):
    client.force_login(isp.sales)
    response = client.post(f"/operators/{isp.op_y.pk}/notes/", {"body": "Call back Monday"})
    assert response.status_code == 302
    assert response.url == f"/operators/{isp.op_y.pk}/"
    page = client.get(response.url)
    assert [n.body for n in page.context["notes"]] == ["Call back Monday"]
    assert [str(m) for m in page.context["messages"]] == ["Note added."]


def test_empty_note_is_refused_with_a_message(isp, client):
    client.force_login(isp.sales)
    response = client.post(f"/operators/{isp.op_y.pk}/notes/", {"body": ""})
    assert response.status_code == 302
    page = client.get(response.url)
    assert [str(m) for m in page.context["messages"]] == [
        "Write a note of at most 4000 characters."
    ]
    with in_scope(isp.tenant):
        assert SalesNote.objects.count() == 0


def test_notes_need_the_permission(isp, client):
    client.force_login(isp.user_x)
    assert client.post(f"/operators/{isp.op_x.pk}/notes/", {"body": "Hi"}).status_code == 403
    with in_scope(isp.tenant):
        assert SalesNote.objects.count() == 0


#
# Managers, NOC users, sales managers
#


def _staff_form(**overrides):
    data = {
        "name": "Jamal",
        "mobile": "01811500002",
        "email": "",
        "username": "jamal",
        "password": PASSWORD,
    }
    data.update(overrides)
    return data


def test_manager_lists(isp, client):
    client.force_login(isp.ga)
    assert _rows(client.get("/managers/")) == {isp.manager_x.pk, isp.manager_y.pk}
    client.force_login(isp.user_x)
    assert _rows(client.get("/managers/")) == {isp.manager_x.pk}


def test_operator_creates_a_manager_for_its_subtree_only(isp, client):
    client.force_login(isp.user_x)
    response = client.get("/managers/add/")
    choices = response.context["form"].fields["operator"].queryset
    assert {o.pk for o in choices} == {isp.op_x.pk, isp.sub_x1.pk}
    response = client.post("/managers/add/", _staff_form(operator=isp.sub_x1.pk))
    user = User.objects.get(username="jamal")
    assert response.status_code == 302
    assert response.url == f"/users/{user.pk}/"
    assert (user.role, user.operator_id, user.created_by_id) == (
        Role.MANAGER,
        isp.sub_x1.pk,
        isp.user_x.pk,
    )
    before = counts(isp.tenant)
    response = client.post(
        "/managers/add/", _staff_form(username="kamal", mobile="01811500009", operator=isp.op_y.pk)
    )
    assert response.status_code == 200
    assert list(_field_errors(response)) == ["operator"]
    assert counts(isp.tenant) == before


def test_noc_user_form_offers_no_financial_codes(isp, client):
    client.force_login(isp.ga)
    response = client.get("/noc-users/add/")
    offered = {c for c, _label in response.context["form"].fields["codes"].choices}
    assert offered & FINANCIAL_CODES == set()
    assert {"routers.view", "monitoring.view", "customers.disconnect"} <= offered


def test_noc_user_created_with_exactly_the_ticked_codes(isp, client, fresh):
    client.force_login(isp.ga)
    response = client.post(
        "/noc-users/add/", _staff_form(codes=["routers.view", "monitoring.view"])
    )
    assert response.status_code == 302
    user = User.objects.get(username="jamal")
    assert (user.role, user.operator_id) == (Role.NOC, isp.root.pk)
    assert fresh(user).permission_codes == frozenset({"routers.view", "monitoring.view"})


def test_noc_user_form_refuses_a_financial_code(isp, client):
    client.force_login(isp.ga)
    before = counts(isp.tenant)
    response = client.post(
        "/noc-users/add/", _staff_form(codes=["routers.view", "payments.receive"])
    )
    assert response.status_code == 200
    assert _field_errors(response) == {
        "codes": ["Select a valid choice. payments.receive is not one of the available choices."]
    }
    assert counts(isp.tenant) == before
    assert not User.objects.filter(username="jamal").exists()


@pytest.mark.parametrize("url", ["/noc-users/", "/noc-users/add/", "/settings/sales-managers/"])
def test_operators_cannot_manage_tenant_wide_staff(isp, client, url):
    client.force_login(isp.user_x)
    assert client.get(url).status_code == 403


def test_sales_managers_page(isp, client):
    client.force_login(isp.ga)
    assert _rows(client.get("/settings/sales-managers/")) == {isp.sales.pk}
    response = client.post("/settings/sales-managers/add/", _staff_form())
    assert response.status_code == 302
    user = User.objects.get(username="jamal")
    assert (user.role, user.operator_id) == (Role.SALES_MANAGER, isp.root.pk)


#
# Users
#


def test_user_page(isp, client):
    client.force_login(isp.ga)
    response = client.get(f"/users/{isp.manager_x.pk}/")
    ctx = response.context
    assert (ctx["can_edit"], ctx["can_permissions"], ctx["can_access"]) == (True, True, True)
    response = client.get(f"/users/{isp.ga.pk}/")
    ctx = response.context
    assert (ctx["can_edit"], ctx["can_permissions"], ctx["can_access"]) == (False, False, False)


def test_user_page_beyond_reach_is_404(isp, other_isp, client):
    client.force_login(isp.user_x)
    assert client.get(f"/users/{isp.manager_y.pk}/").status_code == 404
    assert client.get(f"/users/{isp.ga.pk}/").status_code == 404
    client.force_login(isp.ga)
    assert client.get(f"/users/{other_isp.ga.pk}/").status_code == 404


def test_user_edit(isp, client, fresh):
    client.force_login(isp.user_x)
    response = client.post(
        f"/users/{isp.manager_x.pk}/edit/",
        {"name": "Manager of X", "mobile": isp.manager_x.mobile, "email": "", "is_active": "on"},
    )
    assert response.status_code == 302
    assert fresh(isp.manager_x).name == "Manager of X"
    (entry,) = audit_entries(isp.tenant, action="user.updated")
    assert (entry.actor_id, entry.object_id) == (isp.user_x.pk, str(isp.manager_x.pk))


def test_user_edit_without_manage_code_is_403(isp, client, fresh):
    client.force_login(isp.user_x)
    response = client.post(
        f"/users/{isp.user_x.pk}/edit/",
        {"name": "Me", "mobile": isp.user_x.mobile, "is_active": "on"},
    )
    assert response.status_code == 403
    assert fresh(isp.user_x).name == "Alpha Net X"
    assert audit_entries(isp.tenant, action="user.updated") == []


#
# Special permissions
#


def test_special_permission_lists(isp, client):
    client.force_login(isp.ga)
    everyone_below = {
        isp.user_x.pk,
        isp.user_y.pk,
        isp.user_x1.pk,
        isp.manager_x.pk,
        isp.manager_y.pk,
        isp.noc.pk,
        isp.sales.pk,
        isp.cards.pk,
    }
    assert _rows(client.get("/settings/special-permissions/")) == everyone_below
    client.force_login(isp.user_x)
    assert _rows(client.get("/settings/special-permissions/")) == {
        isp.user_x1.pk,
        isp.manager_x.pk,
        isp.cards.pk,
    }


def test_special_permissions_form_saves_exactly_the_ticked_codes(isp, client, fresh):
    client.force_login(isp.ga)
    url = f"/settings/special-permissions/{isp.manager_x.pk}/"
    form = client.get(url).context["form"]
    assert set(form.fields["codes"].initial) == ROLE_DEFAULTS[Role.MANAGER]
    response = client.post(url, {"codes": ["customers.view", "customers.create"]})
    assert response.status_code == 302
    assert response.url == url
    assert fresh(isp.manager_x).permission_codes == {"customers.view", "customers.create"}
    (entry,) = audit_entries(isp.tenant, action="user.permissions_changed")
    assert entry.before == {"codes": sorted(ROLE_DEFAULTS[Role.MANAGER])}
    assert entry.after == {"codes": ["customers.create", "customers.view"]}


def test_special_permissions_form_offers_only_what_the_granter_may_hand_out(isp, client, fresh):
    # An operator sees only codes it holds (or the role's defaults); a forged post of
    # another code is a field error and nothing changes.
    client.force_login(isp.user_x)
    url = f"/settings/special-permissions/{isp.user_x1.pk}/"
    offered = {value for value, _label in client.get(url).context["form"].fields["codes"].choices}
    assert "operators.create" not in offered
    assert "customers.view" in offered
    response = client.post(url, {"codes": ["customers.view", "operators.create"]})
    assert response.status_code == 200
    assert list(_field_errors(response)) == ["codes"]
    assert fresh(isp.user_x1).permission_codes == ROLE_DEFAULTS[Role.SUB_OPERATOR]
    with in_scope(isp.tenant):
        assert PermissionOverride.objects.count() == 0


def test_codes_the_granter_cannot_see_survive_its_save(isp, client, fresh):
    # The Group Admin gave the sub-operator a code its operator does not hold; when the
    # operator later edits the sub-operator's permissions, that code stays.
    from netbill.accounts import services

    with in_scope(isp.tenant):
        services.user_set_permissions(
            user=isp.user_x1,
            by=isp.ga,
            codes=set(ROLE_DEFAULTS[Role.SUB_OPERATOR]) | {"operators.create"},
        )
    client.force_login(isp.user_x)
    kept = set(ROLE_DEFAULTS[Role.SUB_OPERATOR]) - {"customers.edit"}
    response = client.post(
        f"/settings/special-permissions/{isp.user_x1.pk}/", {"codes": sorted(kept)}
    )
    assert response.status_code == 302
    assert fresh(isp.user_x1).permission_codes == frozenset(kept | {"operators.create"})


def test_special_permissions_form_refuses_financial_codes_for_noc(isp, client, fresh):
    client.force_login(isp.ga)
    response = client.post(
        f"/settings/special-permissions/{isp.noc.pk}/", {"codes": ["routers.view", "bills.view"]}
    )
    assert response.status_code == 200
    assert list(_field_errors(response)) == ["codes"]
    assert fresh(isp.noc).permission_codes == ROLE_DEFAULTS[Role.NOC]


@pytest.mark.parametrize(("who", "target"), [("ga", "ga"), ("user_x", "user_y"), ("user_x", "noc")])
def test_special_permissions_of_unmanageable_users_are_404(isp, client, fresh, who, target):
    client.force_login(getattr(isp, who))
    user = getattr(isp, target)
    url = f"/settings/special-permissions/{user.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"codes": ["dashboard.view"]}).status_code == 404
    assert fresh(user).permission_codes == ROLE_DEFAULTS[user.role]


def test_special_permissions_need_the_permission(isp, client):
    client.force_login(isp.manager_x)
    assert client.get("/settings/special-permissions/").status_code == 403
    url = f"/settings/special-permissions/{isp.cards.pk}/"
    assert client.post(url, {"codes": ["cards.view"]}).status_code == 403
    with in_scope(isp.tenant):
        assert PermissionOverride.objects.count() == 0


#
# Activity log
#


def test_group_admin_reads_its_tenants_activity_log(isp, other_isp, client):
    client.force_login(isp.ga)
    response = client.get("/settings/activity-log/")
    with in_scope(isp.tenant):
        expected = set(AuditLog.objects.values_list("pk", flat=True))
    assert _rows(response) == expected
    assert len(expected) > 10


def test_operator_reads_only_what_its_own_subtree_did(isp, client):
    from netbill.accounts import services

    with in_scope(isp.tenant):
        services.operator_set_credit_limit(operator=isp.op_y, by=isp.ga, amount=Decimal("900"))
        services.user_update(user=isp.manager_x, by=isp.user_x, data={"name": "M"})
        mine = AuditLog.objects.get(action="user.updated")
    client.force_login(isp.user_x)
    response = client.get("/settings/activity-log/")
    # Operator Y's credit limit (money) and the Group Admin's work are not X's business.
    assert _rows(response) == {mine.pk}
    actors = {u.pk for u in response.context["filter"].form.fields["actor"].queryset}
    assert actors == {isp.user_x.pk, isp.user_x1.pk, isp.manager_x.pk, isp.cards.pk}


def test_activity_log_hides_amounts_without_operators_balance(isp, client):
    from netbill.accounts import services

    from .factories import make_operator

    node = make_operator(
        by=isp.ga, kind=Kind.SUB_OPERATOR, parent=isp.op_x, credit_limit=Decimal("4321")
    )
    with in_scope(isp.tenant):
        entry = AuditLog.objects.get(action="operator.created", object_id=str(node.pk))
        services.user_set_permissions(
            user=isp.user_x, by=isp.ga, codes=ROLE_DEFAULTS[Role.OPERATOR] - {"operators.balance"}
        )
        # Entries by the operator itself, carrying amounts: its own sub-operator.
        make_operator(by=isp.user_x, kind=Kind.SUB_OPERATOR, parent=isp.op_x)
    assert entry.after["credit_limit"] == "4321.00"
    client.force_login(isp.user_x)
    html = client.get("/settings/activity-log/").content.decode()
    assert "4321" not in html
    assert '<code>credit_limit</code>: <span class="text-secondary">hidden</span>' in html
    assert "<code>credit_limit</code>: — → 0.00" not in html
    client.force_login(isp.ga)
    html = client.get("/settings/activity-log/").content.decode()
    assert "<code>credit_limit</code>: — → 4321.00" in html
    assert "hidden</span>" not in html


def test_activity_log_needs_the_permission(isp, client):
    client.force_login(isp.manager_x)
    assert client.get("/settings/activity-log/").status_code == 403


#
# Platform pages
#


def _tenant_form(**overrides):
    data = {
        "name": "Delta Broadband",
        "slug": "delta",
        "admin_name": "Delta Admin",
        "admin_mobile": "01811500003",
        "admin_email": "",
        "admin_username": "delta-admin",
        "admin_password": PASSWORD,
    }
    data.update(overrides)
    return data


def test_platform_admin_lists_tenants(isp, other_isp, platform_admin, client):
    client.force_login(platform_admin)
    response = client.get("/platform/tenants/")
    assert response.status_code == 200
    assert [t.slug for t in response.context["tenants"]] == ["alpha", "beta"]


@pytest.mark.parametrize(
    "url", ["/platform/tenants/", "/platform/tenants/add/", "/platform/tenants/{pk}/"]
)
def test_platform_pages_are_for_platform_admins_only(isp, client, url):
    client.force_login(isp.ga)
    assert client.get(url.format(pk=isp.tenant.pk)).status_code == 403


def test_platform_admin_creates_a_tenant(platform_admin, client):
    client.force_login(platform_admin)
    response = client.post("/platform/tenants/add/", _tenant_form())
    tenant = Tenant.objects.get(slug="delta")
    assert response.status_code == 302
    assert response.url == f"/platform/tenants/{tenant.pk}/"
    admin = User.objects.get(username="delta-admin")
    assert (admin.role, admin.tenant_id, admin.name, admin.mobile) == (
        Role.GROUP_ADMIN,
        tenant.pk,
        "Delta Admin",
        "+8801811500003",
    )
    page = client.get(response.url)
    assert [a.pk for a in page.context["admins"]] == [admin.pk]
    assert [str(m) for m in page.context["messages"]] == [
        "ISP Delta Broadband created; its Group Admin is delta-admin."
    ]


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"slug": "alpha"}, {"slug": ["This short name is taken."]}),
        ({"admin_mobile": "123"}, {"admin_mobile": ["Enter a valid mobile number."]}),
        ({"admin_username": "A-GA"}, {"admin_username": ["This username is taken."]}),
        ({"admin_password": "password"}, {"admin_password": ["This password is too common."]}),
    ],
)
def test_tenant_form_errors_create_nothing(isp, platform_admin, client, overrides, errors):
    client.force_login(platform_admin)
    tenants, users = Tenant.objects.count(), User.objects.count()
    response = client.post("/platform/tenants/add/", _tenant_form(**overrides))
    assert response.status_code == 200
    assert _field_errors(response) == errors
    assert (Tenant.objects.count(), User.objects.count()) == (tenants, users)


def test_platform_admin_suspends_and_reinstates_a_tenant(isp, platform_admin, client):
    client.force_login(platform_admin)
    url = f"/platform/tenants/{isp.tenant.pk}/toggle/"
    response = client.post(url)
    assert response.status_code == 302
    assert Tenant.objects.get(pk=isp.tenant.pk).is_active is False
    assert [str(m) for m in client.get(response.url).context["messages"]] == [
        "ISP suspended: its users can no longer log in."
    ]
    client.post(url)
    assert Tenant.objects.get(pk=isp.tenant.pk).is_active is True
    assert [
        (e.action, e.actor_id, e.before, e.after)
        for e in audit_entries(isp.tenant)
        if e.action.startswith("tenant.") and e.action != "tenant.created"
    ] == [
        ("tenant.suspended", platform_admin.pk, {"is_active": True}, {"is_active": False}),
        ("tenant.reinstated", platform_admin.pk, {"is_active": False}, {"is_active": True}),
    ]


def test_group_admin_cannot_toggle_tenants(isp, other_isp, client):
    client.force_login(isp.ga)
    assert client.post(f"/platform/tenants/{other_isp.tenant.pk}/toggle/").status_code == 403
    assert client.get(f"/platform/tenants/{other_isp.tenant.pk}/toggle/").status_code == 403
    assert Tenant.objects.get(pk=other_isp.tenant.pk).is_active is True
    assert audit_entries(other_isp.tenant, action="tenant.suspended") == []


def test_toggle_needs_post(isp, platform_admin, client):
    client.force_login(platform_admin)
    assert client.get(f"/platform/tenants/{isp.tenant.pk}/toggle/").status_code == 405
    assert Tenant.objects.get(pk=isp.tenant.pk).is_active is True


def test_unknown_tenant_is_404(platform_admin, client):
    client.force_login(platform_admin)
    assert client.get("/platform/tenants/999999/").status_code == 404


def test_platform_admin_has_no_tenant_pages(isp, platform_admin, client):
    client.force_login(platform_admin)
    assert client.get("/operators/").status_code == 403
    assert client.get(f"/users/{isp.ga.pk}/").status_code == 403
