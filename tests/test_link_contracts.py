"""Payment links under their contracts (netbill.core.testing.contracts): Send Payment
Link (customer profile), Bills & Payments → Payment Link Broadcast with its job page and
CSV, and /api/v1/payment-links/ (list, one link, create).

A link belongs to its customer's operator: operator Y (user_y) reaches none of operator
X's customers or links, and the other ISP none at all. A broadcast job belongs to the
subtree of the user who started it.
"""

import pytest
from django.test import TestCase
from django.urls import reverse

from conftest import in_scope
from netbill.billing.tests.helpers import billed_customer
from netbill.core.jobs import job_create
from netbill.core.models import BackgroundJob
from netbill.core.testing.contracts import (
    APICreateContract,
    APIDetailContract,
    APIListContract,
    CreateViewContract,
    DetailViewContract,
)
from netbill.core.testing.people import fresh_user
from netbill.core.testing.state import nothing_changes
from netbill.customers.tests.helpers import customer_setup
from netbill.payments.link_tasks import payment_link_broadcast_task
from netbill.payments.links import BROADCAST_JOB_KIND, link_path, payment_link_create
from netbill.payments.models import PaymentLink

pytestmark = pytest.mark.django_db

PERMISSION = "payment_links.send"


def prepare_links(isp):
    """Per ISP: a customer of operator X and one of operator Y, each owing its first and
    December bills, with one link each (sent by the Group Admin)."""
    label = "Alpha" if isp.tenant.slug == "alpha" else "Beta"
    setup_x = customer_setup(isp, pool_subnet="10.93.0.0/22", label=f"{label} links X")
    setup_y = customer_setup(
        isp, operator=isp.op_y, pool_subnet="10.94.0.0/22", label=f"{label} links Y"
    )
    isp.link_customer_x, _ = billed_customer(isp, setup_x, name=f"{label} Link X")
    isp.link_customer_y, _ = billed_customer(isp, setup_y, name=f"{label} Link Y")
    ga = fresh_user(isp.ga)
    with TestCase.captureOnCommitCallbacks(execute=True):
        isp.link_x = payment_link_create(customer=isp.link_customer_x, by=ga)
        isp.link_y = payment_link_create(customer=isp.link_customer_y, by=ga)


class _Links:
    permission = PERMISSION
    other_subtree_user = "user_y"

    def prepare(self, isp):
        prepare_links(isp)


#
# Send Payment Link
#


class TestPaymentLinkSend(_Links, CreateViewContract):
    url_name = "payments:link_send"
    model = PaymentLink
    refused_status = 404  # the customer is looked up in reach: beyond it, no page
    audit_action = "payment_link.created"
    events = ("payment_link.created",)

    def target(self, isp):
        return isp.link_customer_x

    def url_kwargs(self, target):
        return {"pk": target.pk}

    def form_data(self, isp):
        return {"channel": "whatsapp", "valid_days": "5"}

    def created_lookup(self, isp):
        return {"customer_id": isp.link_customer_x.pk, "channel": "whatsapp"}

    def expected(self, isp):
        return {"customer": isp.link_customer_x, "channel": "whatsapp", "created_by": isp.ga}

    def success_url(self, isp, obj):
        return reverse(self.url_name, args=[isp.link_customer_x.pk]) + f"?link={obj.pk}"

    def after_write(self, isp, obj, response):
        assert obj.amount == isp.link_x.amount  # nothing was paid in between


#
# Payment Link Broadcast
#


class TestPaymentLinkBroadcast(_Links, CreateViewContract):
    """The operator filter is the target: operator Y (or the other ISP) naming operator
    X gets the form back with an error and no job is made."""

    url_name = "payments:link_broadcast"
    model = BackgroundJob
    audit_action = "payment_link.created"
    events = ("payment_link.created",)

    def target(self, isp):
        return isp.op_x

    def url_kwargs(self, target):
        return {}

    def form_data(self, isp):
        return {
            "operator": str(isp.op_x.pk),
            "payment_status": "due",
            "channel": "sms",
            "valid_days": "7",
        }

    def created_lookup(self, isp):
        return {"kind": BROADCAST_JOB_KIND}

    def expected(self, isp):
        return {"status": "done", "kind": BROADCAST_JOB_KIND, "created_by": isp.ga}

    def audit_object(self, isp, obj):
        with in_scope(isp.tenant):
            return PaymentLink.objects.get(job=obj)

    def success_url(self, isp, obj):
        return reverse("payments:link_broadcast_job", args=[obj.pk])

    def after_write(self, isp, obj, response):
        link = PaymentLink.objects.get(job=obj)
        assert (link.customer, link.channel) == (isp.link_customer_x, "sms")
        assert obj.result == {"customers": 1, "links": 1, "skipped": 0}


