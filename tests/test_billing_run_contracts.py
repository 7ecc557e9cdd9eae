"""Bills & Payments → Bill Runs under their contract (netbill.core.testing.contracts): the
runs' list, one run, starting a run (a background job) and its job page, the dry-run
preview, and confirming a suspension run the circuit breaker held.

Bill runs belong to the whole ISP (`bills.runs`, the Group Admin's by default), so
"other subtree" does not apply to the runs themselves; the bills and customers the
pages list are cut down to the user's subtree (tested here too).
"""

from datetime import date

import pytest
from django.urls import reverse

from conftest import in_scope
from netbill.billing.job_tasks import JOB_KIND, bill_run_job_task
from netbill.billing.models import Bill, BillRun
from netbill.billing.services import suspension_run_execute
from netbill.billing.tests.helpers import add_billing_rows, billed_customer
from netbill.core.jobs import job_create
from netbill.core.models import BackgroundJob
from netbill.core.permissions import restrict
from netbill.core.testing.contracts import (
    ActionViewContract,
    CreateViewContract,
    DetailViewContract,
    ListViewContract,
    PageContract,
)
from netbill.core.testing.people import fresh_user, set_codes
from netbill.core.testing.state import nothing_changes
from netbill.customers.models import Customer
from netbill.customers.tests.helpers import customer_setup

pytestmark = pytest.mark.django_db

TENANT_WIDE = "a bill run belongs to the whole ISP, not to an operator's subtree"
JANUARY = date(2027, 1, 1)
HELD_ON = date(2027, 1, 10)


def prepare_runs(isp):
    """Per ISP: customers of operators X and Y billed by two December runs, and an
    auto-suspension run on 10 January that the circuit breaker held (both overdue)."""
    label = "Alpha" if isp.tenant.slug == "alpha" else "Beta"
    rows = add_billing_rows(isp, f"{label} runs")
    isp.customer_x, isp.run = rows["customer"], rows["bill_run"]
    setup_y = customer_setup(
        isp, operator=isp.op_y, pool_subnet="10.62.0.0/22", label=f"{label} runs Y"
    )
    isp.customer_y, isp.run_y = billed_customer(isp, setup_y, name=f"{label} Y customer")
    with in_scope(isp.tenant):
        isp.held = suspension_run_execute(tenant=isp.tenant, on=HELD_ON)
    assert isp.held.status == "awaiting"


class _Runs:
    permission = "bills.runs"
    not_applicable = {"other_subtree": TENANT_WIDE}

    def prepare(self, isp):
        prepare_runs(isp)


class TestBillRunList(_Runs, ListViewContract):
    url_name = "billing:bill_run_list"

    def expected_rows(self, isp):
        return BillRun.objects.filter(tenant=isp.tenant)

    def check_page(self, response, isp):
        body = response.content.decode()
        assert reverse("billing:bill_run", args=[isp.held.pk]) in body
        assert "Waiting for confirmation" in body
        assert reverse("billing:bill_run_start") in body
        assert reverse("billing:bill_run_preview") in body

    def test_filter_by_kind(self, client, isp, request):
        self.ready(isp)
        client.force_login(self.allowed_user(isp, request))
        response = client.get(self.url_for(isp), {"kind": "suspension"})
        with in_scope(isp.tenant):
            assert self.listed(response) == {isp.held.pk}


class TestBillRunDetail(_Runs, DetailViewContract):
    url_name = "billing:bill_run"

    def target(self, isp):
        return isp.run

    def check_page(self, response, isp):
        body = response.content.decode()
        with in_scope(isp.tenant):
            bill = Bill.objects.get(bill_run=isp.run)
        assert reverse("billing:bill", args=[bill.pk]) in body
        assert reverse("accounting:journal_entry", args=[isp.run.journal_entry_id]) in body
        assert 'data-count="billed">1<' in body
        assert "run-confirm" not in body  # a billing run is never held

    def test_an_operator_given_the_code_is_refused(self, client, isp):
        # Bill runs are the whole ISP's: below the root the code does nothing.
        self.ready(isp)
        client.force_login(set_codes(isp.user_y, grant=["bills.runs"]))
        assert client.get(self.url_for(isp)).status_code == 403

    def test_a_held_run_offers_confirm_only_to_a_group_admin(self, client, isp, request):
        self.ready(isp)
        url = reverse(self.url_name, args=[isp.held.pk])
        client.force_login(self.allowed_user(isp, request))
        body = client.get(url).content.decode()
        assert 'id="run-awaiting"' in body and 'id="run-confirm"' in body
        client.force_login(set_codes(isp.user_x, grant=["bills.runs"]))
        assert client.get(url).status_code == 403


