"""/api/v1/customers/: create (RADIUS rows in the same transaction), bad input as 400
with the field and nothing saved, the status actions, Custom Pricing, filters, and who
sees what (operator subtrees, other ISPs, NOC users without prices)."""

from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse
from rest_framework.pagination import PageNumberPagination

from conftest import in_scope
from netbill.core.testing.people import api_token_for, fresh_user, set_codes
from netbill.core.testing.state import (
    assert_same_state,
    capture_events,
    nothing_changes,
    tenant_state,
)
from netbill.customers.models import Customer, CustomerStatusChange
from netbill.radius.models import RadiusCheck, RadiusUserGroup
from netbill.tenancy.tests.helpers import make_zone

from .helpers import customer_setup, make_custom_field, make_customer, set_mandatory_attributes

pytestmark = pytest.mark.django_db

LIST = "api:customer-list"


def detail(customer, name="api:customer-detail"):
    return reverse(name, args=[customer.pk])


def key_headers(user):
    return {"Authorization": f"Api-Key {api_token_for(user)}"}


def state_without_keys(isp):
    """The ISP's rows, but for the API keys (a key's last_used_at moves on each call)."""
    state = tenant_state(isp.tenant)
    state.pop("accounts.ApiKey")
    return state


def post_json(client, url, data, headers=None):
    return client.post(url, data, content_type="application/json", headers=headers)


@pytest.fixture
def setup(isp):
    return customer_setup(isp)


@pytest.fixture
def setup_y(isp):
    return customer_setup(isp, operator=isp.op_y, pool_subnet="10.61.0.0/24", label="Yonder")


def create_data(isp, setup, **overrides):
    data = {
        "name": "Nasrin Begum",
        "mobile": "01819000777",
        "operator": isp.op_x.pk,
        "connection_type": "pppoe",
        "username": "nasrin",
        "password": "s3cret-pw",
        "package": setup.package.pk,
        "billing_profile": setup.billing.pk,
    }
    data.update(overrides)
    return data


def refused_create(client, isp, data, by=None):
    """POST `data` as `by` (the Group Admin): 400, nothing saved, nothing queued."""
    client.force_login(fresh_user(by or isp.ga))
    with nothing_changes(isp.tenant, what="refused create"):
        response = post_json(client, reverse(LIST), data)
    assert response.status_code == 400, response.content
    return response.json()


#
# Create
#


