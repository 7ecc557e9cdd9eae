"""The demo ISP's online payments (issue 7): gateways, attempts, payment links, recharge
cards and the suspension page, all written by the real services.

- Settings → Payment Gateways: the offline Sandbox, active (customers pay with it in the
  portal); bKash and SSLCommerz set up in sandbox mode with made-up credentials, not
  active (a newcomer sees how a real gateway is configured; nothing calls them).
- Bills & Payments → Gateway Transactions and Verify Payments: Sandbox payments that
  succeeded (the checkout page's record, then the signed return, as a browser does),
  one still pending (the customer came back before paying), one failed, one cancelled,
  one held for a person (the gateway reports less than the attempt's amount).
- Send Payment Link: links to two suspended customers.
- Recharge Cards: a batch issued to the card distributor (paid from its balance), and
  the ISP's own counter stock, one card of which a customer redeemed at the counter.
- Settings → Suspension Portal Settings: what a suspended customer sees.
"""

import datetime
from decimal import Decimal

from django.urls import reverse

# Who pays online with the Sandbox (their dues, or a month ahead when nothing is due).
DEMO_SANDBOX_PAYERS = ("rahim", "fatema", "sharmin", "tanvir", "rafiq", "delwar")
DEMO_PENDING = "habib"  # came back from the checkout page before paying
DEMO_FAILED = "sabina"  # the payment failed at the gateway
DEMO_CANCELLED = "arif"  # cancelled on the checkout page
DEMO_HELD = "nurul"  # the gateway reports 100 less than the attempt: held
DEMO_LINKS = ("nasrin", "mostafa")  # suspended and owing: sent a payment link
DEMO_CARD_REDEEMER = "saiful"
DEMO_CARD_VALUE = Decimal("500")
DEMO_DISTRIBUTOR_CARDS = 10
DEMO_COUNTER_CARDS = 20
DEMO_SANDBOX_MERCHANT = "Dhaka Fiber Net (Sandbox)"
# The customer the portal demo logs in as, and the auto-suspended one who pays to be
# restored (seed_demo.DEMO_AUTO_SUSPENDED).
DEMO_PORTAL_CUSTOMER = "rahim"
DEMO_PORTAL_SUSPENDED = "shahnaz"

SUSPENSION_MESSAGE = (
    "Your internet connection is suspended because a bill is unpaid. Pay the amount "
    "below with bKash, Nagad or a card and you are back online within a minute.\n"
    "আপনার বিল বকেয়া থাকায় ইন্টারনেট সংযোগ সাময়িকভাবে বন্ধ আছে। বিল পরিশোধ করলেই সংযোগ "
    "আবার চালু হবে।"
)


def _urls(tenant):
    """Where the Sandbox sends the browser back (paths: the demo runs on any host)."""
    from netbill.payments.gateways import Urls

    def build(txn):
        kwargs = {"isp": tenant.slug, "provider": txn.provider}
        return Urls(
            return_url=reverse("payments_public:gateway_return", kwargs=kwargs),
            ipn_url=reverse("payments_public:gateway_ipn", kwargs=kwargs),
        )

    return build


def _checkout(txn, state: str, *, amount: Decimal | None = None, trx_id: str = "") -> None:
    """What the Sandbox's checkout page records when the customer presses Pay, Fail or
    Cancel (the gateway's own record, which `verify` reads)."""
    from netbill.payments.models import GatewayTransaction

    record = {"state": state, "amount": str(txn.amount if amount is None else amount)}
    if state == "paid":
        record["trx_id"] = trx_id
    txn.meta = {**(txn.meta or {}), "sandbox": record}
    GatewayTransaction.objects.filter(pk=txn.pk).update(meta=txn.meta)


def _return(gateway, txn, result: str):
    """The customer's browser back from the checkout page: a signed return."""
    from netbill.payments.gateway_services import callback_receive
    from netbill.payments.gateways import CallbackRequest
    from netbill.payments.gateways.sandbox import sandbox_signature

    query = {
        "reference": txn.reference,
        "result": result,
        "sig": sandbox_signature(txn.reference, result),
    }
    return callback_receive(
        gateway=gateway,
        request=CallbackRequest(
            method="GET", query=query, form={}, body=b"", headers={}, remote_ip="203.0.113.24"
        ),
    )


