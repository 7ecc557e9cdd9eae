"""/api/v1/recharge-card-batches/ and /api/v1/recharge-cards/ beyond their contracts:
the PINs in the create answer only, replays by Idempotency-Key, refusals (bad PIN 400,
lockout 429, a key reused for another request 400), no PIN or hash in any answer."""

from datetime import timedelta

import pytest
from django.test import TestCase
from django.urls import reverse

from conftest import in_scope
from netbill.accounting.services import local_today
from netbill.billing.tests.helpers import billed_customer
from netbill.core.testing.people import fresh_user
from netbill.payments.cards import card_batch_create, new_pin, pin_hash
from netbill.payments.models import CardBatch, Payment, RechargeCard

pytestmark = pytest.mark.django_db

BATCHES = reverse("api:recharge-card-batch-list")
REDEEM = reverse("api:recharge-card-redeem")


def post(client, url, data, key):
    return client.post(url, data, content_type="application/json", headers={"Idempotency-Key": key})


def batch_body(isp, **values):
    return {
        "name": "API",
        "prefix": "AP",
        "value": "50.00",
        "count": 2,
        "valid_until": (local_today(isp.tenant) + timedelta(days=5)).isoformat(),
        **values,
    }


@pytest.fixture
def payer(isp):
    customer, _run = billed_customer(isp, username="api-payer")
    return customer


@pytest.fixture
def pins(isp):
    with in_scope(isp.tenant):
        _batch, pins = card_batch_create(
            by=fresh_user(isp.ga),
            name="Own",
            prefix="OWN",
            value="100.00",
            count=2,
            valid_until=local_today(isp.tenant) + timedelta(days=30),
        )
    return pins


def test_the_pins_come_once_and_a_replay_creates_nothing(client, isp):
    client.force_login(fresh_user(isp.ga))
    first = post(client, BATCHES, batch_body(isp), "k-1")
    assert first.status_code == 201, first.content
    pins = first.json()["pins"]
    assert [p["serial"] for p in pins] == ["AP-000001", "AP-000002"]
    again = post(client, BATCHES, batch_body(isp), "k-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["pins"] is None and again.json()["id"] == first.json()["id"]
    other = post(client, BATCHES, batch_body(isp, prefix="ZZ"), "k-1")
    assert other.status_code == 400 and "idempotency_key" in other.json()
    detail = client.get(reverse("api:recharge-card-batch-detail", args=[first.json()["id"]]))
    assert "pins" not in detail.json()
    cards = client.get(reverse("api:recharge-card-list")).content.decode()
    for pin in pins:
        assert pin["pin"] not in cards and pin["pin"].replace("-", "") not in cards
        assert pin_hash(pin["pin"]) not in cards
    with in_scope(isp.tenant):
        assert CardBatch.objects.count() == 1 and RechargeCard.objects.count() == 2


def test_a_create_needs_the_key_and_valid_values(client, isp):
    client.force_login(fresh_user(isp.ga))
    response = client.post(BATCHES, batch_body(isp), content_type="application/json")
    assert response.status_code == 400 and "idempotency_key" in response.json()
    assert post(client, BATCHES, batch_body(isp, count=10_001), "k-2").status_code == 400
    assert post(client, BATCHES, batch_body(isp, value=1.5), "k-3").status_code == 400
    refused = post(client, BATCHES, batch_body(isp, operator=isp.op_x.pk), "k-4")
    assert refused.status_code == 400  # operator X has no deposit and no credit
    with in_scope(isp.tenant):
        assert not CardBatch.objects.exists()


def test_redeem_replays_and_refusals(client, isp, payer, pins):
    client.force_login(fresh_user(isp.ga))
    body = {"pin": pins[0], "customer": payer.pk}
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        first = post(client, REDEEM, body, "r-1")
        again = post(client, REDEEM, body, "r-1")
    assert first.status_code == 201, first.content
    assert again.status_code == 200 and again.json() == first.json()
    reused = post(client, REDEEM, {"pin": pins[1], "customer": payer.pk}, "r-1")
    assert reused.status_code == 400
    used = post(client, REDEEM, body, "r-2")
    assert used.status_code == 400
    assert used.json()["pin"] == ["This PIN is not valid or has already been used."]
    with in_scope(isp.tenant):
        assert Payment.objects.filter(method="card").count() == 1


def test_redeem_locks_out_with_429(client, isp, payer, pins):
    client.force_login(fresh_user(isp.ga))
    answers = [
        post(client, REDEEM, {"pin": new_pin(), "customer": payer.pk}, f"w-{n}").status_code
        for n in range(6)
    ]
    assert answers == [400, 400, 400, 400, 429, 429]
    locked = post(client, REDEEM, {"pin": pins[0], "customer": payer.pk}, "w-right")
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0


def test_redeem_for_a_customer_beyond_reach_is_refused(client, isp, payer, pins):
    client.force_login(fresh_user(isp.user_y))
    response = post(client, REDEEM, {"pin": pins[0], "customer": payer.pk}, "y-1")
    assert response.status_code == 400 and "customer" in response.json()
    with in_scope(isp.tenant):
        assert set(RechargeCard.objects.values_list("status", flat=True)) == {"active"}
