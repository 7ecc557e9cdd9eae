"""Recharge Cards pages beyond their contracts: the card sheet with the PINs exactly
once after Create Batch (the session holds them encrypted), refusals shown on the
forms, wrong PINs toward lockout on Redeem Card, a double submit redeeming once."""

import base64
import re
import zlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse

from conftest import in_scope
from netbill.accounting.services import local_today
from netbill.billing.tests.helpers import billed_customer
from netbill.core.testing.people import fresh_user
from netbill.core.testing.state import nothing_changes
from netbill.payments.cards import card_batch_create, format_pin, new_pin, pin_hash
from netbill.payments.models import CardBatch, Payment, RechargeCard, RedeemThrottle

pytestmark = pytest.mark.django_db

TOKEN = "0c9e6b1d2a3f4e5d8c7b6a5f4e3d2c1b"


def pdf_text(data: bytes) -> str:
    """The text operators of a reportlab PDF (its content streams inflated)."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = match.group(1).strip()
        try:
            if raw.endswith(b"~>"):
                raw = base64.a85decode(raw if raw.startswith(b"<~") else b"<~" + raw, adobe=True)
            out.append(zlib.decompress(raw).decode("latin-1"))
        except (ValueError, zlib.error):
            continue
    return "\n".join(out)


def batch_form(isp, **values):
    return {
        "name": "Page cards",
        "prefix": "PG",
        "value": "100.00",
        "count": "3",
        "valid_until": (local_today(isp.tenant) + timedelta(days=30)).isoformat(),
        "operator": "",
        "distributor": "",
        "token": TOKEN,
        **values,
    }


@pytest.fixture
def own_cards(isp):
    with in_scope(isp.tenant):
        _batch, pins = card_batch_create(
            by=fresh_user(isp.ga),
            name="Own",
            prefix="OWN",
            value="100.00",
            count=3,
            valid_until=local_today(isp.tenant) + timedelta(days=30),
        )
    return pins


@pytest.fixture
def payer(isp):
    customer, _run = billed_customer(isp, username="card-payer")
    return customer


def test_the_card_sheet_shows_the_pins_once(client, isp):
    client.force_login(fresh_user(isp.ga))
    response = client.post(reverse("payments:card_batch_add"), batch_form(isp))
    assert response.status_code == 302, response.content[:2000]
    with in_scope(isp.tenant):
        made = CardBatch.objects.get(prefix="PG")
        cards = list(RechargeCard.objects.filter(batch=made).order_by("serial"))
    page = client.get(response["Location"])
    assert 'id="card-pins-ready"' in page.content.decode()
    # The session holds the PINs encrypted, never in plain text.
    stored = client.session[f"card_pins:{made.pk}"]
    sheet_url = reverse("payments:card_batch_sheet", args=[made.pk])
    first = client.get(sheet_url)
    assert first.status_code == 200 and "cards-PG-pins.pdf" in first["Content-Disposition"]
    text = pdf_text(first.content)
    printed = re.findall(r"\(([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2})\)", text)
    assert [pin_hash(p) for p in printed] == [c.pin_hash for c in cards]
    for pin in printed:
        assert pin.replace("-", "") not in stored and pin not in stored
    assert f"card_pins:{made.pk}" not in client.session
    # Every later sheet masks the PINs.
    second = client.get(sheet_url)
    assert "cards-PG-serials.pdf" in second["Content-Disposition"]
    text = pdf_text(second.content)
    assert not re.findall(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}", text)
    assert "PG-000003" in text and cards[2].pin_last4[:2] in text
    assert 'id="card-pins-ready"' not in client.get(response["Location"]).content.decode()


def test_a_double_submit_creates_one_batch(client, isp):
    client.force_login(fresh_user(isp.ga))
    client.post(reverse("payments:card_batch_add"), batch_form(isp))
    again = client.post(reverse("payments:card_batch_add"), batch_form(isp), follow=True)
    assert "already sent" in again.content.decode()
    with in_scope(isp.tenant):
        assert CardBatch.objects.count() == 1 and RechargeCard.objects.count() == 3


def test_a_short_distributor_balance_is_shown_on_the_form(client, isp):
    client.force_login(fresh_user(isp.ga))
    with nothing_changes(isp.tenant, what="short"):
        response = client.post(
            reverse("payments:card_batch_add"), batch_form(isp, distributor=str(isp.cards.pk))
        )
    assert response.status_code == 200
    assert "balance (0.00) is less than" in response.content.decode()


def test_redeem_page_counts_wrong_pins_and_locks_out(client, isp, payer, own_cards):
    client.force_login(fresh_user(isp.ga))
    url = reverse("payments:card_redeem")
    for _ in range(4):
        response = client.post(
            url, {"username": payer.username, "pin": format_pin(new_pin()), "token": TOKEN}
        )
        assert response.status_code == 200
        assert "This PIN is not valid or has already been used." in response.content.decode()
    response = client.post(url, {"username": payer.username, "pin": "ABCD", "token": TOKEN})
    assert "locked until" in response.content.decode()
    response = client.post(url, {"username": payer.username, "pin": own_cards[0], "token": TOKEN})
    assert "locked until" in response.content.decode()
    with in_scope(isp.tenant):
        assert RedeemThrottle.objects.get(subject=f"user:{isp.ga.pk}").failures == 5
        assert not Payment.objects.filter(method="card").exists()


def test_redeem_page_twice_with_one_token_pays_once(client, isp, payer, own_cards):
    client.force_login(fresh_user(isp.ga))
    data = {"username": payer.username, "pin": format_pin(own_cards[1]), "token": TOKEN}
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        first = client.post(reverse("payments:card_redeem"), data)
        second = client.post(reverse("payments:card_redeem"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    with in_scope(isp.tenant):
        assert Payment.objects.filter(method="card").count() == 1
        assert not RedeemThrottle.objects.exists()


def test_a_distributor_redeems_and_returns_to_the_form(client, isp, payer, own_cards):
    client.force_login(fresh_user(isp.cards))
    data = {"username": payer.username, "pin": own_cards[2], "token": TOKEN}
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("payments:card_redeem"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:card_redeem")
    with in_scope(isp.tenant):
        card = RechargeCard.objects.get(serial="OWN-000003")
        assert (card.redeemed_by, card.payment.amount) == (isp.cards, Decimal("100.00"))
    # The batch page shows who redeemed it.
    client.force_login(fresh_user(isp.ga))
    page = client.get(reverse("payments:card_batch", args=[card.batch_id])).content.decode()
    assert payer.username in page and isp.cards.username in page


def test_operator_y_cannot_redeem_for_operator_xs_customer(client, isp, payer, own_cards):
    client.force_login(fresh_user(isp.user_y))
    with nothing_changes(isp.tenant, what="other subtree"):
        response = client.post(
            reverse("payments:card_redeem"),
            {"username": payer.username, "pin": own_cards[0], "token": TOKEN},
        )
    assert response.status_code == 200
    assert "No customer with this username within your reach." in response.content.decode()
