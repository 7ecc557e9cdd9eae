"""Payments test helpers: a Sandbox gateway, gateway transactions, a payment link, a
card batch and the suspension portal settings, so that every pk URL of the gateway,
link, card and portal pages has a row to try (the isolation and NOC crawlers)."""

import hashlib
import secrets
from datetime import date, timedelta
from decimal import Decimal

from django.test import TestCase
from django.utils import timezone

from conftest import in_scope
from netbill.customers.tests.helpers import customer_setup


def sandbox_gateway(isp, *, active: bool = True, name: str = "Sandbox"):
    from netbill.payments.models import PaymentGateway

    with in_scope(isp.tenant):
        gateway, _created = PaymentGateway.objects.update_or_create(
            tenant=isp.tenant,
            provider="sandbox",
            defaults={"is_active": active, "is_sandbox": True, "display_name": name},
        )
        gateway.set_credentials({"merchant_name": name})
        gateway.save()
    return gateway


def fake_urls(txn):
    from netbill.payments.gateways import Urls

    return Urls(return_url="http://testserver/return/", ipn_url="http://testserver/ipn/")


def sandbox_paid(txn, trx_id: str | None = None, amount: Decimal | None = None) -> None:
    """What the Sandbox's checkout page records when the customer presses Pay."""
    from netbill.payments.models import GatewayTransaction

    record = {
        "state": "paid",
        "amount": str(amount if amount is not None else txn.amount),
        "trx_id": trx_id or f"SBX{secrets.token_hex(5).upper()}",
    }
    GatewayTransaction.objects.filter(pk=txn.pk).update(
        meta={**(txn.meta or {}), "sandbox": record}
    )
    txn.refresh_from_db()


def add_payment_rows(isp, label="Alpha secret", *, pool_subnet="10.62.0.0/22"):
    """One row of every gateway, link, card and portal model in `isp`."""
    from netbill.billing.tests.helpers import billed_customer
    from netbill.payments.choices import CheckTriggerChoices
    from netbill.payments.gateway_services import payment_start, txn_verify
    from netbill.payments.models import CardBatch, PaymentLink, RechargeCard
    from netbill.portal.models import SuspensionPortalSettings
    from netbill.tenancy.models import Zone

    setup = customer_setup(isp, pool_subnet=pool_subnet, label=f"{label} payments")
    with in_scope(isp.tenant):
        zone = Zone.objects.filter(tenant=isp.tenant).first()
    # Address and zone: the crawlers' ISPs make them mandatory (Mandatory Attributes).
    customer, _run = billed_customer(
        isp, setup, name=f"{label} online payer", address=f"{label} address", zone=zone
    )
    gateway = sandbox_gateway(isp, name=f"{label} sandbox")
    with in_scope(isp.tenant):
        with TestCase.captureOnCommitCallbacks(execute=True):
            paid = payment_start(
                customer=customer, gateway=gateway, urls_for=fake_urls, amount="10.00"
            )
            sandbox_paid(paid)
            txn_verify(paid, trigger=CheckTriggerChoices.BEAT)
            payment_start(customer=customer, gateway=gateway, urls_for=fake_urls, amount="11.00")
        link = PaymentLink.objects.create(
            tenant=isp.tenant,
            customer=customer,
            token=secrets.token_urlsafe(24),
            amount=Decimal("500.00"),
            expires_at=timezone.now() + timedelta(days=7),
            channel="copy",
        )
        batch = CardBatch.objects.create(
            tenant=isp.tenant,
            name=f"{label} cards",
            prefix=f"T{secrets.token_hex(2).upper()}",
            value=Decimal("500.00"),
            count=1,
            valid_until=date(2027, 12, 31),
            operator=isp.root,
        )
        RechargeCard.objects.create(
            tenant=isp.tenant,
            batch=batch,
            serial=f"{batch.prefix}-000001",
            pin_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
            pin_last4="WXYZ",
            value=batch.value,
            valid_until=batch.valid_until,
        )
        portal = SuspensionPortalSettings.objects.update_or_create(
            tenant=isp.tenant, defaults={"title": f"{label} suspension", "message": label}
        )[0]
    return {
        "customer": customer,
        "gateway": gateway,
        "paid_txn": paid,
        "link": link,
        "batch": batch,
        "portal": portal,
    }
