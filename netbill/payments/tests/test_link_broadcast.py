"""Bills & Payments → Payment Link Broadcast: who gets a link (zone, operator, payment
status, the user's reach, nothing due), the background job (progress, result, CSV) and
its idempotence (a task delivered again makes no second link)."""

import csv
import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from conftest import in_scope
from netbill.billing.tests.helpers import billed_customer
from netbill.core import jobs
from netbill.core.jobs import job_create
from netbill.core.models import BackgroundJob
from netbill.core.testing.people import fresh_user
from netbill.core.testing.state import nothing_changes
from netbill.customers.tests.helpers import customer_setup
from netbill.payments.gateway_services import customer_due
from netbill.payments.link_tasks import payment_link_broadcast_task
from netbill.payments.links import BROADCAST_JOB_KIND, broadcast_customers, link_path
from netbill.payments.models import PaymentLink
from netbill.payments.services import payment_receive
from netbill.tenancy.tests.helpers import make_zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(isp):
    """Operator X: `unpaid` (zone North, two unpaid bills: 100.00 and 600.00), `partial`
    (paid 150: its first bill paid, the second partly), `paid` (owes nothing).
    Operator Y: `yonder` (unpaid)."""
    zone = make_zone(by=isp.ga, name="North")
    setup_x = customer_setup(isp, pool_subnet="10.91.0.0/22", label="Bcast X")
    setup_y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.92.0.0/22", label="Bcast Y")
    unpaid, _ = billed_customer(
        isp, setup_x, name="Unpaid One", username="unpaid", zone=zone, mobile="+8801711000001"
    )
    partial, _ = billed_customer(isp, setup_x, name="=Partial Two", username="partial")
    paid, _ = billed_customer(isp, setup_x, name="Paid Three", username="paid")
    yonder, _ = billed_customer(isp, setup_y, name="Yonder Four", username="yonder")
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        payment_receive(customer=partial, by=ga, amount="150.00")
        payment_receive(customer=paid, by=ga, amount=customer_due(paid))
    return SimpleNamespace(zone=zone, unpaid=unpaid, partial=partial, paid=paid, yonder=yonder)


def _names(rows):
    return sorted(c.username for c in rows)


def _job(isp, by, **params):
    user = fresh_user(by)
    with in_scope(isp.tenant):
        return job_create(
            by=user,
            kind=BROADCAST_JOB_KIND,
            title="Payment Link Broadcast",
            params={
                "zone": None,
                "operator": None,
                "payment_status": "due",
                "channel": "sms",
                "valid_days": 7,
                "base_url": "https://billing.example.net",
                **params,
            },
        )


def _run(isp, job):
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = payment_link_broadcast_task.apply(
            kwargs={"tenant_id": isp.tenant.pk, "job_id": job.pk}
        ).get()
    job.refresh_from_db()
    return result


def _csv(job):
    with job.result_file.open("rb") as handle:
        return list(csv.reader(io.StringIO(handle.read().decode("utf-8"))))


#
# Who gets a link
#


def test_filters(isp, people):
    ga, user_x = fresh_user(isp.ga), fresh_user(isp.user_x)
    with in_scope(isp.tenant):
        assert _names(broadcast_customers(user=ga)) == ["partial", "unpaid", "yonder"]
        assert _names(broadcast_customers(user=user_x)) == ["partial", "unpaid"]
        assert _names(broadcast_customers(user=fresh_user(isp.user_y))) == ["yonder"]
        assert _names(broadcast_customers(user=ga, zone=people.zone)) == ["unpaid"]
        assert _names(broadcast_customers(user=ga, operator=isp.op_y)) == ["yonder"]
        assert _names(broadcast_customers(user=ga, operator=isp.op_x)) == ["partial", "unpaid"]
        assert _names(broadcast_customers(user=ga, payment_status="partial")) == ["partial"]
        assert _names(broadcast_customers(user=ga, payment_status="unpaid")) == [
            "unpaid",
            "yonder",
        ]
        # Operator Y asking for operator X's customers gets none of them.
        assert _names(broadcast_customers(user=fresh_user(isp.user_y), operator=isp.op_x)) == []
        dues = {c.username: c.due for c in broadcast_customers(user=ga)}
        assert dues == {
            name: customer_due(getattr(people, name)) for name in ("partial", "unpaid", "yonder")
        }


#
# The job
#


