"""Recharge cards (payments.cards): the PIN and its check character, batches issued to
the ISP's stock, a reseller or a card distributor (with their ledger entries), and
redemption: it pays bills with a balanced entry, once; expired and unknown PINs are
refused; wrong PINs lock the subject out."""

import contextlib
import itertools
import math
import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import TestCase
from django.utils import timezone

from conftest import in_scope
from netbill.accounting import chart, queries
from netbill.accounting.models import JournalEntry, JournalLine
from netbill.accounting.services import local_today
from netbill.accounts.models import Operator
from netbill.billing.choices import OPEN_STATUSES
from netbill.billing.models import Bill
from netbill.billing.tests.helpers import billed_customer
from netbill.core.exceptions import BusinessRuleError, OutOfReach
from netbill.core.models import AuditLog
from netbill.core.testing.people import fresh_user, set_codes
from netbill.core.testing.state import capture_events, nothing_changes, tenant_state
from netbill.customers.tests.helpers import customer_setup
from netbill.payments import cards
from netbill.payments.cards import (
    ALPHABET,
    CardLockedOut,
    InvalidCard,
    card_batch_create,
    card_redeem,
    distributor_add_balance,
    distributor_balance,
)
from netbill.payments.models import Payment, RechargeCard, RedeemThrottle
from netbill.payments.services import operator_add_balance

pytestmark = pytest.mark.django_db

D = Decimal
NOT_VALID = "This PIN is not valid or has already been used."


def on_commit(run: bool):
    """The block's on-commit work runs at its end (unless a capture_events outside does)."""
    return TestCase.captureOnCommitCallbacks(execute=True) if run else contextlib.nullcontext()


def batch(isp, by=None, commit=True, **values):
    user = fresh_user(by or isp.ga)
    data = {
        "name": "Eid cards",
        "prefix": "EID",
        "value": "100.00",
        "count": 5,
        "valid_until": local_today(isp.tenant) + timedelta(days=90),
        **values,
    }
    with in_scope(isp.tenant), on_commit(commit):
        return card_batch_create(by=user, **data)


def redeem(isp, pin, customer, by="ga", subject="user:test", commit=True, **kwargs):
    user = fresh_user(getattr(isp, by)) if by else None
    with in_scope(isp.tenant), on_commit(commit):
        return card_redeem(
            tenant=isp.tenant, pin=pin, customer=customer, by=user, subject=subject, **kwargs
        )


def unknown_pin() -> str:
    return cards.new_pin()


@pytest.fixture
def payer(isp):
    """A customer of operator X with two unpaid bills."""
    customer, _run = billed_customer(isp)
    return customer


def due_of(customer):
    return sum((b.due for b in Bill.objects.filter(customer=customer)), D("0"))


#
# The PIN
#


def test_pins_are_long_random_and_unambiguous():
    pins = [cards.new_pin() for _ in range(2000)]
    assert len(set(pins)) == 2000
    assert all(len(p) == 14 for p in pins)
    assert set("".join(pins)) <= set(ALPHABET)
    assert not set("01OIL") & set(ALPHABET)
    assert len(ALPHABET) == 31 == len(set(ALPHABET))
    assert cards.DATA_LENGTH * math.log2(len(ALPHABET)) >= 60
    # Every alphabet character appears (the generator draws from all of it).
    assert set("".join(pins)) == set(ALPHABET)
    assert all(cards.pin_is_well_formed(p) for p in pins)


def test_the_check_character_catches_every_substitution_and_transposition():
    rng = random.Random(7)
    for _ in range(150):
        pin = cards.new_pin()
        for i in range(len(pin)):
            for c in ALPHABET:
                if c != pin[i]:
                    typo = pin[:i] + c + pin[i + 1 :]
                    assert not cards.pin_is_well_formed(typo), (pin, typo)
        # Every transposition of two different characters, adjacent or not.
        for i, j in itertools.combinations(range(len(pin)), 2):
            if pin[i] != pin[j]:
                swapped = list(pin)
                swapped[i], swapped[j] = swapped[j], swapped[i]
                assert not cards.pin_is_well_formed("".join(swapped)), (pin, i, j)
        # A dropped or doubled character changes the length.
        k = rng.randrange(len(pin))
        assert not cards.pin_is_well_formed(pin[:k] + pin[k + 1 :])
        assert not cards.pin_is_well_formed(pin[:k] + pin[k] + pin[k:])


