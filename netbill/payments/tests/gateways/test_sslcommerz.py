"""SSLCommerz v4 against recorded responses (integrations.md §1.3): the session, the
IPN and browser posts (hash check), the Validation API and the transaction query."""

import hashlib
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from conftest import in_scope
from netbill.core.testing.people import fresh_user
from netbill.payments.gateway_services import txn_refund, txn_verify
from netbill.payments.gateways import GatewayUnavailable
from netbill.payments.gateways.base import amount_str
from netbill.payments.gateways.sslcommerz import SslCommerzGateway
from netbill.payments.models import GatewayCallback, GatewayTransaction

from .helpers import (
    assert_nothing_credited,
    assert_paid_once,
    assert_rejected,
    due,
    make_gateway,
    receive,
    recorded,
    start,
)

pytestmark = pytest.mark.django_db

BASE = SslCommerzGateway.sandbox_base
CREDS = {"store_id": "testbox", "store_password": "qwerty"}
SESSION_KEY = recorded("sslcommerz/session")["sessionkey"]
VAL_ID = recorded("sslcommerz/ipn_valid")["val_id"]
BANK_TRAN_ID = recorded("sslcommerz/ipn_valid")["bank_tran_id"]


@pytest.fixture
def gateway(isp):
    return make_gateway(isp, "sslcommerz", CREDS)


@pytest.fixture
def api():
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.post("/gwprocess/v4/api.php", name="session").respond(
            json=recorded("sslcommerz/session")
        )
        mock.get("/validator/api/validationserverAPI.php", name="validate")
        mock.get("/validator/api/merchantTransIDvalidationAPI.php", name="query")
        yield mock


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324


def sign(fields: dict, password: str = CREDS["store_password"]) -> dict:
    """verify_sign as SSLCommerz makes it: the verify_key fields plus
    store_passwd=md5(password), sorted by name, k=v&…, MD5."""
    pairs = {k: fields[k] for k in fields["verify_key"].split(",")}
    pairs["store_passwd"] = md5(password)
    return {**fields, "verify_sign": md5("&".join(f"{k}={pairs[k]}" for k in sorted(pairs)))}


def post(name: str, txn, **changes) -> dict:
    """A recorded IPN/return post about `txn`, signed."""
    fields = recorded(
        f"sslcommerz/{name}",
        **{"tran_id": txn.reference, "value_a": txn.reference, **_amounts(txn, name), **changes},
    )
    return sign(fields)


def _amounts(txn, name: str) -> dict:
    amount = amount_str(txn.amount)
    return {"amount": amount, "currency_amount": amount} if name == "ipn_valid" else {}


def validation(txn, **changes) -> dict:
    amount = amount_str(txn.amount)
    return recorded(
        "sslcommerz/validation_valid",
        **{"tran_id": txn.reference, "amount": amount, "currency_amount": amount, **changes},
    )


def query(txn, **changes) -> dict:
    data = recorded("sslcommerz/query")
    amount = amount_str(txn.amount)
    element = {
        **data["element"][0],
        **{"tran_id": txn.reference, "amount": amount, "currency_amount": amount, **changes},
    }
    return {**data, "element": [element]}


def ipn(gateway, fields: dict):
    return receive(gateway, method="POST", form=fields)


def browser(gateway, result: str, fields: dict):
    return receive(gateway, method="POST", query={"result": result}, form=fields)


def started(isp, customer, gateway):
    with in_scope(isp.tenant):
        owed = due(customer)
        txn = start(customer, gateway)
    assert txn.amount == owed
    return txn, owed


#
# Session
#


