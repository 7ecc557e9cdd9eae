"""The dashboard: real counts from the database, money only for reports.financial."""

import re
from decimal import Decimal

import pytest

from conftest import PASSWORD, in_scope
from netbill.accounts import services
from netbill.accounts.choices import OperatorKindChoices as Kind
from netbill.accounts.choices import UserRoleChoices as Role
from netbill.accounts.models import Operator, PermissionOverride, User
from netbill.reports import queries

URL = "/dashboard/"
STATS = ["operators", "sub-operators", "managers", "noc", "users", "inactive"]


def stats(client) -> dict:
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    found = dict(re.findall(r'id="stat-([a-z-]+)">([^<]*)</div>', html))
    return found


def counts(client) -> dict:
    return {k: v for k, v in stats(client).items() if k in STATS}


def add_operator(isp, name, username, mobile):
    with in_scope(isp.tenant):
        return services.operator_create(
            by=isp.ga,
            kind=Kind.OPERATOR,
            parent=None,
            name=name,
            username=username,
            password=PASSWORD,
            mobile=mobile,
        )


def add_staff(isp, role, operator, username, mobile):
    with in_scope(isp.tenant):
        return services.staff_user_create(
            by=isp.ga,
            role=role,
            operator=operator,
            username=username,
            password=PASSWORD,
            name=username,
            mobile=mobile,
        )


def test_group_admin_sees_the_whole_isp(isp, other_isp, client):
    client.force_login(isp.ga)
    assert counts(client) == {
        "operators": "2",
        "sub-operators": "1",
        "managers": "2",
        "noc": "1",
        "users": "9",
        "inactive": "0",
    }


def test_counts_follow_the_database(isp, other_isp, client):
    client.force_login(isp.ga)
    before = counts(client)
    z = add_operator(isp, "Alpha Net Z", "a-opz", "01819000001")
    with in_scope(isp.tenant):
        services.operator_create(
            by=isp.ga,
            kind=Kind.SUB_OPERATOR,
            parent=z,
            name="Alpha Net Z1",
            username="a-subz1",
            password=PASSWORD,
            mobile="01819000002",
        )
    add_staff(isp, Role.MANAGER, z, "a-mgrz", "01819000003")
    add_staff(isp, Role.MANAGER, isp.op_y, "a-mgry2", "01819000004")
    add_staff(isp, Role.NOC, None, "a-noc2", "01819000005")
    after = counts(client)
    assert before == {
        "operators": "2",
        "sub-operators": "1",
        "managers": "2",
        "noc": "1",
        "users": "9",
        "inactive": "0",
    }
    assert after == {
        "operators": "3",
        "sub-operators": "2",
        "managers": "4",
        "noc": "2",
        "users": "14",
        "inactive": "0",
    }
    with in_scope(isp.tenant):
        services.operator_update(operator=isp.op_y, by=isp.ga, data={"is_active": False})
    # Y's own login follows it; its manager stays active.
    assert counts(client) == {**after, "inactive": "1", "users": "13"}


def test_another_isps_growth_does_not_show(isp, other_isp, client):
    client.force_login(isp.ga)
    before = counts(client)
    add_operator(other_isp, "Beta Net Z", "b-opz", "01819000011")
    add_staff(other_isp, Role.NOC, None, "b-noc2", "01819000012")
    assert counts(client) == before


def test_an_operator_sees_its_subtree(isp, client):
    client.force_login(isp.user_x)
    assert counts(client) == {
        "operators": "1",  # itself
        "sub-operators": "1",
        "managers": "1",
        "noc": "0",
        "users": "4",  # opx, subx1, mgrx, cards
        "inactive": "0",
    }
    add_staff(isp, Role.MANAGER, isp.sub_x1, "a-mgrx1", "01819000021")
    add_staff(isp, Role.MANAGER, isp.op_y, "a-mgry2", "01819000022")
    assert counts(client)["managers"] == "2"


def test_a_sub_operator_sees_itself(isp, client):
    client.force_login(isp.user_x1)
    assert counts(client) == {
        "operators": "0",
        "sub-operators": "1",
        "managers": "0",
        "noc": "0",
        "users": "1",
        "inactive": "0",
    }


def set_money(isp):
    rows = {
        isp.op_x.pk: ("1500.50", "5000.00"),
        isp.sub_x1.pk: ("250.25", "1000.00"),
        isp.op_y.pk: ("1000.00", "2500.00"),
    }
    for pk, (balance, limit) in rows.items():
        Operator._base_manager.filter(pk=pk).update(
            balance=Decimal(balance), credit_limit=Decimal(limit)
        )


def test_financial_tiles_for_the_group_admin(isp, other_isp, client):
    set_money(isp)
    Operator._base_manager.filter(pk=other_isp.op_x.pk).update(balance=Decimal("99999"))
    client.force_login(isp.ga)
    found = stats(client)
    assert found["balance"] == "BDT 2,750.75"
    assert found["credit"] == "BDT 8,500.00"


def test_financial_tiles_for_an_operator_cover_its_subtree(isp, client):
    set_money(isp)
    client.force_login(isp.user_x)
    found = stats(client)
    assert found["balance"] == "BDT 1,750.75"
    assert found["credit"] == "BDT 6,000.00"