def run_broadcast(isp):
    """A finished broadcast of the Group Admin's (all customers with dues)."""
    job = job_create(
        by=fresh_user(isp.ga),
        kind=BROADCAST_JOB_KIND,
        title="Payment Link Broadcast",
        params={
            "payment_status": "due",
            "channel": "copy",
            "valid_days": 7,
            "base_url": "https://billing.example.net",
        },
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        payment_link_broadcast_task.apply(kwargs={"tenant_id": isp.tenant.pk, "job_id": job.pk})
    job.refresh_from_db()
    return job


class _Job(_Links):
    def prepare(self, isp):
        prepare_links(isp)
        isp.link_job = run_broadcast(isp)

    def target(self, isp):
        return isp.link_job


class TestPaymentLinkBroadcastJob(_Job, DetailViewContract):
    url_name = "payments:link_broadcast_job"

    def check_page(self, response, isp):
        body = response.content.decode()
        assert "2 payment links made; 0 customers owed nothing." in body
        file_url = reverse("payments:link_broadcast_file", args=[isp.link_job.pk])
        assert f'href="{file_url}"' in body
        assert "hx-trigger" not in body

    def test_a_customers_job_is_not_found_here(self, client, isp, request):
        self.ready(isp)
        with in_scope(isp.tenant):
            job = job_create(by=fresh_user(isp.ga), kind="customers.import", title="x")
        client.force_login(self.allowed_user(isp, request))
        assert client.get(reverse(self.url_name, args=[job.pk])).status_code == 404


class TestPaymentLinkBroadcastFile(_Job, DetailViewContract):
    url_name = "payments:link_broadcast_file"

    def test_with_permission(self, client, isp, request):
        client.force_login(self.allowed_user(isp, request))
        with nothing_changes(isp.tenant, what="with permission"):
            response = client.get(self.url_for(isp))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        lines = response.content.decode().splitlines()
        assert lines[0] == "username,name,mobile,amount,link"
        assert len(lines) == 3
        with in_scope(isp.tenant):
            links = PaymentLink.objects.filter(job=isp.link_job).select_related("tenant")
            urls = {f"https://billing.example.net{link_path(link)}" for link in links}
        assert {line.rsplit(",", 1)[1] for line in lines[1:]} == urls


#
# /api/v1/payment-links/
#


class TestPaymentLinkAPIList(_Links, APIListContract):
    url_name = "api:payment-link-list"

    def expected_rows(self, isp):
        return PaymentLink.objects.filter(tenant=isp.tenant)

    def other_subtree_rows(self, isp):
        return PaymentLink.objects.filter(tenant=isp.tenant, customer__operator=isp.op_y)

    def check_page(self, response, isp):
        by_id = {item["id"]: item for item in response.json()["results"]}
        item = by_id[isp.link_x.pk]
        assert item["url"] == f"http://testserver{link_path(isp.link_x)}"
        assert (item["status"], item["opened"], item["paid"]) == ("sent", False, False)
        assert item["amount"] == f"{isp.link_x.amount:.2f}"


class TestPaymentLinkAPIDetail(_Links, APIDetailContract):
    url_name = "api:payment-link-detail"

    def target(self, isp):
        return isp.link_x

    def expected_data(self, isp):
        link = isp.link_x
        return {
            "customer": isp.link_customer_x.pk,
            "username": isp.link_customer_x.username,
            "amount": f"{link.amount:.2f}",
            "channel": "copy",
            "status": "sent",
            "url": f"http://testserver{link_path(link)}",
            "paid_at": None,
        }


class TestPaymentLinkAPICreate(_Links, APICreateContract):
    url_name = "api:payment-link-list"
    model = PaymentLink
    audit_action = "payment_link.created"
    events = ("payment_link.created",)

    def target(self, isp):
        return isp.link_customer_x

    def api_create_data(self, isp):
        return {"customer": isp.link_customer_x.pk, "channel": "sms", "valid_days": 3}

    def created_lookup(self, isp):
        return {"customer_id": isp.link_customer_x.pk, "channel": "sms"}

    def expected(self, isp):
        return {
            "customer": isp.link_customer_x,
            "channel": "sms",
            "created_by": isp.ga,
            "amount": isp.link_x.amount,
        }

    def after_write(self, isp, obj, response):
        super().after_write(isp, obj, response)
        data = response.json()
        assert data["url"] == f"http://testserver{link_path(obj)}"
        assert data["status"] == "sent"
