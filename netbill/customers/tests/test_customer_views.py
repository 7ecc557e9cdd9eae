"""Customer pages: Customer List (filters, search, pagination, subtree, query count),
Create and Edit Customer (every bad input is a field error and saves nothing), the
profile (sessions with usage, CoA attempts, history, audit trail, money hidden from NOC
users), status change, Custom Pricing and Disconnect now."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import in_scope
from netbill.core.models import AuditLog
from netbill.core.templatetags.netbill import money
from netbill.core.testing.people import fresh_user, set_codes
from netbill.core.testing.state import capture_events, nothing_changes
from netbill.customers.models import Customer, CustomerStatusChange
from netbill.customers.templatetags.customer_tags import duration, human_bytes
from netbill.radius.models import CoAAttempt, RadiusAccounting
from netbill.tenancy.tests.helpers import make_zone

from .helpers import (
    customer_setup,
    make_custom_field,
    make_customer,
    set_mandatory_attributes,
)

pytestmark = pytest.mark.django_db

LIST = reverse("customers:customer_list")
CREATE = reverse("customers:customer_create")


def login(client, user):
    client.force_login(fresh_user(user))
    return client


def listed(response) -> set[int]:
    assert response.status_code == 200
    return {row.record.pk for row in response.context["table"].paginated_rows}


@pytest.fixture
def world(isp):
    """Operator X (and its sub-operator X1) and operator Y, each with a package and
    customers; a zone; Y's package for the "another operator's package" case."""
    x = customer_setup(isp, label="Home X")
    x1 = customer_setup(isp, operator=isp.sub_x1, pool_subnet="10.62.0.0/22", label="Home X1")
    y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.64.0.0/22", label="Home Y")
    zone = make_zone(by=isp.ga, name="Mirpur-10")
    alice = make_customer(
        by=isp.ga,
        setup=x,
        name="Alice Rahman",
        username="alice",
        mobile="01711000001",
        zone=zone,
    )
    bob = make_customer(
        by=isp.ga,
        setup=x,
        name="Bob Karim",
        username="bob.k",
        mobile="01811000002",
        connection_type="static_ip",
        static_ip="10.60.0.10",
        password="",
    )
    sub = make_customer(
        by=isp.ga, setup=x1, name="Sub Customer", username="subcust", mobile="01911000003"
    )
    yan = make_customer(
        by=isp.ga, setup=y, name="Yasmin Y", username="yasmin", mobile="01611000004"
    )
    with in_scope(isp.tenant):
        Customer.objects.filter(pk=bob.pk).update(status="suspended")
    return isp, x, x1, y, zone, alice, bob, sub, yan


#
# Customer List
#


def test_list_is_confined_to_the_subtree(client, world, other_isp):
    isp, _x, _x1, _y, _zone, alice, bob, sub, yan = world
    assert listed(login(client, isp.ga).get(LIST)) == {alice.pk, bob.pk, sub.pk, yan.pk}
    assert listed(login(client, isp.user_x).get(LIST)) == {alice.pk, bob.pk, sub.pk}
    assert listed(login(client, isp.user_x1).get(LIST)) == {sub.pk}
    assert listed(login(client, isp.user_y).get(LIST)) == {yan.pk}
    response = login(client, other_isp.ga).get(LIST)
    assert listed(response) == set()
    assert "alice" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=rahman", {"alice"}),
        ("q=BOB.K", {"bob.k"}),
        ("q=01811000", {"bob.k"}),
        ("q=8801611", {"yasmin"}),
        ("status=suspended", {"bob.k"}),
        ("status=active", {"alice", "subcust", "yasmin"}),
        ("connection_type=static_ip", {"bob.k"}),
        ("zone=ZONE", {"alice"}),
        ("operator=OPY", {"yasmin"}),
        ("package=PKGX1", {"subcust"}),
        ("q=nobody-has-this", set()),
    ],
)
def test_list_filters_and_search(client, world, query, expected):
    isp, x, x1, y, zone, *_ = world
    query = (
        query.replace("ZONE", str(zone.pk))
        .replace("OPY", str(isp.op_y.pk))
        .replace("PKGX1", str(x1.package.pk))
    )
    response = login(client, isp.ga).get(f"{LIST}?{query}")
    with in_scope(isp.tenant):
        usernames = set(
            Customer.objects.filter(pk__in=listed(response)).values_list("username", flat=True)
        )
    assert usernames == expected