def test_create_saves_the_customer_and_its_radius_rows(client, isp, setup):
    make_custom_field(by=isp.ga, name="Floor", field_type="number")
    zone = make_zone(by=isp.ga, name="Mirpur-10")
    client.force_login(isp.ga)
    data = create_data(
        isp,
        setup,
        zone=zone.pk,
        custom_fields={"floor": "7"},
        custom_price="1500.00",
        mac_address="aa:bb:cc:dd:ee:0f",
    )
    with capture_events(["customer.created"]) as seen:
        response = post_json(client, reverse(LIST), data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert "password" not in body
    assert body["custom_fields"] == {"floor": "7"}
    assert (body["price"], body["custom_price"], body["status"]) == ("1500.00", "1500.00", "active")
    with in_scope(isp.tenant):
        customer = Customer.objects.get(pk=body["id"])
        assert (customer.operator, customer.zone, customer.mobile) == (
            isp.op_x,
            zone,
            "+8801819000777",
        )
        assert customer.password == "s3cret-pw"
        assert customer.custom_price == Decimal("1500.00")
        checks = {
            r.attribute: (r.op, r.value)
            for r in RadiusCheck.objects.filter(tenant=isp.tenant, username="nasrin")
        }
        groups = list(
            RadiusUserGroup.objects.filter(tenant=isp.tenant, username="nasrin").values_list(
                "groupname", flat=True
            )
        )
        assert CustomerStatusChange.objects.get(customer=customer).to_status == "active"
    assert checks["Cleartext-Password"] == (":=", "s3cret-pw")
    assert checks["Calling-Station-Id"] == ("==", "AA:BB:CC:DD:EE:0F")
    assert groups == [f"alpha/pkg-{setup.master.pk}"]
    assert [payload["customer_id"] for _name, payload in seen] == [customer.pk]


def test_an_operator_creates_customers_with_its_api_key(client, isp, setup):
    response = post_json(
        client, reverse(LIST), create_data(isp, setup), headers=key_headers(isp.user_x)
    )
    assert response.status_code == 201, response.content
    with in_scope(isp.tenant):
        customer = Customer.objects.get(username="nasrin")
    assert (customer.operator, customer.created_by) == (isp.op_x, isp.user_x)


def test_a_duplicate_username_is_a_field_error(client, isp, setup):
    make_customer(by=isp.ga, setup=setup, username="nasrin")
    errors = refused_create(client, isp, create_data(isp, setup, username="NASRIN"))
    assert errors == {"username": ["The username “NASRIN” is already taken."]}


def test_a_static_ip_outside_every_pool_is_a_field_error(client, isp, setup):
    data = create_data(isp, setup, connection_type="static_ip", static_ip="192.0.2.9")
    errors = refused_create(client, isp, data)
    assert errors == {"static_ip": ["192.0.2.9 is not inside any of your IPv4 pools."]}


def test_a_static_ip_already_taken_is_a_field_error(client, isp, setup):
    holder = make_customer(
        by=isp.ga, setup=setup, connection_type="static_ip", static_ip="10.60.1.7"
    )
    data = create_data(isp, setup, connection_type="static_ip", static_ip="10.60.1.7")
    errors = refused_create(client, isp, data)
    assert errors == {
        "static_ip": [f"10.60.1.7 is already given to the customer “{holder.username}”."]
    }


def test_an_invalid_mobile_is_a_field_error(client, isp, setup):
    errors = refused_create(client, isp, create_data(isp, setup, mobile="12345"))
    assert errors == {"mobile": ["Enter a valid mobile number."]}


def test_a_package_of_another_operator_is_a_field_error(client, isp, setup, setup_y):
    data = create_data(isp, setup, package=setup_y.package.pk)
    errors = refused_create(client, isp, data)
    assert errors == {
        "package": [
            f"The package “{setup_y.master.name}” is not one of {isp.op_x.name}'s packages."
        ]
    }


def test_an_operator_cannot_name_another_operators_package(client, isp, setup, setup_y):
    data = create_data(isp, setup, package=setup_y.package.pk)
    errors = refused_create(client, isp, data, by=isp.user_x)
    assert errors == {"package": ["Choose one of the operator's packages."]}


def test_another_isps_objects_do_not_exist(client, isp, other_isp, setup):
    beta_zone = make_zone(by=other_isp.ga, name="Beta zone")
    data = create_data(isp, setup, zone=beta_zone.pk, operator=other_isp.op_x.pk)
    errors = refused_create(client, isp, data)
    assert errors == {
        "zone": ["Choose one of your zones."],
        "operator": ["Choose an operator within your reach."],
    }


def test_missing_mandatory_fields_are_field_errors(client, isp, setup):
    set_mandatory_attributes(by=isp.ga, required=["address", "zone"])
    make_custom_field(by=isp.ga, name="Building", mandatory=True)
    errors = refused_create(client, isp, create_data(isp, setup, name=""))
    assert errors == {
        "name": ["Name is required."],
        "address": ["Address is required."],
        "zone": ["Zone is required."],
        "custom_fields": ["“Building” is required."],
    }


def test_custom_fields_must_be_an_object(client, isp, setup):
    errors = refused_create(client, isp, create_data(isp, setup, custom_fields=["7"]))
    assert list(errors) == ["custom_fields"]


def test_a_custom_price_needs_customers_custom_price(client, isp, setup):
    # A sub-operator creates customers but holds no customers.custom_price.
    sub_setup = customer_setup(isp, operator=isp.sub_x1, pool_subnet="10.62.0.0/24", label="S")
    data = create_data(
        isp,
        sub_setup,
        operator=isp.sub_x1.pk,
        billing_profile=sub_setup.billing.pk,
        custom_price="10.00",
    )
    errors = refused_create(client, isp, data, by=isp.user_x1)
    assert errors == {"custom_price": ["You may not set custom prices."]}


def test_create_needs_customers_create(client, isp, setup):
    client.force_login(isp.manager_x)  # customers.view only
    with nothing_changes(isp.tenant, what="manager creates"):
        response = post_json(client, reverse(LIST), create_data(isp, setup))
    assert response.status_code == 403


#
# Edit
#


def test_patch_changes_the_customer_but_not_its_price(client, isp, setup):
    customer = make_customer(by=isp.ga, setup=setup, custom_price=Decimal("900.00"))
    client.force_login(isp.user_x)
    response = client.patch(
        detail(customer),
        {"address": "Road 7", "password": "new-pw-1", "custom_price": "1.00"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert "password" not in response.json()
    with in_scope(isp.tenant):
        customer.refresh_from_db()
        check = RadiusCheck.objects.get(
            tenant=isp.tenant, username=customer.username, attribute="Cleartext-Password"
        )
    assert (customer.address, customer.password, customer.custom_price) == (
        "Road 7",
        "new-pw-1",
        Decimal("900.00"),
    )
    assert check.value == "new-pw-1"


def test_patch_with_bad_input_saves_nothing(client, isp, setup):
    customer = make_customer(by=isp.ga, setup=setup)
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant, what="bad patch"):
        response = client.patch(
            detail(customer), {"mobile": "999", "email": "nope"}, content_type="application/json"
        )
    assert response.status_code == 400
    assert set(response.json()) == {"mobile", "email"}


#
# Status actions and Custom Pricing
#


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [
        ("suspend", "active", "suspended"),
        ("disable", "active", "disabled"),
        ("activate", "suspended", "active"),
    ],
)
def test_status_actions_change_status_and_history(client, isp, setup, action, start, end):
    customer = make_customer(by=isp.ga, setup=setup)
    if start != "active":
        with in_scope(isp.tenant):
            from netbill.customers import services

            services.customer_change_status(
                customer=customer, status=start, by=fresh_user(isp.ga), reason="Before"
            )
    client.force_login(isp.user_x)
    with capture_events(["customer.status_changed"]) as seen:
        response = post_json(
            client, detail(customer, f"api:customer-{action}"), {"reason": "Called"}
        )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == end
    with in_scope(isp.tenant):
        customer.refresh_from_db()
        latest = CustomerStatusChange.objects.filter(customer=customer).first()
        group = RadiusUserGroup.objects.get(tenant=isp.tenant, username=customer.username)
        rejected = RadiusCheck.objects.filter(
            tenant=isp.tenant, username=customer.username, attribute="Auth-Type", value="Reject"
        ).exists()
    assert (customer.status, customer.status_reason) == (end, "Called")
    assert (latest.from_status, latest.to_status, latest.reason, latest.by_id) == (
        start,
        end,
        "Called",
        isp.user_x.pk,
    )
    expected_group = "alpha/suspended" if end == "suspended" else f"alpha/pkg-{setup.master.pk}"
    assert group.groupname == expected_group
    assert rejected is (end == "disabled")
    assert [(p["from_status"], p["to_status"]) for _n, p in seen] == [(start, end)]


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 256}])
@pytest.mark.parametrize("action", ["suspend", "activate", "disable"])
def test_status_actions_need_a_reason(client, isp, setup, action, body):
    customer = make_customer(by=isp.ga, setup=setup)
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant, what=f"{action} without a reason"):
        response = post_json(client, detail(customer, f"api:customer-{action}"), body)
    assert response.status_code == 400
    assert list(response.json()) == ["reason"]


