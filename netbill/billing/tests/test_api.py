"""The billing, payments and accounting API beyond the contracts: Bulk Bill Paid's
idempotency and refusals, cancelling, starting and previewing runs, the circuit
breaker's confirmation, operators' balances, money as strings, filters and the schema.

Every refusal is checked for what it must not do: no payment, no journal entry, no
deposit, the bill unchanged."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse

from conftest import in_scope
from netbill.accounting import queries
from netbill.accounting.models import Account, JournalEntry
from netbill.accounting.services import local_today
from netbill.billing.models import Bill, BillRun
from netbill.billing.tests.helpers import billed_customer
from netbill.core.testing.people import fresh_user, set_codes
from netbill.customers.models import Customer
from netbill.customers.tests.helpers import customer_setup
from netbill.payments.models import OperatorDeposit, Payment

pytestmark = pytest.mark.django_db

BILLS = reverse("api:bill-list")
BULK_PAY = reverse("api:bill-bulk-pay")
RUNS = reverse("api:bill-run-list")
PREVIEW = reverse("api:bill-run-preview")
D = Decimal


def post(client, url, data, key=None):
    headers = {"Idempotency-Key": key} if key else None
    return client.post(url, data, content_type="application/json", headers=headers)


def balance_url(operator):
    return reverse("api:operator-balance", args=[operator.pk])


@pytest.fixture
def billed(isp):
    """Rahim (operator X) and Karim (operator Y): a first bill and the December bill
    (600.00) each."""
    with in_scope(isp.tenant):
        setup_x = customer_setup(isp, pool_subnet="10.62.0.0/24", label="Home")
        setup_y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.63.0.0/24", label="Y")
        isp.rahim, isp.run_x = billed_customer(isp, setup_x, name="Rahim", username="rahim")
        isp.karim, isp.run_y = billed_customer(isp, setup_y, name="Karim", username="karim")
        isp.rahim_bills = list(Bill.objects.filter(customer=isp.rahim).order_by("period_start"))
        isp.karim_bills = list(Bill.objects.filter(customer=isp.karim).order_by("period_start"))
    assert [b.kind for b in isp.rahim_bills] == ["first", "monthly"]
    return isp


def ledger(isp):
    """What a refusal must leave alone."""
    with in_scope(isp.tenant):
        return (
            Payment.objects.count(),
            JournalEntry.objects.count(),
            OperatorDeposit.objects.count(),
            sorted(Bill.objects.values_list("pk", "status", "paid_amount")),
        )


#
# Bulk Bill Paid
#


def test_bulk_pay_is_idempotent_on_replay(client, billed):
    isp = billed
    ids = [b.pk for b in isp.rahim_bills]
    client.force_login(isp.ga)
    with in_scope(isp.tenant):
        due = sum((b.due for b in isp.rahim_bills), D("0"))
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        first = post(client, BULK_PAY, {"bills": ids, "reference": "Counter"}, key="k-1")
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["paid"], body["amount"], body["bills"]) == (2, str(due), sorted(ids))
    assert len(body["payments"]) == 2
    recorded = ledger(isp)

    again = post(client, BULK_PAY, {"bills": ids, "reference": "Counter"}, key="k-1")
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == body
    assert ledger(isp) == recorded  # nothing recorded twice

    with in_scope(isp.tenant):
        assert {b.status for b in Bill.objects.filter(pk__in=ids)} == {"paid"}
        assert queries.customer_receivable(isp.tenant, isp.rahim.pk) == 0
        assert queries.trial_balance_difference(isp.tenant) == 0
        payments = Payment.objects.filter(pk__in=body["payments"])
        assert sorted(p.amount for p in payments) == sorted(b.total for b in isp.rahim_bills)


def test_the_same_key_for_other_bills_is_refused(client, billed):
    isp = billed
    client.force_login(isp.ga)
    with in_scope(isp.tenant):
        assert (
            post(client, BULK_PAY, {"bills": [isp.rahim_bills[1].pk]}, key="k-2").status_code == 201
        )
    before = ledger(isp)
    response = post(client, BULK_PAY, {"bills": [isp.karim_bills[1].pk]}, key="k-2")
    assert response.status_code == 400
    assert "idempotency_key" in response.json()
    assert ledger(isp) == before


def test_a_key_is_per_user(client, billed):
    """Another user's identical key is a new request, not a replay of theirs."""
    isp = billed
    client.force_login(isp.ga)
    with in_scope(isp.tenant):
        assert (
            post(client, BULK_PAY, {"bills": [isp.rahim_bills[1].pk]}, key="same").status_code
            == 201
        )
    client.force_login(isp.user_y)
    with in_scope(isp.tenant):
        response = post(client, BULK_PAY, {"bills": [isp.karim_bills[1].pk]}, key="same")
    assert response.status_code == 201
    with in_scope(isp.tenant):
        assert Bill.objects.get(pk=isp.karim_bills[1].pk).status == "paid"