def test_pins_are_typed_with_spaces_dashes_and_small_letters():
    pin = cards.new_pin()
    shown = cards.format_pin(pin)
    assert shown == f"{pin[:4]}-{pin[4:8]}-{pin[8:12]}-{pin[12:]}"
    assert cards.normalise_pin(f"  {shown.lower()} ") == pin
    assert cards.normalise_pin(shown.replace("-", " ")) == pin
    assert cards.pin_hash(shown.lower()) == cards.pin_hash(pin)
    assert cards.masked_pin(pin[-4:]).endswith(f"{pin[-4:-2]}-{pin[-2:]}")
    assert not cards.pin_is_well_formed("O" + pin[1:])


def test_the_hash_is_keyed_by_the_pepper(settings):
    pin = cards.new_pin()
    derived = cards.pin_hash(pin)
    assert len(derived) == 64 and pin not in derived
    settings.CARD_PIN_PEPPER = "another pepper"
    assert cards.pin_hash(pin) != derived


#
# Batches
#


def test_own_stock_batch_stores_only_hashes(isp):
    with capture_events(["card_batch.created"]) as seen:
        made, pins = batch(isp, count=5, commit=False)
    assert len(pins) == 5 and len(set(pins)) == 5
    with in_scope(isp.tenant):
        rows = list(RechargeCard.objects.filter(batch=made).order_by("serial"))
        assert [r.serial for r in rows] == [f"EID-{n:06d}" for n in range(1, 6)]
        assert [r.pin_hash for r in rows] == [cards.pin_hash(p) for p in pins]
        assert [r.pin_last4 for r in rows] == [p[-4:] for p in pins]
        assert {(r.value, r.status, r.valid_until) for r in rows} == {
            (D("100.00"), "active", made.valid_until)
        }
        # The ISP's own cards: nothing is posted until one is sold.
        assert made.operator == isp.root and made.journal_entry is None
        assert not JournalEntry.objects.filter(source="card_issue").exists()
        assert AuditLog.objects.filter(action="card_batch.created", object_id=str(made.pk)).count()
    assert [name for name, _p in seen] == ["card_batch.created"]
    # No column of any table holds a PIN, plain or as printed.
    dump = repr(tenant_state(isp.tenant))
    for pin in pins:
        assert pin not in dump and cards.format_pin(pin) not in dump
        assert pin[:10] not in dump


def test_batch_checks_its_values(isp):
    user = fresh_user(isp.ga)
    today = local_today(isp.tenant)
    base = {"name": "X", "prefix": "AB1", "value": "50", "count": 1, "valid_until": today}
    wrong = [
        ({"count": 0}, "count"),
        ({"count": 10_001}, "count"),
        ({"prefix": "TOO-LONG9"}, "prefix"),
        ({"prefix": ""}, "prefix"),
        ({"value": "0"}, "value"),
        ({"value": "1.234"}, "value"),
        ({"valid_until": today - timedelta(days=1)}, "valid_until"),
        ({"name": "  "}, "name"),
    ]
    with in_scope(isp.tenant), nothing_changes(isp.tenant, what="bad values"):
        for change, field in wrong:
            with pytest.raises(BusinessRuleError) as caught:
                card_batch_create(by=user, **{**base, **change})
            assert field in caught.value.error_dict, change


def test_prefix_is_unique_and_a_repeated_key_creates_nothing(isp):
    first, pins = batch(isp, prefix="dup", idempotency_key="k1")
    assert first.prefix == "DUP" and len(pins) == 5
    again, none = batch(isp, prefix="dup", idempotency_key="k1")
    assert (again.pk, none) == (first.pk, None)
    with pytest.raises(BusinessRuleError) as caught:
        batch(isp, prefix="DUP")
    assert "prefix" in caught.value.error_dict
    with in_scope(isp.tenant):
        assert RechargeCard.objects.count() == 5


def test_only_the_isp_root_may_create_batches(isp):
    user = set_codes(fresh_user(isp.user_x), grant=["cards.manage"])
    with (
        in_scope(isp.tenant),
        nothing_changes(isp.tenant, what="operator"),
        pytest.raises(BusinessRuleError),
    ):
        card_batch_create(
            by=user,
            name="Mine",
            prefix="MINE",
            value="10",
            count=1,
            valid_until=local_today(isp.tenant),
        )


