"""EasyPayWay (aamarPay's platform family) through the real services: the form POST to
/payment/request.php answered with the payment page URL, the unsigned return (always
verified through trxcheck). HTTP is mocked with respx in the shapes of EasyPayWay's
public client [verify]."""

from urllib.parse import parse_qs

import httpx
import pytest
import respx

from netbill.payments.gateways import GatewayUnavailable
from netbill.payments.gateways.easypayway import payment_url

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

HOST = "https://sandbox.easypayway.com"
CHECK = f"{HOST}/api/v1/trxcheck/request.php"
PAGE = "https://sandbox.easypayway.com/payment/paynow.php?track=EPW1621853905452832"
EPW_TXN = "EPW1764561912452832"
CREDS = {"store_id": "epw", "signature_key": "dc0c2802bf04d2ab3336ec21491146a3"}


@pytest.fixture
def gateway(isp):
    return make_gateway(isp, "easypayway", CREDS)


def started(customer, gateway, router):
    init = router.post(f"{HOST}/payment/request.php").mock(
        return_value=httpx.Response(200, json=fixture("easypayway_init.json"))
    )
    return start(customer, gateway), init


def trxcheck(router, txn, outcome="success", **values):
    values = {"amount": str(txn.amount), "reference": txn.reference, **values}
    return router.get(CHECK).mock(
        return_value=httpx.Response(
            200, json=fixture(f"easypayway_trxcheck_{outcome}.json", **values)
        )
    )


def posted_back(gateway, txn, **values):
    values = {"amount": str(txn.amount), "reference": txn.reference, **values}
    form = fixture("easypayway_return_success.json", **values)
    return receive(
        gateway, method="POST", query={"result": "success", "reference": txn.reference}, form=form
    )


@pytest.mark.parametrize(
    ("answer", "url"),
    [
        ('["https:\\/\\/sandbox.easypayway.com\\/payment\\/paynow.php?track=EPW1"]', "EPW1"),
        ('"https://sandbox.easypayway.com/payment/paynow.php?track=EPW2"', "EPW2"),
        ('{"result": "true", "payment_url": "https://x.example/p?track=EPW3"}', "EPW3"),
        ("https://sandbox.easypayway.com/payment/paynow.php?track=EPW4\n", "EPW4"),
        ('{"tran_id": "Duplicate"}', ""),
        ("Invalid Store ID", ""),
        ('["http://plain.example/no-tls"]', ""),
    ],
)
def test_payment_url_reads_the_answers_we_accept(answer, url):
    assert payment_url(answer).endswith(url) and (bool(payment_url(answer)) == bool(url))


def test_start_posts_the_form_and_sends_the_customer_to_the_page(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn, init = started(customer, gateway, router)
    request = init.calls.last.request
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
    assert form["store_id"] == "epw"
    assert form["signature_key"] == CREDS["signature_key"]
    assert form["tran_id"] == txn.reference
    assert form["amount"] == str(txn.amount)
    assert form["currency"] == "BDT"
    assert form["ipn_url"] == "https://netbill.test/pay/alpha/ipn/easypayway/"
    assert form["cancel_url"].endswith(f"?result=cancel&reference={txn.reference}")
    txn = reload(txn)
    assert (txn.status, txn.redirect_url) == ("initiated", PAGE)


def test_gateway_down_at_start_is_a_clear_message(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{HOST}/payment/request.php").mock(side_effect=httpx.ConnectError("no"))
        with pytest.raises(GatewayUnavailable) as down:
            start(customer, gateway)
    assert str(down.value) == (
        "EasyPayWay is not available right now. Please choose another way to pay."
    )
    assert_nothing_credited(customer, "easypayway")


def test_refused_start_says_why(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{HOST}/payment/request.php").mock(
            return_value=httpx.Response(200, text="Invalid Store ID")
        )
        with pytest.raises(GatewayUnavailable) as refused:
            start(customer, gateway)
    assert "Invalid Store ID" in str(refused.value)


def test_success_return_is_verified_then_paid_once_and_a_duplicate_changes_nothing(
    customer, gateway
):
    with respx.mock(assert_all_called=False) as router:
        txn, _init = started(customer, gateway, router)
        check = trxcheck(router, txn)
        assert posted_back(gateway, txn).accepted
        assert posted_back(gateway, txn).accepted
    assert check.call_count == 1
    assert dict(check.calls.last.request.url.params) == {
        "request_id": txn.reference,
        "store_id": "epw",
        "signature_key": CREDS["signature_key"],
        "type": "json",
    }
    assert_paid_once(customer, txn, "easypayway")
    assert reload(txn).gateway_txn_id == EPW_TXN


def test_failed_payment(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn, _init = started(customer, gateway, router)
        trxcheck(router, txn, "failed")
        receive(gateway, query={"result": "failure", "reference": txn.reference})
    assert reload(txn).status == "failed"
    assert_nothing_credited(customer, "easypayway")


def test_cancel(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn, _init = started(customer, gateway, router)
        trxcheck(router, txn, "pending")
        receive(gateway, query={"result": "cancel", "reference": txn.reference})
    assert reload(txn).status == "cancelled"
    assert_nothing_credited(customer, "easypayway")


def test_forged_success_return_is_not_believed(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn, _init = started(customer, gateway, router)
        trxcheck(router, txn, "pending")
        assert posted_back(gateway, txn).accepted
    assert reload(txn).status == "pending"
    assert_nothing_credited(customer, "easypayway")


def test_timeout_on_verify_is_pending_then_a_later_query_pays_once(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn, _init = started(customer, gateway, router)
        router.get(CHECK).mock(side_effect=httpx.ConnectTimeout("slow"))
        assert posted_back(gateway, txn).accepted
        assert reload(txn).status == "pending"
        assert_nothing_credited(customer, "easypayway")

        trxcheck(router, txn)
        verify(txn)
        verify(txn)
    assert_paid_once(customer, txn, "easypayway")


def test_tampered_amount_is_held(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn, _init = started(customer, gateway, router)
        trxcheck(router, txn, amount="1.00")
        posted_back(gateway, txn)
    txn = reload(txn)
    assert txn.status == "held"
    assert "1.00" in txn.detail
    assert_nothing_credited(customer, "easypayway")
