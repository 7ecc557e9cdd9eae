"""Every online-payments page and endpoint under its contract
(netbill.core.testing.contracts): Settings → Payment Gateways (the list, one
provider's settings), Bills & Payments → Verify Payments (the list, one attempt,
Verify, Refund), Customer Payments → Reverse, and /api/v1/payments/ and
/api/v1/gateway-transactions/ with their Reverse and Verify actions.

Attempts and payments belong to the customer's operator: operator Y (user_y) reaches
none of operator X's, and the other ISP none at all. Gateways, Reverse and Refund are
ISP-wide: only users at the ISP's root hold those codes."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from netbill.core.testing.contracts import (
    ActionViewContract,
    APIActionContract,
    APIDetailContract,
    APIListContract,
    DetailViewContract,
    EditViewContract,
    ListViewContract,
    PageContract,
)
from netbill.core.testing.people import fresh_user
from netbill.payments.filters import UNSETTLED_TXN_STATUSES
from netbill.payments.gateway_services import txn_verify
from netbill.payments.gateways import MODULES
from netbill.payments.models import GatewayTransaction, Payment
from netbill.payments.services import payment_receive
from netbill.payments.tests.gateway_page_helpers import gateway_rows, mark_paid

pytestmark = pytest.mark.django_db

ISP_WIDE = "the code is ISP-wide: only users at the ISP's root may hold it"


def prepare_gateways(isp, *, paid=False, settled=False):
    """The Sandbox gateway, X's and Y's customers, an open attempt each and a cash
    payment each (X 100.00, Y 50.00). `paid`: the Sandbox records that X's customer
    paid; `settled`: Verify has credited it."""
    isp.gw = gateway_rows(isp)
    ga = fresh_user(isp.ga)
    isp.cash_x = payment_receive(customer=isp.gw.customer_x, by=ga, amount="100.00")
    isp.cash_y = payment_receive(customer=isp.gw.customer_y, by=ga, amount="50.00")
    if paid or settled:
        mark_paid(isp.gw.txn_x)
    if settled:
        isp.gw.txn_x = txn_verify(isp.gw.txn_x, by=ga)


class InScopeCommit:
    """The permitted write in the ISP's scope: what follows a payment's commit (the
    restore check) runs as after a real request, inside the middleware's scope."""

    def test_with_permission(self, client, isp, request):
        with scope(tenant=isp.tenant.pk):
            super().test_with_permission(client, isp, request)


def _payment_of(obj):
    return Payment._base_manager.get(pk=obj.payment_id)


#
# Settings → Payment Gateways
#


class TestGatewayList(PageContract):
    url_name = "payments:gateway_list"
    permission = "gateways.manage"
    not_applicable = {"other_subtree": ISP_WIDE}

    def prepare(self, isp):
        prepare_gateways(isp)

    def check_page(self, response, isp, user):
        rows = {row["provider"]: row for row in response.context["rows"]}
        assert set(rows) == set(MODULES)
        assert rows["sandbox"]["gateway"] == isp.gw.gateway
        assert 'data-badge="active"' in response.content.decode()


class TestGatewayEdit(EditViewContract):
    url_name = "payments:gateway_edit"
    permission = "gateways.manage"
    not_applicable = {"other_subtree": ISP_WIDE}
    # Each ISP edits its own gateway of that provider: the other ISP's POST changes
    # only the other ISP.
    other_tenant_status = 302
    audit_action = "gateway.configured"
    events = ("gateway.configured",)

    def prepare(self, isp):
        prepare_gateways(isp)

    def target(self, isp):
        return isp.gw.gateway

    def url_kwargs(self, target):
        return {"provider": "sandbox"}

    def form_data(self, isp):
        return {
            "display_name": "Counter pay",
            "is_sandbox": "0",
            "is_active": "on",
            "sort_order": "3",
            "cred_merchant_name": "Alpha shop",
        }

    def expected(self, isp):
        return {
            "display_name": "Counter pay",
            "is_sandbox": False,
            "is_active": True,
            "sort_order": 3,
            "provider": "sandbox",
            "tenant": isp.tenant,
        }

    def success_url(self, isp, obj):
        return reverse("payments:gateway_list")

    def after_write(self, isp, obj, response):
        assert obj.get_credentials() == {"merchant_name": "Alpha shop"}


#
# Bills & Payments → Verify Payments
#


class _Txn:
    permission = "payments.verify"
    other_subtree_user = "user_y"

    def prepare(self, isp):
        prepare_gateways(isp)

    def target(self, isp):
        return isp.gw.txn_x


class TestVerifyPaymentsList(_Txn, ListViewContract):
    url_name = "payments:gateway_txn_list"

    def target(self, isp):
        return None

    def expected_rows(self, isp):
        return GatewayTransaction.objects.filter(
            tenant=isp.tenant, status__in=UNSETTLED_TXN_STATUSES
        )

    def other_subtree_rows(self, isp):
        return self.expected_rows(isp).filter(customer__operator=isp.op_y)

    def check_page(self, response, isp):
        body = response.content.decode()
        assert isp.gw.txn_x.reference in body
        assert reverse("payments:gateway_txn_verify", args=[isp.gw.txn_x.pk]) in body


class TestGatewayTxnDetail(_Txn, DetailViewContract):
    url_name = "payments:gateway_txn"

    def check_page(self, response, isp):
        body = response.content.decode()
        assert 'id="txn-amount">100.00 BDT' in body
        assert "Checkout created." in body