def test_operator_filter_offers_only_operators_in_reach(client, world):
    isp = world[0]
    response = login(client, isp.user_x).get(LIST)
    choices = response.context["filter"].form.fields["operator"].queryset
    with in_scope(isp.tenant):
        assert set(choices) == {isp.op_x, isp.sub_x1}
    # Naming an operator beyond reach is not a valid choice: the filter shows nothing.
    response = client.get(f"{LIST}?operator={isp.op_y.pk}")
    assert "yasmin" not in response.content.decode()


def test_list_is_paginated(client, isp):
    setup = customer_setup(isp)
    for n in range(53):
        make_customer(by=isp.ga, setup=setup, username=f"page{n:02d}")
    client = login(client, isp.ga)
    assert len(listed(client.get(LIST))) == 50
    assert len(listed(client.get(f"{LIST}?page=2"))) == 3


def test_list_is_a_fixed_number_of_queries(client, isp, django_assert_max_num_queries):
    x = customer_setup(isp, label="Home X")
    y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.64.0.0/22", label="Home Y")
    zone = make_zone(by=isp.ga, name="Uttara")
    for _n in range(2):
        make_customer(by=isp.ga, setup=x, zone=zone)
    client = login(client, isp.ga)
    client.get(LIST)  # warm the session and the caches
    with CaptureQueriesContext(connection) as few:
        assert len(listed(client.get(LIST))) == 2
    for _n in range(10):
        make_customer(by=isp.ga, setup=y, zone=zone, custom_price="900")
    with django_assert_max_num_queries(len(few)):
        assert len(listed(client.get(LIST))) == 12


def test_status_badge_and_price_column(client, world):
    isp, x, *_rest = world
    response = login(client, isp.ga).get(LIST)
    body = response.content.decode()
    assert "nb-status-suspended" in body and "nb-status-active" in body
    assert "price" in [c.name for c in response.context["table"].columns]
    price = money(x.package.customer_price)
    assert price != "0.00" and price in body
    response = login(client, isp.noc).get(LIST)
    noc_body = response.content.decode()
    assert "alice" in noc_body
    assert "price" not in [c.name for c in response.context["table"].columns]
    assert price not in noc_body


#
# Create Customer
#