def test_job_makes_links_for_exactly_the_customers_in_reach(isp, people, monkeypatch):
    job = _job(isp, isp.user_x)
    seen = []
    original = jobs.JobHandle.advance

    def advance(handle, count=1):
        # What the job page reads while the task runs.
        original(handle, count)
        seen.append(jobs.progress(BackgroundJob(pk=handle.job.pk, status="running")))

    monkeypatch.setattr(jobs.JobHandle, "advance", advance)
    assert _run(isp, job) == 2
    assert seen == [(1, 2), (2, 2)]
    assert (job.status, job.done, job.total) == ("done", 2, 2)
    assert job.result == {"customers": 2, "links": 2, "skipped": 0}
    assert job.message == "2 payment links made; 0 customers owed nothing."
    with in_scope(isp.tenant):
        links = {link.customer.username: link for link in PaymentLink.objects.filter(job=job)}
        assert sorted(links) == ["partial", "unpaid"]
        assert not PaymentLink.objects.filter(customer__in=[people.paid, people.yonder]).exists()
        for name, link in links.items():
            assert link.amount == customer_due(getattr(people, name))
            assert (link.channel, link.created_by) == ("sms", isp.user_x)
    rows = _csv(job)
    partial, unpaid = links["partial"], links["unpaid"]
    assert rows == [
        ["username", "name", "mobile", "amount", "link"],
        [
            "partial",
            "'=Partial Two",  # a spreadsheet must not run it as a formula
            people.partial.mobile,
            f"{partial.amount:.2f}",
            f"https://billing.example.net{link_path(partial)}",
        ],
        [
            "unpaid",
            "Unpaid One",
            "+8801711000001",
            f"{unpaid.amount:.2f}",
            f"https://billing.example.net{link_path(unpaid)}",
        ],
    ]
    assert cache.get(f"netbill:job:{job.pk}:progress") is None


def test_running_the_task_again_makes_no_second_links(isp, people):
    job = _job(isp, isp.ga, operator=isp.op_x.pk)
    assert _run(isp, job) == 2
    first = _csv(job)
    with in_scope(isp.tenant):
        made = set(PaymentLink.objects.filter(job=job).values_list("pk", flat=True))
    # Delivered again while done: nothing happens.
    with nothing_changes(isp.tenant, what="redelivered"):
        assert _run(isp, job) is None
    # Delivered again after a crash left it to run anew: the links are reused.
    with in_scope(isp.tenant):
        BackgroundJob.objects.filter(pk=job.pk).update(status="pending")
    assert _run(isp, job) == 2
    with in_scope(isp.tenant):
        assert set(PaymentLink.objects.values_list("pk", flat=True)) == made
    assert _csv(job) == first
    assert job.status == "done"


def test_customers_paid_since_are_skipped_and_filters_apply(isp, people):
    job = _job(isp, isp.ga, zone=people.zone.pk, channel="copy", valid_days=3)
    assert _run(isp, job) == 1
    with in_scope(isp.tenant):
        link = PaymentLink.objects.get(job=job)
    assert (link.customer, link.channel) == (people.unpaid, "copy")
    assert timedelta(days=3, minutes=-1) < link.expires_at - link.created_at <= timedelta(days=3)


def test_a_deleted_user_fails_the_job(isp, people):
    job = _job(isp, isp.ga)
    with in_scope(isp.tenant):
        BackgroundJob.objects.filter(pk=job.pk).update(created_by=None)
    assert _run(isp, job) is None
    assert job.status == "failed"
    assert job.message == "The user who started this broadcast no longer exists."
    with in_scope(isp.tenant):
        assert not PaymentLink.objects.exists()


#
# The pages
#


def test_page_previews_then_starts_the_job(client, isp, people):
    client.force_login(isp.user_x)
    url = reverse("payments:link_broadcast")
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="link-broadcast-count"' not in page.content.decode()
    with nothing_changes(isp.tenant, what="preview"):
        preview = client.get(url, {"payment_status": "due", "channel": "copy", "valid_days": "7"})
    assert "2 customers would get a payment link." in preview.content.decode()
    operators = {o.pk for o in preview.context["form"].fields["operator"].queryset}
    assert operators == {isp.op_x.pk, isp.sub_x1.pk}
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            url, {"payment_status": "due", "channel": "whatsapp", "valid_days": "10"}
        )
    with in_scope(isp.tenant):
        job = BackgroundJob.objects.get(kind=BROADCAST_JOB_KIND)
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:link_broadcast_job", args=[job.pk])
    assert job.params["base_url"] == "http://testserver"
    assert (job.status, job.created_by, job.result["links"]) == ("done", isp.user_x, 2)
    body = client.get(response["Location"]).content.decode()
    assert "2 payment links made; 0 customers owed nothing." in body
    file_url = reverse("payments:link_broadcast_file", args=[job.pk])
    assert f'href="{file_url}"' in body
    download = client.get(file_url)
    assert download.status_code == 200
    text = download.content.decode()
    assert text.startswith("username,name,mobile,amount,link")
    assert "http://testserver/pay/alpha/link/" in text
    # The page now lists it.
    assert reverse("payments:link_broadcast_job", args=[job.pk]) in client.get(url).content.decode()


def test_operator_y_cannot_broadcast_to_operator_x(client, isp, people):
    client.force_login(isp.user_y)
    url = reverse("payments:link_broadcast")
    with nothing_changes(isp.tenant, what="operator Y names operator X"):
        response = client.post(
            url,
            {"operator": isp.op_x.pk, "payment_status": "due", "channel": "copy", "valid_days": 7},
        )
    assert response.status_code == 200
    assert response.context["form"].errors["operator"]
    # Its own broadcast reaches only its own customer.
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url, {"payment_status": "due", "channel": "copy", "valid_days": 7})
    with in_scope(isp.tenant):
        assert [link.customer for link in PaymentLink.objects.all()] == [people.yonder]