@pytest.mark.parametrize(
    ("key", "data"),
    [
        (None, "ok"),  # the header is required
        ("has space", "ok"),
        ("x" * 61, "ok"),
        ("k", {"bills": []}),
        ("k", {"bills": ["one"]}),
        ("k", {}),
    ],
)
def test_bulk_pay_bad_input_is_a_400(client, billed, key, data):
    isp = billed
    if data == "ok":
        data = {"bills": [isp.rahim_bills[1].pk]}
    client.force_login(isp.ga)
    before = ledger(isp)
    response = post(client, BULK_PAY, data, key=key)
    assert response.status_code == 400, response.content
    assert ledger(isp) == before


def test_bulk_pay_refuses_a_cancelled_bill_and_pays_none(client, billed):
    isp = billed
    client.force_login(isp.ga)
    cancelled = isp.karim_bills[1]
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        url = reverse("api:bill-cancel", args=[cancelled.pk])
        assert post(client, url, {"reason": "Wrong package"}).status_code == 200
    before = ledger(isp)
    with in_scope(isp.tenant):
        response = post(
            client, BULK_PAY, {"bills": [isp.rahim_bills[1].pk, cancelled.pk]}, key="k-3"
        )
    assert response.status_code == 400
    assert "cancelled" in str(response.json())
    assert ledger(isp) == before


def test_bulk_pay_beyond_reach_is_a_404_and_pays_none(client, billed):
    """Operator X selects its own bill and one of operator Y's: nothing is paid."""
    isp = billed
    client.force_login(isp.user_x)
    before = ledger(isp)
    with in_scope(isp.tenant):
        response = post(
            client, BULK_PAY, {"bills": [isp.rahim_bills[1].pk, isp.karim_bills[1].pk]}, key="k"
        )
    assert response.status_code == 404
    assert ledger(isp) == before
    # A bill id that does not exist at all answers the same.
    response = post(client, BULK_PAY, {"bills": [10**9]}, key="k")
    assert response.status_code == 404
    assert ledger(isp) == before


def test_bulk_pay_by_an_operator_is_posted_to_its_deposit(client, billed):
    """Cash an operator's user collects stays with the operator (its deposit)."""
    isp = billed
    client.force_login(isp.user_x)
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        response = post(client, BULK_PAY, {"bills": [isp.rahim_bills[1].pk]}, key="op-1")
    assert response.status_code == 201, response.content
    with in_scope(isp.tenant):
        payment = Payment.objects.get(pk=response.json()["payments"][0])
        assert payment.collector_id == isp.op_x.pk
        # -600 collected + 200 commission on the paid bill.
        assert queries.operator_balance(isp.tenant, isp.op_x.pk) == D("-400.00")


#
# Cancel
#


def test_cancel_needs_a_reason_and_refuses_a_paid_bill(client, billed):
    isp = billed
    client.force_login(isp.ga)
    bill = isp.rahim_bills[1]
    url = reverse("api:bill-cancel", args=[bill.pk])
    before = ledger(isp)
    assert post(client, url, {}).status_code == 400
    assert post(client, url, {"reason": "   "}).status_code == 400
    assert ledger(isp) == before
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        assert post(client, BULK_PAY, {"bills": [bill.pk]}, key="pay").status_code == 201
    before = ledger(isp)
    response = post(client, url, {"reason": "Too late"})
    assert response.status_code == 400
    assert "paid" in response.json()["non_field_errors"][0]
    assert ledger(isp) == before