def create_data(setup, operator, **overrides):
    data = {
        "name": "Karim Uddin",
        "mobile": "01711223344",
        "email": "karim@example.com",
        "address": "House 5, Road 2",
        "nid": "",
        "zone": "",
        "operator": operator.pk,
        "connection_type": "pppoe",
        "username": "karim",
        "password": "s3cret",
        "static_ip": "",
        "ip_pool": "",
        "mac_address": "aa-bb-cc-dd-ee-01",
        "package": setup.package.pk,
        "billing_profile": setup.billing.pk,
        "connection_date": "2026-11-01",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_create_customer(client, isp):
    setup = customer_setup(isp)
    make_custom_field(by=isp.ga, name="ONU serial")
    client = login(client, isp.ga)
    form = client.get(CREATE).context["form"]
    assert "cf_onu_serial" in form.fields and "custom_price" in form.fields
    data = create_data(setup, isp.op_x, cf_onu_serial="ZTE-991", custom_price="1250.50")
    with capture_events(["customer.created"]) as seen:
        response = client.post(CREATE, data)
    with in_scope(isp.tenant):
        customer = Customer.objects.get(username="karim")
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:customer", args=[customer.pk])
    assert (customer.name, customer.mobile, customer.mac_address) == (
        "Karim Uddin",
        "+8801711223344",
        "AA:BB:CC:DD:EE:01",
    )
    assert customer.custom_fields == {"onu_serial": "ZTE-991"}
    assert customer.custom_price == Decimal("1250.50")
    assert customer.connection_date == datetime.date(2026, 11, 1)
    assert str(customer.password) == "s3cret"
    assert [name for name, _payload in seen] == ["customer.created"]


def test_create_form_offers_only_what_is_in_reach(client, world):
    isp, x, x1, y, *_ = world
    form = login(client, isp.user_x).get(CREATE).context["form"]
    with in_scope(isp.tenant):
        assert set(form.fields["operator"].queryset) == {isp.op_x, isp.sub_x1}
        assert set(form.fields["package"].queryset) == {x.package, x1.package}
    assert "custom_price" in form.fields


def test_custom_price_needs_its_code(client, isp):
    setup = customer_setup(isp, operator=isp.sub_x1)
    client = login(client, isp.user_x1)  # a sub-operator: create, but no custom price
    assert "custom_price" not in client.get(CREATE).context["form"].fields
    data = create_data(setup, isp.sub_x1, custom_price="10")
    assert client.post(CREATE, data).status_code == 302
    with in_scope(isp.tenant):
        assert Customer.objects.get(username="karim").custom_price is None


def _bad_input(isp, setup, other, case):
    """(form data, field that must carry the error) for each kind of bad input."""
    if case == "duplicate username":
        make_customer(by=isp.ga, setup=setup, username="karim")
        return create_data(setup, isp.op_x, username="KARIM"), "username"
    if case == "static IP outside every pool":
        data = create_data(
            setup, isp.op_x, connection_type="static_ip", static_ip="192.168.50.5", password=""
        )
        return data, "static_ip"
    if case == "static IP taken":
        make_customer(
            by=isp.ga,
            setup=setup,
            connection_type="static_ip",
            static_ip="10.60.0.44",
            password="",
        )
        data = create_data(
            setup, isp.op_x, connection_type="static_ip", static_ip="10.60.0.44", password=""
        )
        return data, "static_ip"
    if case == "invalid mobile":
        return create_data(setup, isp.op_x, mobile="12345"), "mobile"
    if case == "package of another operator":
        return create_data(setup, isp.op_x, package=other.package.pk), "package"
    if case == "missing mandatory field":
        set_mandatory_attributes(by=isp.ga, required=["address", "nid"])
        return create_data(setup, isp.op_x, address=""), "address"
    if case == "missing mandatory custom field":
        make_custom_field(by=isp.ga, name="Tower", mandatory=True)
        return create_data(setup, isp.op_x), "cf_tower"
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case",
    [
        "duplicate username",
        "static IP outside every pool",
        "static IP taken",
        "invalid mobile",
        "package of another operator",
        "missing mandatory field",
        "missing mandatory custom field",
    ],
)
def test_create_bad_input_is_a_field_error_and_saves_nothing(client, isp, case):
    setup = customer_setup(isp)
    other = customer_setup(isp, operator=isp.op_y, pool_subnet="10.64.0.0/22", label="Y")
    data, field = _bad_input(isp, setup, other, case)
    client = login(client, isp.ga)
    with nothing_changes(isp.tenant, what=case):
        response = client.post(CREATE, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors.as_json()
    assert 'class="invalid-feedback d-block"' in response.content.decode()


def test_create_with_an_operator_beyond_reach_is_refused(client, isp):
    setup = customer_setup(isp, operator=isp.op_y, label="Y")
    client = login(client, isp.user_x)
    with nothing_changes(isp.tenant, what="operator Y"):
        response = client.post(CREATE, create_data(setup, isp.op_y))
    assert {"operator", "package"} <= set(response.context["form"].errors)


#
# Profile
#


def test_profile_shows_sessions_usage_coa_and_history(client, world):
    isp, x, *_rest = world
    alice = world[5]
    now = timezone.now()
    with in_scope(isp.tenant):
        RadiusAccounting.objects.create(
            tenant=isp.tenant,
            session_id="s-old",
            unique_id="u-old",
            username="alice",
            nas_ip_address="10.0.0.1",
            start_time=now - datetime.timedelta(days=70),
            stop_time=now - datetime.timedelta(days=69),
            session_time=3725,
            input_octets=1024**3,
            output_octets=2 * 1024**3,
            framed_ip_address="10.60.0.77",
            terminate_cause="User-Request",
        )
        RadiusAccounting.objects.create(
            tenant=isp.tenant,
            session_id="s-now",
            unique_id="u-now",
            username="alice",
            nas_ip_address="10.0.0.1",
            start_time=now - datetime.timedelta(minutes=5),
            update_time=now,
            input_octets=5 * 1024**2,
            output_octets=300 * 1024**2,
            framed_ip_address="10.60.0.78",
        )
        CoAAttempt.objects.create(
            tenant=isp.tenant,
            username="alice",
            nas_address="10.0.0.1",
            kind="coa",
            outcome="nak",
            error_cause=503,
            reason="package_changed",
        )
    response = login(client, isp.ga).get(reverse("customers:customer", args=[alice.pk]))
    body = response.content.decode()
    sessions = list(response.context["sessions"])
    assert [s.session_id for s in sessions] == ["s-now", "s-old"]
    assert response.context["usage_total"] == {
        "upload": 1024**3 + 5 * 1024**2,
        "download": 2 * 1024**3 + 300 * 1024**2,
    }
    assert response.context["usage_month"] == {"upload": 5 * 1024**2, "download": 300 * 1024**2}
    assert "1.00 GB" in body and "300.00 MB" in body and "1:02:05" in body
    assert "10.60.0.78" in body and "User-Request" in body
    assert [(a.kind, a.outcome, a.error_cause) for a in response.context["coa_attempts"]] == [
        ("coa", "nak", 503)
    ]
    assert "503" in body and "package_changed" in body
    assert [h.to_status for h in response.context["history"]] == ["active"]
    assert "customer.created" in body


def test_profile_of_another_subtree_or_isp_is_404(client, world, other_isp):
    isp, *_rest = world
    yan = world[8]
    url = reverse("customers:customer", args=[yan.pk])
    assert login(client, isp.user_x).get(url).status_code == 404
    assert login(client, other_isp.ga).get(url).status_code == 404
    assert login(client, isp.user_y).get(url).status_code == 200


def test_noc_sees_the_customer_without_money(client, isp):
    setup = customer_setup(isp)
    customer = make_customer(by=isp.ga, setup=setup, username="pricey", custom_price="777.77")
    url = reverse("customers:customer", args=[customer.pk])
    ga_body = login(client, isp.ga).get(url).content.decode()
    assert 'id="custom-price">777.77' in ga_body and 'id="package-price"' in ga_body
    assert "777.77" in ga_body
    response = login(client, isp.noc).get(url)
    body = response.content.decode()
    assert response.status_code == 200 and "pricey" in body
    assert "777.77" not in body
    assert 'id="package-price"' not in body and 'id="custom-price"' not in body
    assert reverse("customers:customer_price", args=[customer.pk]) not in body
    assert reverse("customers:customer_disconnect", args=[customer.pk]) in body
    assert 'id="status-form"' not in body


#
# Edit, status, price, disconnect
#


def test_edit_customer_keeps_the_password_and_changes_the_package(client, isp):
    setup = customer_setup(isp)
    other = customer_setup(isp, pool_subnet="10.66.0.0/22", label="Gold")
    customer = make_customer(by=isp.ga, setup=setup, username="eddie", password="old-pw")
    url = reverse("customers:customer_edit", args=[customer.pk])
    client = login(client, isp.ga)
    form = client.get(url).context["form"]
    assert form.initial["username"] == "eddie" and "custom_price" not in form.fields
    data = create_data(
        setup, isp.op_x, username="eddie", password="", name="Eddie New", package=other.package.pk
    )
    with capture_events(["customer.updated", "customer.package_changed"]) as seen:
        response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors.as_json()
    with in_scope(isp.tenant):
        customer = Customer.objects.get(pk=customer.pk)
    assert (customer.name, customer.package_id, str(customer.password)) == (
        "Eddie New",
        other.package.pk,
        "old-pw",
    )
    assert [name for name, _payload in seen] == ["customer.updated", "customer.package_changed"]


def test_edit_with_a_taken_username_saves_nothing(client, isp):
    setup = customer_setup(isp)
    make_customer(by=isp.ga, setup=setup, username="taken")
    customer = make_customer(by=isp.ga, setup=setup, username="mine")
    client = login(client, isp.ga)
    with nothing_changes(isp.tenant, what="taken username"):
        response = client.post(
            reverse("customers:customer_edit", args=[customer.pk]),
            create_data(setup, isp.op_x, username="taken"),
        )
    assert "username" in response.context["form"].errors


def test_status_change_with_a_reason(client, isp):
    setup = customer_setup(isp)
    customer = make_customer(by=isp.ga, setup=setup, username="sus")
    url = reverse("customers:customer_status", args=[customer.pk])
    client = login(client, isp.user_x)
    with nothing_changes(isp.tenant, what="no reason"):
        response = client.post(url, {"status": "suspended", "reason": ""})
    assert "reason" in response.context["form"].errors
    with capture_events(["customer.status_changed"]) as seen:
        response = client.post(url, {"status": "suspended", "reason": "Unpaid since October"})
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:customer", args=[customer.pk])
    with in_scope(isp.tenant):
        customer = Customer.objects.get(pk=customer.pk)
        change = CustomerStatusChange.objects.filter(customer=customer).first()
    assert (customer.status, customer.status_reason) == ("suspended", "Unpaid since October")
    assert (change.from_status, change.to_status, change.reason) == (
        "active",
        "suspended",
        "Unpaid since October",
    )
    assert [payload["to_status"] for _name, payload in seen] == ["suspended"]
    body = client.get(reverse("customers:customer", args=[customer.pk])).content.decode()
    assert "Unpaid since October" in body


def test_status_change_needs_its_code(client, isp):
    setup = customer_setup(isp)
    customer = make_customer(by=isp.ga, setup=setup, username="nosus")
    client = login(client, isp.noc)
    with nothing_changes(isp.tenant, what="noc"):
        response = client.post(
            reverse("customers:customer_status", args=[customer.pk]),
            {"status": "disabled", "reason": "x"},
        )
    assert response.status_code == 403


def test_custom_price_set_and_clear(client, isp):
    setup = customer_setup(isp)
    customer = make_customer(by=isp.ga, setup=setup, username="deal")
    url = reverse("customers:customer_price", args=[customer.pk])
    client = login(client, isp.user_x)
    assert client.get(url).status_code == 200
    with capture_events(["customer.price_changed"]) as seen:
        assert client.post(url, {"custom_price": "850.00"}).status_code == 302
    with in_scope(isp.tenant):
        assert Customer.objects.get(pk=customer.pk).custom_price == Decimal("850.00")
    assert len(seen) == 1
    assert client.post(url, {"custom_price": ""}).status_code == 302
    with in_scope(isp.tenant):
        assert Customer.objects.get(pk=customer.pk).custom_price is None
    with nothing_changes(isp.tenant, what="negative"):
        response = client.post(url, {"custom_price": "-5"})
    assert "custom_price" in response.context["form"].errors


def test_custom_price_is_refused_without_the_code(client, isp):
    setup = customer_setup(isp)
    customer = make_customer(by=isp.ga, setup=setup, username="nodeal")
    url = reverse("customers:customer_price", args=[customer.pk])
    for user in (isp.noc, set_codes(isp.user_x, revoke=["customers.custom_price"])):
        client = login(client, user)
        with nothing_changes(isp.tenant, what=str(user)):
            assert client.get(url).status_code == 403
            assert client.post(url, {"custom_price": "1"}).status_code == 403


def test_audit_amounts_are_hidden_without_operators_balance(client, isp):
    setup = customer_setup(isp)
    customer = make_customer(by=isp.ga, setup=setup, username="audited")
    login(client, isp.ga).post(
        reverse("customers:customer_price", args=[customer.pk]), {"custom_price": "654.32"}
    )
    with in_scope(isp.tenant):
        assert AuditLog.objects.filter(
            action="customer.custom_price_set", object_id=str(customer.pk)
        ).exists()
    url = reverse("customers:customer", args=[customer.pk])
    assert "654.32" in login(client, isp.ga).get(url).content.decode()
    noc_body = login(client, isp.noc).get(url).content.decode()
    assert "customer.custom_price_set" in noc_body and "654.32" not in noc_body


class FakeTask:
    def __init__(self):
        self.calls = []

    def delay(self, **kwargs):
        self.calls.append(kwargs)


def test_disconnect_now_enqueues_the_coa_task(client, isp, monkeypatch):
    import netbill.radius.tasks

    fake = FakeTask()
    monkeypatch.setattr(netbill.radius.tasks, "coa_push_task", fake, raising=False)
    setup = customer_setup(isp)
    customer = make_customer(by=isp.ga, setup=setup, username="cutme")
    url = reverse("customers:customer_disconnect", args=[customer.pk])
    client = login(client, isp.noc)
    assert client.get(url).status_code == 405
    with capture_events([]):
        response = client.post(url)
    assert response.status_code == 302
    assert fake.calls == [
        {
            "tenant_id": isp.tenant.pk,
            "username": "cutme",
            "action": "disconnect",
            "reason": "manual",
        }
    ]
    from netbill.core.models import AuditLog

    with in_scope(isp.tenant):
        entry = AuditLog.objects.get(action="customer.disconnect_requested")
    assert (entry.actor_id, entry.object_id) == (isp.noc.pk, str(customer.pk))


def test_disconnect_is_refused_outside_reach_and_without_the_code(client, isp, monkeypatch):
    import netbill.radius.tasks

    fake = FakeTask()
    monkeypatch.setattr(netbill.radius.tasks, "coa_push_task", fake, raising=False)
    setup = customer_setup(isp)
    customer = make_customer(by=isp.ga, setup=setup, username="keepme")
    url = reverse("customers:customer_disconnect", args=[customer.pk])
    login(client, isp.user_y)
    with nothing_changes(isp.tenant, what="other subtree"):
        assert client.post(url).status_code == 404
    login(client, isp.manager_x)
    with nothing_changes(isp.tenant, what="manager"):
        assert client.post(url).status_code == 403
    assert fake.calls == []


#
# Template filters
#


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "—"), (0, "0 B"), (1023, "1023 B"), (1536, "1.50 KB"), (9_000_000, "8.58 MB")],
)
def test_human_bytes(value, expected):
    assert human_bytes(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(None, "—"), (59, "0:00:59"), (3725, "1:02:05"), (90061, "1d 1:01:01")]
)
def test_duration(value, expected):
    assert duration(value) == expected


