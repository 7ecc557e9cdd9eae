"""Every billing, payments and accounting endpoint under its contract
(netbill.core.testing.contracts): /api/v1/bills/ (list, one bill, cancel, bulk-pay),
/api/v1/bill-runs/ (list, one run, start, preview, confirm), /api/v1/accounts/ and
/api/v1/journal-entries/ (read-only) and /api/v1/operators/{id}/balance/ (GET, POST).

Bills belong to the customer's operator: operator Y reaches none of operator X's bills.
Bill runs and the ledger belong to the whole ISP: a user below the root of the ISP is
refused (403) even when given the code, which is what "other subtree" means for them.
The money-moving POSTs carry an `Idempotency-Key` header.
"""

from datetime import date
from decimal import Decimal

import pytest

from conftest import in_scope
from netbill.accounting import queries
from netbill.accounting.models import Account, JournalEntry
from netbill.accounting.services import local_today
from netbill.billing.models import Bill, BillRun
from netbill.billing.tests.helpers import billed_customer
from netbill.core.testing.contracts import (
    APIActionContract,
    APIContract,
    APICreateContract,
    APIDetailContract,
    APIListContract,
    assert_no_leak,
)
from netbill.core.testing.people import api_token_for, fresh_user, set_codes
from netbill.core.testing.state import nothing_changes
from netbill.customers.models import Customer
from netbill.customers.tests.helpers import customer_setup
from netbill.payments.models import Payment
from netbill.payments.services import operator_add_balance

pytestmark = pytest.mark.django_db

DECEMBER = date(2026, 12, 1)


def prepare_bills(isp):
    """Per ISP: Rahim (operator X) and Karim (operator Y), each with a first bill and the
    December monthly bill (600.00) of its own bill run, and a suspension run the circuit
    breaker holds."""
    isp.setup_x = customer_setup(isp, pool_subnet="10.62.0.0/24", label="Home")
    isp.setup_y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.63.0.0/24", label="Yonder")
    isp.rahim, isp.run_x = billed_customer(
        isp, isp.setup_x, name="Rahim Uddin", username="rahim", on=DECEMBER
    )
    isp.karim, isp.run_y = billed_customer(
        isp, isp.setup_y, name="Karim Mia", username="karim", on=DECEMBER
    )
    with in_scope(isp.tenant):
        isp.rahim_dec = Bill.objects.get(customer=isp.rahim, period_start=DECEMBER)
        isp.karim_dec = Bill.objects.get(customer=isp.karim, period_start=DECEMBER)
        isp.rahim_dec_number = isp.rahim_dec.number
        isp.held_run = BillRun.objects.create(
            tenant=isp.tenant,
            kind="suspension",
            run_date=local_today(isp.tenant),
            status="awaiting",
            message="held by the circuit breaker",
        )


class _Bills:
    permission = "bills.view"

    def prepare(self, isp):
        prepare_bills(isp)


class _RestoreOnCommit:
    """Cancelling and paying check, on commit, whether the customer is to be restored;
    that reads the customer. In a request it runs when the service's transaction
    commits, inside the request's tenant scope; in a test the callbacks wait for the
    end of the test's block, after the request, so the block gets the request's scope."""

    def test_with_permission(self, client, isp, request):
        with in_scope(isp.tenant):
            super().test_with_permission(client, isp, request)


class _Idempotent:
    """Money-moving POSTs carry an Idempotency-Key header."""

    key = "3f1c9a52-0d4e-4c1b-9a77-contract"

    def send(self, client, method, url, data=None, headers=None):
        if method != "get":
            headers = {**(headers or {}), "Idempotency-Key": self.key}
        return super().send(client, method, url, data, headers)


class _ISPWide:
    """Bill runs and the ledger belong to the whole ISP: operator X, even given the
    code by special permission, is refused and nothing changes."""

    def below_root(self, isp):
        self.ready(isp)
        return set_codes(fresh_user(isp.user_x), grant=[self.permission])

    def test_other_subtree(self, client, isp, request):
        user = self.below_root(isp)
        self.refuse(client, user, isp, self.methods, 403, "below the ISP's root")


#
# Bills
#


