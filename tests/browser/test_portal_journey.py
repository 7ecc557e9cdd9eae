"""Browser journey: a customer auto-suspended for an unpaid bill logs in to the customer
portal, pays with the Sandbox gateway, sees the bill paid and the service back, and
FreeRADIUS then answers with the package's group again. Every step is a click in
Debian's Chromium; PostgreSQL, FreeRADIUS (radclient) and a fake NAS are real."""

import re

import pytest

from conftest import in_scope
from netbill.billing.models import Bill
from netbill.billing.tests.test_freeradius_suspension import (
    assert_package_reply,
    offline,
    online,
)
from netbill.payments.models import GatewayTransaction, Payment
from netbill.payments.tests.test_gateway_restore_radius import suspend, suspended_world

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.browser
def test_a_suspended_customer_pays_in_the_portal_and_is_back_online(
    isp, fake_nas, freeradius, live_server, page
):
    world = suspended_world(isp, fake_nas, freeradius)
    suspend(world)
    with in_scope(world.tenant):
        bill = Bill.objects.get(customer=world.rahim)
        due = bill.due
    assert due > 0
    base = live_server.url
    home = f"{base}/portal/alpha/"

    # A wrong password first: refused, with the reason.
    page.goto(f"{home}login/")
    page.fill("#id_username", "rahim")
    page.fill("#id_password", "not-the-password")
    page.get_by_role("button", name="Log in").click()
    assert "The username or password is not correct." in page.locator("#form-errors").inner_text()

    page.fill("#id_username", "rahim")
    page.fill("#id_password", "rahim-pw")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(home)
    assert page.locator("#customer-status").inner_text() == "Suspended"
    assert page.locator("#suspended-why").is_visible()
    assert page.locator("#total-due").inner_text().startswith(f"{due:,}")
    assert page.locator(f"#due-bills tr[data-bill='{bill.pk}']").is_visible()

    # Pay now → choose the Sandbox → its checkout page → Pay.
    page.locator("#pay-button").click()
    page.wait_for_url(f"{home}pay/")
    page.get_by_label("Sandbox").check()
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url(re.compile(r"/pay/alpha/sandbox/NB[A-Z0-9]{14}/$"))
    assert f"{due} BDT" in page.locator("#sandbox-amount").inner_text()
    walled = online(world, "rahim")
    page.get_by_role("button", name="Pay", exact=True).click()

    # Back from the gateway: verified server to server, then the receipt.
    page.wait_for_url(re.compile(r"/pay/alpha/result/NB[A-Z0-9]{14}/$"))
    assert "Payment received" in page.locator("#payment-result").inner_text()
    with in_scope(world.tenant):
        txn = GatewayTransaction.objects.select_related("payment").get(customer=world.rahim)
        assert (txn.status, txn.source, txn.amount) == ("succeeded", "portal", due)
        assert Payment.objects.filter(customer=world.rahim).count() == 1
        bill.refresh_from_db()
        assert (bill.status, bill.paid_amount) == ("paid", bill.total)
    assert page.locator("#receipt-number").inner_text() == txn.payment.receipt_number

    # The account: active again, nothing due, the payment listed.
    page.get_by_role("link", name="Back to my account").click()
    page.wait_for_url(home)
    assert page.locator("#customer-status").inner_text() == "Active"
    assert page.locator("#total-due").inner_text().startswith("0.00")
    assert page.locator("#due-bills").count() == 0
    assert page.locator(f"#payments li[data-payment='{txn.payment.pk}']").is_visible()

    # The router was told to drop the walled-garden session, and when the customer dials
    # in again FreeRADIUS gives the package's group.
    restore = world.nas.received[1:]
    assert [(p.code, p.attributes["User-Name"]) for p in restore] == [
        ("Disconnect-Request", "rahim")
    ]
    assert restore[0].attributes["Acct-Session-Id"] == walled.session_id
    offline(world, "rahim")
    assert_package_reply(world, "rahim")