def test_financial_tiles_show_the_tenants_currency(isp, client):
    set_money(isp)
    type(isp.tenant).objects.filter(pk=isp.tenant.pk).update(currency="USD")
    client.force_login(isp.ga)
    assert stats(client)["balance"] == "USD 2,750.75"


def test_financial_tiles_with_no_operators_show_zero(isp, client):
    client.force_login(isp.ga)
    found = stats(client)
    assert (found["balance"], found["credit"]) == ("BDT 0.00", "BDT 0.00")


@pytest.mark.parametrize("who", ["user_x1", "manager_x", "cards"])
def test_no_financial_tiles_without_reports_financial(isp, client, who):
    set_money(isp)
    client.force_login(getattr(isp, who))
    html = client.get(URL).content.decode()
    assert 'id="stat-balance"' not in html
    assert 'id="stat-credit"' not in html
    assert "Operator balances" not in html
    assert "1,750.75" not in html and "1,500.50" not in html


def test_revoking_reports_financial_hides_the_tiles(isp, client):
    set_money(isp)
    with in_scope(isp.tenant):
        PermissionOverride.objects.create(
            tenant=isp.tenant, user=isp.user_x, code="reports.financial", granted=False
        )
    client.force_login(isp.user_x)
    html = client.get(URL).content.decode()
    assert 'id="stat-balance"' not in html
    assert 'id="stat-operators">1<' in html


@pytest.mark.parametrize("who", ["noc", "sales"])
def test_roles_without_a_dashboard_get_403(isp, client, who):
    client.force_login(getattr(isp, who))
    assert client.get(URL).status_code == 403


def test_recent_activity_is_shown_to_activity_log_holders(isp, client):
    client.force_login(isp.ga)
    response = client.get(URL)
    html = response.content.decode()
    assert "Recent activity" in html
    assert len(response.context["activity"]) == 10  # the fixture wrote more than ten
    client.force_login(isp.manager_x)
    html = client.get(URL).content.decode()
    assert "Recent activity" not in html


def test_recent_activity_never_crosses_tenants(isp, other_isp, client):
    client.force_login(isp.ga)
    activity = client.get(URL).context["activity"]
    assert {e.tenant_id for e in activity} == {isp.tenant.pk}


#
# The queries themselves
#


def test_dashboard_counts_query(isp, other_isp):
    with in_scope(isp.tenant):
        assert queries.dashboard_counts(isp.ga) == {
            "operators": 2,
            "sub_operators": 1,
            "inactive": 0,
            "managers": 2,
            "noc_users": 1,
            "users": 9,
        }
        assert queries.dashboard_counts(isp.manager_x) == {
            "operators": 1,
            "sub_operators": 1,
            "inactive": 0,
            "managers": 1,
            "noc_users": 0,
            "users": 4,
        }


def test_operator_money_query(isp):
    set_money(isp)
    with in_scope(isp.tenant):
        assert queries.operator_money(isp.ga) == {
            "balance": Decimal("2750.75"),
            "credit_limit": Decimal("8500.00"),
        }
        # A manager has no reports.financial: nothing is summed.
        assert queries.operator_money(isp.manager_x) == {"balance": None, "credit_limit": None}


#
# `/`: each user lands on its own panel
#


@pytest.mark.parametrize(
    ("who", "target"),
    [
        ("ga", "/dashboard/"),
        ("user_x", "/dashboard/"),
        ("manager_x", "/dashboard/"),
        ("noc", "/admin/noc/"),
        ("sales", "/operators/"),
    ],
)
def test_home_sends_each_role_to_its_panel(isp, client, who, target):
    client.force_login(getattr(isp, who))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == target


def test_home_for_platform_admin_and_anonymous(platform_admin, client):
    assert client.get("/")["Location"] == "/login/"
    client.force_login(platform_admin)
    assert client.get("/")["Location"] == "/platform/tenants/"


def test_home_for_a_user_with_nothing_to_open(isp, client):
    with in_scope(isp.tenant):
        for code in ("operators.view", "sales_notes.add", "sms.send"):
            PermissionOverride.objects.create(
                tenant=isp.tenant, user=isp.sales, code=code, granted=False
            )
    client.force_login(User.objects.get(pk=isp.sales.pk))
    assert client.get("/")["Location"] == "/password/"


def test_an_operators_recent_activity_is_its_own_subtrees(isp, client):
    with in_scope(isp.tenant):
        services.operator_create(
            by=isp.user_x,
            kind=Kind.SUB_OPERATOR,
            parent=isp.op_x,
            name="Alpha Net X2",
            username="a-subx2",
            password=PASSWORD,
            mobile="01819000041",
        )
        services.operator_set_credit_limit(operator=isp.op_y, by=isp.ga, amount=Decimal("700"))
    client.force_login(isp.user_x)
    activity = client.get(URL).context["activity"]
    assert [(e.actor_repr, e.action, e.object_repr) for e in activity] == [
        ("a-opx", "user.created", "Alpha Net X2"),
        ("a-opx", "operator.created", "Alpha Net X2"),
    ]
    client.force_login(isp.ga)
    actions = [e.action for e in client.get(URL).context["activity"]]
    assert actions[0] == "operator.credit_limit_set"