class TestBillAPIList(_Bills, APIListContract):
    url_name = "api:bill-list"
    other_subtree_user = "user_x"

    def expected_rows(self, isp):
        return Bill.objects.filter(tenant=isp.tenant)

    def other_subtree_rows(self, isp):
        return Bill.objects.filter(tenant=isp.tenant, operator__path__startswith=isp.op_x.path)

    def check_page(self, response, isp):
        by_id = {b["id"]: b for b in response.json()["results"]}
        rahim = by_id[isp.rahim_dec.pk]
        assert (rahim["price"], rahim["total"], rahim["paid_amount"], rahim["due"]) == (
            "600.00",
            "600.00",
            "0.00",
            "600.00",
        )
        assert (rahim["status"], rahim["customer_username"]) == ("unpaid", "rahim")


class TestBillAPIDetail(_Bills, APIDetailContract):
    url_name = "api:bill-detail"
    other_subtree_user = "user_y"

    def target(self, isp):
        return isp.rahim_dec

    def expected_data(self, isp):
        return {
            "number": isp.rahim_dec_number,
            "customer": isp.rahim.pk,
            "operator": isp.op_x.pk,
            "kind": "monthly",
            "period_start": "2026-12-01",
            "period_end": "2026-12-31",
            "due_date": "2026-12-01",
            "price": "600.00",
            "discount": "0.00",
            "vat_amount": "0.00",
            "vat_inclusive": False,
            "total": "600.00",
            "paid_amount": "0.00",
            "due": "600.00",
            "operator_share": "200.00",
            "status": "unpaid",
            "bill_run": isp.run_x.pk,
            "journal_entry": isp.run_x.journal_entry_id,
        }


class TestBillAPICancel(_RestoreOnCommit, _Bills, APIActionContract):
    url_name = "api:bill-cancel"
    permission = "bills.edit"
    other_subtree_user = "user_y"
    audit_action = "bill.cancelled"
    events = ("bill.cancelled",)

    def target(self, isp):
        return isp.rahim_dec

    def api_update_data(self, isp):
        return {"reason": "Billed twice"}

    def expected(self, isp):
        return {"status": "cancelled", "cancel_reason": "Billed twice", "paid_amount": 0}

    def after_write(self, isp, obj, response):
        assert response.json()["status"] == "cancelled"
        reversal = JournalEntry.objects.get(source="bill_cancel", source_id=obj.pk)
        assert sum(line.debit for line in reversal.lines.all()) == Decimal("600.00")
        first = Bill.objects.get(customer=isp.rahim, kind="first")
        assert queries.customer_receivable(isp.tenant, isp.rahim.pk) == first.total
        assert queries.trial_balance_difference(isp.tenant) == 0


class TestBillAPIBulkPay(_RestoreOnCommit, _Idempotent, _Bills, APIActionContract):
    url_name = "api:bill-bulk-pay"
    permission = "payments.receive"
    other_subtree_user = "user_y"  # names operator X's bill: 404, nothing recorded
    success_status = 201
    audit_action = "payment.received"
    events = ("payment.received",)

    def api_update_data(self, isp):
        return {"bills": [isp.rahim_dec.pk], "reference": "Counter"}

    def written_object(self, isp, target):
        with in_scope(isp.tenant):
            return Bill.objects.get(pk=isp.rahim_dec.pk)

    def audit_object(self, isp, obj):
        with in_scope(isp.tenant):
            return Payment.objects.get(allocations__bill=obj)

    def expected(self, isp):
        return {"status": "paid", "paid_amount": Decimal("600.00")}

    def after_write(self, isp, obj, response):
        payment = Payment.objects.get(allocations__bill=obj)
        assert response.json() == {
            "paid": 1,
            "amount": "600.00",
            "bills": [obj.pk],
            "payments": [payment.pk],
        }
        assert (payment.amount, payment.method, payment.reference) == (
            Decimal("600.00"),
            "cash",
            "Counter",
        )
        assert (
            queries.customer_receivable(isp.tenant, isp.rahim.pk)
            == Bill.objects.get(customer=isp.rahim, kind="first").total
        )
        assert queries.trial_balance_difference(isp.tenant) == 0


#
# Bill runs
#


class _Runs(_ISPWide, _Bills):
    permission = "bills.runs"