def test_list_shows_a_custom_price_only_to_who_may_set_it(client, isp):
    setup = customer_setup(isp)
    make_customer(by=isp.ga, setup=setup, username="special", custom_price="4321.09")
    assert "4,321.09" in login(client, isp.user_x).get(LIST).content.decode()
    user = set_codes(isp.user_x, revoke=["customers.custom_price"])
    body = login(client, user).get(LIST).content.decode()
    assert "4,321.09" not in body
    assert money(setup.package.customer_price) in body


def test_choosing_an_operator_narrows_the_package_list(client, world):
    isp, x, x1, y, *_rest = world
    client = login(client, isp.ga)
    form = client.get(CREATE).context["form"]
    with in_scope(isp.tenant):
        assert set(form.fields["package"].queryset) == {x.package, x1.package, y.package}
    response = client.get(f"{CREATE}?operator={isp.op_y.pk}", headers={"HX-Request": "true"})
    with in_scope(isp.tenant):
        assert list(response.context["form"].fields["package"].queryset) == [y.package]
    assert 'hx-get="/customers/create/"' in response.content.decode()
    # Edit shows the customer's own operator's packages.
    alice = world[5]
    form = client.get(reverse("customers:customer_edit", args=[alice.pk])).context["form"]
    with in_scope(isp.tenant):
        assert list(form.fields["package"].queryset) == [x.package]


