"""Customer Payments → Reverse, end to end: the reversing entry mirrors the payment's,
its bills go back to unpaid or partly paid, a recharge card it used is active again,
the payment shows Reversed with who, when and why; an advance already spent refuses
the reversal and nothing changes; only the ISP's root may reverse."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse

from conftest import in_scope
from netbill.accounting.models import JournalEntry
from netbill.billing.models import Bill
from netbill.billing.runs import bill_run_execute
from netbill.billing.tests.helpers import billed_customer
from netbill.core.models import AuditLog
from netbill.core.testing.people import fresh_user
from netbill.core.testing.state import capture_events, nothing_changes
from netbill.customers.models import Customer
from netbill.payments.models import CardBatch, Payment, RechargeCard
from netbill.payments.services import payment_receive

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def customer(isp):
    with in_scope(isp.tenant):
        customer, _run = billed_customer(isp)
    return customer


def bills_of(customer):
    return list(Bill.objects.filter(customer=customer).order_by("due_date", "period_start", "pk"))


def pay(isp, customer, amount, **kwargs):
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        return payment_receive(customer=customer, by=fresh_user(isp.ga), amount=amount, **kwargs)


def reverse_url(payment):
    return reverse("payments:payment_reverse", args=[payment.pk])


def post_reverse(client, isp, payment, reason="Wrong customer"):
    with in_scope(isp.tenant), capture_events(["payment.reversed"]) as seen:
        response = client.post(reverse_url(payment), {"reason": reason})
    return response, seen


def lines_of(entry):
    return sorted(
        (line.account.key, line.debit, line.credit, line.customer_id, line.operator_id)
        for line in entry.lines.select_related("account")
    )


def test_reverse_posts_the_mirror_entry_and_reopens_the_bills(client, isp, customer):
    with in_scope(isp.tenant):
        bills = bills_of(customer)
    total = sum((b.total for b in bills), D("0"))
    payment = pay(isp, customer, total)
    with in_scope(isp.tenant):
        assert [b.status for b in bills_of(customer)] == ["paid", "paid"]
    client.force_login(isp.ga)
    page = client.get(reverse_url(payment))
    assert page.status_code == 200
    assert bills[0].number in page.content.decode()
    response, seen = post_reverse(client, isp, payment, "  Recorded   on the wrong customer ")
    assert response.status_code == 302
    assert response["Location"] == payment.get_absolute_url()
    assert [name for name, _payload in seen] == ["payment.reversed"]
    with in_scope(isp.tenant):
        payment = Payment.objects.get(pk=payment.pk)
        assert payment.status == "reversed"
        assert payment.reversed_by_id == isp.ga.pk
        assert payment.reversal_reason == "Recorded on the wrong customer"
        original = payment.journal_entry
        mirror = JournalEntry.objects.get(reverses=original)
        assert mirror.source == "payment_reversal" and mirror.source_id == payment.pk
        flipped = sorted((k, c, d, cu, op) for k, d, c, cu, op in lines_of(original))
        assert lines_of(mirror) == flipped
        assert [(b.status, b.paid_amount) for b in bills_of(customer)] == [
            ("unpaid", D("0.00")),
            ("unpaid", D("0.00")),
        ]
        assert AuditLog.objects.filter(action="payment.reversed", object_id=str(payment.pk))
    body = client.get(payment.get_absolute_url()).content.decode()
    assert 'id="payment-reversed-badge"' in body
    assert 'id="payment-reversal-reason">Recorded on the wrong customer' in body
    assert f'id="payment-reversal-entry">#{mirror.pk}' in body
    assert "payment.reversed" in body  # the audit history
    assert 'id="reverse-link"' not in body
    # Twice: refused with the reason on the form, nothing changes.
    with nothing_changes(isp.tenant, what="second reversal"):
        again = client.post(reverse_url(payment), {"reason": "Again"})
    assert again.status_code == 200
    assert "already been reversed" in again.content.decode()


def test_a_bill_completed_by_the_reversed_payment_goes_back_to_partial(client, isp, customer):
    with in_scope(isp.tenant):
        first = bills_of(customer)[0]
    half = (first.total / 2).quantize(D("0.01"))
    assert half > 0
    pay(isp, customer, half)
    second = pay(isp, customer, first.total - half)
    with in_scope(isp.tenant):
        assert bills_of(customer)[0].status == "paid"
    client.force_login(isp.ga)
    response, _seen = post_reverse(client, isp, second)
    assert response.status_code == 302
    with in_scope(isp.tenant):
        bill = bills_of(customer)[0]
        assert (bill.status, bill.paid_amount) == ("partial", half)


def test_reversal_makes_the_recharge_card_active_again(client, isp, customer):
    payment = pay(isp, customer, D("200.00"))
    with in_scope(isp.tenant):
        batch = CardBatch.objects.create(
            tenant=isp.tenant,
            name="Eid",
            prefix="EID",
            value=D("200.00"),
            count=1,
            valid_until=date(2030, 1, 1),
            operator=isp.root,
        )
        card = RechargeCard.objects.create(
            tenant=isp.tenant,
            batch=batch,
            serial="EID-000001",
            pin_hash="0" * 64,
            pin_last4="AB12",
            value=D("200.00"),
            valid_until=date(2030, 1, 1),
            status="redeemed",
            redeemed_customer=customer,
            payment=payment,
        )
    client.force_login(isp.ga)
    body = client.get(payment.get_absolute_url()).content.decode()
    assert 'id="payment-card">EID-000001' in body
    response, _seen = post_reverse(client, isp, payment)
    assert response.status_code == 302
    with in_scope(isp.tenant):
        card = RechargeCard.objects.get(pk=card.pk)
        assert (card.status, card.payment_id, card.redeemed_customer_id) == ("active", None, None)


def test_refused_when_the_advance_was_already_spent(client, isp, customer):
    with in_scope(isp.tenant):
        due = sum((b.total - b.paid_amount for b in bills_of(customer)), D("0"))
    payment = pay(isp, customer, due + D("300.00"))
    with in_scope(isp.tenant):
        assert Customer.objects.get(pk=customer.pk).advance_balance == D("300.00")
        # January's bill takes the advance credit.
        with TestCase.captureOnCommitCallbacks(execute=True):
            bill_run_execute(tenant=isp.tenant, kind="monthly", on=date(2027, 1, 1))
        assert Customer.objects.get(pk=customer.pk).advance_balance < D("300.00")
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant, what="advance already spent"):
        response = client.post(reverse_url(payment), {"reason": "Mistake"})
    assert response.status_code == 200
    assert "already paid later bills" in response.content.decode()
    with in_scope(isp.tenant):
        assert Payment.objects.get(pk=payment.pk).status == "completed"


def test_reason_is_required(client, isp, customer):
    payment = pay(isp, customer, D("100.00"))
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant, what="no reason"):
        response = client.post(reverse_url(payment), {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]


def test_only_the_isp_root_reverses_and_other_isp_gets_404(client, isp, other_isp, customer):
    payment = pay(isp, customer, D("100.00"))
    client.force_login(isp.user_x)
    body = client.get(payment.get_absolute_url()).content.decode()
    assert 'id="reverse-link"' not in body
    with nothing_changes(isp.tenant, what="operator reverses"):
        assert client.post(reverse_url(payment), {"reason": "x"}).status_code == 403
    client.force_login(other_isp.ga)
    with nothing_changes(isp.tenant, other_isp.tenant, what="other ISP reverses"):
        assert client.post(reverse_url(payment), {"reason": "x"}).status_code == 404
        assert client.get(payment.get_absolute_url()).status_code == 404
