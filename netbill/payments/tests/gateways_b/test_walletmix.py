"""WalletMix through the real services: check-server, the token, the redirect to the
bank page, the unsigned `merchant_txn_data` callback (always verified) and
check-payment. HTTP is mocked with respx in the shapes of WalletMix's merchant
plugins [verify]."""

import base64
import json
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from conftest import in_scope
from netbill.payments.gateways import GatewayUnavailable
from netbill.payments.models import GatewayCallback

from .helpers import (
    assert_nothing_credited,
    assert_paid_once,
    fixture,
    make_gateway,
    receive,
    reload,
    start,
    verify,
)

pytestmark = pytest.mark.django_db

HOST = "https://sandbox.walletmix.com"
TOKEN = "5f8a1c2e9b7d4aWMXTOKEN"
CREDS = {
    "wmx_id": "WMX5f1c2a9e3b7d1",
    "username": "alpha_wmx",
    "password": "wmx-pass-1",
    "access_app_key": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "app_name": "alpha.example",
}
AUTHORIZATION = "Basic " + base64.b64encode(b"alpha_wmx:wmx-pass-1").decode()


@pytest.fixture
def gateway(isp):
    return make_gateway(isp, "walletmix", CREDS)


def form_of(request) -> dict:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def started(customer, gateway, router):
    router.get(f"{HOST}/check-server").mock(
        return_value=httpx.Response(200, json=fixture("walletmix_check_server.json"))
    )
    init = router.post(f"{HOST}/init-payment-process").mock(
        return_value=httpx.Response(200, json=fixture("walletmix_token.json"))
    )
    return start(customer, gateway), init


def check_payment(router, txn, outcome="success", **values):
    values = {"amount": str(txn.amount), "reference": txn.reference, **values}
    return router.post(f"{HOST}/check-payment").mock(
        return_value=httpx.Response(
            200, json=fixture(f"walletmix_check_payment_{outcome}.json", **values)
        )
    )


def called_back(gateway, txn, **changes):
    data = fixture(
        "walletmix_callback_txn_data.json", amount=str(txn.amount), reference=txn.reference
    )
    data.update(changes)
    return receive(gateway, method="POST", form={"merchant_txn_data": json.dumps(data)})


def test_start_gets_a_token_and_sends_the_customer_to_the_bank_page(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn, init = started(customer, gateway, router)
    form = form_of(init.calls.last.request)
    assert form["wmx_id"] == CREDS["wmx_id"]
    assert form["merchant_order_id"] == txn.reference
    assert form["merchant_ref_id"] == txn.reference
    assert form["app_name"] == "alpha.example"
    assert form["amount"] == str(txn.amount)
    assert form["currency"] == "BDT"
    assert form["callback_url"] == "https://netbill.test/pay/alpha/return/walletmix/"
    assert form["access_app_key"] == CREDS["access_app_key"]
    assert form["authorization"] == AUTHORIZATION
    assert base64.b64decode(form["options"]) == b"s=alpha.example,i=203.0.113.7"
    txn = reload(txn)
    assert (txn.status, txn.gateway_ref) == ("initiated", TOKEN)
    assert txn.redirect_url == f"https://sandbox.walletmix.com/bank-payment-process/{TOKEN}"


def test_gateway_down_at_start_is_a_clear_message(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{HOST}/check-server").mock(side_effect=httpx.ConnectError("refused"))
        with pytest.raises(GatewayUnavailable) as down:
            start(customer, gateway)
    assert str(down.value) == (
        "WalletMix is not available right now. Please choose another way to pay."
    )
    assert_nothing_credited(customer, "walletmix")


def test_success_callback_is_verified_then_paid_once_and_a_duplicate_changes_nothing(
    customer, gateway
):
    with respx.mock(assert_all_called=False) as router:
        txn, _init = started(customer, gateway, router)
        check = check_payment(router, txn)
        result = called_back(gateway, txn)
        assert result.accepted and result.txn.pk == txn.pk
        assert called_back(gateway, txn).accepted
    assert check.call_count == 1
    assert form_of(check.calls.last.request) == {
        "wmx_id": CREDS["wmx_id"],
        "authorization": AUTHORIZATION,
        "access_app_key": CREDS["access_app_key"],
        "token": TOKEN,
    }
    assert_paid_once(customer, txn, "walletmix")
    assert reload(txn).gateway_txn_id == TOKEN


@pytest.mark.parametrize(("outcome", "status"), [("failed", "failed"), ("cancelled", "cancelled")])
def test_failure_and_cancel(customer, gateway, outcome, status):
    with respx.mock(assert_all_called=False) as router:
        txn, _init = started(customer, gateway, router)
        check_payment(router, txn, outcome)
        called_back(gateway, txn, txn_status={"failed": "1001", "cancelled": "1002"}[outcome])
    assert reload(txn).status == status
    assert_nothing_credited(customer, "walletmix")


def test_forged_success_callback_is_not_believed(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn, _init = started(customer, gateway, router)
        check_payment(router, txn, "failed")
        assert called_back(gateway, txn).accepted  # claims 1000, unsigned
    assert reload(txn).status == "failed"
    assert_nothing_credited(customer, "walletmix")


@pytest.mark.parametrize(
    "form",
    [{}, {"merchant_txn_data": "{not json"}, {"merchant_txn_data": "[1, 2]"}],
    ids=["missing", "not-json", "not-object"],
)
def test_malformed_callback_is_refused_and_logged(customer, gateway, form):
    result = receive(gateway, method="POST", form=form)
    assert not result.accepted
    with in_scope(customer.tenant):
        assert GatewayCallback.objects.get().accepted is False
    assert_nothing_credited(customer, "walletmix")


def test_timeout_on_verify_is_pending_then_a_later_query_pays_once(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn, _init = started(customer, gateway, router)
        router.post(f"{HOST}/check-payment").mock(side_effect=httpx.ReadTimeout("slow"))
        assert called_back(gateway, txn).accepted
        assert reload(txn).status == "pending"
        assert_nothing_credited(customer, "walletmix")

        check_payment(router, txn)
        verify(txn)
        verify(txn)
    assert_paid_once(customer, txn, "walletmix")


@pytest.mark.parametrize(
    "change", [{"amount": "1.00"}, {"reference": "NBSOMEONEELSE000"}], ids=["amount", "order"]
)
def test_tampered_amount_or_order_is_held(customer, gateway, change):
    with respx.mock(assert_all_called=False) as router:
        txn, _init = started(customer, gateway, router)
        check_payment(router, txn, **change)
        called_back(gateway, txn)
    assert reload(txn).status == "held"
    assert_nothing_credited(customer, "walletmix")
