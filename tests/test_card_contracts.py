"""Every Recharge Cards page and endpoint under its contract
(netbill.core.testing.contracts): Card Batches (list, Create Batch, the batch, its card
sheet), Redeem Card, Card Distributors (list, Add Balance), and /api/v1/
recharge-card-batches/ and /api/v1/recharge-cards/ (with redeem).

Batches belong to the operator they were issued to (the root for the ISP's own
stock): operator Y reaches only its own batch. Create Batch is ISP-wide (cards.manage):
a user below the root is refused even when given the code. Redeem Card names the
customer by username: one beyond the user's reach (or of another ISP) is "not found"
on the form, and nothing is written, not even a throttle failure.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from conftest import in_scope
from netbill.accounting.services import local_today
from netbill.accounts.models import Operator, User
from netbill.billing.tests.helpers import billed_customer
from netbill.core.testing.contracts import (
    APICreateContract,
    APIDetailContract,
    APIListContract,
    CreateViewContract,
    DetailViewContract,
    EditViewContract,
    ListViewContract,
)
from netbill.core.testing.people import fresh_user, set_codes
from netbill.core.testing.state import nothing_changes
from netbill.customers.tests.helpers import customer_setup
from netbill.payments.cards import (
    card_batch_create,
    distributor_add_balance,
    distributor_balance,
    format_pin,
)
from netbill.payments.models import CardBatch, Payment, RechargeCard
from netbill.payments.services import operator_add_balance

pytestmark = pytest.mark.django_db

TOKEN = "7d1e0c2a9b5f4e3d8c6a1b2f3e4d5c6b"


def prepare_cards(isp):
    """Per ISP: deposits for operators X and Y and the card distributor (of X), a batch
    of each kind (X's, Y's, the distributor's, the ISP's own) and a customer of X with
    unpaid bills to redeem for."""
    ga = fresh_user(isp.ga)
    until = local_today(isp.tenant) + timedelta(days=60)
    operator_add_balance(operator=isp.op_x, by=ga, amount="5000.00", reference="Deposit X")
    operator_add_balance(operator=isp.op_y, by=ga, amount="1000.00", reference="Deposit Y")
    distributor_add_balance(by=ga, distributor=isp.cards, amount="1000.00", reference="Cash D")

    def make(prefix, count, **issued):
        return card_batch_create(
            by=ga,
            name=f"{prefix} cards",
            prefix=prefix,
            value="100.00",
            count=count,
            valid_until=until,
            **issued,
        )

    isp.batch_x, isp.pins_x = make("XC", 3, operator=isp.op_x)
    isp.batch_y, isp.pins_y = make("YC", 2, operator=isp.op_y)
    isp.batch_d, isp.pins_d = make("DC", 2, distributor=isp.cards)
    isp.batch_own, isp.pins_own = make("OWN", 2)
    setup = customer_setup(isp, pool_subnet="10.73.0.0/24", label="Card X")
    isp.card_customer, _run = billed_customer(
        isp, setup, name="Card Payer", username=f"{isp.tenant.slug}-cardpayer"
    )


class _Cards:
    other_subtree_user = "user_y"

    def prepare(self, isp):
        prepare_cards(isp)


class _ISPWide:
    """Create Batch belongs to the whole ISP: operator X, even given the code by
    special permission, is refused and nothing changes."""

    def test_other_subtree(self, client, isp, request):
        self.ready(isp)
        user = set_codes(fresh_user(isp.user_x), grant=[self.permission])
        self.refuse(client, user, isp, self.methods, 403, "below the ISP's root")


class InScopeCommit:
    """A redemption restores a customer who settled its bills on commit; a test's
    transaction commits after the request, outside its scope (test_payment_contracts)."""

    def test_with_permission(self, client, isp, request):
        with scope(tenant=isp.tenant.pk):
            super().test_with_permission(client, isp, request)


#
# Card Batches
#


class TestCardBatchList(_Cards, ListViewContract):
    url_name = "payments:card_batch_list"
    permission = "cards.view"

    def expected_rows(self, isp):
        return CardBatch.objects.filter(tenant=isp.tenant)

    def other_subtree_rows(self, isp):
        return CardBatch.objects.filter(tenant=isp.tenant, operator=isp.op_y)

    def check_page(self, response, isp):
        body = response.content.decode()
        assert reverse("payments:card_batch", args=[isp.batch_x.pk]) in body
        assert "The ISP&#x27;s own stock" in body or "The ISP's own stock" in body

    def test_a_distributor_sees_its_own_batches(self, client, isp):
        self.ready(isp)
        client.force_login(fresh_user(isp.cards))
        response = client.get(self.url_for(isp))
        assert response.status_code == 200
        assert self.listed(response) == {isp.batch_d.pk}


class TestCardBatchCreate(_ISPWide, _Cards, CreateViewContract):
    url_name = "payments:card_batch_add"
    permission = "cards.manage"
    model = CardBatch
    audit_action = "card_batch.created"
    events = ("card_batch.created",)

    def target(self, isp):
        return isp.op_x

    def form_data(self, isp):
        return {
            "name": "Puja cards",
            "prefix": "new1",
            "value": "50.00",
            "count": "4",
            "valid_until": (local_today(isp.tenant) + timedelta(days=30)).isoformat(),
            "operator": str(isp.op_x.pk),
            "distributor": "",
            "token": TOKEN,
        }

    def created_lookup(self, isp):
        return {"prefix": "NEW1"}

    def expected(self, isp):
        return {
            "name": "Puja cards",
            "value": Decimal("50.00"),
            "count": 4,
            "operator": isp.op_x,
            "distributor": None,
            "created_by": isp.ga,
        }

    def success_url(self, isp, obj):
        return reverse("payments:card_batch", args=[obj.pk])

    def after_write(self, isp, obj, response):
        assert RechargeCard.objects.filter(batch=obj).count() == 4
        # 5000 deposited, 300 of X's batch before, 200 now.
        assert Operator.objects.get(pk=isp.op_x.pk).balance == Decimal("4500.00")
        assert f"card_pins:{obj.pk}" in response.wsgi_request.session


class TestCardBatchDetail(_Cards, DetailViewContract):
    url_name = "payments:card_batch"
    permission = "cards.view"

    def target(self, isp):
        return isp.batch_x

    def check_page(self, response, isp):
        body = response.content.decode()
        for n in range(1, 4):
            assert f"XC-{n:06d}" in body
        for pin in isp.pins_x:
            assert pin[-4:] in body.replace("-", "")
            assert format_pin(pin) not in body and pin not in body


class TestCardBatchSheet(_Cards, DetailViewContract):
    url_name = "payments:card_batch_sheet"
    permission = "cards.view"

    def target(self, isp):
        return isp.batch_x

    def test_with_permission(self, client, isp, request):
        client.force_login(self.allowed_user(isp, request))
        with nothing_changes(isp.tenant, what="with permission"):
            response = client.get(self.url_for(isp))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert "cards-XC-serials.pdf" in response["Content-Disposition"]


#
# Redeem Card
#


class TestCardRedeem(InScopeCommit, _Cards, CreateViewContract):
    url_name = "payments:card_redeem"
    permission = "cards.sell"
    model = Payment
    audit_action = "card.redeemed"
    events = ("payment.received", "card.redeemed")

    def target(self, isp):
        return isp.card_customer

    def form_data(self, isp):
        return {
            "username": isp.card_customer.username,
            "pin": format_pin(isp.pins_own[0]).lower(),
            "token": TOKEN,
        }

    def created_lookup(self, isp):
        return {"method": "card"}

    def expected(self, isp):
        return {
            "customer": isp.card_customer,
            "amount": Decimal("100.00"),
            "method": "card",
            "reference": "Card OWN-000001",
            "received_by": isp.ga,
        }

    def audit_object(self, isp, obj):
        with scope(tenant=isp.tenant.pk):
            return RechargeCard.objects.get(payment=obj)

    def success_url(self, isp, obj):
        return reverse("payments:receipt", args=[obj.pk])

    def after_write(self, isp, obj, response):
        card = RechargeCard.objects.get(payment=obj)
        assert (card.serial, card.status, card.redeemed_customer) == (
            "OWN-000001",
            "redeemed",
            isp.card_customer,
        )


#
# Card Distributors
#


class TestCardDistributorList(_Cards, ListViewContract):
    url_name = "payments:card_distributor_list"
    permission = "operators.balance"

    def expected_rows(self, isp):
        return [isp.cards]

    def other_subtree_rows(self, isp):
        return []

    def check_page(self, response, isp):
        body = response.content.decode()
        # 1000 paid in, 200 of cards issued.
        assert "800.00" in body
        assert reverse("payments:card_distributor_add_balance", args=[isp.cards.pk]) in body


class TestDistributorAddBalance(_Cards, EditViewContract):
    url_name = "payments:card_distributor_add_balance"
    permission = "operators.balance"
    audit_action = "distributor.balance_added"
    events = ("distributor.balance_added",)

    def target(self, isp):
        return isp.cards

    def form_data(self, isp):
        return {"amount": "250.00", "reference": "Slip 9", "token": TOKEN}

    def expected(self, isp):
        return {"role": "card_distributor", "is_active": True}

    def success_url(self, isp, obj):
        return reverse("payments:card_distributor_list")

    def after_write(self, isp, obj, response):
        assert distributor_balance(User.objects.get(pk=isp.cards.pk)) == Decimal("1050.00")


#
# API
#


class _Idempotent:
    key = "9b2f1c3e-card-contract"

    def send(self, client, method, url, data=None, headers=None):
        if method != "get":
            headers = {**(headers or {}), "Idempotency-Key": self.key}
        return super().send(client, method, url, data, headers)


class TestCardBatchAPIList(_Cards, APIListContract):
    url_name = "api:recharge-card-batch-list"
    permission = "cards.view"

    def expected_rows(self, isp):
        return CardBatch.objects.filter(tenant=isp.tenant)

    def other_subtree_rows(self, isp):
        return CardBatch.objects.filter(tenant=isp.tenant, operator=isp.op_y)

    def check_page(self, response, isp):
        by_id = {b["id"]: b for b in response.json()["results"]}
        row = by_id[isp.batch_x.pk]
        assert (row["prefix"], row["value"], row["count"], row["operator"]) == (
            "XC",
            "100.00",
            3,
            isp.op_x.pk,
        )
        assert "pins" not in row


class TestCardBatchAPIDetail(_Cards, APIDetailContract):
    url_name = "api:recharge-card-batch-detail"
    permission = "cards.view"

    def target(self, isp):
        return isp.batch_x

    def expected_data(self, isp):
        return {"prefix": "XC", "value": "100.00", "count": 3, "distributor": None}


class TestCardBatchAPICreate(_Idempotent, _ISPWide, _Cards, APICreateContract):
    url_name = "api:recharge-card-batch-list"
    permission = "cards.manage"
    model = CardBatch
    audit_action = "card_batch.created"
    events = ("card_batch.created",)

    def target(self, isp):
        return isp.op_x

    def api_create_data(self, isp):
        return {
            "name": "API cards",
            "prefix": "API1",
            "value": "20.00",
            "count": 3,
            "valid_until": (local_today(isp.tenant) + timedelta(days=10)).isoformat(),
            "operator": isp.op_x.pk,
        }

    def created_lookup(self, isp):
        return {"prefix": "API1"}

    def expected(self, isp):
        return {"value": Decimal("20.00"), "count": 3, "operator": isp.op_x}

    def after_write(self, isp, obj, response):
        super().after_write(isp, obj, response)
        pins = response.json()["pins"]
        assert [p["serial"] for p in pins] == ["API1-000001", "API1-000002", "API1-000003"]
        with in_scope(isp.tenant):
            hashes = set(RechargeCard.objects.filter(batch=obj).values_list("pin_hash", flat=True))
        from netbill.payments.cards import pin_hash

        assert {pin_hash(p["pin"]) for p in pins} == hashes


class TestCardAPIList(_Cards, APIListContract):
    url_name = "api:recharge-card-list"
    permission = "cards.view"

    def expected_rows(self, isp):
        return RechargeCard.objects.filter(tenant=isp.tenant)

    def other_subtree_rows(self, isp):
        return RechargeCard.objects.filter(tenant=isp.tenant, batch__operator=isp.op_y)

    def check_page(self, response, isp):
        for row in response.json()["results"]:
            assert set(row) >= {"serial", "pin_last4", "status", "value"}
            assert "pin_hash" not in row and "pin" not in row


class TestCardAPIDetail(_Cards, APIDetailContract):
    url_name = "api:recharge-card-detail"
    permission = "cards.view"

    def target(self, isp):
        with scope(tenant=isp.tenant.pk):
            return RechargeCard.objects.get(serial="XC-000001")

    def expected_data(self, isp):
        return {"serial": "XC-000001", "pin_last4": isp.pins_x[0][-4:], "status": "active"}


class TestCardAPIRedeem(InScopeCommit, _Idempotent, _Cards, APICreateContract):
    """POST /api/v1/recharge-cards/redeem/ {pin, customer}: the customer is named by id;
    one beyond reach is refused (400), nothing written."""

    url_name = "api:recharge-card-redeem"
    permission = "cards.sell"
    model = Payment
    audit_action = "card.redeemed"
    events = ("payment.received", "card.redeemed")

    def target(self, isp):
        return isp.card_customer

    def api_create_data(self, isp):
        return {"pin": format_pin(isp.pins_own[1]), "customer": isp.card_customer.pk}

    def created_lookup(self, isp):
        return {"method": "card"}

    def expected(self, isp):
        return {"customer": isp.card_customer, "amount": Decimal("100.00"), "method": "card"}

    def audit_object(self, isp, obj):
        with scope(tenant=isp.tenant.pk):
            return RechargeCard.objects.get(payment=obj)

    def after_write(self, isp, obj, response):
        data = response.json()
        assert (data["payment"], data["serial"], data["amount"]) == (
            obj.pk,
            "OWN-000002",
            "100.00",
        )