def test_the_list_counts_at_most_the_cap_and_says_so(client, isp, monkeypatch):
    from netbill.core.pagination import CappedPaginator, SearchCappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", 3)
    setup = customer_setup(isp)
    for n in range(5):
        make_customer(by=isp.ga, setup=setup, username=f"newest{n}")
    login(client, isp.ga)
    body = client.get(reverse("customers:customer_list")).content.decode()
    assert "Only the newest 3 matches are listed" in body
    assert [n for n in range(5) if f"newest{n}" in body] == [2, 3, 4]
    body = client.get(reverse("customers:customer_list"), {"q": "newest4"}).content.decode()
    assert "Only the newest" not in body
    # A search counts fewer matches still.
    monkeypatch.setattr(SearchCappedPaginator, "cap", 2)
    body = client.get(reverse("customers:customer_list"), {"q": "newest"}).content.decode()
    assert "Only the newest 2 matches are listed" in body
    assert [n for n in range(5) if f"newest{n}" in body] == [3, 4]


def test_a_number_search_finds_the_customer_by_mobile(client, isp):
    setup = customer_setup(isp)
    make_customer(by=isp.ga, setup=setup, username="bymobile", mobile="01912-345678")
    make_customer(by=isp.ga, setup=setup, username="notthisone", mobile="01812-000111")
    login(client, isp.ga)
    body = client.get(reverse("customers:customer_list"), {"q": "01912345678"}).content.decode()
    assert "bymobile" in body and "notthisone" not in body