def test_start_opens_a_session(isp, customer, gateway, api):
    txn, _owed = started(isp, customer, gateway)
    sent = {
        k: v[0]
        for k, v in parse_qs(api.routes["session"].calls.last.request.content.decode()).items()
    }
    back = f"https://billing.example.net/pay/{isp.tenant.slug}"
    assert sent == {
        "store_id": "testbox",
        "store_passwd": "qwerty",
        "total_amount": amount_str(txn.amount),
        "currency": "BDT",
        "tran_id": txn.reference,
        "success_url": f"{back}/return/sslcommerz/?result=success",
        "fail_url": f"{back}/return/sslcommerz/?result=fail",
        "cancel_url": f"{back}/return/sslcommerz/?result=cancel",
        "ipn_url": f"{back}/ipn/sslcommerz/",
        "product_name": "Internet bill",
        "product_category": "Internet",
        "product_profile": "non-physical-goods",
        "shipping_method": "NO",
        "cus_name": customer.name,
        "cus_email": sent["cus_email"],
        "cus_add1": sent["cus_add1"],
        "cus_city": "Dhaka",
        "cus_country": "Bangladesh",
        "cus_phone": customer.mobile,
        "value_a": txn.reference,
    }
    assert "@" in sent["cus_email"] and sent["cus_add1"]
    assert txn.status == "initiated"
    assert txn.redirect_url == recorded("sslcommerz/session")["GatewayPageURL"]
    assert txn.gateway_ref == SESSION_KEY


def test_gateway_down_at_start(isp, customer, gateway, api):
    api.routes["session"].side_effect = httpx.ConnectError("refused")
    with in_scope(isp.tenant):
        owed = due(customer)
        with pytest.raises(GatewayUnavailable) as raised:
            start(customer, gateway)
        assert str(raised.value) == (
            "SSLCommerz is not available right now. Please choose another way to pay."
        )
        assert GatewayTransaction.objects.get(customer=customer).status == "failed"
        assert_nothing_credited(customer, owed)


def test_session_refused_says_why(isp, customer, gateway, api):
    api.routes["session"].respond(json=recorded("sslcommerz/session_failed"))
    with in_scope(isp.tenant):
        with pytest.raises(GatewayUnavailable) as raised:
            start(customer, gateway)
        assert "Store Credential Error Or Store is De-active" in str(raised.value)
        assert GatewayTransaction.objects.get(customer=customer).status == "failed"


#
# IPN, returns and validation
#


def test_success(isp, customer, gateway, api):
    txn, _owed = started(isp, customer, gateway)
    validate = api.routes["validate"].respond(json=validation(txn))
    with in_scope(isp.tenant):
        result = ipn(gateway, post("ipn_valid", txn))
        assert result.accepted
        params = validate.calls.last.request.url.params
        assert dict(params) == {
            "val_id": VAL_ID,
            "v": "1",
            "store_id": "testbox",
            "store_passwd": "qwerty",
            "format": "json",
        }
        assert_paid_once(txn, "sslcommerz")
        txn.refresh_from_db()
        assert txn.gateway_txn_id == BANK_TRAN_ID
        assert due(customer) == 0
        row = GatewayCallback.objects.get(gateway=gateway)
        assert (row.kind, row.event_id, row.accepted) == ("ipn", None, True)


def test_browser_return_then_ipn_credit_once(isp, customer, gateway, api):
    txn, _owed = started(isp, customer, gateway)
    validate = api.routes["validate"].respond(json=validation(txn))
    with in_scope(isp.tenant):
        fields = post("ipn_valid", txn)
        assert browser(gateway, "success", fields).accepted
        second = ipn(gateway, fields)
        assert second.message == "Already settled."
        assert validate.call_count == 1
        assert_paid_once(txn, "sslcommerz")
        kinds = GatewayCallback.objects.filter(gateway=gateway).values_list("kind", flat=True)
        assert sorted(kinds) == ["ipn", "return"]


def test_failure(isp, customer, gateway, api):
    txn, owed = started(isp, customer, gateway)
    api.routes["query"].respond(json=query(txn, status="FAILED", val_id="", bank_tran_id=""))
    with in_scope(isp.tenant):
        ipn(gateway, post("ipn_failed", txn))
        txn.refresh_from_db()
        assert txn.status == "failed"
        assert api.routes["validate"].call_count == 0
        assert_nothing_credited(customer, owed)