def test_a_reseller_pays_for_its_cards_from_its_deposit(isp):
    with in_scope(isp.tenant):
        operator_add_balance(
            operator=isp.op_x, by=fresh_user(isp.ga), amount="1000.00", reference="Slip 1"
        )
    made, _pins = batch(isp, operator=isp.op_x, count=6)
    with in_scope(isp.tenant):
        op_x = Operator.objects.get(pk=isp.op_x.pk)
        assert op_x.balance == D("400.00")
        assert queries.operator_balance(isp.tenant, op_x.pk) == D("400.00")
        lines = {
            (ln.account.key, ln.debit, ln.credit, ln.operator_id)
            for ln in made.journal_entry.lines.select_related("account")
        }
        assert lines == {
            (chart.OPERATOR_DEPOSITS, D("600.00"), D("0.00"), op_x.pk),
            (chart.CARDS_OUTSTANDING, D("0.00"), D("600.00"), None),
        }
        assert made.journal_entry.source == "card_issue"
        assert queries.trial_balance_difference(isp.tenant) == 0


def test_a_reseller_beyond_its_credit_is_refused(isp):
    with in_scope(isp.tenant):
        Operator.objects.filter(pk=isp.op_y.pk).update(credit_limit=D("300.00"))
    batch(isp, operator=isp.op_y, prefix="Y1", count=3)  # exactly the limit
    with in_scope(isp.tenant):
        assert Operator.objects.get(pk=isp.op_y.pk).balance == D("-300.00")
    with (
        nothing_changes(isp.tenant, what="over the limit"),
        pytest.raises(BusinessRuleError, match="credit limit"),
    ):
        batch(isp, operator=isp.op_y, prefix="Y2", count=1, value="0.01")


def test_a_distributor_pays_from_its_balance(isp):
    with in_scope(isp.tenant):
        with capture_events(["distributor.balance_added"]) as seen:
            entry = distributor_add_balance(
                by=fresh_user(isp.ga), distributor=isp.cards, amount="1000", reference="Cash"
            )
        assert [n for n, _p in seen] == ["distributor.balance_added"]
        assert entry.source == "distributor_deposit"
        assert distributor_balance(isp.cards) == D("1000.00")
    made, _pins = batch(isp, distributor=isp.cards, count=4)
    with in_scope(isp.tenant):
        assert made.operator == isp.op_x and made.distributor == isp.cards
        assert distributor_balance(isp.cards) == D("600.00")
        lines = {
            (ln.account.key, ln.debit, ln.credit, ln.distributor_id)
            for ln in made.journal_entry.lines.select_related("account")
        }
        assert lines == {
            (chart.DISTRIBUTOR_DEPOSITS, D("400.00"), D("0.00"), isp.cards.pk),
            (chart.CARDS_OUTSTANDING, D("0.00"), D("400.00"), None),
        }
        # The operator it works for pays nothing.
        assert Operator.objects.get(pk=isp.op_x.pk).balance == D("0.00")
    with (
        nothing_changes(isp.tenant, what="short balance"),
        pytest.raises(BusinessRuleError, match="balance"),
    ):
        batch(isp, distributor=isp.cards, prefix="D2", count=7)


def test_distributor_balance_needs_the_permission_and_a_distributor(isp, other_isp):
    with in_scope(isp.tenant), nothing_changes(isp.tenant, what="refused"):
        with pytest.raises(BusinessRuleError):
            distributor_add_balance(
                by=fresh_user(isp.manager_x), distributor=isp.cards, amount="5", reference="r"
            )
        # Operator Y does not reach operator X's distributor.
        with pytest.raises(OutOfReach):
            distributor_add_balance(
                by=fresh_user(isp.user_y), distributor=isp.cards, amount="5", reference="r"
            )
        with pytest.raises(OutOfReach):
            distributor_add_balance(
                by=fresh_user(isp.ga), distributor=isp.manager_x, amount="5", reference="r"
            )
        with pytest.raises(OutOfReach):
            distributor_add_balance(
                by=fresh_user(isp.ga), distributor=other_isp.cards, amount="5", reference="r"
            )


#
# Redemption
#


