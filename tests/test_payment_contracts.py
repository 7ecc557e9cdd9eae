"""Every payments page under its contract (netbill.core.testing.contracts): Receive
Payment, Advance Payment, the payment, its receipt (HTML and PDF), Bills & Payments →
Customer Payments and Manage Bulk Bills (the page, Bulk Bill Paid, Cancel selected).

Payments and bills belong to the customer's operator: operator Y (user_y) reaches none
of operator X's, and the other ISP none at all. Bulk actions naming bills beyond the
user's reach answer with a clear error on the page and post nothing.
"""

from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse
from django_scopes import scope

from netbill.billing.models import Bill
from netbill.billing.tests.helpers import billed_customer
from netbill.core.permissions import restrict
from netbill.core.testing.contracts import (
    DetailViewContract,
    EditViewContract,
    ListViewContract,
    PageContract,
)
from netbill.core.testing.people import fresh_user
from netbill.core.testing.state import nothing_changes
from netbill.customers.tests.helpers import customer_setup
from netbill.payments.models import Allocation, Payment
from netbill.payments.services import payment_receive

pytestmark = pytest.mark.django_db

TOKEN = "5f0c6f5e2b8a4d0f9a61c3e7d2b4a9c1"


def prepare_payments(isp):
    """Per ISP: customers of operator X (one paid 100, one untouched) and of operator Y
    (paid 50), each with its first and December bills."""
    isp.pay_setup_x = customer_setup(isp, pool_subnet="10.70.0.0/22", label="Pay X")
    isp.pay_setup_y = customer_setup(
        isp, operator=isp.op_y, pool_subnet="10.71.0.0/22", label="Pay Y"
    )
    isp.payer_x, _run = billed_customer(isp, isp.pay_setup_x, name="Payer X")
    isp.spare_x, _run = billed_customer(isp, isp.pay_setup_x, name="Spare X")
    isp.payer_y, _run = billed_customer(isp, isp.pay_setup_y, name="Payer Y")
    ga = fresh_user(isp.ga)
    with TestCase.captureOnCommitCallbacks(execute=True):
        isp.payment_x = payment_receive(
            customer=isp.payer_x, by=ga, amount="100.00", reference="Counter cash"
        )
        isp.payment_y = payment_receive(customer=isp.payer_y, by=ga, amount="50.00")
    isp.spare_bill = Bill.objects.filter(customer=isp.spare_x).order_by("pk").first()


class InScopeCommit:
    """The permitted write in the ISP's scope. The services restore a customer who has
    settled its bills on commit; a real request commits inside the middleware's scope,
    the test transaction only when `capture_events` ends, after the request."""

    def test_with_permission(self, client, isp, request):
        with scope(tenant=isp.tenant.pk):
            super().test_with_permission(client, isp, request)


class _Payments:
    permission = "payments.view"
    other_subtree_user = "user_y"

    def prepare(self, isp):
        prepare_payments(isp)

    def target(self, isp):
        return isp.payment_x


#
# Customer Payments, the payment, the receipt
#


class TestPaymentList(_Payments, ListViewContract):
    url_name = "payments:payment_list"

    def target(self, isp):
        return None

    def expected_rows(self, isp):
        return Payment.objects.filter(tenant=isp.tenant)

    def other_subtree_rows(self, isp):
        return Payment.objects.filter(tenant=isp.tenant, operator=isp.op_y)

    def check_page(self, response, isp):
        assert response.context["totals"] == {"count": 2, "amount": Decimal("150.00")}
        body = response.content.decode()
        assert isp.payment_x.receipt_number in body
        assert reverse("payments:payment", args=[isp.payment_x.pk]) in body


class TestPaymentDetail(_Payments, DetailViewContract):
    url_name = "payments:payment"

    def check_page(self, response, isp):
        body = response.content.decode()
        assert 'id="payment-amount">100.00 BDT' in body
        assert "payment.received" in body  # its audit history
        with scope(tenant=isp.tenant.pk):
            bill = Allocation.objects.get(payment=isp.payment_x).bill
        assert bill.number in body


class TestReceipt(_Payments, DetailViewContract):
    url_name = "payments:receipt"

    def check_page(self, response, isp):
        body = response.content.decode()
        assert 'id="receipt-company-name">Alpha Net' in body
        assert f'id="receipt-number">{isp.payment_x.receipt_number}' in body
        assert 'id="receipt-total">100.00 BDT' in body


