"""aamarPay through the real services: jsonpost.php, the unsigned form POST return
(always verified through trxcheck), cancel (nothing posted: our URL says so).
HTTP is mocked with respx in aamarPay's documented shapes."""

import json
from urllib.parse import parse_qs, urlsplit

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

HOST = "https://sandbox.aamarpay.com"
CHECK = f"{HOST}/api/v1/trxcheck/request.php"
PG_TXN = "AAM1764561912108617"
CREDS = {"store_id": "aamarpaytest", "signature_key": "dbb74894e82415a2f7ff0ec3a97e4183"}


@pytest.fixture
def gateway(isp):
    return make_gateway(isp, "aamarpay", CREDS)


def started(customer, gateway, router):
    init = router.post(f"{HOST}/jsonpost.php").mock(
        return_value=httpx.Response(200, json=fixture("aamarpay_init.json"))
    )
    return start(customer, gateway), init


def trxcheck(router, txn, outcome="success", **values):
    values = {"amount": str(txn.amount), "reference": txn.reference, **values}
    return router.get(CHECK).mock(
        return_value=httpx.Response(
            200, json=fixture(f"aamarpay_trxcheck_{outcome}.json", **values)
        )
    )


def posted_back(gateway, txn, outcome="success", result=None, **values):
    values = {"amount": str(txn.amount), "reference": txn.reference, **values}
    form = fixture(f"aamarpay_return_{outcome}.json", **values)
    query = {"result": result or outcome, "reference": txn.reference}
    return receive(gateway, method="POST", query=query, form=form)


def test_start_posts_json_and_sends_the_customer_to_payment_url(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn, init = started(customer, gateway, router)
    body = json.loads(init.calls.last.request.content)
    assert body["store_id"] == "aamarpaytest"
    assert body["signature_key"] == CREDS["signature_key"]
    assert body["tran_id"] == txn.reference
    assert body["amount"] == str(txn.amount)
    assert (body["currency"], body["type"]) == ("BDT", "json")
    for name, result in (
        ("success_url", "success"),
        ("fail_url", "failure"),
        ("cancel_url", "cancel"),
    ):
        url = urlsplit(body[name])
        assert url.path == "/pay/alpha/return/aamarpay/"
        assert parse_qs(url.query) == {"result": [result], "reference": [txn.reference]}
    assert body["cus_phone"].startswith("01")
    txn = reload(txn)
    assert txn.status == "initiated"
    assert txn.redirect_url == "https://sandbox.aamarpay.com/paynow.php?track=AAM1764561600385215"


def test_gateway_down_at_start_is_a_clear_message(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{HOST}/jsonpost.php").mock(side_effect=httpx.ConnectError("refused"))
        with pytest.raises(GatewayUnavailable) as down:
            start(customer, gateway)
    assert (
        str(down.value) == "aamarPay is not available right now. Please choose another way to pay."
    )
    assert_nothing_credited(customer, "aamarpay")


def test_refused_start_says_why(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{HOST}/jsonpost.php").mock(
            return_value=httpx.Response(200, json=fixture("aamarpay_init_refused.json"))
        )
        with pytest.raises(GatewayUnavailable) as refused:
            start(customer, gateway)
    assert "Duplicate Transaction ID" in str(refused.value)


def test_success_return_is_verified_then_paid_once_and_a_duplicate_changes_nothing(
    customer, gateway
):
    with respx.mock(assert_all_called=False) as router:
        txn, _init = started(customer, gateway, router)
        check = trxcheck(router, txn)
        result = posted_back(gateway, txn)
        assert result.accepted and result.txn.pk == txn.pk
        again = posted_back(gateway, txn)
    assert again.accepted
    assert check.call_count == 1
    assert dict(check.calls.last.request.url.params) == {
        "request_id": txn.reference,
        "store_id": "aamarpaytest",
        "signature_key": CREDS["signature_key"],
        "type": "json",
    }
    assert_paid_once(customer, txn, "aamarpay")
    assert reload(txn).gateway_txn_id == PG_TXN


def test_failed_payment(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn, _init = started(customer, gateway, router)
        trxcheck(router, txn, "failed")
        posted_back(gateway, txn, "failed", result="failure")
    txn = reload(txn)
    assert (txn.status, txn.detail) == ("failed", "Failed Transaction")
    assert_nothing_credited(customer, "aamarpay")


def test_cancel_nothing_posted_our_url_names_the_attempt(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn, _init = started(customer, gateway, router)
        check = trxcheck(router, txn, "pending")
        result = receive(gateway, query={"result": "cancel", "reference": txn.reference})
    assert result.accepted and check.call_count == 1
    assert reload(txn).status == "cancelled"
    assert_nothing_credited(customer, "aamarpay")


def test_cancelled_then_paid_after_all_is_credited(customer, gateway):
    """Verified money wins over the customer's Cancel press."""
    with respx.mock(assert_all_called=False) as router:
        txn, _init = started(customer, gateway, router)
        trxcheck(router, txn, "pending")
        receive(gateway, query={"result": "cancel", "reference": txn.reference})
        trxcheck(router, txn)
        verify(txn)
    assert_paid_once(customer, txn, "aamarpay")


def test_forged_success_return_is_not_believed(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn, _init = started(customer, gateway, router)
        trxcheck(router, txn, "pending")
        result = posted_back(gateway, txn)  # claims "Successful", unsigned
    assert result.accepted
    assert reload(txn).status == "pending"
    assert_nothing_credited(customer, "aamarpay")


def test_return_naming_no_attempt_is_refused(customer, gateway):
    result = receive(gateway, method="POST", form={"pay_status": "Successful", "amount": "1.00"})
    assert not result.accepted
    with in_scope(customer.tenant):
        assert GatewayCallback.objects.get().accepted is False
    assert_nothing_credited(customer, "aamarpay")


def test_timeout_on_verify_is_pending_then_a_later_query_pays_once(customer, gateway):
    with respx.mock(assert_all_called=False) as router:
        txn, _init = started(customer, gateway, router)
        router.get(CHECK).mock(side_effect=httpx.ReadTimeout("slow"))
        assert posted_back(gateway, txn).accepted
        assert reload(txn).status == "pending"
        assert_nothing_credited(customer, "aamarpay")

        trxcheck(router, txn)
        verify(txn)
        verify(txn)
    assert_paid_once(customer, txn, "aamarpay")


@pytest.mark.parametrize(
    "change", [{"amount": "1.00"}, {"reference": "NBSOMEONEELSE000"}], ids=["amount", "mer_txnid"]
)
def test_tampered_amount_or_reference_is_held(customer, gateway, change):
    with respx.mock(assert_all_called=False) as router:
        txn, _init = started(customer, gateway, router)
        trxcheck(router, txn, **change)
        posted_back(gateway, txn)
    assert reload(txn).status == "held"
    assert_nothing_credited(customer, "aamarpay")
