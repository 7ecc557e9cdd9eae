"""Bills & Payments → Bill Runs through the pages: the dry-run preview names the right
customers (and why the others are left out), a suspension run the circuit breaker held
is confirmed only by a Group Admin, and a run started from the page runs as a
background job whose result is the BillRun."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse

from conftest import in_scope
from netbill.accounting.services import local_today
from netbill.accounts.models import Operator
from netbill.billing.job_tasks import JOB_KIND
from netbill.billing.models import Bill, BillRun
from netbill.billing.services import suspension_run_execute
from netbill.catalog.tests.helpers import make_billing_profile
from netbill.core.models import BackgroundJob
from netbill.core.testing.people import fresh_user, set_codes
from netbill.customers.models import Customer
from netbill.customers.tests.helpers import customer_setup, make_customer

pytestmark = pytest.mark.django_db


def _customer(isp, setup, **overrides):
    """A customer with its first bill (issued today, due today)."""
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        return make_customer(by=isp.ga, setup=setup, **overrides)


def _next_month(day):
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def test_preview_lists_who_will_be_billed_and_why_not_the_others(client, isp):
    today = local_today(isp.tenant)
    on = _next_month(today)
    setup_x = customer_setup(isp)
    setup_y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.64.0.0/22", label="Y")
    due = _customer(isp, setup_x, name="Due Customer")
    already = _customer(isp, setup_x, name="Already Billed")
    blocked = _customer(isp, setup_y, name="Blocked Customer")
    manual = make_billing_profile(by=isp.ga, operators=[isp.op_x], auto_billing=False)
    not_auto = _customer(isp, setup_x, name="Manual Billing", billing_profile=manual)
    with in_scope(isp.tenant):
        # `already` has next month's bill; operator Y is at its credit limit.
        Bill.objects.filter(customer=already).update(period_end=on)
        Operator.objects.filter(pk=isp.op_y.pk).update(
            balance=Decimal("-1000.00"), credit_limit=Decimal("1000.00")
        )
    client.force_login(isp.ga)
    response = client.get(
        reverse("billing:bill_run_preview"), {"kind": "monthly", "date": on.isoformat()}
    )
    assert response.status_code == 200
    context = response.context
    assert [r.customer_id for r in context["bill_rows"]] == [due.pk]
    assert context["bill_rows"][0].total == Decimal("600.00")
    assert [r.customer_id for r in context["blocked_rows"]] == [blocked.pk]
    assert context["billing"].due == 1 and context["billing"].blocked_count == 1
    assert context["billing"].amount == Decimal("600.00")
    body = response.content.decode()
    billing = body[body.index('id="preview-billing"') : body.index('id="preview-suspension"')]
    assert "Due Customer" in billing and "Blocked Customer" in billing
    assert "Already Billed" not in billing and not_auto.name not in billing
    # Tonight's suspension run is previewed beside it (the first bills are overdue by
    # then), with everyone who has an unpaid bill (the manual one has none).
    suspended = {row["customer"].pk for row in context["suspension_rows"]}
    assert suspended == {due.pk, already.pk, blocked.pk}
    # A preview writes nothing.
    with in_scope(isp.tenant):
        assert not BillRun.objects.exists()
        assert Bill.objects.filter(period_start=on).count() == 0


def test_preview_lists_who_will_be_suspended_and_why(client, isp):
    today = local_today(isp.tenant)
    on = today + timedelta(days=10)
    setup = customer_setup(isp)
    overdue = _customer(isp, setup, name="Overdue Customer")
    exempt = _customer(isp, setup, name="Never Suspend")
    promised = _customer(isp, setup, name="Promised Customer")
    lenient = make_billing_profile(by=isp.ga, operators=[isp.op_x], auto_suspension=False)
    _customer(isp, setup, name="Lenient Customer", billing_profile=lenient)
    with in_scope(isp.tenant):
        Customer.objects.filter(pk=exempt.pk).update(never_auto_suspend=True)
        Customer.objects.filter(pk=promised.pk).update(suspension_extended_until=on)
        bill = Bill.objects.get(customer=overdue)
    client.force_login(isp.ga)
    response = client.get(
        reverse("billing:bill_run_preview"), {"kind": "suspension", "date": on.isoformat()}
    )
    context = response.context
    assert "billing" not in context  # a suspension run bills nobody
    rows = context["suspension_rows"]
    assert [r["customer"].pk for r in rows] == [overdue.pk]
    assert rows[0]["bill"] == bill
    assert rows[0]["grace_days"] == 3
    assert rows[0]["suspend_after"] == bill.due_date + timedelta(days=3)
    # 1 of 4 customers is more than 10 %: the breaker would hold the run.
    assert context["suspension"]["count"] == 1 and context["suspension"]["base"] == 4
    assert context["suspension"]["trips"] is True
    body = response.content.decode()
    assert 'id="breaker-trips"' in body and bill.number in body
    assert "Never Suspend" not in body and "Promised Customer" not in body
    # The day before the grace ends, nobody.
    response = client.get(
        reverse("billing:bill_run_preview"),
        {"kind": "suspension", "date": (bill.due_date + timedelta(days=3)).isoformat()},
    )
    assert response.context["suspension_rows"] == []
    assert 'id="breaker-ok"' in response.content.decode()


def test_preview_without_a_question_previews_tonights_monthly_run(client, isp):
    client.force_login(isp.ga)
    response = client.get(reverse("billing:bill_run_preview"))
    assert response.status_code == 200
    assert response.context["kind"] == "monthly"
    assert response.context["on"] == local_today(isp.tenant)


def _held_run(isp):
    today = local_today(isp.tenant)
    setup = customer_setup(isp)
    customers = [_customer(isp, setup) for _ in range(2)]
    with in_scope(isp.tenant):
        run = suspension_run_execute(tenant=isp.tenant, on=today + timedelta(days=10))
    assert run.status == "awaiting"
    return run, customers


def test_a_held_suspension_run_is_confirmed_only_by_a_group_admin(client, isp):
    run, customers = _held_run(isp)
    url = reverse("billing:bill_run_confirm", args=[run.pk])
    client.force_login(set_codes(isp.user_x, grant=["bills.runs"]))
    # Bill runs are the ISP root's alone: an operator given the code is refused.
    assert client.post(url).status_code == 403
    with in_scope(isp.tenant):
        run.refresh_from_db()
        assert run.status == "awaiting" and run.confirmed_by is None
        assert set(Customer.objects.values_list("status", flat=True)) == {"active"}
    client.force_login(isp.ga)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, follow=True)
    assert "Confirmed: 2 customers suspended." in response.content.decode()
    with in_scope(isp.tenant):
        run.refresh_from_db()
        assert (run.status, run.confirmed_by_id, run.suspended) == ("confirmed", isp.ga.pk, 2)
        assert set(
            Customer.objects.filter(pk__in=[c.pk for c in customers]).values_list(
                "status", flat=True
            )
        ) == {"suspended"}
    # Confirmed once: a second press changes nothing.
    response = client.post(url, follow=True)
    assert "This run is not waiting for confirmation." in response.content.decode()


def test_a_run_started_from_the_page_runs_as_a_job_whose_result_is_the_bill_run(client, isp):
    on = _next_month(local_today(isp.tenant))
    setup = customer_setup(isp)
    customers = [_customer(isp, setup) for _ in range(3)]
    client.force_login(isp.ga)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("billing:bill_run_start"), {"kind": "monthly", "date": on.isoformat()}
        )
    with in_scope(isp.tenant):
        job = BackgroundJob.objects.get(kind=JOB_KIND)
        assert response["Location"] == reverse("billing:bill_run_job", args=[job.pk])
        assert job.status == "done", job.message
        run = BillRun.objects.get(pk=job.result["bill_run_id"])
        assert (run.kind, run.run_date, run.billed, run.started_by_id) == (
            "monthly",
            on,
            3,
            isp.ga.pk,
        )
        assert set(Bill.objects.filter(bill_run=run).values_list("customer_id", flat=True)) == {
            c.pk for c in customers
        }
    page = client.get(response["Location"])
    body = page.content.decode()
    assert reverse("billing:bill_run", args=[run.pk]) in body
    assert "3 bills written" in body
    # The run page lists its bills.
    page = client.get(reverse("billing:bill_run", args=[run.pk]))
    assert len(page.context["bills_page"]) == 3
    # Started again for the same date: a new job, a run that writes nothing.
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("billing:bill_run_start"), {"kind": "monthly", "date": on.isoformat()})
    with in_scope(isp.tenant):
        again = BackgroundJob.objects.filter(kind=JOB_KIND).order_by("-pk").first()
        second = BillRun.objects.get(pk=again.result["bill_run_id"])
        assert second.pk != run.pk and second.billed == 0
        assert Bill.objects.filter(period_start=on).count() == 3
    assert (
        "0 bills written"
        in client.get(reverse("billing:bill_run_job", args=[again.pk])).content.decode()
    )


def test_a_suspension_run_started_from_the_page_may_be_held(client, isp):
    held, _customers = _held_run(isp)  # the customers stay overdue
    client.force_login(isp.ga)
    on = local_today(isp.tenant) + timedelta(days=10)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("billing:bill_run_start"), {"kind": "suspension", "date": on.isoformat()}
        )
    body = client.get(response["Location"]).content.decode()
    assert "a Group Admin must confirm this run" in body
    with in_scope(isp.tenant):
        run = BillRun.objects.exclude(pk=held.pk).get()
        assert run.status == "awaiting"
    assert reverse("billing:bill_run", args=[run.pk]) in body


def test_a_job_whose_user_is_gone_fails_with_a_message(isp):
    from netbill.billing.job_tasks import bill_run_job_task
    from netbill.core.jobs import job_create

    with in_scope(isp.tenant):
        job = job_create(
            by=fresh_user(isp.ga),
            kind=JOB_KIND,
            title="x",
            params={"kind": "monthly", "on": "2027-01-01"},
        )
        BackgroundJob.objects.filter(pk=job.pk).update(created_by=None)
    bill_run_job_task.apply(kwargs={"tenant_id": isp.tenant.pk, "job_id": job.pk})
    with in_scope(isp.tenant):
        job.refresh_from_db()
        assert job.status == "failed"
        assert job.message == "The user who started this run no longer exists."
        assert not BillRun.objects.exists()


def test_the_preview_hands_its_run_to_the_start_form(client, isp):
    client.force_login(isp.ga)
    on = _next_month(local_today(isp.tenant))
    response = client.get(
        reverse("billing:bill_run_preview"), {"kind": "daily", "date": on.isoformat()}
    )
    start = f"{reverse('billing:bill_run_start')}?kind=daily&amp;date={on.isoformat()}"
    assert start in response.content.decode()
    form = client.get(
        reverse("billing:bill_run_start"), {"kind": "daily", "date": on.isoformat()}
    ).context["form"]
    assert (form["kind"].value(), str(form["date"].value())) == ("daily", on.isoformat())
    form = client.get(reverse("billing:bill_run_start")).context["form"]
    assert (form["kind"].value(), form["date"].value()) == ("monthly", local_today(isp.tenant))


def test_the_job_progress_block_links_the_run_once_finished(client, isp):
    from netbill.core.jobs import job_create, job_running

    client.force_login(isp.ga)
    with in_scope(isp.tenant):
        job = job_create(by=fresh_user(isp.ga), kind=JOB_KIND, title="Running run")
        with job_running(job.pk) as handle:
            handle.set_total(1)
            body = client.get(
                reverse("billing:bill_run_job", args=[job.pk]), {"partial": 1}
            ).content.decode()
            assert "<html" not in body and "hx-trigger" in body
            assert "job-bill-run" not in body
            run = BillRun.objects.create(
                tenant=isp.tenant, kind="monthly", run_date=local_today(isp.tenant)
            )
            handle.finish(message="done", result={"bill_run_id": run.pk, "billed": 0})
    body = client.get(
        reverse("billing:bill_run_job", args=[job.pk]), {"partial": 1}
    ).content.decode()
    assert "hx-trigger" not in body
    assert f'id="job-bill-run" href="{reverse("billing:bill_run", args=[run.pk])}"' in body