def test_redemption_pays_the_bills_with_a_balanced_entry(isp, payer):
    made, pins = batch(isp)
    with in_scope(isp.tenant):
        before = due_of(payer)
    assert before > D("100.00")
    with in_scope(isp.tenant), capture_events(["payment.received", "card.redeemed"]) as seen:
        payment = redeem(
            isp, cards.format_pin(pins[0]).lower(), payer, subject="user:1", commit=False
        )
    assert [n for n, _p in seen] == ["payment.received", "card.redeemed"]
    with in_scope(isp.tenant):
        card = RechargeCard.objects.get(serial="EID-000001")
        assert (card.status, card.redeemed_customer, card.redeemed_by, card.payment) == (
            "redeemed",
            payer,
            isp.ga,
            payment,
        )
        assert card.redeemed_at is not None
        assert (payment.method, payment.amount, payment.reference) == (
            "card",
            D("100.00"),
            "Card EID-000001",
        )
        assert payment.idempotency_key == f"card:{card.pk}"
        assert due_of(payer) == before - D("100.00")
        lines = list(payment.journal_entry.lines.select_related("account"))
        assert sum(ln.debit for ln in lines) == sum(ln.credit for ln in lines)
        received = [ln for ln in lines if ln.account.key == chart.RECEIVABLE]
        assert sum(ln.credit for ln in received) == D("100.00")
        # The ISP's own card: the cash came in now.
        assert [(ln.account.key, ln.debit) for ln in lines if ln.account.key == chart.CASH] == [
            (chart.CASH, D("100.00"))
        ]
        assert queries.trial_balance_difference(isp.tenant) == 0
        audit = AuditLog.objects.get(action="card.redeemed")
        assert audit.object_id == str(card.pk)
        for pin in pins:
            assert pin not in repr(audit.after)
        others = RechargeCard.objects.exclude(pk=card.pk)
        assert set(others.values_list("status", flat=True)) == {"active"}


def test_a_resellers_card_settles_cards_outstanding(isp, payer):
    with in_scope(isp.tenant):
        operator_add_balance(
            operator=isp.op_x, by=fresh_user(isp.ga), amount="500.00", reference="Slip"
        )
    _made, pins = batch(isp, operator=isp.op_x, count=2, value="150.00")
    payment = redeem(isp, pins[1], payer, by="cards")
    with in_scope(isp.tenant):
        lines = list(payment.journal_entry.lines.select_related("account"))
        money_in = [
            (ln.account.key, ln.debit)
            for ln in lines
            if ln.debit and ln.memo == payment.receipt_number
        ]
        assert money_in == [(chart.CARDS_OUTSTANDING, D("150.00"))]
        assert not [ln for ln in lines if ln.account.key == chart.CASH]
        assert payment.received_by == isp.cards
        # Issued 300, one card of 150 redeemed: 150 still outstanding.
        outstanding = JournalLine.objects.filter(account__key=chart.CARDS_OUTSTANDING)
        assert sum(ln.credit - ln.debit for ln in outstanding) == D("150.00")


def test_a_card_is_redeemed_once(isp, payer):
    _made, pins = batch(isp)
    first = redeem(isp, pins[0], payer)
    with pytest.raises(InvalidCard) as caught:
        redeem(isp, pins[0], payer)
    assert caught.value.messages == [NOT_VALID]
    with in_scope(isp.tenant):
        assert Payment.objects.filter(method="card").count() == 1
        assert RechargeCard.objects.get(payment=first).status == "redeemed"
        assert RedeemThrottle.objects.get(subject="user:test").failures == 1


def test_an_unknown_pin_gets_the_same_answer(isp, payer):
    batch(isp)
    with pytest.raises(InvalidCard) as caught:
        redeem(isp, unknown_pin(), payer)
    assert caught.value.messages == [NOT_VALID]


def test_an_expired_card_is_refused(isp, payer):
    _made, pins = batch(isp)
    with in_scope(isp.tenant):
        yesterday = local_today(isp.tenant) - timedelta(days=1)
        RechargeCard.objects.update(valid_until=yesterday)
    with pytest.raises(InvalidCard, match="expired"):
        redeem(isp, pins[0], payer)
    with in_scope(isp.tenant):
        assert not Payment.objects.filter(method="card").exists()
        assert set(RechargeCard.objects.values_list("status", flat=True)) == {"active"}


def test_a_typo_is_caught_before_any_lookup_and_counts(isp, payer):
    _made, pins = batch(isp)
    typo = pins[0][:3] + ("A" if pins[0][3] != "A" else "B") + pins[0][4:]
    with pytest.raises(InvalidCard, match="typo"):
        redeem(isp, typo, payer)
    with in_scope(isp.tenant):
        assert RedeemThrottle.objects.get(subject="user:test").failures == 1