def test_a_bill_is_never_a_float(client, billed):
    client.force_login(billed.ga)
    with in_scope(billed.tenant):
        response = client.get(BILLS)
    for bill in response.json()["results"]:
        for name in ("price", "discount", "vat_amount", "total", "paid_amount", "due"):
            assert isinstance(bill[name], str) and bill[name].count(".") == 1, (name, bill)


#
# Filters
#


def test_bill_filters(client, billed):
    isp = billed
    client.force_login(isp.ga)

    def ids(query):
        response = client.get(f"{BILLS}?{query}")
        assert response.status_code == 200, response.content
        return {b["id"] for b in response.json()["results"]}

    rahim = {b.pk for b in isp.rahim_bills}
    karim = {b.pk for b in isp.karim_bills}
    december = {isp.rahim_bills[1].pk, isp.karim_bills[1].pk}
    with in_scope(isp.tenant):
        assert ids(f"operator={isp.op_x.pk}") == rahim
        assert ids(f"customer={isp.karim.pk}") == karim
        assert ids("kind=monthly") == december
        assert ids("period_start_after=2026-12-01&period_start_before=2026-12-31") == december
        assert ids(f"bill_run={isp.run_y.pk}") == {isp.karim_bills[1].pk}
        assert ids(f"billing_profile={isp.karim.billing_profile_id}") == karim
        assert ids("search=rahi") == rahim
        assert ids("status=paid") == set()
        assert ids("status=unpaid&open=true") == rahim | karim
        assert client.get(f"{BILLS}?status=frozen").status_code == 400


def test_journal_entry_filters(client, billed):
    isp = billed
    client.force_login(isp.ga)
    url = reverse("api:journal-entry-list")
    with in_scope(isp.tenant):
        runs = {isp.run_x.journal_entry_id, isp.run_y.journal_entry_id}
        response = client.get(f"{url}?source=bill_run&date_after=2026-12-01&date_before=2026-12-01")
        assert {e["id"] for e in response.json()["results"]} == runs
        assert client.get(f"{url}?date_after=2027-01-01").json()["results"] == []


#
# Bill runs: start, preview, the circuit breaker
#


def test_preview_shows_who_would_be_billed_and_writes_nothing(client, billed):
    isp = billed
    client.force_login(isp.ga)
    before = ledger(isp)
    with in_scope(isp.tenant):
        data = client.get(f"{PREVIEW}?kind=monthly&date=2027-01-01").json()
        again = client.get(f"{PREVIEW}?kind=monthly&date=2026-12-01").json()
        runs = BillRun.objects.count()
    assert (data["kind"], data["date"], data["due"], data["amount"]) == (
        "monthly",
        "2027-01-01",
        2,
        "1200.00",
    )
    assert data["blocked_count"] == 0 and data["blocked"] == []
    rows = {r["username"]: r for r in data["rows"]}
    assert rows["rahim"] == {
        "customer": isp.rahim.pk,
        "name": "Rahim",
        "username": "rahim",
        "period_start": "2027-01-01",
        "period_end": "2027-01-31",
        "total": "600.00",
        "from_advance": "0.00",
        "reason": "monthly",
    }
    assert (again["due"], again["amount"], again["rows"]) == (0, "0.00", [])  # billed already
    assert ledger(isp) == before
    assert runs == 2


def test_suspension_preview_names_the_overdue_bill(client, billed):
    isp = billed
    client.force_login(isp.ga)
    with in_scope(isp.tenant):
        # Both first bills fall due today; with 3 grace days they are overdue in a week.
        on = local_today(isp.tenant) + timedelta(days=7)
        data = client.get(f"{PREVIEW}?kind=suspension&date={on.isoformat()}").json()
    assert (data["kind"], data["date"], data["count"], data["base"]) == (
        "suspension",
        on.isoformat(),
        2,
        2,
    )
    assert data["trips"] is True and data["percent"] == "10.00"
    rows = {r["username"]: r for r in data["rows"]}
    first = isp.rahim_bills[0]
    with in_scope(isp.tenant):
        number = first.number
    assert rows["rahim"] == {
        "customer": isp.rahim.pk,
        "name": "Rahim",
        "username": "rahim",
        "status": "active",
        "bill": first.pk,
        "bill_number": number,
        "due_date": first.due_date.isoformat(),
        "due": str(first.total),
    }


