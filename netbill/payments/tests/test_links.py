"""Payment links: the service (amount, expiry, event, audit, refusals), the signed URL
and its public page (tampered, expired, another ISP's, nothing due, a gateway that is
down), paying through the Sandbox gateway end to end, and Send Payment Link on the
customer profile."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlparse

import httpx
import pytest
import respx
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from conftest import in_scope
from netbill.billing.models import Bill
from netbill.billing.tests.helpers import billed_customer
from netbill.core.exceptions import BusinessRuleError, OutOfReach
from netbill.core.models import AuditLog
from netbill.core.testing.people import fresh_user, set_codes
from netbill.core.testing.state import capture_events, nothing_changes
from netbill.customers.tests.helpers import customer_setup
from netbill.payments.gateway_services import customer_due
from netbill.payments.links import (
    LinkExpired,
    LinkInvalid,
    NothingDue,
    link_path,
    link_resolve,
    link_signed,
    mask_name,
    payment_link_create,
)
from netbill.payments.models import GatewayTransaction, Payment, PaymentGateway, PaymentLink
from netbill.payments.services import payment_receive

pytestmark = pytest.mark.django_db


def _customer(isp, *, operator=None, subnet="10.90.0.0/22", label="Links", **overrides):
    setup = customer_setup(isp, operator=operator, pool_subnet=subnet, label=label)
    customer, _run = billed_customer(isp, setup, **overrides)
    return customer


def _link(isp, customer, *, by=None, **kwargs):
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        return payment_link_create(customer=customer, by=fresh_user(by or isp.ga), **kwargs)


def _sandbox(isp, *, active=True):
    with in_scope(isp.tenant):
        return PaymentGateway.objects.create(
            tenant=isp.tenant, provider="sandbox", is_sandbox=True, is_active=active
        )


@pytest.fixture
def rahim(isp):
    return _customer(isp, name="Rahim Uddin", username="rahim")


#
# The service
#


def test_create_link_for_what_is_due_now(isp, rahim):
    with in_scope(isp.tenant):
        due = customer_due(rahim)
    assert due > 0
    before = timezone.now()
    with in_scope(isp.tenant), capture_events(["payment_link.created"]) as seen:
        link = payment_link_create(
            customer=rahim, by=fresh_user(isp.ga), channel="sms", valid_days=3
        )
    after = timezone.now()
    link.refresh_from_db()
    assert link.amount == due
    assert (link.customer, link.channel, link.created_by) == (rahim, "sms", isp.ga)
    assert before + timedelta(days=3) <= link.expires_at <= after + timedelta(days=3)
    assert len(link.token) == 32  # 24 random bytes, URL-safe base64
    assert link.opened_at is None and link.paid_at is None and link.job is None
    assert seen == [
        (
            "payment_link.created",
            {
                "tenant_id": isp.tenant.pk,
                "link_id": link.pk,
                "customer_id": rahim.pk,
                "channel": "sms",
                "url_path": link_path(link),
            },
        )
    ]
    assert link_path(link) == f"/pay/alpha/link/{link_signed(link)}/"
    with in_scope(isp.tenant):
        entry = AuditLog.objects.get(action="payment_link.created")
    assert entry.object_id == str(link.pk)
    assert entry.actor_id == isp.ga.pk
    assert entry.after["amount"] == str(due)
    assert entry.after["channel"] == "sms"


def test_tokens_are_unique(isp, rahim):
    one, two = _link(isp, rahim), _link(isp, rahim)
    assert one.token != two.token
    assert link_signed(one) != link_signed(two)


def test_nothing_due_is_refused(isp, rahim):
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        with TestCase.captureOnCommitCallbacks(execute=True):
            payment_receive(customer=rahim, by=ga, amount=customer_due(rahim))
        assert customer_due(rahim) == 0
        with (
            nothing_changes(isp.tenant, what="nothing due"),
            pytest.raises(NothingDue, match="rahim owes nothing now"),
        ):
            payment_link_create(customer=rahim, by=ga)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"channel": "pigeon"}, "channel"),
        ({"valid_days": 0}, "valid_days"),
        ({"valid_days": 91}, "valid_days"),
    ],
)
def test_bad_channel_or_validity_is_refused(isp, rahim, values, field):
    with (
        in_scope(isp.tenant),
        nothing_changes(isp.tenant, what=field),
        pytest.raises(BusinessRuleError) as caught,
    ):
        payment_link_create(customer=rahim, by=fresh_user(isp.ga), **values)
    assert field in caught.value.message_dict


def test_operator_y_cannot_send_links_for_operator_x_customers(isp, rahim):
    user_y = fresh_user(isp.user_y)
    with (
        in_scope(isp.tenant),
        nothing_changes(isp.tenant, what="operator Y"),
        pytest.raises(OutOfReach),
    ):
        payment_link_create(customer=rahim, by=user_y)
    # Operator X, whose customer it is, may.
    assert _link(isp, rahim, by=isp.user_x).created_by == isp.user_x


def test_without_the_permission_nothing_is_made(isp, rahim):
    user = set_codes(isp.user_x, revoke=["payment_links.send"])
    with (
        in_scope(isp.tenant),
        nothing_changes(isp.tenant, what="no permission"),
        pytest.raises(BusinessRuleError, match="permission"),
    ):
        payment_link_create(customer=rahim, by=user)


def test_resolve(isp, rahim, other_isp):
    link = _link(isp, rahim)
    signed = link_signed(link)
    with in_scope(isp.tenant):
        assert link_resolve(isp.tenant, signed) == link
        for bad in (signed[:-1] + ("A" if signed[-1] != "A" else "B"), link.token, "x" + signed):
            with pytest.raises(LinkInvalid):
                link_resolve(isp.tenant, bad)
    with in_scope(other_isp.tenant), pytest.raises(LinkInvalid):
        link_resolve(other_isp.tenant, signed)
    with in_scope(isp.tenant):
        PaymentLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(1))
        with pytest.raises(LinkExpired):
            link_resolve(isp.tenant, signed)


def test_mask_name():
    assert mask_name("Rahim Uddin") == "Ra*** Ud***"
    assert mask_name("Abu Md Karim") == "A*** M*** Ka***"
    assert mask_name("") == ""


#
# The public page
#


def test_link_page_shows_what_is_due_now(client, isp, rahim):
    _sandbox(isp)
    link = _link(isp, rahim)
    with in_scope(isp.tenant):
        # A partial payment after the link was sent: the page asks for the rest.
        with TestCase.captureOnCommitCallbacks(execute=True):
            payment_receive(customer=rahim, by=fresh_user(isp.ga), amount="100.00")
        due_now = customer_due(rahim)
    assert due_now == link.amount - Decimal("100.00")
    response = client.get(link_path(link))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="link-customer">Ra*** Ud***<' in body
    assert "Rahim Uddin" not in body
    assert 'id="link-username">rahim<' in body
    assert f'id="link-due">{due_now:,.2f} BDT<' in body
    assert 'id="link-pay-sandbox"' in body
    assert 'id="isp-name">Alpha Net<' in body
    link.refresh_from_db()
    first = link.opened_at
    assert first is not None
    client.get(link_path(link))
    link.refresh_from_db()
    assert link.opened_at == first  # the first opening is kept


def test_tampered_link_is_not_valid(client, isp, rahim):
    link = _link(isp, rahim)
    signed = link_signed(link)
    token, signature = signed.split(":")
    forged = f"{token[:-1]}{'A' if token[-1] != 'A' else 'B'}:{signature}"
    url = reverse("payments_public:link", kwargs={"isp": "alpha", "signed": forged})
    for method in ("get", "post"):
        with nothing_changes(isp.tenant, what="tampered"):
            response = getattr(client, method)(url)
        assert response.status_code == 404
        assert "This payment link is not valid. Ask Alpha Net for a new one." in (
            response.content.decode()
        )


def test_another_isps_link_under_this_isps_slug_is_not_valid(client, isp, other_isp, rahim):
    link = _link(isp, rahim)
    url = reverse("payments_public:link", kwargs={"isp": "beta", "signed": link_signed(link)})
    with nothing_changes(isp.tenant, other_isp.tenant, what="other ISP"):
        response = client.get(url)
    assert response.status_code == 404
    body = response.content.decode()
    assert "This payment link is not valid. Ask Beta Net for a new one." in body
    assert "rahim" not in body and "Alpha" not in body


def test_expired_link_says_so(client, isp, rahim):
    isp.tenant.phone = "+8809612000111"
    isp.tenant.save(update_fields=["phone"])
    _sandbox(isp)
    link = _link(isp, rahim)
    when = timezone.now() - timedelta(days=2)
    with in_scope(isp.tenant):
        PaymentLink.objects.filter(pk=link.pk).update(expires_at=when)
    local = timezone.localtime(when, timezone=isp.tenant.zone).strftime("%Y-%m-%d")
    for method, data in (("get", None), ("post", {"gateway": "sandbox"})):
        with nothing_changes(isp.tenant, what="expired"):
            response = getattr(client, method)(link_path(link), data)
        assert response.status_code == 410
        body = response.content.decode()
        assert f"This payment link expired on {local}. Ask Alpha Net for a new one." in body
        assert 'id="link-isp-phone">+8809612000111<' in body
        assert 'id="link-pay-sandbox"' not in body


def test_nothing_due_now_thanks_the_customer(client, isp, rahim):
    _sandbox(isp)
    link = _link(isp, rahim)
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        payment_receive(customer=rahim, by=fresh_user(isp.ga), amount=link.amount)
    response = client.get(link_path(link))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing is due; thank you." in body
    assert 'id="link-pay-sandbox"' not in body
    with in_scope(isp.tenant), nothing_changes(isp.tenant, what="paying nothing"):
        response = client.post(link_path(link), {"gateway": "sandbox"})
    assert response.status_code == 200
    assert "Nothing is due on this account." in response.content.decode()


def test_an_inactive_or_unknown_gateway_is_refused(client, isp, rahim):
    _sandbox(isp, active=False)
    link = _link(isp, rahim)
    for wanted in ("sandbox", "bkash", ""):
        response = client.post(link_path(link), {"gateway": wanted})
        assert response.status_code == 400
        assert "Choose one of the ways to pay below." in response.content.decode()
    with in_scope(isp.tenant):
        assert not GatewayTransaction.objects.exists()


@respx.mock
def test_a_gateway_that_is_down_leaves_the_others(client, isp, rahim):
    _sandbox(isp)
    with in_scope(isp.tenant):
        razorpay = PaymentGateway(
            tenant=isp.tenant, provider="razorpay", is_sandbox=True, is_active=True, sort_order=1
        )
        razorpay.set_credentials(
            {"key_id": "rzp_test_1", "key_secret": "s3cret", "webhook_secret": "wh"}
        )
        razorpay.save()
    route = respx.post("https://api.razorpay.com/v1/payment_links").mock(
        side_effect=httpx.ConnectError("connection refused")
    )
    link = _link(isp, rahim)
    response = client.post(link_path(link), {"gateway": "razorpay"})
    assert route.called
    assert response.status_code == 200
    body = response.content.decode()
    assert "Razorpay is not available right now. Please choose another way to pay." in body
    assert 'id="link-pay-sandbox"' in body and 'id="link-pay-razorpay"' in body
    with in_scope(isp.tenant):
        txn = GatewayTransaction.objects.get()
        assert (txn.provider, txn.status, txn.link, txn.source) == (
            "razorpay",
            "failed",
            link,
            "link",
        )
        assert not Payment.objects.filter(customer=rahim, method="gateway").exists()


def test_pay_through_the_sandbox_end_to_end(client, isp, rahim):
    _sandbox(isp)
    link = _link(isp, rahim)
    with in_scope(isp.tenant):
        due = customer_due(rahim)
        open_bills = list(Bill.objects.filter(customer=rahim, status__in=("unpaid", "partial")))
    assert len(open_bills) == 2
    response = client.post(link_path(link), {"gateway": "sandbox"}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    with in_scope(isp.tenant):
        txn = GatewayTransaction.objects.get(link=link)
    assert (txn.amount, txn.source, txn.customer, txn.client_ip) == (
        due,
        "link",
        rahim,
        "203.0.113.9",
    )
    checkout = response["Location"]
    assert checkout == f"/pay/alpha/sandbox/{txn.reference}/"
    page = client.get(checkout)
    assert f'id="sandbox-amount">{txn.amount} BDT<' in page.content.decode()
    back = client.post(checkout, {"action": "paid"})
    assert back.status_code == 302
    assert urlparse(back["Location"]).path == "/pay/alpha/gw/sandbox/return/"
    result = client.get(back["Location"])
    assert result.status_code == 302
    final = client.get(result["Location"])
    assert final.status_code == 200
    body = final.content.decode()
    assert "Payment received" in body
    txn.refresh_from_db()
    link.refresh_from_db()
    assert txn.status == "succeeded"
    assert f'id="receipt-number">{txn.payment.receipt_number}<' in body
    assert link.paid_at is not None
    with in_scope(isp.tenant):
        assert customer_due(rahim) == 0
        assert {b.status for b in Bill.objects.filter(pk__in=[b.pk for b in open_bills])} == {
            "paid"
        }
    # The link now thanks the customer.
    assert "Nothing is due; thank you." in client.get(link_path(link)).content.decode()


#
# Send Payment Link (customer profile)
#


def test_send_page_makes_a_link_and_shows_it_with_copy(client, isp, rahim):
    client.force_login(isp.user_x)
    url = reverse("payments:link_send", args=[rahim.pk])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    with in_scope(isp.tenant):
        due = customer_due(rahim)
    assert f'id="link-due">{due:,.2f} BDT<' in body
    assert "No payment link sent yet." in body
    with capture_events(["payment_link.created"]) as seen:
        response = client.post(url, {"channel": "whatsapp", "valid_days": "5"})
    assert response.status_code == 302
    with in_scope(isp.tenant):
        link = PaymentLink.objects.get(customer=rahim)
    assert response["Location"] == f"{url}?link={link.pk}"
    assert (link.channel, link.created_by, link.amount) == ("whatsapp", isp.user_x, due)
    assert [name for name, _payload in seen] == ["payment_link.created"]
    shown = client.get(response["Location"]).content.decode()
    assert f'value="http://testserver{link_path(link)}" id="link-url"' in shown
    assert 'id="link-copy"' in shown and "navigator.clipboard" in shown
    assert f'id="link-status-{link.pk}">Sent<' in shown
    # The customer opens it: the list says so.
    client.get(link_path(link))
    client.force_login(isp.user_x)
    assert f'id="link-status-{link.pk}">Opened<' in client.get(url).content.decode()


def test_send_page_refuses_when_nothing_is_due(client, isp, rahim):
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        payment_receive(customer=rahim, by=fresh_user(isp.ga), amount=customer_due(rahim))
    client.force_login(isp.ga)
    url = reverse("payments:link_send", args=[rahim.pk])
    with nothing_changes(isp.tenant, what="nothing due"):
        response = client.post(url, {"channel": "copy", "valid_days": "7"})
    assert response.status_code == 200
    assert "rahim owes nothing now: there is nothing to send a link for." in (
        response.content.decode()
    )


def test_operator_y_cannot_open_or_post_the_send_page(client, isp, rahim):
    client.force_login(isp.user_y)
    url = reverse("payments:link_send", args=[rahim.pk])
    with nothing_changes(isp.tenant, what="operator Y"):
        assert client.get(url).status_code == 404
        assert client.post(url, {"channel": "copy", "valid_days": "7"}).status_code == 404


def test_profile_shows_the_section_to_holders_of_the_code(client, isp, rahim):
    link = _link(isp, rahim)
    url = reverse("customers:customer", args=[rahim.pk])
    send = reverse("payments:link_send", args=[rahim.pk])
    client.force_login(isp.user_x)
    body = client.get(url).content.decode()
    assert f'href="{send}" id="link-send-button"' in body
    assert 'id="link-section-table"' in body and str(link.amount) in body
    # Without the code (a manager of operator X sees the customer, not the section).
    client.force_login(fresh_user(isp.manager_x))
    response = client.get(url)
    assert response.status_code == 200
    assert 'id="link-section"' not in response.content.decode()
