"""The demo ISP's online payments (seed_demo, issue 7): the Sandbox and two real gateways
in sandbox mode, attempts in every state made through the real services, payment links,
recharge cards, the suspension page's settings, and the books still balanced."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from conftest import in_scope
from netbill.accounting import chart, queries
from netbill.accounting.models import JournalEntry, JournalLine
from netbill.accounts.models import User
from netbill.billing.choices import OPEN_STATUSES
from netbill.billing.models import Bill
from netbill.billing.services import AUTO_SUSPEND_REASON
from netbill.customers.models import Customer
from netbill.demo import payments as demo
from netbill.demo.management.commands import seed_demo
from netbill.payments.cards import distributor_balance
from netbill.payments.gateway_services import customer_due
from netbill.payments.links import link_status
from netbill.payments.models import (
    CardBatch,
    GatewayCallback,
    GatewayCheck,
    GatewayTransaction,
    Payment,
    PaymentGateway,
    PaymentLink,
    RechargeCard,
)
from netbill.portal.auth import login_check
from netbill.portal.models import SuspensionPortalSettings
from netbill.tenancy.models import Tenant

pytestmark = pytest.mark.django_db

D = Decimal


def _seed(out=None) -> Tenant:
    call_command("seed_demo", *([] if out else ["--quiet"]), stdout=out or io.StringIO())
    return Tenant.objects.get(slug=seed_demo.DEMO_SLUG)


def _open_dues(**filters) -> Decimal:
    bills = Bill.objects.filter(status__in=OPEN_STATUSES, **filters)
    return sum((b.total - b.paid_amount for b in bills), D("0.00"))


def test_gateways_attempts_links_cards_and_the_suspension_page():
    tenant = _seed()
    with in_scope(tenant):
        # Settings → Payment Gateways: the Sandbox active; bKash and SSLCommerz set up in
        # sandbox mode, not active.
        gateways = {g.provider: g for g in PaymentGateway.objects.all()}
        assert set(gateways) == {"sandbox", "bkash", "sslcommerz"}
        assert [(g.provider, g.is_active, g.is_sandbox) for g in gateways.values()] == [
            ("sandbox", True, True) if g.provider == "sandbox" else (g.provider, False, True)
            for g in gateways.values()
        ]
        assert gateways["sandbox"].get_credentials() == {
            "merchant_name": demo.DEMO_SANDBOX_MERCHANT
        }
        assert set(gateways["bkash"].get_credentials()) == {
            "username", "password", "app_key", "app_secret"
        }  # fmt: skip
        assert set(gateways["sslcommerz"].get_credentials()) == {"store_id", "store_password"}
        assert "demo" in gateways["bkash"].get_credentials()["password"]

        # Attempts in every state, each by the Sandbox.
        txns = GatewayTransaction.objects.select_related("customer", "payment")
        by_status = {}
        for txn in txns:
            by_status.setdefault(txn.status, []).append(txn.customer.username)
        assert sorted(by_status["succeeded"]) == sorted(demo.DEMO_SANDBOX_PAYERS)
        assert by_status["pending"] == [demo.DEMO_PENDING]
        assert by_status["failed"] == [demo.DEMO_FAILED]
        assert by_status["cancelled"] == [demo.DEMO_CANCELLED]
        assert by_status["held"] == [demo.DEMO_HELD]
        assert set(by_status) == {"succeeded", "pending", "failed", "cancelled", "held"}
        assert {t.provider for t in txns} == {"sandbox"}
        for txn in txns:
            # Each came back through a signed return, taken and logged.
            assert GatewayCallback.objects.filter(txn=txn, accepted=True).count() == 1
            assert GatewayCheck.objects.filter(txn=txn, trigger="start").count() == 1
            if txn.status == "succeeded":
                payment = txn.payment
                assert (payment.method, payment.amount) == ("gateway", txn.amount)
                assert payment.received_by_id is None
                assert payment.idempotency_key == f"gw:{txn.reference}"
                assert payment.journal_entry_id is not None
                assert txn.gateway_txn_id.startswith("SBX")
            else:
                assert txn.payment_id is None
        held = txns.get(status="held")
        assert "expected" in held.detail
        assert not Payment.objects.filter(customer=held.customer, method="gateway").exists()
        # Who paid online owes nothing now.
        for username in demo.DEMO_SANDBOX_PAYERS:
            assert _open_dues(customer__username=username) == 0, username

        # Payment links to the suspended customers who owe.
        links = PaymentLink.objects.select_related("customer").order_by("customer__username")
        assert [link.customer.username for link in links] == sorted(demo.DEMO_LINKS)
        for link in links:
            assert link_status(link) == "sent"
            assert link.amount == customer_due(link.customer) > 0
            assert link.customer.status == "suspended"
            assert len(link.token) >= 32

        # Recharge cards: ten bought by the card distributor from its balance, twenty
        # kept at the counter, one of which a customer redeemed.
        batches = {b.prefix: b for b in CardBatch.objects.select_related("distributor")}
        assert set(batches) == {"B500", "C500"}
        sold = batches["B500"]
        assert (sold.distributor.username, sold.count, sold.value) == ("cards", 10, D("500.00"))
        assert sold.journal_entry_id is not None
        assert distributor_balance(User.objects.get(username="cards")) == 0
        counter = batches["C500"]
        assert (counter.distributor_id, counter.journal_entry_id) == (None, None)
        assert counter.operator.parent_id is None
        assert RechargeCard.objects.filter(batch=sold).count() == 10
        assert RechargeCard.objects.filter(batch=counter).count() == 20
        redeemed = RechargeCard.objects.select_related("payment").get(status="redeemed")
        assert redeemed.batch_id == counter.pk
        assert redeemed.redeemed_customer.username == demo.DEMO_CARD_REDEEMER
        assert (redeemed.payment.method, redeemed.payment.amount) == ("card", D("500.00"))
        assert RechargeCard.objects.filter(status="active").count() == 29

        # What a suspended customer sees.
        page = SuspensionPortalSettings.objects.get()
        assert page.title and page.show_pay_button
        assert "suspended" in page.message and "বিল" in page.message
        assert page.contact_phone.startswith("+8801")


def test_a_suspended_customer_owes_and_the_books_balance():
    tenant = _seed()
    with in_scope(tenant):
        suspended = Customer.objects.get(username=demo.DEMO_PORTAL_SUSPENDED)
        assert (suspended.status, suspended.status_reason) == ("suspended", AUTO_SUSPEND_REASON)
        assert customer_due(suspended) > 0
        # The books: balanced; receivables are the open dues; each customer's advance
        # agrees with the ledger; the Sandbox's clearing account holds what it took.
        assert queries.trial_balance_difference(tenant) == 0
        assert queries.receivables_total(tenant) == _open_dues()
        for customer in Customer.objects.all():
            assert queries.customer_receivable(tenant, customer.pk) == _open_dues(
                customer=customer
            ), customer.username
            assert queries.customer_advance(tenant, customer.pk) == customer.advance_balance
        online = Payment.objects.filter(method="gateway").aggregate(s=Sum("amount"))["s"]
        assert online > 0
        lines = JournalLine.objects.filter(account__key=chart.gateway_key("sandbox"))
        sums = lines.aggregate(d=Sum("debit"), c=Sum("credit"))
        assert sums["d"] - (sums["c"] or 0) == online
        # One payment entry per online payment.
        for payment in Payment.objects.filter(method="gateway"):
            assert JournalEntry.objects.filter(source="payment", source_id=payment.pk).count() == 1


def test_the_summary_says_how_to_open_the_portal_and_a_second_seed_adds_nothing():
    out = io.StringIO()
    tenant = _seed(out)
    text = out.getvalue()
    assert f"/portal/{seed_demo.DEMO_SLUG}/login/" in text
    for username in (demo.DEMO_PORTAL_CUSTOMER, demo.DEMO_PORTAL_SUSPENDED):
        password = seed_demo.demo_customer_password(username)
        assert f"{username} / {password}" in text
        # The printed password opens the portal.
        with in_scope(tenant):
            customer = login_check(tenant=tenant, username=username, password=password, ip=None)
        assert customer.username == username

    def counts():
        with in_scope(tenant):
            return [
                m.objects.count()
                for m in (
                    PaymentGateway,
                    GatewayTransaction,
                    GatewayCallback,
                    PaymentLink,
                    CardBatch,
                    RechargeCard,
                    SuspensionPortalSettings,
                    Payment,
                )
            ]

    before = counts()
    _seed()
    assert counts() == before
