"""Every customers and RADIUS-session endpoint under its contract
(netbill.core.testing.contracts): /api/v1/customers/ (list, profile, create, edit,
suspend, activate, disable, set-price), /api/v1/radius-sessions/ and
/api/v1/coa-attempts/ (read-only).

Customers belong to an operator: operator Y reaches none of operator X's customers, and
RADIUS sessions and CoA attempts follow their customer's operator through the username.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from netbill.core.testing.contracts import (
    APIActionContract,
    APICreateContract,
    APIDetailContract,
    APIListContract,
    APIUpdateContract,
)
from netbill.core.testing.people import fresh_user
from netbill.customers import services
from netbill.customers.models import Customer
from netbill.customers.tests.helpers import customer_setup, make_customer
from netbill.radius.models import CoAAttempt, RadiusAccounting, RadiusCheck

pytestmark = pytest.mark.django_db


def prepare_customers(isp):
    """Per ISP: a package for operators X and Y; Rahim (X, custom price 1234.56), Karim
    (Y) and Salma (X, suspended); one session and one CoA attempt for Rahim and Karim."""
    isp.setup_x = customer_setup(isp, pool_subnet="10.60.0.0/22", label="Home")
    isp.setup_y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.61.0.0/24", label="Yonder")
    isp.rahim = make_customer(
        by=isp.ga,
        setup=isp.setup_x,
        name="Rahim Uddin",
        username="rahim",
        mobile="01711000101",
        custom_price=Decimal("1234.56"),
    )
    isp.karim = make_customer(
        by=isp.ga, setup=isp.setup_y, name="Karim Mia", username="karim", mobile="01711000102"
    )
    isp.salma = make_customer(
        by=isp.ga, setup=isp.setup_x, name="Salma Akter", username="salma", mobile="01711000103"
    )
    services.customer_change_status(
        customer=isp.salma, status="suspended", by=fresh_user(isp.ga), reason="Unpaid"
    )
    now = timezone.now()
    isp.sessions, isp.attempts = {}, {}
    for n, customer in enumerate((isp.rahim, isp.karim), start=1):
        isp.sessions[customer.username] = RadiusAccounting.objects.create(
            tenant=isp.tenant,
            session_id=f"81a0000{n}",
            unique_id=f"{isp.tenant.slug}-unique-{n}",
            username=customer.username,
            nas_ip_address="192.0.2.1",
            start_time=now - datetime.timedelta(hours=n),
            update_time=now,
            input_octets=5_000_000_000 * n,
            output_octets=7_000_000_000 * n,
            framed_ip_address=f"10.60.0.{10 + n}",
        )
        isp.attempts[customer.username] = CoAAttempt.objects.create(
            tenant=isp.tenant,
            username=customer.username,
            nas_address="192.0.2.1",
            session_id=f"81a0000{n}",
            kind=CoAAttempt.Kind.COA,
            outcome=CoAAttempt.Outcome.NAK,
            error_cause=503,
            reason="package changed",
        )


def of_operator_x(isp, model):
    usernames = Customer.objects.filter(
        tenant=isp.tenant, operator__path__startswith=isp.op_x.path
    ).values("username")
    return model.objects.filter(tenant=isp.tenant, username__in=usernames)


class _Customers:
    permission = "customers.view"

    def prepare(self, isp):
        prepare_customers(isp)


#
# Customers: read
#


class TestCustomerAPIList(_Customers, APIListContract):
    url_name = "api:customer-list"
    other_subtree_user = "user_x"

    def expected_rows(self, isp):
        return Customer.objects.filter(tenant=isp.tenant)

    def other_subtree_rows(self, isp):
        return Customer.objects.filter(tenant=isp.tenant, operator=isp.op_x)

    def check_page(self, response, isp):
        by_username = {c["username"]: c for c in response.json()["results"]}
        assert by_username["rahim"]["price"] == "1234.56"
        assert by_username["rahim"]["custom_price"] == "1234.56"
        assert by_username["salma"]["status"] == "suspended"
        assert all("password" not in c for c in by_username.values())


class TestCustomerAPIDetail(_Customers, APIDetailContract):
    url_name = "api:customer-detail"
    other_subtree_user = "user_y"

    def target(self, isp):
        return isp.rahim

    def expected_data(self, isp):
        return {
            "name": "Rahim Uddin",
            "username": "rahim",
            "mobile": "+8801711000101",
            "operator": isp.op_x.pk,
            "package": isp.setup_x.package.pk,
            "billing_profile": isp.setup_x.billing.pk,
            "connection_type": "pppoe",
            "status": "active",
            "price": "1234.56",
            "custom_price": "1234.56",
            "custom_fields": {},
        }

    def check_page(self, response, isp):
        assert "password" not in response.json()


#
# Customers: write
#


class TestCustomerAPICreate(_Customers, APICreateContract):
    url_name = "api:customer-list"
    permission = "customers.create"
    other_subtree_user = "user_y"
    model = Customer
    audit_action = "customer.created"
    events = ("customer.created",)

    def target(self, isp):
        return isp.op_x

    def api_create_data(self, isp):
        return {
            "name": "Nasrin Begum",
            "mobile": "01819000777",
            "operator": isp.op_x.pk,
            "connection_type": "pppoe",
            "username": "nasrin",
            "password": "s3cret-pw",
            "package": isp.setup_x.package.pk,
            "billing_profile": isp.setup_x.billing.pk,
            "mac_address": "aa-bb-cc-dd-ee-01",
        }

    def created_lookup(self, isp):
        return {"username": "nasrin"}

    def expected(self, isp):
        return {
            "name": "Nasrin Begum",
            "mobile": "+8801819000777",
            "operator": isp.op_x,
            "package": isp.setup_x.package,
            "mac_address": "AA:BB:CC:DD:EE:01",
            "status": "active",
            "custom_price": None,
            "created_by": isp.ga,
        }

    def after_write(self, isp, obj, response):
        super().after_write(isp, obj, response)
        assert "password" not in response.json()
        assert obj.password == "s3cret-pw"
        checks = RadiusCheck.objects.filter(tenant=isp.tenant, username="nasrin")
        assert checks.filter(attribute="Cleartext-Password", value="s3cret-pw").exists()


class TestCustomerAPIPatch(_Customers, APIUpdateContract):
    url_name = "api:customer-detail"
    permission = "customers.edit"
    other_subtree_user = "user_y"
    audit_action = "customer.updated"
    events = ("customer.updated",)

    def target(self, isp):
        return isp.rahim

    def api_update_data(self, isp):
        # custom_price is read-only here: Custom Pricing has its own action and code.
        return {"name": "Rahim Uddin Khan", "address": "Road 9, Mirpur", "custom_price": "1.00"}

    def expected(self, isp):
        return {
            "name": "Rahim Uddin Khan",
            "address": "Road 9, Mirpur",
            "custom_price": Decimal("1234.56"),
            "username": "rahim",
        }

    def after_write(self, isp, obj, response):
        assert response.json()["custom_price"] == "1234.56"
        assert obj.password == isp.rahim.password  # absent: kept


class TestCustomerAPIPut(TestCustomerAPIPatch):
    method = "put"

    def api_update_data(self, isp):
        return {
            "name": "Rahim Uddin Khan",
            "mobile": "01711000199",
            "email": "rahim@example.com",
            "address": "Road 9, Mirpur",
            "operator": isp.op_x.pk,
            "connection_type": "pppoe",
            "username": "rahim",
            "package": isp.setup_x.package.pk,
            "billing_profile": isp.setup_x.billing.pk,
        }

    def expected(self, isp):
        return {
            "name": "Rahim Uddin Khan",
            "mobile": "+8801711000199",
            "email": "rahim@example.com",
            "custom_price": Decimal("1234.56"),
        }


class _StatusAction(_Customers, APIActionContract):
    permission = "customers.suspend"
    other_subtree_user = "user_y"
    audit_action = "customer.status_changed"
    events = ("customer.status_changed",)
    to_status = ""

    def target(self, isp):
        return isp.rahim

    def api_update_data(self, isp):
        return {"reason": "Asked by the customer"}

    def expected(self, isp):
        return {"status": self.to_status, "status_reason": "Asked by the customer"}

    def after_write(self, isp, obj, response):
        assert response.json()["status"] == self.to_status
        latest = obj.status_changes.first()
        assert (latest.to_status, latest.reason, latest.by_id) == (
            self.to_status,
            "Asked by the customer",
            isp.ga.pk,
        )


class TestCustomerAPISuspend(_StatusAction):
    url_name = "api:customer-suspend"
    to_status = "suspended"


class TestCustomerAPIDisable(_StatusAction):
    url_name = "api:customer-disable"
    to_status = "disabled"


class TestCustomerAPIActivate(_StatusAction):
    url_name = "api:customer-activate"
    to_status = "active"

    def target(self, isp):
        return isp.salma


class TestCustomerAPISetPrice(_Customers, APIActionContract):
    url_name = "api:customer-set-price"
    permission = "customers.custom_price"
    other_subtree_user = "user_y"
    audit_action = "customer.custom_price_set"
    events = ("customer.price_changed",)

    def target(self, isp):
        return isp.rahim

    def api_update_data(self, isp):
        return {"custom_price": "999.50"}

    def expected(self, isp):
        return {"custom_price": Decimal("999.50")}

    def after_write(self, isp, obj, response):
        assert (response.json()["price"], response.json()["custom_price"]) == ("999.50", "999.50")


#
# RADIUS sessions and CoA attempts (read-only)
#


class _RadiusRows(_Customers):
    def test_other_subtree(self, client, isp, request):
        # The rows carry a username, not an operator (so `can()` cannot tell): the
        # endpoint finds the operator through the customer. Operator X asks for Karim's.
        self.refuse(client, fresh_user(isp.user_x), isp, self.methods, 404, "other subtree")


class TestRadiusSessionAPIList(_Customers, APIListContract):
    url_name = "api:radius-session-list"
    other_subtree_user = "user_x"

    def expected_rows(self, isp):
        return RadiusAccounting.objects.filter(tenant=isp.tenant)

    def other_subtree_rows(self, isp):
        return of_operator_x(isp, RadiusAccounting)

    def check_page(self, response, isp):
        by_username = {s["username"]: s for s in response.json()["results"]}
        assert by_username["karim"]["input_octets"] == 10_000_000_000  # 64-bit
        assert by_username["karim"]["stop_time"] is None


class TestRadiusSessionAPIDetail(_RadiusRows, APIDetailContract):
    url_name = "api:radius-session-detail"

    def target(self, isp):
        return isp.sessions["karim"]

    def expected_data(self, isp):
        return {
            "session_id": "81a00002",
            "username": "karim",
            "nas_ip_address": "192.0.2.1",
            "framed_ip_address": "10.60.0.12",
            "output_octets": 14_000_000_000,
            "terminate_cause": None,
        }


class TestCoAAttemptAPIList(_Customers, APIListContract):
    url_name = "api:coa-attempt-list"
    other_subtree_user = "user_x"

    def expected_rows(self, isp):
        return CoAAttempt.objects.filter(tenant=isp.tenant)

    def other_subtree_rows(self, isp):
        return of_operator_x(isp, CoAAttempt)


class TestCoAAttemptAPIDetail(_RadiusRows, APIDetailContract):
    url_name = "api:coa-attempt-detail"

    def target(self, isp):
        return isp.attempts["karim"]

    def expected_data(self, isp):
        return {
            "username": "karim",
            "kind": "coa",
            "outcome": "nak",
            "error_cause": 503,
            "reason": "package changed",
        }
