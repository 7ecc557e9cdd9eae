"""Bills & Payments → Manage Bulk Bills: the filters, Bulk Bill Paid (N bills → N
payments with balanced entries; a double click records nothing more), Cancel selected
(one reversal per bill, all or nothing), and selections beyond the user's reach."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import in_scope
from netbill.accounting import queries
from netbill.accounting.models import JournalEntry
from netbill.billing.models import Bill
from netbill.billing.tests.helpers import billed_customer
from netbill.core.exceptions import BusinessRuleError, OutOfReach
from netbill.core.testing.people import fresh_user, set_codes
from netbill.core.testing.state import nothing_changes
from netbill.customers.tests.helpers import customer_setup
from netbill.payments.bulk import bills_bulk_cancel
from netbill.payments.models import Allocation, Payment
from netbill.tenancy.tests.helpers import make_zone

pytestmark = pytest.mark.django_db

D = Decimal
URL = "payments:bulk_bills"


def _billed(isp, *args, **kwargs):
    with in_scope(isp.tenant):
        return billed_customer(isp, *args, **kwargs)[0]


@pytest.fixture
def books(isp):
    """Two customers of operator X (one in zone North) and one of operator Y, each with
    its first bill and its December bill."""
    isp.north = make_zone(by=isp.ga, name="North")
    setup_x = customer_setup(isp, label="Bulk X")
    setup_y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.64.0.0/22", label="Bulk Y")
    isp.cx1 = _billed(isp, setup_x, zone=isp.north)
    isp.cx2 = _billed(isp, setup_x)
    isp.cy = _billed(isp, setup_y)
    isp.setup_x, isp.setup_y = setup_x, setup_y
    return isp


def _bills(**lookup):
    return list(Bill.objects.filter(**lookup).order_by("pk"))


def _listed(response):
    return {bill.pk for bill in response.context["page_obj"]}


def _pay(client, ids, token=None, reference="", query=""):
    return client.post(
        reverse(URL) + query,
        {
            "action": "pay",
            "ids": [str(pk) for pk in ids],
            "token": token or uuid.uuid4().hex,
            "reference": reference,
        },
    )


def _cancel(client, ids, reason="Billed twice by mistake"):
    return client.post(
        reverse(URL), {"action": "cancel", "ids": [str(pk) for pk in ids], "reason": reason}
    )


#
# The page and its filters
#


def test_open_bills_by_default_and_filters(client, books):
    isp = books
    client.force_login(isp.ga)
    with in_scope(isp.tenant):
        every = {b.pk for b in _bills(tenant=isp.tenant)}
        paid = _bills(customer=isp.cx2)[0]
        Bill.objects.filter(pk=paid.pk).update(status="paid", paid_amount=paid.total)
        december = {b.pk for b in _bills(period_start=date(2026, 12, 1))}
        assert len(december) == 3
    response = client.get(reverse(URL))
    assert response.status_code == 200
    assert _listed(response) == every - {paid.pk}
    assert response.context["totals"]["count"] == len(every) - 1
    body = response.content.decode()
    assert 'id="bulk-select-all"' in body
    assert 'name="token"' in body and 'value="pay"' in body and 'value="cancel"' in body
    # The paid bill has no checkbox even when listed.
    assert _listed(client.get(reverse(URL) + "?status=paid")) == {paid.pk}
    assert (
        f'id="bulk-id-{paid.pk}"' not in client.get(reverse(URL) + "?status=paid").content.decode()
    )
    assert _listed(client.get(reverse(URL) + "?status=")) == every
    with in_scope(isp.tenant):
        y_bills = {b.pk for b in _bills(operator=isp.op_y)}
        north = {b.pk for b in _bills(customer=isp.cx1)}
    assert _listed(client.get(reverse(URL) + f"?operator={isp.op_y.pk}")) == y_bills
    assert _listed(client.get(reverse(URL) + f"?zone={isp.north.pk}")) == north
    assert (
        _listed(client.get(reverse(URL) + f"?billing_profile={isp.setup_y.billing.pk}")) == y_bills
    )
    assert _listed(client.get(reverse(URL) + "?period=2026-12&status=")) == december
    bad = client.get(reverse(URL) + "?period=December")
    assert bad.status_code == 200
    assert "Enter a month" in bad.content.decode()
    assert _listed(bad) == set()


def test_operator_sees_only_its_bills_and_no_foreign_choices(client, books):
    isp = books
    client.force_login(isp.user_y)
    response = client.get(reverse(URL))
    with in_scope(isp.tenant):
        assert _listed(response) == {b.pk for b in _bills(operator=isp.op_y)}
    form = response.context["filter"].form
    assert {o.pk for o in form.fields["operator"].queryset} == {isp.op_y.pk}
    assert isp.setup_x.billing.pk not in {p.pk for p in form.fields["billing_profile"].queryset}


def test_actions_are_offered_by_permission(client, books):
    isp = books
    viewer = set_codes(fresh_user(isp.ga), revoke=["payments.receive", "bills.edit"])
    client.force_login(viewer)
    response = client.get(reverse(URL))
    assert response.status_code == 200
    assert response.context["pay_form"] is None and response.context["cancel_form"] is None
    assert 'value="pay"' not in response.content.decode()
    with in_scope(isp.tenant):
        bill = _bills(customer=isp.cx1)[0]
    with nothing_changes(isp.tenant, what="pay without payments.receive"):
        assert _pay(client, [bill.pk]).status_code == 403
    with nothing_changes(isp.tenant, what="cancel without bills.edit"):
        assert _cancel(client, [bill.pk]).status_code == 403


#
# Bulk Bill Paid
#


def test_bulk_pay_posts_one_payment_per_bill_balanced(client, books):
    isp = books
    with in_scope(isp.tenant):
        bills = _bills(operator=isp.op_x)
        assert len(bills) == 4
        due = sum(b.total - b.paid_amount for b in bills)
        entries_before = JournalEntry.objects.count()
    client.force_login(isp.ga)
    query = f"?operator={isp.op_x.pk}"
    response = _pay(client, [b.pk for b in bills], reference="Day close 5 May", query=query)
    assert response.status_code == 302
    assert response["Location"] == reverse(URL) + query
    with in_scope(isp.tenant):
        payments = list(Payment.objects.all())
        assert len(payments) == 4
        assert sum(p.amount for p in payments) == due
        assert {p.reference for p in payments} == {"Day close 5 May"}
        assert {p.method for p in payments} == {"cash"}
        assert {a.bill_id for a in Allocation.objects.all()} == {b.pk for b in bills}
        assert all(p.advance_amount == 0 for p in payments)
        assert not Bill.objects.filter(operator=isp.op_x).exclude(status="paid").exists()
        assert Bill.objects.filter(operator=isp.op_y, status="unpaid").count() == 2
        assert JournalEntry.objects.count() == entries_before + 4
        assert queries.trial_balance_difference(isp.tenant) == 0
        assert queries.customer_receivable(isp.tenant, isp.cx1.pk) == 0
    page = client.get(response["Location"])
    assert "4 bills marked paid" in page.content.decode()
    assert _listed(page) == set()  # nothing of X is open any more


def test_bulk_pay_double_click_records_nothing_more(client, books):
    isp = books
    with in_scope(isp.tenant):
        ids = [b.pk for b in _bills(customer=isp.cx1)]
    client.force_login(isp.ga)
    token = uuid.uuid4().hex
    first = _pay(client, ids, token=token)
    with in_scope(isp.tenant):
        state = (Payment.objects.count(), JournalEntry.objects.count())
        assert state[0] == 2
    with nothing_changes(isp.tenant, what="the second click"):
        second = _pay(client, ids, token=token)
    assert first.status_code == second.status_code == 302
    message = client.get(second["Location"]).content.decode()
    assert "already recorded: 2 bills paid" in message
    assert "Nothing more was recorded" in message


def test_bulk_pay_refuses_a_selection_with_a_closed_bill(client, books):
    isp = books
    with in_scope(isp.tenant):
        first, second = _bills(customer=isp.cx1)
        bills_bulk_cancel(by=fresh_user(isp.ga), bill_ids=[first.pk], reason="Duplicate")
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant, what="a cancelled bill among the ticked"):
        response = _pay(client, [first.pk, second.pk])
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="bulk-pay-errors"' in body
    assert f"paid or cancelled: {first.number}" in body
    # The ticks are kept for a second try.
    assert f'id="bulk-id-{second.pk}" aria-label="{second.number}" checked' in body


def test_bulk_pay_without_selection_or_token(client, books):
    isp = books
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant, what="nothing ticked"):
        response = _pay(client, [])
    assert "Select at least one bill." in response.content.decode()
    with in_scope(isp.tenant):
        bill = _bills(customer=isp.cx1)[0]
    with nothing_changes(isp.tenant, what="no token"):
        response = client.post(reverse(URL), {"action": "pay", "ids": [bill.pk], "token": ""})
    assert response.status_code == 200
    assert "expired" in response.content.decode()
    with nothing_changes(isp.tenant, what="a non-number id"):
        response = _pay(client, ["x"])
    assert response.status_code == 200
    assert response.context["pay_form"].errors


def test_bulk_pay_out_of_reach_ids_post_nothing(client, books, other_isp):
    isp = books
    beta = _billed(other_isp)
    with in_scope(isp.tenant):
        x_bill = _bills(customer=isp.cx1)[0]
        y_bill = _bills(customer=isp.cy)[0]
    with in_scope(other_isp.tenant):
        beta_bill = _bills(customer=beta)[0]
    client.force_login(isp.user_y)
    for ids, what in (
        ([y_bill.pk, x_bill.pk], "operator X's bill among Y's"),
        ([y_bill.pk, beta_bill.pk], "the other ISP's bill"),
        ([y_bill.pk, 999_999], "a bill that does not exist"),
    ):
        with nothing_changes(isp.tenant, other_isp.tenant, what=what):
            response = _pay(client, ids)
        assert response.status_code == 200, what
        assert "outside your reach" in response.content.decode(), what
    # And the service refuses the same on its own.
    from netbill.payments.services import bills_bulk_pay

    with in_scope(isp.tenant), pytest.raises(OutOfReach):
        bills_bulk_pay(by=fresh_user(isp.user_y), bill_ids=[x_bill.pk], idempotency_key="k")


#
# Cancel selected
#


def test_bulk_cancel_reverses_each_bill(client, books):
    isp = books
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        first, second = _bills(customer=isp.cx1)
        # Part of the December bill is paid: it becomes the customer's advance.
        from netbill.payments.services import payment_receive

        payment_receive(customer=isp.cx1, by=ga, amount=first.total + D("50"))
        entries_before = JournalEntry.objects.count()
    client.force_login(isp.ga)
    with in_scope(isp.tenant):
        second.refresh_from_db()
        assert second.status == "partial"
    response = _cancel(client, [second.pk, *(b.pk for b in _bills_of(isp, isp.cx2))])
    assert response.status_code == 302
    with in_scope(isp.tenant):
        assert Bill.objects.get(pk=second.pk).status == "cancelled"
        assert Bill.objects.get(pk=first.pk).status == "paid"
        assert not Bill.objects.filter(customer=isp.cx2).exclude(status="cancelled").exists()
        assert JournalEntry.objects.count() == entries_before + 3
        assert queries.trial_balance_difference(isp.tenant) == 0
        assert queries.customer_receivable(isp.tenant, isp.cx1.pk) == 0
        assert queries.customer_advance(isp.tenant, isp.cx1.pk) == D("50.00")
        assert queries.customer_receivable(isp.tenant, isp.cx2.pk) == 0
        assert Bill.objects.get(pk=second.pk).cancel_reason == "Billed twice by mistake"
    assert "3 bills cancelled" in client.get(response["Location"]).content.decode()


def _bills_of(isp, customer):
    with in_scope(isp.tenant):
        return _bills(customer=customer)


def test_bulk_cancel_is_all_or_nothing(client, books):
    isp = books
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        first, second = _bills(customer=isp.cx1)
        from netbill.payments.services import payment_receive

        payment_receive(customer=isp.cx1, by=ga, amount=first.total)
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant, what="a paid bill among the ticked"):
        response = _cancel(client, [first.pk, second.pk])
    assert response.status_code == 200
    assert f"paid or cancelled: {first.number}" in response.content.decode()
    with nothing_changes(isp.tenant, what="no reason"):
        response = _cancel(client, [second.pk], reason="  ")
    assert "Give a reason" in response.content.decode()
    # A double click: the second finds the bill cancelled and posts nothing.
    assert _cancel(client, [second.pk]).status_code == 302
    with nothing_changes(isp.tenant, what="the second click"):
        again = _cancel(client, [second.pk])
    assert "paid or cancelled" in again.content.decode()


def test_bulk_cancel_out_of_reach(client, books, other_isp):
    isp = books
    beta = _billed(other_isp)
    with in_scope(isp.tenant):
        x_bill = _bills(customer=isp.cx1)[0]
        y_bill = _bills(customer=isp.cy)[0]
    with in_scope(other_isp.tenant):
        beta_bill = _bills(customer=beta)[0]
    client.force_login(isp.user_y)
    for ids in ([y_bill.pk, x_bill.pk], [y_bill.pk, beta_bill.pk]):
        with nothing_changes(isp.tenant, other_isp.tenant, what=str(ids)):
            response = _cancel(client, ids)
        assert response.status_code == 200
        assert "outside your reach" in response.content.decode()
    with in_scope(isp.tenant):
        with pytest.raises(OutOfReach):
            bills_bulk_cancel(by=fresh_user(isp.user_y), bill_ids=[x_bill.pk], reason="r")
        with pytest.raises(BusinessRuleError):
            bills_bulk_cancel(by=fresh_user(isp.user_y), bill_ids=[], reason="r")
        with pytest.raises(BusinessRuleError):
            bills_bulk_cancel(
                by=set_codes(fresh_user(isp.user_y), revoke=["bills.edit"]),
                bill_ids=[y_bill.pk],
                reason="r",
            )