def test_activating_an_active_customer_is_a_field_error(client, isp, setup):
    customer = make_customer(by=isp.ga, setup=setup)
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant, what="activate an active customer"):
        response = post_json(client, detail(customer, "api:customer-activate"), {"reason": "x"})
    assert response.status_code == 400
    assert response.json() == {"status": ["The customer is already active."]}


def test_status_actions_need_customers_suspend(client, isp, setup):
    customer = make_customer(by=isp.ga, setup=setup)
    client.force_login(isp.manager_x)  # sees the customer, may not suspend it
    with nothing_changes(isp.tenant, what="manager suspends"):
        response = post_json(client, detail(customer, "api:customer-suspend"), {"reason": "x"})
    assert response.status_code == 403


def test_set_price_and_back_to_the_package_price(client, isp, setup):
    customer = make_customer(by=isp.ga, setup=setup)
    url = detail(customer, "api:customer-set-price")
    client.force_login(isp.user_x)
    response = post_json(client, url, {"custom_price": "777.70"})
    assert response.status_code == 200, response.content
    assert response.json()["custom_price"] == "777.70"
    response = post_json(client, url, {"custom_price": None})
    assert response.json()["custom_price"] is None
    assert response.json()["price"] == str(setup.package.customer_price)
    with in_scope(isp.tenant):
        customer.refresh_from_db()
    assert customer.custom_price is None