class TestReceiptPDF(_Payments, DetailViewContract):
    url_name = "payments:receipt_pdf"

    def test_with_permission(self, client, isp, request):
        client.force_login(self.allowed_user(isp, request))
        with nothing_changes(isp.tenant, what="with permission"):
            response = client.get(self.url_for(isp))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert isp.payment_x.receipt_number in response["Content-Disposition"]


#
# Receive Payment and Advance Payment
#


class _Receive(InScopeCommit, EditViewContract):
    permission = "payments.receive"
    other_subtree_user = "user_y"
    audit_action = "payment.received"
    events = ("payment.received",)
    kind = "payment"

    def prepare(self, isp):
        prepare_payments(isp)

    def target(self, isp):
        return isp.spare_x

    def form_data(self, isp):
        return {
            "amount": "250.00",
            "method": "bank",
            "reference": "Slip 42",
            "note": "At the counter",
            "token": TOKEN,
        }

    def written_object(self, isp, target):
        with scope(tenant=isp.tenant.pk):
            return Payment.objects.get(
                customer=target, idempotency_key=f"{self.kind}:{target.pk}:{TOKEN}"
            )

    def expected(self, isp):
        return {
            "customer": isp.spare_x,
            "amount": Decimal("250.00"),
            "method": "bank",
            "kind": self.kind,
            "reference": "Slip 42",
            "note": "At the counter",
        }

    def success_url(self, isp, obj):
        return reverse("payments:receipt", args=[obj.pk])


class TestPaymentReceive(_Receive):
    url_name = "payments:receive"

    def after_write(self, isp, obj, response):
        # The oldest bill was paid first.
        oldest = (
            Bill.objects.filter(customer=isp.spare_x).order_by("due_date", "period_start").first()
        )
        assert Allocation.objects.filter(payment=obj).first().bill == oldest


class TestAdvancePayment(_Receive):
    url_name = "payments:advance"
    kind = "advance"


#
# Manage Bulk Bills
#


class _Bulk:
    other_subtree_user = "user_y"

    def prepare(self, isp):
        prepare_payments(isp)

    def target(self, isp):
        return isp.spare_bill

    def url_kwargs(self, target):
        return {}


class TestBulkBillsPage(_Bulk, PageContract):
    """Each user lists the open bills of its own reach, with the actions it may take."""

    url_name = "payments:bulk_bills"
    permission = "bills.view"

    def target(self, isp):
        return None

    def check_page(self, response, isp, user):
        reach = restrict(Bill.objects.filter(status__in=("unpaid", "partial")), user, "bills.view")
        wanted = set(reach.values_list("pk", flat=True))
        assert wanted
        assert {b.pk for b in response.context["page_obj"]} == wanted
        body = response.content.decode()
        assert 'name="token"' in body


class _BulkAction(InScopeCommit, _Bulk, EditViewContract):
    """A POST naming the ticked bills. Another subtree's or ISP's user naming ours gets
    the page again with the error, and nothing is posted anywhere."""

    methods = ("post",)
    refusal = "Some of the selected bills are outside your reach."

    def success_url(self, isp, obj):
        return reverse("payments:bulk_bills")

    def refused_with_error(self, client, user, isp, tenants, what):
        client.force_login(user)
        url = self.url_for(isp)
        with nothing_changes(*tenants, what=what):
            response = client.post(url, self.form_data(isp))
        assert response.status_code == 200, what
        assert self.refusal in response.content.decode(), what

    def test_other_subtree(self, client, isp, request):
        user = self.outsider(isp, request)
        self.refused_with_error(client, user, isp, [isp.tenant], "other subtree")

    def test_other_tenant(self, client, isp, request):
        other_isp, user = self.stranger(isp, request)
        self.refused_with_error(client, user, isp, [isp.tenant, other_isp.tenant], "other tenant")


class TestBulkBillPaid(_BulkAction):
    url_name = "payments:bulk_bills"
    permission = "payments.receive"
    audit_action = "payment.received"
    events = ("payment.received",)

    def form_data(self, isp):
        return {"action": "pay", "ids": [str(self.target(isp).pk)], "token": TOKEN}

    def expected(self, isp):
        return {"status": "paid"}

    def audit_object(self, isp, obj):
        with scope(tenant=isp.tenant.pk):
            return Allocation.objects.get(bill=obj).payment


class TestBulkBillCancel(_BulkAction):
    url_name = "payments:bulk_bills"
    permission = "bills.edit"
    audit_action = "bill.cancelled"
    events = ("bill.cancelled",)

    def form_data(self, isp):
        return {"action": "cancel", "ids": [str(self.target(isp).pk)], "reason": "Duplicate"}

    def expected(self, isp):
        return {"status": "cancelled", "cancel_reason": "Duplicate"}
