"""Recharge cards in the portal: a good PIN pays the customer's account once; wrong
PINs count toward the lockout and say so."""

import datetime
from decimal import Decimal

import pytest
from django.test import TestCase
from django_scopes import scope

from netbill.billing.services import AUTO_SUSPEND_REASON
from netbill.core.testing.people import fresh_user
from netbill.customers.models import Customer
from netbill.customers.services import customer_change_status
from netbill.payments.cards import MAX_FAILURES, card_batch_create, format_pin, new_pin
from netbill.payments.gateway_services import customer_due
from netbill.payments.models import Payment, RechargeCard

from .helpers import log_in, portal_customer, portal_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def rahim(isp):
    customer, _setup = portal_customer(isp)
    return customer


def make_pins(isp, value="5000.00", count=2, prefix="PT"):
    with scope(tenant=isp.tenant.pk):
        _batch, pins = card_batch_create(
            by=fresh_user(isp.ga),
            name=f"Portal {prefix}",
            prefix=prefix,
            value=Decimal(value),
            count=count,
            valid_until=datetime.date(2099, 12, 31),
            operator=isp.root,
        )
    return pins


def redeem(client, isp, pin):
    with scope(tenant=isp.tenant.pk), TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(portal_url("redeem", isp), {"pin": pin})


def test_a_good_pin_pays_the_account_and_restores_it(client, isp, rahim):
    pins = make_pins(isp)
    with scope(tenant=isp.tenant.pk), TestCase.captureOnCommitCallbacks(execute=True):
        customer_change_status(
            customer=rahim, status="suspended", by=None, reason=AUTO_SUSPEND_REASON, system=True
        )
        due = customer_due(rahim)
    assert Decimal("0") < due < Decimal("5000.00")
    log_in(client, isp, rahim)
    response = redeem(client, isp, pins[0])
    assert (response.status_code, response["Location"]) == (302, portal_url("home", isp))
    with scope(tenant=isp.tenant.pk):
        card = RechargeCard.objects.get(redeemed_customer=rahim)
        payment = Payment.objects.get(pk=card.payment_id)
        customer = Customer.objects.get(pk=rahim.pk)
    assert (payment.customer_id, payment.amount, payment.method) == (
        rahim.pk,
        Decimal("5000.00"),
        "card",
    )
    assert customer.status == "active"
    assert customer.advance_balance == Decimal("5000.00") - due
    home = client.get(portal_url("home", isp)).content.decode()
    assert "Card redeemed: 5000.00 BDT paid to your account." in home
    assert portal_url("receipt", isp, pk=payment.pk) in home
    # The same PIN again pays nothing.
    response = redeem(client, isp, pins[0])
    assert response.status_code == 200
    assert "This PIN is not valid or has already been used." in response.content.decode()
    with scope(tenant=isp.tenant.pk):
        assert Payment.objects.filter(method="card").count() == 1


def test_another_isps_pin_is_not_valid_here(client, isp, other_isp, rahim):
    theirs = make_pins(other_isp, count=1)
    log_in(client, isp, rahim)
    response = redeem(client, isp, theirs[0])
    assert "This PIN is not valid or has already been used." in response.content.decode()
    with scope(tenant=other_isp.tenant.pk):
        assert RechargeCard.objects.get().status == "active"


def test_wrong_pins_lock_redemption(client, isp, rahim):
    pins = make_pins(isp, count=1)
    log_in(client, isp, rahim)
    response = redeem(client, isp, "ABCD-EFGH-JKMN-P")
    assert "This PIN has a typo" in response.content.decode()
    for _n in range(MAX_FAILURES - 2):
        response = redeem(client, isp, format_pin(new_pin()))
        assert "This PIN is not valid or has already been used." in response.content.decode()
    response = redeem(client, isp, new_pin())
    assert "Too many wrong PINs." in response.content.decode()
    # Even the right PIN is refused while locked.
    response = redeem(client, isp, pins[0])
    assert "Too many wrong PINs." in response.content.decode()
    with scope(tenant=isp.tenant.pk):
        assert RechargeCard.objects.get().status == "active"
        assert not Payment.objects.filter(method="card").exists()


def test_redeeming_needs_the_portal_login(client, isp, rahim):
    pins = make_pins(isp, count=1)
    response = redeem(client, isp, pins[0])
    assert response.status_code == 302
    assert response["Location"].startswith(portal_url("login", isp))
    with scope(tenant=isp.tenant.pk):
        assert RechargeCard.objects.get().status == "active"
