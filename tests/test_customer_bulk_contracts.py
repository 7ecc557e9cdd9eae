"""Customers → Multiple Customer Update under its contracts (netbill.core.testing.contracts):
the selection page, the confirmation step and the apply step.

The two steps are POSTs naming the customers by ticked ids: operator Y (user_y) and the
other ISP naming operator X's customer get a 404 and nothing changes anywhere.
"""

import pytest
from django.urls import reverse

from netbill.core.permissions import restrict
from netbill.core.testing.contracts import ActionViewContract, PageContract
from netbill.customers.models import Customer
from netbill.customers.tests.helpers import customer_setup, make_customer
from netbill.tenancy.tests.helpers import make_zone

pytestmark = pytest.mark.django_db


class Recorder:
    """Stands in for the radius app's CoA tasks: records what was enqueued."""

    def __init__(self):
        self.calls = []

    def delay(self, **kwargs):
        self.calls.append(kwargs)


@pytest.fixture(autouse=True)
def coa_tasks(monkeypatch):
    import netbill.radius.tasks

    fake = Recorder()
    monkeypatch.setattr(netbill.radius.tasks, "coa_push_many_task", fake)
    return fake


def prepare_customers(isp):
    """Per ISP: two customers of operator X, one of operator Y, and a zone."""
    isp.bulk_setup_x = customer_setup(isp, pool_subnet="10.60.0.0/22", label="Bulk X")
    isp.bulk_setup_y = customer_setup(
        isp, operator=isp.op_y, pool_subnet="10.64.0.0/22", label="Bulk Y"
    )
    isp.bulk_zone = make_zone(by=isp.ga, name="Bulk zone")
    isp.bulk_rahim = make_customer(
        by=isp.ga, setup=isp.bulk_setup_x, name="Rahim Bulk", username="bulk-rahim"
    )
    isp.bulk_karim = make_customer(
        by=isp.ga, setup=isp.bulk_setup_x, name="Karim Bulk", username="bulk-karim"
    )
    isp.bulk_yasmin = make_customer(
        by=isp.ga, setup=isp.bulk_setup_y, name="Yasmin Bulk", username="bulk-yasmin"
    )


class _Bulk:
    permission = "customers.edit"
    other_subtree_user = "user_y"

    def prepare(self, isp):
        prepare_customers(isp)

    def target(self, isp):
        return isp.bulk_rahim

    def url_kwargs(self, target):
        return {}


class TestCustomerBulkUpdatePage(_Bulk, PageContract):
    """The selection page: each user counts and lists the customers of its own reach."""

    url_name = "customers:customer_bulk_update"

    def target(self, isp):
        return None

    def check_page(self, response, isp, user):
        body = response.content.decode()
        reach = restrict(Customer.objects.all(), user, self.permission)
        count = reach.count()
        assert f"{count} customers match" in body or f"{count} customer matches" in body
        listed = {c.pk for c in response.context["page_obj"]}
        assert listed == set(reach.values_list("pk", flat=True))
        assert reverse("customers:customer_bulk_update_confirm") in body


class TestCustomerBulkUpdateConfirm(_Bulk, ActionViewContract):
    """Step 2: the count and the change, nothing written."""

    url_name = "customers:customer_bulk_update_confirm"
    success_status = 200

    def form_data(self, isp):
        return {
            "to-selection": "selected",
            "ids": [str(isp.bulk_rahim.pk)],
            "to-change": "zone",
            "to-zone": str(isp.bulk_zone.pk),
        }

    def expected(self, isp):
        return {"zone": None}

    def after_write(self, isp, obj, response):
        body = response.content.decode()
        assert "Change the zone of 1 customer to “Bulk zone”?" in body
        assert reverse("customers:customer_bulk_update_apply") in body


class TestCustomerBulkUpdateApply(_Bulk, ActionViewContract):
    """Step 3: the change, audited per customer, one event for the selection."""

    url_name = "customers:customer_bulk_update_apply"
    audit_action = "customer.status_changed"
    events = ("customers.bulk_status_changed",)

    def form_data(self, isp):
        return {
            "to-selection": "selected",
            "ids": [str(isp.bulk_rahim.pk)],
            "to-change": "status",
            "to-status": "suspended",
            "to-reason": "Unpaid for two months",
        }

    def expected(self, isp):
        return {"status": "suspended", "status_reason": "Unpaid for two months"}

    def success_url(self, isp, obj):
        return reverse("customers:customer_bulk_update")

    def after_write(self, isp, obj, response):
        # The customer not ticked is left as it was.
        assert Customer.objects.get(pk=isp.bulk_karim.pk).status == "active"
