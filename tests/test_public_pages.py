"""The public pages of one ISP (/pay/<isp>/…, /portal/<isp>/…) serve only that ISP: the
slug in the URL picks the tenant, and nothing of another ISP answers under it — not a
transaction by its reference, not a payment link, not a gateway callback.

(The crawlers skip these routes: they are in crawl.PUBLIC, and this file checks them
for what they are.)"""

import pytest
from django.urls import reverse

from conftest import in_scope
from netbill.payments.models import GatewayCallback, Payment
from netbill.payments.tests.helpers import add_payment_rows, sandbox_gateway

pytestmark = pytest.mark.django_db


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