def _seed_gateways(tenant, admin):
    """The Sandbox (active) and two real gateways in sandbox mode, not active."""
    from netbill.payments.gateway_admin import gateway_configure

    sandbox = gateway_configure(
        by=admin,
        tenant=tenant,
        provider="sandbox",
        values={"merchant_name": DEMO_SANDBOX_MERCHANT},
        display_name="Sandbox (demo)",
        is_sandbox=True,
        is_active=True,
        sort_order=0,
    )
    # Made-up credentials: the gateways are not active, so nothing ever calls them.
    gateway_configure(
        by=admin,
        tenant=tenant,
        provider="bkash",
        values={
            "username": "demo-bkash-merchant",
            "password": "demo-not-a-real-password",
            "app_key": "demo-app-key-0000",
            "app_secret": "demo-app-secret-0000",
        },
        display_name="bKash",
        is_sandbox=True,
        is_active=False,
        sort_order=1,
    )
    gateway_configure(
        by=admin,
        tenant=tenant,
        provider="sslcommerz",
        values={"store_id": "demodhakafiber0001", "store_password": "demo-store-password"},
        display_name="Card / mobile banking (SSLCommerz)",
        is_sandbox=True,
        is_active=False,
        sort_order=2,
    )
    return sandbox


def _seed_attempts(tenant, sandbox, customers) -> None:
    """Sandbox payments made today: succeeded, pending, failed, cancelled and held."""
    from netbill.billing.models import Bill
    from netbill.catalog.models import OperatorPackage
    from netbill.payments.gateway_services import customer_due, payment_start

    urls = _urls(tenant)

    def start(username, amount=None):
        customer = customers[username]
        if amount is None and customer_due(customer) <= 0:
            # Nothing due: a month ahead, at the package's price (advance credit).
            amount = OperatorPackage.objects.get(pk=customer.package_id).customer_price
        return payment_start(
            customer=customer, gateway=sandbox, urls_for=urls, amount=amount, source="portal"
        )

    for n, username in enumerate(DEMO_SANDBOX_PAYERS):
        txn = start(username)
        _checkout(txn, "paid", trx_id=f"SBX{7300 + n * 17:06d}")
        _return(sandbox, txn, "success")
    _return(sandbox, start(DEMO_PENDING), "success")  # stays pending: nothing paid yet
    for username, state, result in (
        (DEMO_FAILED, "failed", "failure"),
        (DEMO_CANCELLED, "cancelled", "cancel"),
    ):
        txn = start(username)
        _checkout(txn, state)
        _return(sandbox, txn, result)
    held = start(DEMO_HELD)
    _checkout(held, "paid", amount=held.amount - Decimal("100"), trx_id="SBX009941")
    _return(sandbox, held, "success")
    # The customers who paid in full have no open bills left.
    assert not Bill.objects.filter(
        customer__username__in=DEMO_SANDBOX_PAYERS, status__in=("unpaid", "partial")
    ).exists()


def _seed_cards(tenant, admin, customers) -> None:
    """The card distributor paid for ten cards (its balance), the ISP keeps twenty at the
    counter; a customer redeemed one of those at the counter."""
    from netbill.accounting.services import local_today
    from netbill.accounts.models import User
    from netbill.payments.cards import card_batch_create, card_redeem, distributor_add_balance

    today = local_today(tenant)
    distributor = User.objects.get(username="cards")
    distributor_add_balance(
        by=admin,
        distributor=distributor,
        amount=DEMO_CARD_VALUE * DEMO_DISTRIBUTOR_CARDS,
        reference="Cash paid at the Mirpur office",
    )
    card_batch_create(
        by=admin,
        name="Babul Card Point, 500 Tk",
        prefix="B500",
        value=DEMO_CARD_VALUE,
        count=DEMO_DISTRIBUTOR_CARDS,
        valid_until=today + datetime.timedelta(days=180),
        distributor=distributor,
    )
    _batch, pins = card_batch_create(
        by=admin,
        name="Counter stock, 500 Tk",
        prefix="C500",
        value=DEMO_CARD_VALUE,
        count=DEMO_COUNTER_CARDS,
        valid_until=today + datetime.timedelta(days=365),
    )
    card_redeem(
        tenant=tenant,
        pin=pins[0],
        customer=customers[DEMO_CARD_REDEEMER],
        by=admin,
        subject=f"user:{admin.pk}",
    )


def seed_payments(tenant, admin) -> None:
    """Everything above, in the seed's transaction and the demo ISP's scope."""
    from netbill.customers.models import Customer
    from netbill.payments.links import payment_link_create
    from netbill.portal.services import suspension_portal_settings_update

    customers = {c.username: c for c in Customer.objects.select_related("tenant")}
    sandbox = _seed_gateways(tenant, admin)
    _seed_attempts(tenant, sandbox, customers)
    for username, channel in zip(DEMO_LINKS, ("sms", "copy"), strict=True):
        payment_link_create(customer=customers[username], by=admin, channel=channel)
    _seed_cards(tenant, admin, customers)
    suspension_portal_settings_update(
        tenant=tenant,
        by=admin,
        data={
            "title": "Your connection is suspended / সংযোগ সাময়িকভাবে বন্ধ",
            "message": SUSPENSION_MESSAGE,
            "contact_phone": "+8801711000001",
            "contact_email": "support@dhakafiber.example",
            "contact_address": "House 12, Road 5, Mirpur-10, Dhaka 1216",
            "show_pay_button": True,
        },
    )