class TestBillRunAPIList(_Runs, APIListContract):
    url_name = "api:bill-run-list"

    def expected_rows(self, isp):
        return BillRun.objects.filter(tenant=isp.tenant)

    def check_page(self, response, isp):
        by_id = {r["id"]: r for r in response.json()["results"]}
        assert by_id[isp.run_x.pk]["amount"] == "600.00"
        assert by_id[isp.held_run.pk]["status"] == "awaiting"


class TestBillRunAPIDetail(_Runs, APIDetailContract):
    url_name = "api:bill-run-detail"

    def target(self, isp):
        return isp.run_x

    def expected_data(self, isp):
        return {
            "kind": "monthly",
            "run_date": "2026-12-01",
            "status": "done",
            "billed": 1,
            "amount": "600.00",
            "journal_entry": isp.run_x.journal_entry_id,
        }


class TestBillRunAPIStart(_Runs, APICreateContract):
    url_name = "api:bill-run-list"
    model = BillRun

    def api_create_data(self, isp):
        return {"kind": "daily"}  # the date: the ISP's today

    def created_lookup(self, isp):
        return {"kind": "daily"}

    def expected(self, isp):
        return {
            "kind": "daily",
            "run_date": local_today(isp.tenant),
            "status": "done",
            "started_by": isp.ga,
            "billed": 0,  # nobody is on a daily billing profile
        }

    def after_write(self, isp, obj, response):
        super().after_write(isp, obj, response)
        assert response.json()["status"] == "done"


class TestBillRunAPIPreview(_Runs, APIContract):
    """GET bill-runs/preview/?kind=monthly&date=2027-01-01: both customers are due."""

    url_name = "api:bill-run-preview"

    def url_for(self, isp):
        return f"{super().url_for(isp)}?kind=monthly&date=2027-01-01"

    def preview(self, client, user, isp, what, headers=None):
        if user is not None:
            client.force_login(user)
        with nothing_changes(isp.tenant, what=what):
            response = client.get(self.url_for(isp), headers=headers)
        assert response.status_code == 200, f"{what}: {response.status_code}"
        return response.json()

    def test_with_permission(self, client, isp, request):
        data = self.preview(client, self.allowed_user(isp, request), isp, "with permission")
        assert (data["kind"], data["date"], data["due"], data["amount"]) == (
            "monthly",
            "2027-01-01",
            2,
            "1200.00",
        )
        assert {(r["customer"], r["username"], r["total"]) for r in data["rows"]} == {
            (isp.rahim.pk, "rahim", "600.00"),
            (isp.karim.pk, "karim", "600.00"),
        }

    def test_other_tenant(self, client, isp, request):
        other_isp, user = self.stranger(isp, request)
        with in_scope(other_isp.tenant):
            theirs = {other_isp.rahim.pk, other_isp.karim.pk}
        data = self.preview(client, user, isp, "other tenant (session)")
        assert {r["customer"] for r in data["rows"]} == theirs
        client.logout()
        headers = {"Authorization": f"Api-Key {api_token_for(user)}"}
        response = client.get(self.url_for(isp), headers=headers)
        assert response.status_code == 200
        assert {r["customer"] for r in response.json()["rows"]} == theirs
        assert_no_leak(response, isp, "other tenant (API key)")


class TestBillRunAPIConfirm(_Runs, APIActionContract):
    url_name = "api:bill-run-confirm"
    audit_action = "billing.suspension_confirmed"

    def target(self, isp):
        return isp.held_run

    def expected(self, isp):
        # Nobody is overdue today (the first bills fall due today, with 3 grace days).
        return {"status": "confirmed", "confirmed_by": isp.ga, "suspended": 0}

    def after_write(self, isp, obj, response):
        assert response.json()["status"] == "confirmed"
        assert obj.confirmed_at is not None


#
# Accounting
#


class _Ledger(_ISPWide, _Bills):
    permission = "accounting.view"


class TestAccountAPIList(_Ledger, APIListContract):
    url_name = "api:account-list"

    def expected_rows(self, isp):
        return Account.objects.filter(tenant=isp.tenant)

    def check_page(self, response, isp):
        by_key = {a["key"]: a for a in response.json()["results"]}
        with in_scope(isp.tenant):
            receivables = queries.receivables_total(isp.tenant)
        assert receivables > Decimal("1200.00")  # two December bills and two first bills
        assert by_key["receivable"]["balance"] == str(receivables)
        assert by_key["receivable"]["debit"] == str(receivables)
        assert by_key["cash"]["balance"] == "0.00"