@pytest.mark.parametrize(
    "query", ["kind=weekly", "", "kind=monthly&date=2026-02-30", "kind=monthly&date=soon"]
)
def test_preview_bad_input_is_a_400(client, billed, query):
    client.force_login(billed.ga)
    with in_scope(billed.tenant):
        assert client.get(f"{PREVIEW}?{query}").status_code == 400


@pytest.mark.parametrize(
    "data", [{"kind": "weekly"}, {}, {"kind": "monthly", "date": "tomorrow"}, {"kind": "future"}]
)
def test_start_bad_input_is_a_400(client, billed, data):
    isp = billed
    if data.get("kind") == "future":
        with in_scope(isp.tenant):
            data = {"kind": "monthly", "date": (local_today(isp.tenant) + timedelta(1)).isoformat()}
    client.force_login(isp.ga)
    before = ledger(isp)
    with in_scope(isp.tenant):
        runs = BillRun.objects.count()
        response = post(client, RUNS, data)
        assert BillRun.objects.count() == runs
    assert response.status_code == 400, response.content
    assert ledger(isp) == before


def test_a_held_suspension_run_waits_for_confirmation(client, billed):
    """Rahim's first bill is overdue: suspending 1 of 2 customers trips the breaker
    (10 %); the run waits; the Group Admin confirms; Rahim is suspended."""
    isp = billed
    with in_scope(isp.tenant):
        today = local_today(isp.tenant)
        Bill.objects.filter(pk=isp.rahim_bills[0].pk).update(due_date=today - timedelta(days=10))
    client.force_login(isp.ga)
    with in_scope(isp.tenant):
        response = post(client, RUNS, {"kind": "suspension"})
    assert response.status_code == 201, response.content
    run = response.json()
    assert (run["kind"], run["run_date"], run["status"], run["considered"]) == (
        "suspension",
        today.isoformat(),
        "awaiting",
        1,
    )
    with in_scope(isp.tenant):
        assert Customer.objects.get(pk=isp.rahim.pk).status == "active"

    # An operator given bills.runs is still refused: the run is the whole ISP's.
    client.force_login(set_codes(fresh_user(isp.user_x), grant=["bills.runs"]))
    confirm = reverse("api:bill-run-confirm", args=[run["id"]])
    assert post(client, confirm, {}).status_code == 403

    client.force_login(isp.ga)
    with in_scope(isp.tenant):
        response = post(client, confirm, {})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["suspended"]) == ("confirmed", 1)
    with in_scope(isp.tenant):
        assert Customer.objects.get(pk=isp.rahim.pk).status == "suspended"
        assert Customer.objects.get(pk=isp.karim.pk).status == "active"
        # Confirming twice is refused.
        again = post(client, confirm, {})
    assert again.status_code == 400


#
# The ledger and the operators' balances
#


def test_the_ledger_is_refused_below_the_root(client, billed):
    isp = billed
    codes = ["accounting.view", "bills.runs"]
    client.force_login(set_codes(fresh_user(isp.user_x), grant=codes))
    for name in ("api:account-list", "api:journal-entry-list", "api:bill-run-list"):
        response = client.get(reverse(name))
        assert response.status_code == 403, name
    for name in ("api:account-detail", "api:bill-run-detail"):
        with in_scope(isp.tenant):
            model = {"api:account-detail": Account, "api:bill-run-detail": BillRun}[name]
            pk = model.objects.first().pk
        assert client.get(reverse(name, args=[pk])).status_code == 403, name
    assert client.get(f"{PREVIEW}?kind=monthly").status_code == 403
    # The Group Admin is at the root.
    client.force_login(isp.ga)
    assert client.get(reverse("api:account-list")).status_code == 200