class TestGatewayTxnVerify(InScopeCommit, _Txn, ActionViewContract):
    url_name = "payments:gateway_txn_verify"
    audit_action = "payment.received"
    events = ("payment.received",)

    def prepare(self, isp):
        prepare_gateways(isp, paid=True)

    def expected(self, isp):
        return {"status": "succeeded", "gateway_txn_id": "SBX1", "amount": Decimal("100.00")}

    def audit_object(self, isp, obj):
        return _payment_of(obj)

    def success_url(self, isp, obj):
        return obj.get_absolute_url()

    def after_write(self, isp, obj, response):
        payment = _payment_of(obj)
        assert (payment.amount, payment.method) == (Decimal("100.00"), "gateway")


class TestGatewayTxnRefund(InScopeCommit, _Txn, EditViewContract):
    url_name = "payments:gateway_txn_refund"
    permission = "payments.reverse"
    other_subtree_user = None
    not_applicable = {"other_subtree": ISP_WIDE}
    audit_action = "payment.reversed"
    events = ("payment.reversed",)

    def prepare(self, isp):
        prepare_gateways(isp, settled=True)

    def form_data(self, isp):
        return {"reason": "Paid twice"}

    def expected(self, isp):
        return {"status": "refunded", "refunded_amount": Decimal("100.00")}

    def audit_object(self, isp, obj):
        return _payment_of(obj)

    def success_url(self, isp, obj):
        return obj.get_absolute_url()

    def after_write(self, isp, obj, response):
        payment = _payment_of(obj)
        assert (payment.status, payment.reversal_reason) == ("reversed", "Paid twice")


#
# Customer Payments → Reverse
#


class TestPaymentReverse(InScopeCommit, EditViewContract):
    url_name = "payments:payment_reverse"
    permission = "payments.reverse"
    not_applicable = {"other_subtree": ISP_WIDE}
    audit_action = "payment.reversed"
    events = ("payment.reversed",)

    def prepare(self, isp):
        prepare_gateways(isp)

    def target(self, isp):
        return isp.cash_x

    def form_data(self, isp):
        return {"reason": "Wrong customer"}

    def expected(self, isp):
        return {
            "status": "reversed",
            "reversal_reason": "Wrong customer",
            "reversed_by": isp.ga,
            "amount": Decimal("100.00"),
        }

    def success_url(self, isp, obj):
        return obj.get_absolute_url()


#
# API
#


class _PaymentsAPI:
    permission = "payments.view"
    other_subtree_user = "user_y"

    def prepare(self, isp):
        prepare_gateways(isp)

    def target(self, isp):
        return isp.cash_x


class TestPaymentAPIList(_PaymentsAPI, APIListContract):
    url_name = "api:payment-list"

    def target(self, isp):
        return None

    def expected_rows(self, isp):
        return Payment.objects.filter(tenant=isp.tenant)

    def other_subtree_rows(self, isp):
        return Payment.objects.filter(tenant=isp.tenant, operator=isp.op_y)

    def check_page(self, response, isp):
        by_id = {item["id"]: item for item in response.json()["results"]}
        assert by_id[isp.cash_x.pk]["amount"] == "100.00"


class TestPaymentAPIDetail(_PaymentsAPI, APIDetailContract):
    url_name = "api:payment-detail"

    def expected_data(self, isp):
        return {
            "amount": "100.00",
            "status": "completed",
            "method": "cash",
            "receipt_number": isp.cash_x.receipt_number,
        }


class TestPaymentAPIReverse(InScopeCommit, _PaymentsAPI, APIActionContract):
    url_name = "api:payment-reverse"
    permission = "payments.reverse"
    other_subtree_user = None
    not_applicable = {"other_subtree": ISP_WIDE}
    audit_action = "payment.reversed"
    events = ("payment.reversed",)

    def api_update_data(self, isp):
        return {"reason": "Typo"}

    def expected(self, isp):
        return {"status": "reversed", "reversal_reason": "Typo", "reversed_by": isp.ga}

    def after_write(self, isp, obj, response):
        assert response.json()["status"] == "reversed"


class _TxnAPI(_Txn):
    pass


class TestGatewayTxnAPIList(_TxnAPI, APIListContract):
    url_name = "api:gateway-transaction-list"

    def target(self, isp):
        return None

    def expected_rows(self, isp):
        return GatewayTransaction.objects.filter(tenant=isp.tenant)

    def other_subtree_rows(self, isp):
        return GatewayTransaction.objects.filter(tenant=isp.tenant, customer__operator=isp.op_y)


class TestGatewayTxnAPIDetail(_TxnAPI, APIDetailContract):
    url_name = "api:gateway-transaction-detail"

    def expected_data(self, isp):
        return {"amount": "100.00", "status": "initiated", "reference": isp.gw.txn_x.reference}


class TestGatewayTxnAPIVerify(InScopeCommit, _TxnAPI, APIActionContract):
    url_name = "api:gateway-transaction-verify"
    audit_action = "payment.received"
    events = ("payment.received",)

    def prepare(self, isp):
        prepare_gateways(isp, paid=True)

    def expected(self, isp):
        return {"status": "succeeded", "gateway_txn_id": "SBX1"}

    def audit_object(self, isp, obj):
        return _payment_of(obj)

    def after_write(self, isp, obj, response):
        assert response.json()["payment"] == obj.payment_id
