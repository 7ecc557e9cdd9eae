"""Customers → Multiple Customer Update: the set-based service (every change, its RADIUS
rows, history and audit per customer, refusals with nothing changed, a query count that
does not grow with the selection), the CoA to online customers only, and the pages."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import in_scope
from netbill.catalog.tests.helpers import make_billing_profile
from netbill.core.context import Actor, acting
from netbill.core.exceptions import BusinessRuleError, OutOfReach
from netbill.core.models import AuditLog, BackgroundJob
from netbill.core.testing.people import fresh_user, set_codes
from netbill.core.testing.state import nothing_changes
from netbill.customers.models import Customer, CustomerStatusChange
from netbill.customers.services.bulk_update import (
    customers_bulk_change,
    customers_bulk_selection,
)
from netbill.customers.tests.helpers import customer_setup, make_customer
from netbill.customers.views import bulk as bulk_views
from netbill.radius import tasks as radius_tasks
from netbill.radius.groups import fup_group, package_group
from netbill.radius.models import CoAAttempt, RadiusCheck, RadiusGroupReply, RadiusUserGroup
from netbill.radius.services import group_name
from netbill.tenancy.tests.helpers import make_zone

pytestmark = pytest.mark.django_db


class Recorder:
    """Stands in for a Celery task: records what was enqueued."""

    def __init__(self):
        self.calls = []

    def delay(self, **kwargs):
        self.calls.append(kwargs)


@pytest.fixture
def coa_many(monkeypatch):
    fake = Recorder()
    monkeypatch.setattr(radius_tasks, "coa_push_many_task", fake)
    return fake


@pytest.fixture
def world(isp):
    """Operator X with a FUP package (Home), a package without FUP (Basic), zones North
    and South; operator Y with its package. Customers: three of X in North (one a Static
    IP customer without password, so without RADIUS login), one of X in South, one of Y
    in North."""
    home = customer_setup(isp, label="Home")
    basic = customer_setup(isp, fup=False, pool_subnet="10.61.0.0/22", label="Basic")
    home_y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.64.0.0/22", label="Home Y")
    north = make_zone(by=isp.ga, name="North")
    south = make_zone(by=isp.ga, name="South")
    x1 = make_customer(by=isp.ga, setup=home, zone=north, username="north-1")
    x2 = make_customer(by=isp.ga, setup=home, zone=north, username="north-2")
    x3 = make_customer(
        by=isp.ga,
        setup=home,
        zone=north,
        username="north-static",
        connection_type="static_ip",
        password="",
        static_ip="10.60.0.50",
    )
    x4 = make_customer(by=isp.ga, setup=home, zone=south, username="south-1")
    y1 = make_customer(by=isp.ga, setup=home_y, zone=north, username="north-y")
    return SimpleNamespace(
        home=home,
        basic=basic,
        home_y=home_y,
        north=north,
        south=south,
        x1=x1,
        x2=x2,
        x3=x3,
        x4=x4,
        y1=y1,
        north_x=[x1, x2, x3],
    )


def change(isp, user, filters, change, value, reason="", ids=None):
    user = fresh_user(user)
    with in_scope(isp.tenant):
        customers = customers_bulk_selection(by=user, filters=filters, ids=ids)
        return customers_bulk_change(
            by=user, customers=customers, change=change, value=value, reason=reason
        )


def north_x(isp, world):
    return {"zone": world.north.pk, "operator": isp.op_x.pk}


def groups_of(isp, usernames):
    with in_scope(isp.tenant):
        return dict(
            RadiusUserGroup.objects.filter(tenant=isp.tenant, username__in=usernames).values_list(
                "username", "groupname"
            )
        )


def rejected(isp):
    with in_scope(isp.tenant):
        return set(
            RadiusCheck.objects.filter(
                tenant=isp.tenant, attribute="Auth-Type", value="Reject"
            ).values_list("username", flat=True)
        )


def reload(isp, customer):
    with in_scope(isp.tenant):
        return Customer.objects.get(pk=customer.pk)


def audit_rows(isp, action, customers):
    with in_scope(isp.tenant):
        return list(
            AuditLog.objects.filter(
                tenant=isp.tenant,
                action=action,
                object_type="customers.customer",
                object_id__in=[str(c.pk) for c in customers],
            )
            .order_by("object_id")
            .values_list("object_id", "actor_id", "before", "after", "impersonator_id", "ip")
        )


#
# Status
#


def test_suspend_a_filtered_set(isp, world, django_capture_on_commit_callbacks, coa_many):
    with django_capture_on_commit_callbacks(execute=True):
        result = change(isp, isp.ga, north_x(isp, world), "status", "suspended", "unpaid")

    assert (result.selected, result.changed, result.unchanged) == (3, 3, 0)
    for c in world.north_x:
        current = reload(isp, c)
        assert (current.status, current.status_reason) == ("suspended", "unpaid")
        assert current.status_changed_at is not None
    # Not selected: another zone, another operator.
    assert reload(isp, world.x4).status == "active"
    assert reload(isp, world.y1).status == "active"

    suspended = group_name(isp.tenant, "suspended")
    # The Static IP customer without password has no RADIUS login: no row appears.
    assert groups_of(isp, ["north-1", "north-2", "north-static", "south-1"]) == {
        "north-1": suspended,
        "north-2": suspended,
        "south-1": group_name(isp.tenant, package_group(world.home.master.pk)),
    }
    with in_scope(isp.tenant):
        assert RadiusGroupReply.objects.filter(tenant=isp.tenant, groupname=suspended).exists()
        history = list(
            CustomerStatusChange.objects.filter(customer__in=world.north_x, to_status="suspended")
            .order_by("customer_id")
            .values_list("customer_id", "from_status", "reason", "by_id")
        )
    assert history == [(c.pk, "active", "unpaid", isp.ga.pk) for c in world.north_x]
    assert audit_rows(isp, "customer.status_changed", world.north_x) == [
        (
            str(c.pk),
            isp.ga.pk,
            {"status": "active"},
            {"status": "suspended", "status_reason": "unpaid"},
            None,
            None,
        )
        for c in sorted(world.north_x, key=lambda c: str(c.pk))
    ]
    # One task for the whole selection (the task itself keeps only those online).
    assert coa_many.calls == [
        {
            "tenant_id": isp.tenant.pk,
            "usernames": ["north-1", "north-2", "north-static"],
            "action": "disconnect",
            "reason": "status active → suspended",
        }
    ]


def test_disable_rejects_and_enable_lets_in_again(isp, world):
    change(isp, isp.ga, north_x(isp, world), "status", "disabled", "fraud")
    assert rejected(isp) == {"north-1", "north-2"}
    package = group_name(isp.tenant, package_group(world.home.master.pk))
    assert set(groups_of(isp, ["north-1", "north-2"]).values()) == {package}

    change(isp, isp.ga, {"zone": world.north.pk, "status": "disabled"}, "status", "active", "ok")
    assert rejected(isp) == set()
    assert set(groups_of(isp, ["north-1", "north-2"]).values()) == {package}
    assert reload(isp, world.x1).status == "active"


def test_suspended_back_to_active_goes_back_to_the_package_group(isp, world):
    change(isp, isp.ga, north_x(isp, world), "status", "suspended", "unpaid")
    change(isp, isp.ga, north_x(isp, world), "status", "active", "paid")
    package = group_name(isp.tenant, package_group(world.home.master.pk))
    assert groups_of(isp, ["north-1", "north-2"]) == {"north-1": package, "north-2": package}


def test_fup_moves_to_the_fup_group(isp, world, django_capture_on_commit_callbacks, coa_many):
    with django_capture_on_commit_callbacks(execute=True):
        change(isp, isp.ga, north_x(isp, world), "status", "fup", "over the limit")
    fup = group_name(isp.tenant, fup_group(world.home.master.pk))
    assert groups_of(isp, ["north-1", "north-2"]) == {"north-1": fup, "north-2": fup}
    assert [c["action"] for c in coa_many.calls] == ["coa"]


def test_fup_refused_when_a_package_has_none(isp, world):
    make_customer(by=isp.ga, setup=world.basic, zone=world.north, username="north-basic")
    with nothing_changes(isp.tenant, what="FUP refused"), pytest.raises(BusinessRuleError) as exc:
        change(isp, isp.ga, north_x(isp, world), "status", "fup", "over the limit")
    assert "1 of the 4 selected customers has a package without a Fair Usage Policy" in str(
        exc.value
    )


def test_a_status_change_needs_a_reason_and_customers_suspend(isp, world):
    with (
        nothing_changes(isp.tenant, what="no reason"),
        pytest.raises(BusinessRuleError, match="reason"),
    ):
        change(isp, isp.ga, north_x(isp, world), "status", "suspended", "  ")
    user = set_codes(fresh_user(isp.ga), revoke=["customers.suspend"])
    with (
        nothing_changes(isp.tenant, what="without customers.suspend"),
        pytest.raises(BusinessRuleError, match="permission"),
    ):
        change(isp, user, north_x(isp, world), "status", "suspended", "unpaid")


def test_customers_already_in_the_status_are_left_alone(isp, world):
    change(isp, isp.ga, {"zone": world.north.pk}, "status", "suspended", "first", ids=None)
    result = change(isp, isp.ga, {"operator": isp.op_x.pk}, "status", "suspended", "second")
    assert (result.selected, result.changed, result.unchanged) == (4, 1, 3)
    assert reload(isp, world.x1).status_reason == "first"
    with in_scope(isp.tenant):
        assert CustomerStatusChange.objects.filter(customer=world.x1).count() == 2  # created


def test_audit_names_the_impersonator_and_the_address(isp, world):
    user = fresh_user(isp.user_x)
    with acting(Actor(user_id=user.pk, impersonator_id=isp.ga.pk, ip="192.0.2.7")):
        change(isp, user, north_x(isp, world), "status", "suspended", "unpaid")
    rows = audit_rows(isp, "customer.status_changed", world.north_x)
    assert {(r[1], r[4], r[5]) for r in rows} == {(isp.user_x.pk, isp.ga.pk, "192.0.2.7")}
    with in_scope(isp.tenant):
        entry = AuditLog.objects.filter(action="customer.status_changed").first()
    assert (entry.actor_repr, entry.impersonator_repr) == (
        isp.user_x.username,
        isp.ga.username,
    )
    assert entry.object_repr == str(reload(isp, Customer(pk=int(entry.object_id))))


#
# Package, billing profile, zone
#


def test_package_change(isp, world, django_capture_on_commit_callbacks, coa_many):
    change(isp, isp.ga, {"zone": world.north.pk, "operator": isp.op_x.pk}, "status", "fup", "x")
    change(isp, isp.ga, {"q": "north-2"}, "status", "suspended", "unpaid")
    with django_capture_on_commit_callbacks(execute=True):
        result = change(isp, isp.ga, north_x(isp, world), "package", world.basic.package.pk)
    assert result.changed == 3
    for c in world.north_x:
        assert reload(isp, c).package_id == world.basic.package.pk
    assert reload(isp, world.x4).package_id == world.home.package.pk
    # FUP customer on a package without FUP: the package group; suspended stays suspended.
    assert groups_of(isp, ["north-1", "north-2"]) == {
        "north-1": group_name(isp.tenant, package_group(world.basic.master.pk)),
        "north-2": group_name(isp.tenant, "suspended"),
    }
    assert [r[2:4] for r in audit_rows(isp, "customer.updated", world.north_x)] == [
        ({"package": world.home.package.pk}, {"package": world.basic.package.pk})
    ] * 3
    assert coa_many.calls == [
        {
            "tenant_id": isp.tenant.pk,
            "usernames": ["north-1", "north-2", "north-static"],
            "action": "coa",
            "reason": "package changed (bulk)",
        }
    ]


def test_a_package_of_another_operator_is_refused(isp, world):
    with (
        nothing_changes(isp.tenant, what="package of operator Y"),
        pytest.raises(BusinessRuleError) as exc,
    ):
        change(isp, isp.ga, {"zone": world.north.pk}, "package", world.home_y.package.pk)
    message = str(exc.value)
    assert "3 of the 4 selected customers are not customers of" in message
    assert isp.op_y.name in message


def test_a_package_not_sold_for_a_connection_type_is_refused(isp, world):
    from netbill.catalog.tests.helpers import make_master_package, make_operator_package

    master = make_master_package(
        by=isp.ga, name="PPPoE only", pppoe_profile=world.home.profile, connection_types=["pppoe"]
    )
    package = make_operator_package(by=isp.ga, operator=isp.op_x, master_package=master)
    with (
        nothing_changes(isp.tenant, what="connection type"),
        pytest.raises(BusinessRuleError, match=r"1 of the 3 selected customers has a connection"),
    ):
        change(isp, isp.ga, north_x(isp, world), "package", package.pk)


def test_billing_profile_change(isp, world):
    other = make_billing_profile(by=isp.ga, name="Quarterly", operators=[isp.op_x])
    result = change(isp, isp.ga, north_x(isp, world), "billing_profile", other.pk)
    assert result.changed == 3
    assert {reload(isp, c).billing_profile_id for c in world.north_x} == {other.pk}
    assert reload(isp, world.x4).billing_profile_id == world.home.billing.pk

    only_y = make_billing_profile(by=isp.ga, name="Y only", operators=[isp.op_y])
    with (
        nothing_changes(isp.tenant, what="profile not offered"),
        pytest.raises(BusinessRuleError, match="not assigned to the operators of 3 of the 4"),
    ):
        change(isp, isp.ga, {"zone": world.north.pk}, "billing_profile", only_y.pk)


def test_a_billing_profile_of_an_ancestor_operator_is_offered(isp, world):
    sub = customer_setup(isp, operator=isp.sub_x1, pool_subnet="10.62.0.0/22", label="Sub")
    customer = make_customer(by=isp.ga, setup=sub, username="sub-1")
    x_profile = make_billing_profile(by=isp.ga, name="X profile", operators=[isp.op_x])
    change(isp, isp.ga, {"operator": isp.sub_x1.pk}, "billing_profile", x_profile.pk)
    assert reload(isp, customer).billing_profile_id == x_profile.pk


def test_zone_change(isp, world, django_capture_on_commit_callbacks, coa_many):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = change(isp, isp.ga, north_x(isp, world), "zone", world.south.pk)
    assert result.changed == 3
    assert {reload(isp, c).zone_id for c in world.north_x} == {world.south.pk}
    assert reload(isp, world.y1).zone_id == world.north.pk
    assert coa_many.calls == [] and len(callbacks) == 1  # the bulk_updated event only
    assert [r[2:4] for r in audit_rows(isp, "customer.updated", world.north_x)] == [
        ({"zone": world.north.pk}, {"zone": world.south.pk})
    ] * 3


def test_the_other_isps_value_is_refused(isp, other_isp, world):
    theirs = make_zone(by=other_isp.ga, name="Their zone")
    with (
        nothing_changes(isp.tenant, other_isp.tenant, what="another ISP's zone"),
        pytest.raises(BusinessRuleError, match="Choose a zone"),
    ):
        change(isp, isp.ga, north_x(isp, world), "zone", theirs.pk)


#
# Reach
#


def test_the_service_rechecks_reach(isp, world):
    """Given an unrestricted queryset, one customer of another subtree refuses all."""
    user = fresh_user(isp.user_x)
    with (
        nothing_changes(isp.tenant, what="unrestricted queryset"),
        in_scope(isp.tenant),
        pytest.raises(OutOfReach, match="1 of the selected"),
    ):
        customers_bulk_change(
            by=user,
            customers=Customer.objects.filter(zone=world.north),
            change="zone",
            value=world.south.pk,
            reason="",
        )


def test_ids_of_another_subtree_are_never_selected(isp, world):
    result = change(isp, isp.user_x, {}, "zone", world.south.pk, ids=[world.x1.pk, world.y1.pk])
    assert result.changed == 1
    assert reload(isp, world.y1).zone_id == world.north.pk


#
# Query count: the same for 5 and for 50 customers
#


@pytest.mark.parametrize(
    ("kind", "value_of"),
    [
        ("status", lambda world: "suspended"),
        ("status", lambda world: "disabled"),
        ("package", lambda world: world.basic.package.pk),
        ("zone", lambda world: world.south.pk),
    ],
)
def test_queries_do_not_grow_with_the_selection(
    isp, world, kind, value_of, django_assert_max_num_queries
):
    big = make_zone(by=isp.ga, name="Big")
    small = make_zone(by=isp.ga, name="Small")
    for n in range(5):
        make_customer(by=isp.ga, setup=world.home, zone=small, username=f"small-{n}")
    for n in range(50):
        make_customer(by=isp.ga, setup=world.home, zone=big, username=f"big-{n}")
    value = value_of(world)
    with CaptureQueriesContext(connection) as five:
        result = change(isp, isp.ga, {"zone": small.pk}, kind, value, "why")
    assert result.changed == 5
    with django_assert_max_num_queries(len(five.captured_queries)):
        result = change(isp, isp.ga, {"zone": big.pk}, kind, value, "why")
    assert result.changed == 50


#
# CoA: only customers with an open session are contacted
#


def test_coa_reaches_only_the_online_customers(
    isp, world, fake_nas, django_capture_on_commit_callbacks
):
    from netbill.radius.tests.test_coa import open_session, router_at

    router_at(isp, fake_nas)
    open_session(isp.tenant, "north-2", nas_ip=fake_nas.host)
    open_session(isp.tenant, "north-1", nas_ip=fake_nas.host, stopped=True)

    with django_capture_on_commit_callbacks(execute=True):
        change(isp, isp.ga, north_x(isp, world), "status", "suspended", "unpaid")

    assert [(p.code, p.attributes["User-Name"]) for p in fake_nas.received] == [
        ("Disconnect-Request", "north-2")
    ]
    with in_scope(isp.tenant):
        stored = list(CoAAttempt.objects.values_list("username", "kind", "outcome"))
    # No "no session" rows for the offline customers.
    assert stored == [("north-2", "disconnect", "ack")]


def test_coa_push_many_task_pushes_to_online_usernames_only(isp, other_isp, world, monkeypatch):
    from netbill.radius import coa
    from netbill.radius.tests.test_coa import open_session

    pushed = []
    monkeypatch.setattr(coa, "push", lambda **kw: pushed.append(kw) or [])
    open_session(isp.tenant, "north-1", nas_ip="127.0.0.1")
    open_session(isp.tenant, "north-1", nas_ip="127.0.0.1")
    open_session(isp.tenant, "south-1", nas_ip="127.0.0.1", stopped=True)
    # Online in the other ISP only: not ours to push.
    open_session(other_isp.tenant, "north-2", nas_ip="127.0.0.1")

    online = radius_tasks.coa_push_many_task.apply(
        kwargs={
            "tenant_id": isp.tenant.pk,
            "usernames": ["north-1", "north-2", "south-1", "nobody"],
            "action": "coa",
            "reason": "test",
        }
    ).get()
    assert online == ["north-1"]
    assert [(p["username"], p["action"]) for p in pushed] == [("north-1", "coa")]


#
# The pages
#


def post_data(filters=None, selection="all", ids=(), **change):
    data = {f"filter-{k}": v for k, v in (filters or {}).items()}
    data["to-selection"] = selection
    data.update({f"to-{k}": v for k, v in change.items()})
    if ids:
        data["ids"] = [str(i) for i in ids]
    return data


def test_the_page_counts_the_matches(client, isp, world):
    client.force_login(isp.ga)
    response = client.get(reverse("customers:customer_bulk_update"), {"zone": world.north.pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert "4 customers match" in body
    assert 'name="filter-zone"' in body and f'value="{world.north.pk}"' in body
    assert "north-y" in body and "south-1" not in body

    client.force_login(isp.user_x)
    response = client.get(reverse("customers:customer_bulk_update"), {"zone": world.north.pk})
    assert "3 customers match" in response.content.decode()


def test_confirm_shows_the_count_and_changes_nothing(client, isp, world):
    client.force_login(isp.ga)
    data = post_data(north_x(isp, world), change="status", status="suspended", reason="unpaid")
    with nothing_changes(isp.tenant, what="confirmation step"):
        response = client.post(reverse("customers:customer_bulk_update_confirm"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Change the status of 3 customers to “Suspended”?" in body
    assert 'name="to-reason" value="unpaid"' in body


def test_apply_a_hand_picked_subset(client, isp, world, django_capture_on_commit_callbacks):
    client.force_login(isp.ga)
    data = post_data(
        {"zone": world.north.pk},
        selection="selected",
        ids=[world.x1.pk, world.y1.pk],
        change="zone",
        zone=world.south.pk,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("customers:customer_bulk_update_apply"), data)
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("customers:customer_bulk_update") + f"?zone={world.north.pk}"
    )
    assert {reload(isp, c).zone_id for c in (world.x1, world.y1)} == {world.south.pk}
    assert {reload(isp, c).zone_id for c in (world.x2, world.x3)} == {world.north.pk}


def test_ids_of_another_subtree_posted_are_404(client, isp, world):
    client.force_login(isp.user_x)
    data = post_data(
        selection="selected", ids=[world.x1.pk, world.y1.pk], change="zone", zone=world.south.pk
    )
    for name in ("customer_bulk_update_confirm", "customer_bulk_update_apply"):
        with nothing_changes(isp.tenant, what=name):
            assert client.post(reverse(f"customers:{name}"), data).status_code == 404


def test_the_other_isp_is_404_and_changes_nothing(client, isp, other_isp, world):
    client.force_login(other_isp.ga)
    data = post_data(
        selection="selected", ids=[world.x1.pk], change="status", status="suspended", reason="x"
    )
    with nothing_changes(isp.tenant, other_isp.tenant, what="other ISP"):
        response = client.post(reverse("customers:customer_bulk_update_apply"), data)
    assert response.status_code == 404


def test_the_other_isps_filter_value_is_refused(client, isp, other_isp, world):
    theirs = make_zone(by=other_isp.ga, name="Their zone")
    client.force_login(isp.ga)
    data = post_data({"zone": theirs.pk}, change="zone", zone=world.south.pk)
    with nothing_changes(isp.tenant, other_isp.tenant, what="their zone as filter"):
        response = client.post(reverse("customers:customer_bulk_update_apply"), data)
    assert response.status_code == 200
    assert "filters are not valid" in response.content.decode()


def test_a_refused_change_is_shown_and_nothing_changes(client, isp, world):
    client.force_login(isp.ga)
    data = post_data({"zone": world.north.pk}, change="package", package=world.home_y.package.pk)
    with nothing_changes(isp.tenant, what="refused package"):
        response = client.post(reverse("customers:customer_bulk_update_apply"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "3 of the 4 selected customers are not customers of" in body
    assert "Nothing was changed." in body


def test_a_large_selection_runs_as_a_job(
    client, isp, world, monkeypatch, django_capture_on_commit_callbacks
):
    from netbill.core import jobs

    monkeypatch.setattr(bulk_views, "BULK_INLINE_LIMIT", 2)
    advanced = []
    real_advance = jobs.JobHandle.advance

    def advance(handle, count=1):
        advanced.append((handle.total, count))
        real_advance(handle, count)

    monkeypatch.setattr(jobs.JobHandle, "advance", advance)
    client.force_login(isp.ga)
    data = post_data(north_x(isp, world), change="status", status="suspended", reason="unpaid")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("customers:customer_bulk_update_apply"), data)
    with in_scope(isp.tenant):
        job = BackgroundJob.objects.get(kind="customers.bulk_update")
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:job", args=[job.pk])
    assert job.status == "done", job.message
    assert job.result == {"selected": 3, "changed": 3, "unchanged": 0}
    assert advanced == [(3, 3)]  # the progress bar heard of the batch
    assert {reload(isp, c).status for c in world.north_x} == {"suspended"}
    page = client.get(reverse("customers:job", args=[job.pk]))
    assert page.status_code == 200 and "3 of 3 customers changed" in page.content.decode()


def test_a_refused_job_fails_with_the_reason_and_changes_nothing(
    client, isp, world, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(bulk_views, "BULK_INLINE_LIMIT", 2)
    client.force_login(isp.ga)
    data = post_data({"zone": world.north.pk}, change="package", package=world.home_y.package.pk)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("customers:customer_bulk_update_apply"), data)
    with in_scope(isp.tenant):
        job = BackgroundJob.objects.get(kind="customers.bulk_update")
        assert (
            not Customer.objects.filter(package=world.home_y.package)
            .exclude(operator=isp.op_y)
            .exists()
        )
    assert job.status == "failed"
    assert "3 of the 4 selected customers are not customers of" in job.message