class TestAccountAPIDetail(_Ledger, APIDetailContract):
    url_name = "api:account-detail"

    def target(self, isp):
        with in_scope(isp.tenant):
            return Account.objects.get(tenant=isp.tenant, key="receivable")

    def expected_data(self, isp):
        with in_scope(isp.tenant):
            receivables = str(queries.receivables_total(isp.tenant))
        return {
            "code": "1200",
            "key": "receivable",
            "type": "asset",
            "is_system": True,
            "balance": receivables,
            "credit": "0.00",
        }


class TestJournalEntryAPIList(_Ledger, APIListContract):
    url_name = "api:journal-entry-list"

    def expected_rows(self, isp):
        return JournalEntry.objects.filter(tenant=isp.tenant)

    def check_page(self, response, isp):
        by_id = {e["id"]: e for e in response.json()["results"]}
        entry = by_id[isp.run_x.journal_entry_id]
        assert (entry["source"], entry["source_id"], entry["total"]) == (
            "bill_run",
            isp.run_x.pk,
            "600.00",
        )
        assert "lines" not in entry


class TestJournalEntryAPIDetail(_Ledger, APIDetailContract):
    url_name = "api:journal-entry-detail"

    def target(self, isp):
        with in_scope(isp.tenant):
            return JournalEntry.objects.get(pk=isp.run_x.journal_entry_id)

    def expected_data(self, isp):
        return {"source": "bill_run", "source_id": isp.run_x.pk, "total": "600.00"}

    def check_page(self, response, isp):
        lines = response.json()["lines"]
        assert response.json()["line_count"] == len(lines)
        debits = sum(Decimal(line["debit"]) for line in lines)
        credits = sum(Decimal(line["credit"]) for line in lines)
        assert debits == credits == Decimal("600.00")
        receivable = [line for line in lines if line["account_code"] == "1200"]
        assert [(r["customer"], r["debit"]) for r in receivable] == [(isp.rahim.pk, "600.00")]


#
# Operator balance
#


class TestOperatorBalanceAPIDetail(APIDetailContract):
    url_name = "api:operator-balance"
    permission = "operators.balance"
    other_subtree_user = "user_y"

    def prepare(self, isp):
        operator_add_balance(
            operator=isp.op_x,
            by=fresh_user(isp.ga),
            amount=Decimal("5000.00"),
            reference="Slip 7",
        )

    def target(self, isp):
        return isp.op_x

    def expected_data(self, isp):
        return {
            "operator": isp.op_x.pk,
            "balance": "5000.00",
            "cached_balance": "5000.00",
            "credit_limit": "0.00",
            "at_credit_limit": False,
        }


class TestOperatorBalanceAPIAdd(_Idempotent, APIActionContract):
    url_name = "api:operator-balance"
    permission = "operators.balance"
    other_subtree_user = "user_y"
    success_status = 201
    audit_action = "operator.balance_added"
    events = ("operator.balance_added",)

    def target(self, isp):
        return isp.op_x

    def api_update_data(self, isp):
        return {"amount": "2500.50", "reference": "Bank slip 42"}

    def expected(self, isp):
        return {"balance": Decimal("2500.50")}

    def after_write(self, isp, obj, response):
        data = response.json()
        assert (data["operator"], data["amount"], data["reference"], data["balance"]) == (
            isp.op_x.pk,
            "2500.50",
            "Bank slip 42",
            "2500.50",
        )
        assert queries.operator_balance(isp.tenant, isp.op_x.pk) == Decimal("2500.50")


def test_customers_of_the_contracts_are_billed(isp):
    """The fixture the contracts share (prepared in the ISP's scope, as `ready` does):
    two customers, four bills, a held run."""
    with in_scope(isp.tenant):
        prepare_bills(isp)
        assert Customer.objects.count() == 2
        assert Bill.objects.count() == 4
        assert BillRun.objects.filter(status="awaiting").count() == 1