def test_wrong_pins_lock_the_subject_out(isp, payer):
    _made, pins = batch(isp)
    for n in range(1, 5):
        with pytest.raises(InvalidCard):
            redeem(isp, unknown_pin(), payer, subject="ip:10.0.0.9")
        with in_scope(isp.tenant):
            assert RedeemThrottle.objects.get(subject="ip:10.0.0.9").failures == n
    with pytest.raises(CardLockedOut, match="locked until") as caught:
        redeem(isp, "ABCD", payer, subject="ip:10.0.0.9")  # the fifth: a typo
    with in_scope(isp.tenant):
        row = RedeemThrottle.objects.get(subject="ip:10.0.0.9")
    assert caught.value.until == row.locked_until
    assert row.locked_until - row.window_started_at >= timedelta(minutes=30)
    # Locked: even the right PIN is refused, and nothing is tried or counted.
    with nothing_changes(isp.tenant, what="locked"), pytest.raises(CardLockedOut):
        redeem(isp, pins[0], payer, subject="ip:10.0.0.9")
    # Another subject is not affected.
    with in_scope(isp.tenant):
        assert RedeemThrottle.objects.filter(subject="user:other").count() == 0
    # The lock ends (moved into the past in the database): the right PIN works and the
    # subject's failures are forgotten.
    with in_scope(isp.tenant):
        RedeemThrottle.objects.filter(pk=row.pk).update(
            locked_until=timezone.now() - timedelta(seconds=1)
        )
    payment = redeem(isp, pins[0], payer, subject="ip:10.0.0.9")
    assert payment.amount == D("100.00")
    with in_scope(isp.tenant):
        assert not RedeemThrottle.objects.filter(subject="ip:10.0.0.9").exists()


def test_failures_older_than_the_window_are_forgotten(isp, payer):
    batch(isp)
    for _ in range(4):
        with pytest.raises(InvalidCard):
            redeem(isp, unknown_pin(), payer)
    with in_scope(isp.tenant):
        RedeemThrottle.objects.update(window_started_at=timezone.now() - timedelta(minutes=16))
    with pytest.raises(InvalidCard):
        redeem(isp, unknown_pin(), payer)
    with in_scope(isp.tenant):
        row = RedeemThrottle.objects.get()
        assert (row.failures, row.locked_until) == (1, None)


def test_staff_need_the_permission_and_the_customer_in_reach(isp, payer, other_isp):
    _made, pins = batch(isp)
    denied = set_codes(fresh_user(isp.ga), revoke=["cards.sell"])
    with in_scope(isp.tenant), nothing_changes(isp.tenant, what="refused staff"):
        with pytest.raises(BusinessRuleError):
            card_redeem(tenant=isp.tenant, pin=pins[0], customer=payer, by=denied, subject="u")
        # Operator Y's user cannot reach operator X's customer.
        with pytest.raises(OutOfReach):
            card_redeem(
                tenant=isp.tenant,
                pin=pins[0],
                customer=payer,
                by=fresh_user(isp.user_y),
                subject="u",
            )
        # Another ISP's user, or a customer named with the wrong ISP.
        with pytest.raises(OutOfReach):
            card_redeem(
                tenant=isp.tenant, pin=pins[0], customer=payer, by=other_isp.ga, subject="u"
            )
        with pytest.raises(OutOfReach):
            card_redeem(tenant=other_isp.tenant, pin=pins[0], customer=payer, subject="u")


def test_another_isps_pin_is_unknown_here(isp, other_isp, payer):
    _theirs, their_pins = batch(other_isp)
    with pytest.raises(InvalidCard):
        redeem(isp, their_pins[0], payer)
    with in_scope(other_isp.tenant):
        assert set(RechargeCard.objects.values_list("status", flat=True)) == {"active"}


def test_the_portal_redeems_without_a_user(isp, payer):
    _made, pins = batch(isp)
    payment = redeem(isp, pins[2], payer, by=None, subject=f"customer:{payer.pk}")
    with in_scope(isp.tenant):
        card = RechargeCard.objects.get(payment=payment)
        assert (card.redeemed_by, payment.received_by) == (None, None)


def test_an_idempotency_key_answers_the_same_payment(isp, payer):
    _made, pins = batch(isp)
    first = redeem(isp, pins[0], payer, idempotency_key="api:1:abc")
    again = redeem(isp, pins[0], payer, idempotency_key="api:1:abc")
    assert again.pk == first.pk
    with pytest.raises(BusinessRuleError, match="idempotency key"):
        redeem(isp, pins[1], payer, idempotency_key="api:1:abc")
    with in_scope(isp.tenant):
        assert Payment.objects.filter(method="card").count() == 1


def test_a_card_larger_than_the_bills_leaves_advance_credit(isp):
    setup = customer_setup(isp, pool_subnet="10.88.0.0/24", label="Adv")
    customer, _run = billed_customer(isp, setup)
    with in_scope(isp.tenant):
        due = due_of(customer)
    _made, pins = batch(isp, value=str(due + D("50.00")), count=1)
    payment = redeem(isp, pins[0], customer)
    with in_scope(isp.tenant):
        assert payment.advance_amount == D("50.00")
        assert not Bill.objects.filter(customer=customer, status__in=OPEN_STATUSES).exists()