def test_operator_balance_add_and_replay(client, billed):
    isp = billed
    url = balance_url(isp.op_x)
    client.force_login(isp.ga)
    data = {"amount": "5000.00", "reference": "Bank slip 9"}
    with in_scope(isp.tenant):
        first = post(client, url, data, key="dep-1")
    assert first.status_code == 201, first.content
    assert first.json()["balance"] == "5000.00"
    before = ledger(isp)
    again = post(client, url, data, key="dep-1")
    assert again.status_code == 200 and again.json() == first.json()
    assert ledger(isp) == before
    # The same key for another amount is refused.
    other = post(client, url, {"amount": "10.00", "reference": "x"}, key="dep-1")
    assert other.status_code == 400
    assert ledger(isp) == before
    with in_scope(isp.tenant):
        shown = client.get(url).json()
    assert shown == {
        "id": isp.op_x.pk,
        "operator": isp.op_x.pk,
        "name": isp.op_x.name,
        "balance": "5000.00",
        "cached_balance": "5000.00",
        "credit_limit": "0.00",
        "at_credit_limit": False,
    }


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "0", "reference": "r"}, "amount"),
        ({"amount": "-5.00", "reference": "r"}, "amount"),
        ({"amount": "1.005", "reference": "r"}, "amount"),
        ({"amount": "lots", "reference": "r"}, "amount"),
        ({"amount": 12.5, "reference": "r"}, "amount"),  # a float
        ({"amount": True, "reference": "r"}, "amount"),
        ({"amount": "100.00", "reference": "  "}, "reference"),
        ({"amount": "100.00"}, "reference"),
    ],
)
def test_add_balance_bad_input_is_a_400(client, billed, data, field):
    isp = billed
    client.force_login(isp.ga)
    before = ledger(isp)
    with in_scope(isp.tenant):
        response = post(client, balance_url(isp.op_x), data, key="bad")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert ledger(isp) == before


def test_add_balance_refusals(client, billed):
    isp = billed
    before = ledger(isp)
    data = {"amount": "100.00", "reference": "r"}
    client.force_login(isp.ga)
    # No key; the Group Admin's own node has no balance.
    assert post(client, balance_url(isp.op_x), data).status_code == 400
    assert client.get(balance_url(isp.root)).status_code == 404
    assert post(client, balance_url(isp.root), data, key="k").status_code == 404
    # An operator cannot add to its own account.
    client.force_login(isp.user_x)
    with in_scope(isp.tenant):
        response = post(client, balance_url(isp.op_x), data, key="k")
    assert response.status_code == 400
    assert "own account" in response.json()["non_field_errors"][0]
    assert ledger(isp) == before


def test_at_credit_limit_is_shown(client, billed):
    isp = billed
    from netbill.accounts.models import Operator

    with in_scope(isp.tenant):
        Operator.objects.filter(pk=isp.op_x.pk).update(
            balance=D("-1000.00"), credit_limit=D("500.00")
        )
    client.force_login(isp.ga)
    data = client.get(balance_url(isp.op_x)).json()
    assert (data["cached_balance"], data["credit_limit"], data["at_credit_limit"]) == (
        "-1000.00",
        "500.00",
        True,
    )
    assert data["balance"] == "0.00"  # the ledger says otherwise: nothing was posted


#
# The schema
#


def test_the_schema_documents_the_billing_endpoints(client):
    response = client.get(reverse("api-schema"))
    assert response.status_code == 200
    schema = response.content.decode()
    for path in (
        "/api/v1/bills/",
        "/api/v1/bills/{id}/",
        "/api/v1/bills/{id}/cancel/",
        "/api/v1/bills/bulk-pay/",
        "/api/v1/bill-runs/",
        "/api/v1/bill-runs/{id}/",
        "/api/v1/bill-runs/preview/",
        "/api/v1/bill-runs/{id}/confirm/",
        "/api/v1/accounts/{id}/",
        "/api/v1/journal-entries/{id}/",
        "/api/v1/operators/{id}/balance/",
        "Idempotency-Key",
    ):
        assert path in schema, path