def test_cancel(isp, customer, gateway, api):
    """The cancel return may come unsigned: it is taken, and SSLCommerz is asked."""
    txn, owed = started(isp, customer, gateway)
    query_route = api.routes["query"].respond(
        json=query(txn, status="CANCELLED", val_id="", bank_tran_id="")
    )
    with in_scope(isp.tenant):
        result = browser(gateway, "cancel", {"tran_id": txn.reference, "status": "CANCELLED"})
        assert result.accepted
        assert query_route.calls.last.request.url.params["tran_id"] == txn.reference
        txn.refresh_from_db()
        assert txn.status == "cancelled"
        assert_nothing_credited(customer, owed)


def test_unsigned_return_val_id_is_not_used(isp, customer, gateway, api):
    txn, owed = started(isp, customer, gateway)
    api.routes["query"].respond(json=recorded("sslcommerz/query_empty"))
    with in_scope(isp.tenant):
        browser(
            gateway,
            "success",
            {"tran_id": txn.reference, "status": "VALID", "val_id": "someone-elses-val-id"},
        )
        assert api.routes["validate"].call_count == 0
        txn.refresh_from_db()
        assert txn.status == "pending"
        assert_nothing_credited(customer, owed)


def test_timeout_then_query(isp, customer, gateway, api):
    txn, owed = started(isp, customer, gateway)
    api.routes["validate"].mock(side_effect=httpx.ReadTimeout("slow"))
    with in_scope(isp.tenant):
        result = ipn(gateway, post("ipn_valid", txn))
        assert result.accepted
        txn.refresh_from_db()
        assert txn.status == "pending"
        assert_nothing_credited(customer, owed)

        query_route = api.routes["query"].respond(json=query(txn))
        txn = txn_verify(txn, trigger="beat")
        assert query_route.call_count == 1
        assert_paid_once(txn, "sslcommerz")


def test_already_validated_credits_once(isp, customer, gateway, api):
    """The first validation timed out after SSLCommerz recorded it: the retry says
    VALIDATED, which is still a verified payment, credited once."""
    txn, _owed = started(isp, customer, gateway)
    api.routes["validate"].side_effect = [
        httpx.ReadTimeout("slow"),
        httpx.Response(200, json=validation(txn, status="VALIDATED")),
    ]
    with in_scope(isp.tenant):
        fields = post("ipn_valid", txn)
        ipn(gateway, fields)
        ipn(gateway, fields)
        assert_paid_once(txn, "sslcommerz")
        assert ipn(gateway, fields).message == "Already settled."
        assert_paid_once(txn, "sslcommerz")


def test_duplicate_callback(isp, customer, gateway, api):
    txn, _owed = started(isp, customer, gateway)
    validate = api.routes["validate"].respond(json=validation(txn))
    with in_scope(isp.tenant):
        fields = post("ipn_valid", txn)
        ipn(gateway, fields)
        assert ipn(gateway, fields).accepted
        assert validate.call_count == 1
        assert_paid_once(txn, "sslcommerz")


def test_tampered_hash_is_refused(isp, customer, gateway, api):
    txn, owed = started(isp, customer, gateway)
    fields = post("ipn_valid", txn)
    fields["amount"] = "99999.00"  # changed after SSLCommerz signed it
    with in_scope(isp.tenant):
        result = ipn(gateway, fields)
        assert not result.accepted
        assert_rejected(gateway, "verify_sign")
        assert api.routes["validate"].call_count == 0
        assert api.routes["query"].call_count == 0
        txn.refresh_from_db()
        assert txn.status == "initiated"
        assert_nothing_credited(customer, owed)


def test_hash_made_with_another_password_is_refused(isp, customer, gateway, api):
    txn, owed = started(isp, customer, gateway)
    fields = recorded("sslcommerz/ipn_valid", tran_id=txn.reference)
    with in_scope(isp.tenant):
        ipn(gateway, sign(fields, password="guessed"))
        assert_rejected(gateway, "verify_sign")
        assert_nothing_credited(customer, owed)