@pytest.mark.parametrize("price", ["-1", "abc", "1.001"])
def test_set_price_refuses_bad_amounts(client, isp, setup, price):
    customer = make_customer(by=isp.ga, setup=setup)
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant, what=f"custom price {price}"):
        response = post_json(
            client, detail(customer, "api:customer-set-price"), {"custom_price": price}
        )
    assert response.status_code == 400
    assert list(response.json()) == ["custom_price"]


def test_set_price_needs_customers_custom_price(client, isp, setup):
    sub_setup = customer_setup(isp, operator=isp.sub_x1, pool_subnet="10.62.0.0/24", label="S")
    customer = make_customer(by=isp.ga, setup=sub_setup, operator=isp.sub_x1)
    client.force_login(isp.user_x1)  # sub-operator: edits customers, no custom prices
    with nothing_changes(isp.tenant, what="sub-operator sets a price"):
        response = post_json(
            client, detail(customer, "api:customer-set-price"), {"custom_price": "1"}
        )
    assert response.status_code == 403


#
# Who sees what
#


def test_operator_x_key_sees_none_of_operator_ys_customers(client, isp, setup, setup_y):
    mine = make_customer(by=isp.ga, setup=setup)
    theirs = make_customer(by=isp.ga, setup=setup_y)
    headers = key_headers(isp.user_x)
    listed = client.get(reverse(LIST), headers=headers).json()["results"]
    assert [c["id"] for c in listed] == [mine.pk]
    before = state_without_keys(isp)
    with TestCase.captureOnCommitCallbacks() as queued:
        assert client.get(detail(theirs), headers=headers).status_code == 404
        response = client.patch(
            detail(theirs), {"name": "Mine now"}, content_type="application/json", headers=headers
        )
        assert response.status_code == 404
        for action in ("suspend", "activate", "disable", "set-price"):
            url = detail(theirs, f"api:customer-{action}")
            body = {"reason": "x", "custom_price": "1"}
            assert post_json(client, url, body, headers=headers).status_code == 404
    assert queued == []
    assert_same_state(before, state_without_keys(isp), "operator X reaches for Y's customer")
    # Filtering by Y does not reveal Y's customers either.
    url = f"{reverse(LIST)}?operator={isp.op_y.pk}"
    assert client.get(url, headers=headers).json()["results"] == []


def test_another_isp_gets_404_with_a_session_and_with_a_key(client, isp, other_isp, setup):
    customer = make_customer(by=isp.ga, setup=setup)
    for headers in (None, key_headers(other_isp.ga)):
        if headers is None:
            client.force_login(other_isp.ga)
        else:
            client.logout()
        with nothing_changes(isp.tenant, what="another ISP"):
            assert client.get(detail(customer), headers=headers).status_code == 404
            for action in ("suspend", "disable", "set-price"):
                url = detail(customer, f"api:customer-{action}")
                body = {"reason": "x", "custom_price": "1"}
                assert post_json(client, url, body, headers=headers).status_code == 404
            listed = client.get(reverse(LIST), headers=headers).json()["results"]
        assert listed == []


