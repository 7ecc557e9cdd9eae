"""The public pages of one ISP (/pay/<isp>/…, /portal/<isp>/…) serve only that ISP: the
slug in the URL picks the tenant, and nothing of another ISP answers under it — not a
transaction by its reference, not a payment link, not a gateway callback.

(The crawlers skip these routes, `Route.is_public`; this file pins their list and checks
them for what they are; the portal's and each gateway's tests check the rest.)"""

import pytest
from django.urls import reverse

from conftest import in_scope
from netbill.payments.models import GatewayCallback, Payment
from netbill.payments.tests.helpers import add_payment_rows, sandbox_gateway

pytestmark = pytest.mark.django_db

# Every public page of one ISP, reviewed: a new one must be added here on purpose.
REVIEWED = {
    "payments_public:gateway_return": "a gateway sends the customer's browser back here",
    "payments_public:gateway_ipn": "gateways notify us server to server (IPN, webhooks)",
    "payments_public:result": "the customer's result page, found by our random reference",
    "payments_public:sandbox_checkout": "the offline Sandbox gateway's checkout page",
    "payments_public:link": "a payment link: a signed, expiring token in the URL",
    "portal:home": "the customer portal (its own login)",
    "portal:login": "the customer portal's login",
    "portal:logout": "ends the customer's portal session",
    "portal:pay": "pay with a gateway (portal login)",
    "portal:receipt": "the customer's own receipt (portal login)",
    "portal:redeem": "redeem a recharge card (portal login)",
    "portal:suspended": "the suspension page: the customer by client IP, open session only",
}


def test_the_public_pages_are_the_reviewed_ones():
    from netbill.core.testing.crawl import iter_routes

    assert {r.name for r in iter_routes() if r.is_public} == set(REVIEWED)


@pytest.fixture
def two(isp, other_isp):
    rows = add_payment_rows(isp, "Alpha secret")
    sandbox_gateway(other_isp, name="Beta sandbox")
    return isp, other_isp, rows


def test_a_reference_of_one_isp_is_unknown_under_another(client, two):
    alpha, beta, rows = two
    ref = rows["paid_txn"].reference
    own = client.get(
        reverse("payments_public:result", kwargs={"isp": alpha.tenant.slug, "reference": ref})
    )
    assert own.status_code == 200
    with in_scope(alpha.tenant):
        receipt = Payment.objects.get(gateway_txn__reference=ref).receipt_number
    assert "Payment received" in own.content.decode() and receipt in own.content.decode()
    for name in ("payments_public:result", "payments_public:sandbox_checkout"):
        url = reverse(name, kwargs={"isp": beta.tenant.slug, "reference": ref})
        response = client.get(url)
        assert response.status_code == 404, name
        assert "Alpha secret" not in response.content.decode()


def test_a_callback_under_another_isp_credits_nothing(client, two):
    alpha, beta, rows = two
    from netbill.payments.gateways.sandbox import sandbox_signature

    with in_scope(alpha.tenant):
        txn = rows["paid_txn"]
        before = Payment.objects.count()
    ref = txn.reference
    url = reverse(
        "payments_public:gateway_return", kwargs={"isp": beta.tenant.slug, "provider": "sandbox"}
    )
    response = client.get(
        url, {"reference": ref, "result": "success", "sig": sandbox_signature(ref, "success")}
    )
    assert response.status_code == 400
    with in_scope(beta.tenant):
        assert GatewayCallback.objects.filter(accepted=False).count() == 1
    with in_scope(alpha.tenant):
        assert Payment.objects.count() == before


def test_unknown_or_inactive_isp_is_not_found(client, two):
    alpha, _beta, rows = two
    url = reverse("payments_public:result", kwargs={"isp": "no-such-isp", "reference": "X"})
    assert client.get(url).status_code == 404
    alpha.tenant.is_active = False
    alpha.tenant.save(update_fields=["is_active"])
    ref = rows["paid_txn"].reference
    url = reverse("payments_public:result", kwargs={"isp": alpha.tenant.slug, "reference": ref})
    assert client.get(url).status_code == 404
