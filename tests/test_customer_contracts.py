"""Every customer page under its contract (netbill.core.testing.contracts): Customers →
Customer List and Create Customer, the profile, Edit, status change, Custom Pricing and
Disconnect now.

Customers belong to an operator: operator Y (user_y) reaches none of operator X's
customers, and the other ISP none at all.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from netbill.core.testing.contracts import (
    ActionViewContract,
    CreateViewContract,
    DetailViewContract,
    EditViewContract,
    ListViewContract,
)
from netbill.customers.models import Customer
from netbill.customers.tests.helpers import customer_setup, make_customer

pytestmark = pytest.mark.django_db


class FakeTask:
    """Stands in for the radius app's coa_push_task: records what was enqueued."""

    def __init__(self):
        self.calls = []

    def delay(self, **kwargs):
        self.calls.append(kwargs)


@pytest.fixture(autouse=True)
def coa_task(monkeypatch):
    import netbill.radius.tasks

    fake = FakeTask()
    monkeypatch.setattr(netbill.radius.tasks, "coa_push_task", fake, raising=False)
    return fake


def prepare_customers(isp):
    """Per ISP: a package of operator X (and a second one) and of operator Y; customers
    of X (one spare for edits) and of Y."""
    isp.setup_x = customer_setup(isp, pool_subnet="10.60.0.0/22", label="Home")
    isp.setup_x2 = customer_setup(isp, pool_subnet="10.66.0.0/22", label="Gold")
    isp.setup_y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.64.0.0/22", label="Home Y")
    isp.rahim = make_customer(
        by=isp.ga,
        setup=isp.setup_x,
        name="Rahim Uddin",
        username="rahim",
        mobile="01555000101",
        custom_price="1111.11",
    )
    isp.karim = make_customer(
        by=isp.ga, setup=isp.setup_x, name="Karim", username="karim", mobile="01555000102"
    )
    isp.yasmin = make_customer(
        by=isp.ga, setup=isp.setup_y, name="Yasmin", username="yasmin", mobile="01555000103"
    )


class _Customers:
    permission = "customers.view"
    other_subtree_user = "user_y"

    def prepare(self, isp):
        prepare_customers(isp)

    def target(self, isp):
        return isp.rahim


class TestCustomerList(_Customers, ListViewContract):
    url_name = "customers:customer_list"

    def target(self, isp):
        return None

    def expected_rows(self, isp):
        return Customer.objects.filter(tenant=isp.tenant)

    def other_subtree_rows(self, isp):
        return Customer.objects.filter(tenant=isp.tenant, operator=isp.op_y)

    def check_page(self, response, isp):
        body = response.content.decode()
        assert "rahim" in body and "nb-status-active" in body
        assert reverse("customers:customer_create") in body


class TestCustomerDetail(_Customers, DetailViewContract):
    url_name = "customers:customer"

    def check_page(self, response, isp):
        body = response.content.decode()
        assert 'id="custom-price">1,111.11' in body
        assert "customer.created" in body


class TestCustomerCreate(_Customers, CreateViewContract):
    """The operator is the node the customer hangs under: from another subtree or ISP
    it is "not a valid choice" and nothing is created."""

    url_name = "customers:customer_create"
    permission = "customers.create"
    model = Customer
    audit_action = "customer.created"
    events = ("customer.created",)

    def target(self, isp):
        return isp.op_x

    def form_data(self, isp):
        return {
            "name": "Nasrin Akter",
            "mobile": "01555000199",
            "email": "",
            "address": "Road 3",
            "operator": isp.op_x.pk,
            "connection_type": "pppoe",
            "username": "nasrin",
            "password": "pw-nasrin",
            "package": isp.setup_x.package.pk,
            "billing_profile": isp.setup_x.billing.pk,
            "custom_price": "999.50",
        }

    def created_lookup(self, isp):
        return {"username": "nasrin"}

    def expected(self, isp):
        return {
            "name": "Nasrin Akter",
            "mobile": "+8801555000199",
            "operator": isp.op_x,
            "package": isp.setup_x.package,
            "status": "active",
            "custom_price": Decimal("999.50"),
        }


class TestCustomerEdit(_Customers, EditViewContract):
    url_name = "customers:customer_edit"
    permission = "customers.edit"
    audit_action = "customer.updated"
    events = ("customer.updated", "customer.package_changed")

    def target(self, isp):
        return isp.karim

    def form_data(self, isp):
        return {
            "name": "Karim Hossain",
            "mobile": "01555000102",
            "operator": isp.op_x.pk,
            "connection_type": "pppoe",
            "username": "karim",
            "password": "",
            "package": isp.setup_x2.package.pk,
            "billing_profile": isp.setup_x.billing.pk,
        }

    def expected(self, isp):
        return {"name": "Karim Hossain", "package": isp.setup_x2.package, "username": "karim"}

    def after_write(self, isp, obj, response):
        assert str(Customer.objects.get(pk=obj.pk).password).startswith("pw-")


class TestCustomerStatus(_Customers, EditViewContract):
    url_name = "customers:customer_status"
    permission = "customers.suspend"
    audit_action = "customer.status_changed"
    events = ("customer.status_changed",)

    def form_data(self, isp):
        return {"status": "suspended", "reason": "Unpaid since October"}

    def expected(self, isp):
        return {"status": "suspended", "status_reason": "Unpaid since October"}

    def success_url(self, isp, obj):
        return reverse("customers:customer", args=[obj.pk])


class TestCustomerPrice(_Customers, EditViewContract):
    url_name = "customers:customer_price"
    permission = "customers.custom_price"
    audit_action = "customer.custom_price_set"
    events = ("customer.price_changed",)

    def form_data(self, isp):
        return {"custom_price": "850"}

    def expected(self, isp):
        return {"custom_price": Decimal("850.00")}


class TestCustomerDisconnect(_Customers, ActionViewContract):
    url_name = "customers:customer_disconnect"
    permission = "customers.disconnect"
    allowed = "noc"

    def expected(self, isp):
        return {"status": "active"}

    def success_url(self, isp, obj):
        return reverse("customers:customer", args=[obj.pk])

    def after_write(self, isp, obj, response):
        from netbill.radius import tasks

        assert tasks.coa_push_task.calls == [
            {
                "tenant_id": isp.tenant.pk,
                "username": "rahim",
                "action": "disconnect",
                "reason": "manual",
            }
        ]