def test_noc_sees_customers_without_prices(client, isp, setup):
    customer = make_customer(by=isp.ga, setup=setup, custom_price=Decimal("4321.09"))
    client.force_login(isp.noc)
    listed = client.get(reverse(LIST))
    one = client.get(detail(customer))
    assert (listed.status_code, one.status_code) == (200, 200)
    assert [c["username"] for c in listed.json()["results"]] == [customer.username]
    for data in (listed.json()["results"][0], one.json()):
        assert "price" not in data and "custom_price" not in data
        assert data["package"] == setup.package.pk
    assert "4321" not in listed.content.decode() + one.content.decode()
    # The control: either financial code shows them.
    for code in ("packages.view", "customers.custom_price"):
        user = set_codes(isp.manager_x, grant=[code])
        client.force_login(user)
        data = client.get(detail(customer)).json()
        assert (data["price"], data["custom_price"]) == ("4321.09", "4321.09"), code


def test_a_manager_without_financial_codes_sees_no_prices(client, isp, setup):
    customer = make_customer(by=isp.ga, setup=setup, custom_price=Decimal("10.00"))
    client.force_login(isp.manager_x)
    data = client.get(detail(customer)).json()
    assert data["username"] == customer.username
    assert "price" not in data and "custom_price" not in data


#
# Filters, search and pagination
#


def test_filters_and_search(client, isp, setup, setup_y):
    zone = make_zone(by=isp.ga, name="Uttara")
    rahim = make_customer(by=isp.ga, setup=setup, name="Rahim Uddin", username="rahim", zone=zone)
    karim = make_customer(
        by=isp.ga, setup=setup_y, name="Karim Mia", username="kmia", mobile="01911222333"
    )
    static = make_customer(
        by=isp.ga,
        setup=setup,
        name="Office",
        username="office-1",
        connection_type="static_ip",
        static_ip="10.60.0.40",
    )
    with in_scope(isp.tenant):
        from netbill.customers import services

        services.customer_change_status(
            customer=static, status="suspended", by=fresh_user(isp.ga), reason="Unpaid"
        )
    client.force_login(isp.ga)

    def ids(query):
        response = client.get(f"{reverse(LIST)}?{query}")
        assert response.status_code == 200, response.content
        return {c["id"] for c in response.json()["results"]}

    assert ids("") == {rahim.pk, karim.pk, static.pk}
    assert ids(f"zone={zone.pk}") == {rahim.pk}
    assert ids(f"package={setup_y.package.pk}") == {karim.pk}
    assert ids(f"operator={isp.op_x.pk}") == {rahim.pk, static.pk}
    assert ids("status=suspended") == {static.pk}
    assert ids("connection_type=static_ip") == {static.pk}
    assert ids("search=uddin") == {rahim.pk}  # name, any case
    assert ids("search=KMI") == {karim.pk}  # username
    assert ids("search=1911222") == {karim.pk}  # mobile
    assert ids("search=nobody") == set()
    assert ids(f"status=active&operator={isp.op_x.pk}") == {rahim.pk}
    assert client.get(f"{reverse(LIST)}?status=frozen").status_code == 400


def test_the_list_is_paginated(client, isp, setup, monkeypatch):
    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    made = [make_customer(by=isp.ga, setup=setup) for _ in range(3)]
    client.force_login(isp.ga)
    first = client.get(reverse(LIST)).json()
    assert first["count"] == 3 and first["next"] is not None
    second = client.get(first["next"]).json()
    seen = [c["id"] for c in first["results"] + second["results"]]
    assert seen == sorted((c.pk for c in made), reverse=True)


def test_the_schema_documents_the_customer_and_session_endpoints(client):
    schema = client.get(reverse("api-schema")).content.decode()
    for path in (
        "/api/v1/customers/{id}/suspend/",
        "/api/v1/customers/{id}/activate/",
        "/api/v1/customers/{id}/disable/",
        "/api/v1/customers/{id}/set-price/",
        "/api/v1/radius-sessions/{id}/",
        "/api/v1/coa-attempts/",
    ):
        assert path in schema
