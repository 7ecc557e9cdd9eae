"""customers.services: creating, editing and changing the status of customers. The
RADIUS rows are written in the same transaction; every refusal changes nothing."""

from decimal import Decimal

import pytest

from conftest import in_scope
from netbill.core.exceptions import BusinessRuleError
from netbill.core.models import AuditLog
from netbill.core.testing.people import fresh_user
from netbill.core.testing.state import nothing_changes
from netbill.customers import services
from netbill.customers.models import Customer, CustomerStatusChange
from netbill.radius.groups import expected_replies
from netbill.radius.models import RadiusCheck, RadiusUserGroup

from .helpers import (
    customer_setup,
    customer_values,
    make_custom_field,
    make_customer,
    set_mandatory_attributes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(isp):
    return customer_setup(isp)


def radius_rows(tenant, username):
    with in_scope(tenant):
        checks = {
            r.attribute: (r.op, r.value)
            for r in RadiusCheck.objects.filter(tenant=tenant, username=username)
        }
        groups = list(
            RadiusUserGroup.objects.filter(tenant=tenant, username=username).values_list(
                "groupname", flat=True
            )
        )
        replies = expected_replies(tenant, username)
    return checks, groups, replies


def refused(isp, by=None, **overrides):
    user = fresh_user(by or isp.ga)
    with (
        nothing_changes(isp.tenant, what="refused"),
        pytest.raises(BusinessRuleError) as exc,
        in_scope(isp.tenant),
    ):
        services.customer_create(by=user, **overrides)
    return exc.value.message_dict


def test_create_writes_the_customer_and_its_radius_rows(
    isp, setup, django_capture_on_commit_callbacks
):
    events = []
    from netbill.core import events as ev

    def seen(**payload):
        events.append(payload)

    ev.subscribe("customer.created", seen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            customer = make_customer(
                by=isp.user_x, setup=setup, mobile="01712-345678", mac_address="aa-bb-cc-dd-ee-0f"
            )
    finally:
        ev.unsubscribe("customer.created", seen)
    assert customer.mobile == "+8801712345678"
    assert customer.status == "active"
    assert customer.mac_address == "AA:BB:CC:DD:EE:0F"
    checks, groups, replies = radius_rows(isp.tenant, customer.username)
    assert checks["Cleartext-Password"] == (":=", customer.password)
    assert checks["Simultaneous-Use"] == (":=", "1")
    assert checks["Calling-Station-Id"] == ("==", "AA:BB:CC:DD:EE:0F")
    assert groups == [f"alpha/pkg-{setup.master.pk}"]
    assert replies["Mikrotik-Rate-Limit"] == setup.master.rate_limit
    assert replies["Framed-Pool"] == setup.pool.name
    assert [e["customer_id"] for e in events] == [customer.pk]
    with in_scope(isp.tenant):
        assert CustomerStatusChange.objects.get(customer=customer).to_status == "active"
        entry = AuditLog.objects.get(action="customer.created")
    assert "password" not in entry.after


def test_a_duplicate_username_is_a_field_error(isp, setup):
    make_customer(by=isp.ga, setup=setup, username="rahim")
    errors = refused(isp, **customer_values(setup, isp.op_x, username="RAHIM"))
    assert errors == {"username": ["The username “RAHIM” is already taken."]}


def test_the_same_username_in_another_isp_is_fine(isp, other_isp, setup):
    other = customer_setup(other_isp, pool_subnet="10.60.0.0/22")
    make_customer(by=isp.ga, setup=setup, username="rahim")
    customer = make_customer(by=other_isp.ga, setup=other, username="rahim")
    assert customer.tenant_id == other_isp.tenant.pk


def test_a_static_ip_outside_every_pool_is_refused(isp, setup):
    errors = refused(
        isp, **customer_values(setup, isp.op_x, connection_type="static_ip", static_ip="192.0.2.9")
    )
    assert errors == {"static_ip": ["192.0.2.9 is not inside any of your IPv4 pools."]}


def test_a_static_ip_already_taken_is_refused(isp, setup):
    make_customer(by=isp.ga, setup=setup, connection_type="static_ip", static_ip="10.60.1.7")
    errors = refused(
        isp, **customer_values(setup, isp.op_x, connection_type="static_ip", static_ip="10.60.1.7")
    )
    assert errors["static_ip"][0].startswith("10.60.1.7 is already given to the customer")


def test_a_static_ip_becomes_framed_ip_address(isp, setup):
    customer = make_customer(by=isp.ga, setup=setup, static_ip="10.60.1.8")
    assert customer.ip_pool == setup.pool
    _checks, _groups, replies = radius_rows(isp.tenant, customer.username)
    assert replies["Framed-IP-Address"] == "10.60.1.8"


def test_an_invalid_mobile_is_refused(isp, setup):
    errors = refused(isp, **customer_values(setup, isp.op_x, mobile="12345"))
    assert errors == {"mobile": ["Enter a valid mobile number."]}


def test_an_operator_package_of_another_operator_is_refused(isp, setup):
    errors = refused(isp, **customer_values(setup, isp.op_y))
    assert errors["package"] == [
        f"The package “{setup.master.name}” is not one of {isp.op_y.name}'s packages."
    ]


def test_an_operator_outside_the_users_reach_is_refused(isp, setup):
    y_setup = customer_setup(isp, operator=isp.op_y, pool_subnet="10.61.0.0/24", label="Y")
    errors = refused(isp, by=isp.user_x, **customer_values(y_setup, isp.op_y))
    assert errors == {"operator": ["This operator is outside your reach."]}


def test_missing_mandatory_fields_are_refused(isp, setup):
    set_mandatory_attributes(by=isp.ga, required=["address", "nid"])
    make_custom_field(by=isp.ga, name="Building", mandatory=True)
    errors = refused(isp, **customer_values(setup, isp.op_x))
    assert errors == {
        "address": ["Address is required."],
        "nid": ["NID is required."],
        "custom_fields": ["“Building” is required."],
    }


def test_custom_fields_are_typed(isp, setup):
    make_custom_field(by=isp.ga, name="Floor", field_type="number")
    make_custom_field(by=isp.ga, name="Tower", field_type="dropdown", choices=["A", "B"])
    errors = refused(
        isp, **customer_values(setup, isp.op_x, custom_fields={"floor": "x", "tower": "C"})
    )
    assert errors == {
        "custom_fields": ["“Floor” must be a number.", "“C” is not one of the choices of “Tower”."]
    }
    customer = make_customer(by=isp.ga, setup=setup, custom_fields={"floor": "7", "tower": "B"})
    assert customer.custom_fields == {"floor": "7", "tower": "B"}


def test_a_billing_profile_not_assigned_to_the_operator_is_refused(isp, setup):
    from netbill.catalog.tests.helpers import make_billing_profile

    other = make_billing_profile(by=isp.ga, name="Y only", operators=[isp.op_y])
    errors = refused(isp, **customer_values(setup, isp.op_x, billing_profile=other))
    assert errors == {
        "billing_profile": [f"The billing profile “Y only” is not assigned to {isp.op_x.name}."]
    }


def test_a_sub_operator_may_use_its_parents_billing_profile(isp, setup):
    sub_setup = customer_setup(isp, operator=isp.sub_x1, pool_subnet="10.62.0.0/24", label="S")
    customer = make_customer(
        by=isp.user_x1, setup=sub_setup, operator=isp.sub_x1, billing_profile=setup.billing
    )
    assert customer.billing_profile == setup.billing


def test_pppoe_needs_a_password(isp, setup):
    errors = refused(isp, **customer_values(setup, isp.op_x, password=""))
    assert errors == {"password": ["PPPoE and Hotspot customers need a password."]}


def test_a_static_ip_customer_without_password_has_no_radius_login(isp, setup):
    customer = make_customer(
        by=isp.ga, setup=setup, connection_type="static_ip", static_ip="10.60.2.2", password=""
    )
    checks, groups, _replies = radius_rows(isp.tenant, customer.username)
    assert (checks, groups) == ({}, [])


def test_status_changes_choose_the_radius_group(isp, setup, django_capture_on_commit_callbacks):
    customer = make_customer(by=isp.ga, setup=setup)
    user = fresh_user(isp.user_x)
    with in_scope(isp.tenant):
        services.customer_change_status(
            customer=customer, status="suspended", by=user, reason="Unpaid"
        )
    checks, groups, replies = radius_rows(isp.tenant, customer.username)
    assert groups == ["alpha/suspended"]
    assert replies["Mikrotik-Address-List"] == "suspended"
    assert replies["Framed-Pool"]  # the tenant's protected suspended-users pool
    with in_scope(isp.tenant):
        services.customer_change_status(customer=customer, status="fup", by=user, reason="Test")
    checks, groups, replies = radius_rows(isp.tenant, customer.username)
    assert groups == [f"alpha/pkg-{setup.master.pk}-fup"]
    assert replies["Mikrotik-Rate-Limit"] == "2M/2M"
    with in_scope(isp.tenant):
        services.customer_change_status(
            customer=customer, status="disabled", by=user, reason="Left"
        )
    checks, groups, _replies = radius_rows(isp.tenant, customer.username)
    assert checks["Auth-Type"] == (":=", "Reject")
    with in_scope(isp.tenant):
        services.customer_change_status(customer=customer, status="active", by=user, reason="Back")
        history = list(
            CustomerStatusChange.objects.filter(customer=customer).values_list(
                "from_status", "to_status", "reason"
            )
        )
    checks, groups, _replies = radius_rows(isp.tenant, customer.username)
    assert "Auth-Type" not in checks
    assert groups == [f"alpha/pkg-{setup.master.pk}"]
    assert history[0] == ("disabled", "active", "Back")
    assert len(history) == 5


def test_a_status_change_needs_a_reason_and_permission(isp, setup):
    customer = make_customer(by=isp.ga, setup=setup)
    with in_scope(isp.tenant), nothing_changes(isp.tenant, what="refused"):
        with pytest.raises(BusinessRuleError) as exc:
            services.customer_change_status(
                customer=customer, status="suspended", by=fresh_user(isp.ga), reason=" "
            )
        assert exc.value.message_dict == {"reason": ["Give a reason for the change."]}
        with pytest.raises(BusinessRuleError):
            services.customer_change_status(
                customer=customer, status="suspended", by=fresh_user(isp.user_y), reason="x"
            )


def test_edit_renames_the_radius_user_and_keeps_the_password(isp, setup):
    customer = make_customer(by=isp.ga, setup=setup, username="old-name")
    password = customer.password
    with in_scope(isp.tenant):
        services.customer_update(
            customer=customer, by=fresh_user(isp.ga), data={"username": "new-name", "password": ""}
        )
    assert radius_rows(isp.tenant, "old-name")[:2] == ({}, [])
    checks, groups, _ = radius_rows(isp.tenant, "new-name")
    assert checks["Cleartext-Password"] == (":=", password)


def test_custom_price(isp, setup):
    customer = make_customer(by=isp.ga, setup=setup)
    with in_scope(isp.tenant):
        assert customer.price == Decimal("600.00")
        services.customer_set_custom_price(
            customer=customer, by=fresh_user(isp.user_x), price="550"
        )
        customer = Customer.objects.get(pk=customer.pk)
        assert customer.price == Decimal("550.00")
        with pytest.raises(BusinessRuleError):
            services.customer_set_custom_price(customer=customer, by=fresh_user(isp.noc), price="1")
