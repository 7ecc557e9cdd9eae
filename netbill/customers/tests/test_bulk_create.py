"""customers_bulk_create: an import's customers get exactly what Create Customer writes
(RADIUS rows, history, audit), in a number of statements that does not grow with them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import in_scope
from netbill.core.exceptions import BusinessRuleError
from netbill.core.models import AuditLog
from netbill.core.testing.people import fresh_user
from netbill.core.testing.state import nothing_changes
from netbill.customers.models import Customer, CustomerStatusChange
from netbill.customers.services import customers_bulk_create
from netbill.radius.models import RadiusCheck, RadiusReply, RadiusUserGroup

from .helpers import customer_setup, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(isp):
    return customer_setup(isp)


def rows(setup, operator, prefix, count, **extra):
    return [
        {
            "name": f"Bulk {prefix} {n}",
            "mobile": f"+8801711{n:06d}",
            "operator": operator,
            "connection_type": "pppoe",
            "username": f"{prefix}{n}",
            "password": f"pw{n}",
            "package": setup.package,
            "billing_profile": setup.billing,
            "custom_fields": {},
            **extra,
        }
        for n in range(count)
    ]


def radius_of(tenant, username):
    with in_scope(tenant):
        return (
            sorted(
                RadiusCheck.objects.filter(username=username).values_list(
                    "attribute", "op", "value"
                )
            ),
            sorted(RadiusReply.objects.filter(username=username).values_list("attribute", "value")),
            list(RadiusUserGroup.objects.filter(username=username).values_list("groupname")),
        )


def test_bulk_created_customers_look_like_single_ones(
    isp, setup, django_capture_on_commit_callbacks
):
    make_customer(by=isp.ga, setup=setup, username="single", password="pw0", static_ip="10.60.0.9")
    from netbill.core import events

    seen = []

    def heard(**payload):
        seen.append(payload)

    events.subscribe("customers.bulk_created", heard)
    try:
        with in_scope(isp.tenant), django_capture_on_commit_callbacks(execute=True):
            ids = customers_bulk_create(
                by=fresh_user(isp.user_x),
                clean_rows=rows(setup, isp.op_x, "bulk", 3, static_ip=None)
                + rows(setup, isp.op_x, "ip", 1, static_ip="10.60.0.10", ip_pool=setup.pool),
                reason="Imported from customers.xlsx",
            )
    finally:
        # Only our listener: billing's (first bills) must stay for the tests after us.
        events.unsubscribe("customers.bulk_created", heard)
    assert len(ids) == 4 and seen[0]["customer_ids"] == ids
    with in_scope(isp.tenant):
        created = Customer.objects.get(username="ip0")
        assert created.status == "active" and created.created_by_id == isp.user_x.pk
        assert CustomerStatusChange.objects.get(customer=created).reason == (
            "Imported from customers.xlsx"
        )
        assert (
            AuditLog.objects.filter(action="customer.created", object_id__in=map(str, ids)).count()
            == 4
        )
    single_checks, single_replies, single_groups = radius_of(isp.tenant, "single")
    checks, replies, groups = radius_of(isp.tenant, "ip0")
    assert groups == single_groups
    assert [c for c in checks if c[0] != "Cleartext-Password"] == [
        c for c in single_checks if c[0] != "Cleartext-Password"
    ]
    assert ("Cleartext-Password", ":=", "pw0") in checks
    assert replies == [("Framed-IP-Address", "10.60.0.10")] and single_replies == [
        ("Framed-IP-Address", "10.60.0.9")
    ]


def test_statements_do_not_grow_with_the_rows(isp, setup):
    user = fresh_user(isp.ga)
    with in_scope(isp.tenant):  # warm up: the user's tenant and codes get loaded once
        customers_bulk_create(by=user, clean_rows=rows(setup, isp.op_x, "warm", 1))
    counts = []
    # 30 rows stay under SQLite's 999 parameters per statement, where Django splits a
    # bulk insert of wide rows (PostgreSQL has no such limit).
    for prefix, count in (("few", 3), ("many", 30)):
        with in_scope(isp.tenant), CaptureQueriesContext(connection) as captured:
            customers_bulk_create(by=user, clean_rows=rows(setup, isp.op_x, prefix, count))
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_taken_username_rolls_everything_back(isp, setup):
    make_customer(by=isp.ga, setup=setup, username="taken1")
    with (
        in_scope(isp.tenant),
        nothing_changes(isp.tenant, what="refused"),
        pytest.raises(BusinessRuleError, match="nothing was imported"),
    ):
        customers_bulk_create(by=fresh_user(isp.ga), clean_rows=rows(setup, isp.op_x, "taken", 3))


def test_an_operator_out_of_reach_is_refused(isp, setup):
    with (
        in_scope(isp.tenant),
        nothing_changes(isp.tenant, what="refused"),
        pytest.raises(BusinessRuleError, match="outside your reach"),
    ):
        customers_bulk_create(by=fresh_user(isp.user_y), clean_rows=rows(setup, isp.op_x, "x", 2))