class TestBillRunConfirm(_Runs, ActionViewContract):
    url_name = "billing:bill_run_confirm"
    audit_action = "billing.suspension_confirmed"
    events = ("customers.bulk_status_changed",)

    def target(self, isp):
        return isp.held

    def expected(self, isp):
        return {"status": "confirmed", "confirmed_by": isp.ga, "suspended": 2, "considered": 2}

    def success_url(self, isp, obj):
        return obj.get_absolute_url()

    def after_write(self, isp, obj, response):
        statuses = set(
            Customer.objects.filter(pk__in=[isp.customer_x.pk, isp.customer_y.pk]).values_list(
                "status", flat=True
            )
        )
        assert statuses == {"suspended"}

    def test_an_operator_holding_the_code_cannot_confirm(self, client, isp):
        self.ready(isp)
        client.force_login(set_codes(isp.user_x, grant=["bills.runs"]))
        with nothing_changes(isp.tenant, what="operator confirms"):
            response = client.post(self.url_for(isp))
        assert response.status_code == 403  # bill runs are the ISP root's alone

    def test_a_run_not_held_cannot_be_confirmed(self, client, isp, request):
        self.ready(isp)
        client.force_login(self.allowed_user(isp, request))
        with nothing_changes(isp.tenant, what="confirm a billing run"):
            response = client.post(reverse(self.url_name, args=[isp.run.pk]), follow=True)
        assert "This run is not waiting for confirmation." in response.content.decode()


class TestBillRunStart(_Runs, CreateViewContract):
    url_name = "billing:bill_run_start"
    model = BackgroundJob
    events = ("bills.generated",)

    def form_data(self, isp):
        return {"kind": "monthly", "date": JANUARY.isoformat()}

    def created_lookup(self, isp):
        return {"kind": JOB_KIND}

    def expected(self, isp):
        return {"status": "done", "created_by": isp.ga, "kind": JOB_KIND}

    def success_url(self, isp, obj):
        return reverse("billing:bill_run_job", args=[obj.pk])

    def after_write(self, isp, obj, response):
        run = BillRun.objects.get(pk=obj.result["bill_run_id"])
        assert (run.kind, run.run_date, run.billed, run.started_by_id) == (
            "monthly",
            JANUARY,
            2,
            isp.ga.pk,
        )
        assert obj.params["kind"] == "monthly" and obj.params["on"] == "2027-01-01"

    def test_a_bad_date_starts_nothing(self, client, isp, request):
        client.force_login(self.allowed_user(isp, request))
        with nothing_changes(isp.tenant, what="bad date"):
            response = client.post(self.url_for(isp), {"kind": "monthly", "date": "2027-02-30"})
        assert response.status_code == 200 and response.context["form"].errors["date"]


class TestBillRunJob(DetailViewContract):
    url_name = "billing:bill_run_job"
    permission = "bills.runs"
    not_applicable = {"other_subtree": TENANT_WIDE}

    def prepare(self, isp):
        prepare_runs(isp)
        isp.job = job_create(
            by=fresh_user(isp.ga),
            kind=JOB_KIND,
            title="Bill run: Monthly bills for 2027-01-01",
            params={"kind": "monthly", "on": JANUARY.isoformat()},
        )
        bill_run_job_task.apply(kwargs={"tenant_id": isp.tenant.pk, "job_id": isp.job.pk})
        isp.job.refresh_from_db()

    def target(self, isp):
        return isp.job

    def check_page(self, response, isp):
        body = response.content.decode()
        run_id = isp.job.result["bill_run_id"]
        assert f'id="job-bill-run" href="{reverse("billing:bill_run", args=[run_id])}"' in body
        assert "2 bills written" in body
        assert "hx-trigger" not in body

    def test_a_customers_job_is_not_found_here(self, client, isp, request):
        self.ready(isp)
        with in_scope(isp.tenant):
            job = job_create(by=fresh_user(isp.ga), kind="customers.import", title="x")
        client.force_login(self.allowed_user(isp, request))
        assert client.get(reverse(self.url_name, args=[job.pk])).status_code == 404


class TestBillRunPreview(PageContract):
    url_name = "billing:bill_run_preview"
    permission = "bills.runs"
    not_applicable = {"other_subtree": TENANT_WIDE}

    def prepare(self, isp):
        prepare_runs(isp)

    def url_for(self, isp):
        return super().url_for(isp) + f"?kind=monthly&date={JANUARY.isoformat()}"

    def check_page(self, response, isp, user):
        in_reach = set(
            restrict(Customer.objects.filter(tenant=isp.tenant), user, "bills.runs").values_list(
                "pk", flat=True
            )
        )
        assert in_reach, "the user must reach some customer"
        context = response.context
        assert {r.customer_id for r in context["bill_rows"]} == in_reach
        assert {r["customer"].pk for r in context["suspension_rows"]} == in_reach
        assert context["billing"].due == 2  # the whole ISP
        assert context["suspension"]["trips"] is True
        assert 'id="breaker-trips"' in response.content.decode()