def test_unsigned_ipn_is_refused(isp, customer, gateway, api):
    txn, owed = started(isp, customer, gateway)
    fields = {**post("ipn_valid", txn), "verify_sign": ""}
    with in_scope(isp.tenant):
        ipn(gateway, fields)
        assert_rejected(gateway, "verify_sign")
        assert_nothing_credited(customer, owed)


def test_tampered_amount_is_held(isp, customer, gateway, api):
    txn, owed = started(isp, customer, gateway)
    api.routes["validate"].respond(json=validation(txn, amount="10.00"))
    with in_scope(isp.tenant):
        ipn(gateway, post("ipn_valid", txn))
        txn.refresh_from_db()
        assert txn.status == "held"
        assert txn.detail.startswith("The gateway reports 10.00")
        assert_nothing_credited(customer, owed)


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"tran_id": "NBSOMEONEELSE000"}, "another reference"),
        ({"currency": "USD"}, "currency USD"),
        ({"risk_level": "1", "risk_title": "Risky"}, "risky"),
    ],
)
def test_mismatch_or_risk_is_held(isp, customer, gateway, api, changes, detail):
    txn, owed = started(isp, customer, gateway)
    api.routes["validate"].respond(json=validation(txn, **changes))
    with in_scope(isp.tenant):
        ipn(gateway, post("ipn_valid", txn))
        txn.refresh_from_db()
        assert txn.status == "held"
        assert detail in txn.detail
        assert_nothing_credited(customer, owed)


def test_invalid_transaction_is_a_failure(isp, customer, gateway, api):
    txn, owed = started(isp, customer, gateway)
    api.routes["validate"].respond(json={"status": "INVALID_TRANSACTION"})
    with in_scope(isp.tenant):
        ipn(gateway, post("ipn_valid", txn))
        txn.refresh_from_db()
        assert txn.status == "failed"
        assert_nothing_credited(customer, owed)


def test_verify_before_any_attempt_stays_pending(isp, customer, gateway, api):
    txn, owed = started(isp, customer, gateway)
    api.routes["query"].respond(json=recorded("sslcommerz/query_empty"))
    with in_scope(isp.tenant):
        txn = txn_verify(txn, trigger="manual")
        assert txn.status == "pending"
        assert_nothing_credited(customer, owed)


def test_query_picks_the_paid_attempt(isp, customer, gateway, api):
    txn, _owed = started(isp, customer, gateway)
    answer = query(txn)
    failed = {**answer["element"][0], "status": "FAILED", "val_id": "", "bank_tran_id": ""}
    answer = {**answer, "no_of_trans_found": 2, "element": [failed, answer["element"][0]]}
    api.routes["query"].respond(json=answer)
    with in_scope(isp.tenant):
        txn = txn_verify(txn, trigger="manual")
        assert_paid_once(txn, "sslcommerz")


def test_refund(isp, customer, gateway, api):
    txn, _owed = started(isp, customer, gateway)
    api.routes["validate"].respond(json=validation(txn))
    with in_scope(isp.tenant):
        ipn(gateway, post("ipn_valid", txn))
        txn.refresh_from_db()
        api.routes["query"].respond(json=recorded("sslcommerz/refund"))
        txn = txn_refund(txn=txn, by=fresh_user(isp.ga), reason="Paid twice")
        params = dict(api.routes["query"].calls.last.request.url.params)
        assert params == {
            "bank_tran_id": BANK_TRAN_ID,
            "refund_amount": amount_str(txn.amount),
            "refund_remarks": "Paid twice",
            "store_id": "testbox",
            "store_passwd": "qwerty",
            "format": "json",
        }
        assert txn.status == "refunded"
        assert "59bd63fea5455" in txn.detail
        assert txn.payment.status == "reversed"
