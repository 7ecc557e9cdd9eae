"""Recharge cards: batches issued to a reseller, a card distributor or the ISP's own
stock; redemption by staff or in the customer portal; card distributors' balances.

The PIN
-------
A PIN is 13 random characters from a 31-character alphabet with nothing that reads like
another (no 0/O, 1/I/L): 13 × log2(31) ≈ 64.4 bits from `secrets` (a CSPRNG), plus one
check character, shown as ``XXXX-XXXX-XXXX-XX``. Thirty-one is prime, so the check is a
weighted sum modulo 31 (ISO 7064 style, weights 1…14 by position): it catches every
single-character substitution and every transposition of two characters, adjacent or
not, before any database lookup. (Twelve characters of a 32-character alphabet would be
60 bits, but no 32-character alphabet avoids 0/O/1/I/L.)

Only ``HMAC-SHA256(pepper, normalised PIN)`` (hex, unique) and the last four characters
are stored. The pepper is ``settings.CARD_PIN_PEPPER`` or, without it, a key derived
from SECRET_KEY: set CARD_PIN_PEPPER in production, because changing SECRET_KEY would
otherwise make every unsold card unredeemable.

Throttling
----------
Every refused PIN (typo, unknown, used, expired) counts against the redeeming
*subject* ("customer:<pk>", "user:<pk>", "ip:<address>"): five in 15 minutes lock the
subject out for 30 minutes (`CardLockedOut`). The failure is written in a transaction of
its own so that it stays although the redemption fails: see `_independently`.
"""

import contextvars
import hashlib
import hmac
import re
import secrets
import threading
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from netbill.accounting import chart
from netbill.accounting.choices import EntrySourceChoices
from netbill.accounting.models import JournalEntry, JournalLine
from netbill.accounting.services import Line, entry_post, local_today
from netbill.accounts.choices import UserRoleChoices
from netbill.accounts.models import Operator, User
from netbill.billing import sql
from netbill.core.audit import audit_record
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError, OutOfReach
from netbill.core.money import quantize
from netbill.core.services import require_permission

from .choices import CardStatusChoices, PaymentMethodChoices
from .models import CardBatch, Payment, RechargeCard, RedeemThrottle
from .services import _check_key, clean_amount, money_account, payment_record_system

__all__ = [
    "ALPHABET",
    "CardLockedOut",
    "InvalidCard",
    "card_batch_create",
    "card_distributors",
    "card_redeem",
    "distributor_add_balance",
    "distributor_balance",
    "format_pin",
    "masked_pin",
    "new_pin",
    "normalise_pin",
    "pin_hash",
    "pin_is_well_formed",
]

MANAGE = "cards.manage"
SELL = "cards.sell"
BALANCE = "operators.balance"

MAX_CARDS = 10_000
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=30)

#
# The PIN
#

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BASE = len(ALPHABET)  # 31, a prime
DATA_LENGTH = 13
PIN_LENGTH = DATA_LENGTH + 1
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_SEPARATORS = re.compile(r"[\s\-_.]+")
PREFIX_RE = re.compile(r"^[A-Z0-9]{1,8}$")


def _weighted(chars: str) -> int:
    return sum((i + 1) * _VALUE[c] for i, c in enumerate(chars)) % BASE


def check_character(data: str) -> str:
    """The character that makes the weighted sum of the whole PIN 0 modulo 31."""
    # Σ(i+1)·v_i + 14·c ≡ 0 (mod 31)  ⇒  c ≡ −Σ · 14⁻¹
    inverse = pow(PIN_LENGTH, -1, BASE)
    return ALPHABET[(-_weighted(data) * inverse) % BASE]


def new_pin() -> str:
    """A fresh PIN (normalised: 14 characters, no separators) from the CSPRNG."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return data + check_character(data)


def normalise_pin(raw: str) -> str:
    """What the customer typed without spaces or dashes, in capitals."""
    return _SEPARATORS.sub("", str(raw or "")).upper()


def pin_is_well_formed(pin: str) -> bool:
    """Right length, only alphabet characters, and the check character agrees."""
    return len(pin) == PIN_LENGTH and all(c in _VALUE for c in pin) and _weighted(pin) == 0


def format_pin(pin: str) -> str:
    """XXXX-XXXX-XXXX-XX, as printed on the card."""
    return "-".join(pin[i : i + 4] for i in range(0, len(pin), 4))


def masked_pin(last4: str) -> str:
    """The printed shape with only the last four characters shown."""
    return format_pin("•" * (PIN_LENGTH - len(last4)) + last4)


def _pepper() -> bytes:
    configured = getattr(settings, "CARD_PIN_PEPPER", None)
    if configured:
        return configured.encode() if isinstance(configured, str) else bytes(configured)
    return hmac.new(
        settings.SECRET_KEY.encode(), b"netbill recharge card PIN pepper", hashlib.sha256
    ).digest()


def pin_hash(pin: str) -> str:
    """HMAC-SHA256(pepper, normalised PIN) as hex: the only form of the PIN we keep."""
    return hmac.new(_pepper(), normalise_pin(pin).encode(), hashlib.sha256).hexdigest()


#
# Errors
#


class InvalidCard(BusinessRuleError):
    """The PIN has a typo, is unknown, used or expired (it counted toward lockout)."""


class CardLockedOut(BusinessRuleError):
    """Too many refused PINs from this subject: no PIN is tried until `until`."""

    def __init__(self, message, until=None, **kwargs):
        super().__init__(message, **kwargs)
        self.until = until


#
# Card distributors
#


def card_distributors(tenant_id):
    """The ISP's card distributors (users), for the pages' choices."""
    return User.in_tenant.filter(tenant_id=tenant_id, role=UserRoleChoices.CARD_DISTRIBUTOR)


def distributor_balance(user) -> Decimal:
    """A card distributor's prepaid balance: credits − debits of its sub-ledger of
    Distributor deposits (what it paid in, less the cards issued to it)."""
    row = JournalLine.objects.filter(
        tenant_id=user.tenant_id, account__key=chart.DISTRIBUTOR_DEPOSITS, distributor_id=user.pk
    ).aggregate(d=Coalesce(Sum("debit"), Decimal("0")), c=Coalesce(Sum("credit"), Decimal("0")))
    return quantize(row["c"] - row["d"])


def _check_distributor(by, distributor) -> None:
    if (
        distributor is None
        or distributor.tenant_id != by.tenant_id
        or distributor.role != UserRoleChoices.CARD_DISTRIBUTOR
    ):
        raise OutOfReach(_("Choose a card distributor of your ISP."), code="out_of_reach")
    if not distributor.is_active:
        raise BusinessRuleError({"distributor": [_("This card distributor is disabled.")]})


def distributor_add_balance(
    *, by, distributor, amount, reference: str, idempotency_key: str | None = None
) -> JournalEntry:
    """Recharge Cards → Card Distributors → Add Balance: the distributor paid the ISP in
    cash; its prepaid balance (what cards may be issued to it for) grows by `amount`.
    Dr Cash (or, when a reseller's user took the cash, that reseller's deposit: it holds
    the ISP's money, as with customers' cash) / Cr Distributor deposits."""
    require_permission(by, BALANCE)
    _check_distributor(by, distributor)
    require_permission(by, BALANCE, distributor)
    amount = clean_amount(amount)
    reference = " ".join((reference or "").split())
    if not reference:
        raise BusinessRuleError({"reference": [_("Give a reference note (receipt, bank slip).")]})
    _check_key(idempotency_key)
    tenant = by.tenant
    cash_account, collector_id = money_account(by, PaymentMethodChoices.CASH)
    with transaction.atomic():
        sql.lock_billing(tenant.pk)
        if idempotency_key:
            earlier = JournalEntry.objects.filter(
                tenant=tenant, idempotency_key=idempotency_key
            ).first()
            if earlier is not None:
                return earlier
        entry = entry_post(
            tenant=tenant,
            lines=[
                Line(cash_account, debit=amount, operator_id=collector_id, memo=reference[:255]),
                Line(
                    chart.DISTRIBUTOR_DEPOSITS,
                    credit=amount,
                    distributor_id=distributor.pk,
                    memo=reference[:255],
                ),
            ],
            memo=_("Balance added to card distributor %(name)s: %(reference)s")
            % {"name": distributor.name or distributor.username, "reference": reference},
            source=EntrySourceChoices.DISTRIBUTOR_DEPOSIT,
            source_id=distributor.pk,
            by=by,
            idempotency_key=idempotency_key,
        )
        audit_record(
            tenant=tenant,
            actor=by,
            action="distributor.balance_added",
            obj=distributor,
            after={"amount": str(amount), "reference": reference, "entry": entry.pk},
        )
        publish(
            "distributor.balance_added",
            tenant_id=tenant.pk,
            distributor_id=distributor.pk,
            amount=str(amount),
        )
    return entry


#
# Batches
#


def _issue_to(by, operator, distributor) -> tuple[Operator, object]:
    """The issuing node (the root for the ISP's own stock) and the distributor."""
    tenant_id = by.tenant_id
    if distributor is not None:
        _check_distributor(by, distributor)
        if distributor.operator_id is None:
            raise BusinessRuleError(
                {"distributor": [_("This card distributor works for no operator.")]}
            )
        if operator is not None and operator.pk != distributor.operator_id:
            raise BusinessRuleError(
                {"distributor": [_("This card distributor works for another operator.")]}
            )
        operator = distributor.operator
    if operator is None:
        operator = Operator.objects.get(tenant_id=tenant_id, parent__isnull=True)
    if operator.tenant_id != tenant_id:
        raise OutOfReach(_("This is outside your reach."), code="out_of_reach")
    return operator, distributor


def _clean_batch(name, prefix, value, count, valid_until, tenant) -> tuple:
    errors = {}
    name = " ".join(str(name or "").split())
    if not name:
        errors["name"] = [_("Give the batch a name.")]
    prefix = str(prefix or "").strip().upper()
    if not PREFIX_RE.match(prefix):
        errors["prefix"] = [_("1 to 8 letters or digits, such as A26.")]
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= MAX_CARDS:
        errors["count"] = [_("From 1 to 10,000 cards in one batch.")]
    if not isinstance(valid_until, date) or valid_until < local_today(tenant):
        errors["valid_until"] = [_("The cards must be valid until today or later.")]
    if errors:
        raise BusinessRuleError(errors)
    return name, prefix, clean_amount(value, "value"), count


def _new_cards(batch, count) -> list[str]:
    """Insert `count` cards of `batch`; returns their PINs (normalised), in serial order."""
    pins: list[str] = []
    hashes: set[str] = set()
    while len(pins) < count:
        pin = new_pin()
        digest = pin_hash(pin)
        if digest not in hashes:  # 64 bits: a repeat is all but impossible, still cheap
            hashes.add(digest)
            pins.append(pin)
    RechargeCard.objects.bulk_create(
        (
            RechargeCard(
                tenant_id=batch.tenant_id,
                batch=batch,
                serial=f"{batch.prefix}-{seq:06d}",
                pin_hash=pin_hash(pin),
                pin_last4=pin[-4:],
                value=batch.value,
                valid_until=batch.valid_until,
            )
            for seq, pin in enumerate(pins, start=1)
        ),
        batch_size=1000,
    )
    return pins


def card_batch_create(
    *,
    by,
    name: str,
    prefix: str,
    value,
    count: int,
    valid_until: date,
    operator=None,
    distributor=None,
    idempotency_key: str | None = None,
) -> tuple[CardBatch, list[str] | None]:
    """Recharge Cards → Create Batch: `count` cards of `value`, serials
    ``<prefix>-000001``…, each with a fresh PIN. Returns (batch, PINs in serial order,
    normalised): the PINs exist only in this answer, so the caller hands them over at
    once. A repeated `idempotency_key` creates nothing and returns (earlier batch, None).

    Issued to a reseller (an operator below the root), its deposit pays for the cards
    (Dr Operator deposits / Cr Cards outstanding), refused past its credit limit; to a
    card distributor, its prepaid balance pays (Dr Distributor deposits), refused when
    short; kept by the ISP (the root, no distributor), nothing is posted until a card
    is redeemed (the cash comes in then)."""
    require_permission(by, MANAGE)
    tenant = by.tenant
    name, prefix, value, count = _clean_batch(name, prefix, value, count, valid_until, tenant)
    _check_key(idempotency_key)
    operator, distributor = _issue_to(by, operator, distributor)
    require_permission(by, MANAGE, operator)
    total = quantize(value * count)
    with transaction.atomic():
        sql.lock_billing(tenant.pk)
        if idempotency_key:
            earlier = CardBatch.objects.filter(
                tenant=tenant, idempotency_key=idempotency_key
            ).first()
            if earlier is not None:
                return earlier, None
        if CardBatch.objects.filter(tenant=tenant, prefix=prefix).exists():
            raise BusinessRuleError({"prefix": [_("Another batch already uses this prefix.")]})
        operator = Operator.objects.select_for_update().get(pk=operator.pk)
        memo = _("Recharge cards %(prefix)s: %(count)s × %(value)s") % {
            "prefix": prefix,
            "count": count,
            "value": value,
        }
        lines = None
        if distributor is not None:
            balance = distributor_balance(distributor)
            if balance < total:
                raise BusinessRuleError(
                    _(
                        "The card distributor's balance (%(balance)s) is less than the "
                        "batch's value (%(total)s). Add balance first."
                    )
                    % {"balance": balance, "total": total}
                )
            lines = [
                Line(
                    chart.DISTRIBUTOR_DEPOSITS,
                    debit=total,
                    distributor_id=distributor.pk,
                    memo=memo,
                ),
                Line(chart.CARDS_OUTSTANDING, credit=total, memo=memo),
            ]
        elif operator.parent_id is not None:
            if not operator.is_active:
                raise BusinessRuleError(_("This operator is disabled."))
            if operator.balance - total < -operator.credit_limit:
                raise BusinessRuleError(
                    _(
                        "%(operator)s's balance (%(balance)s) and credit limit "
                        "(%(limit)s) do not cover the batch's value (%(total)s)."
                    )
                    % {
                        "operator": operator.name,
                        "balance": operator.balance,
                        "limit": operator.credit_limit,
                        "total": total,
                    }
                )
            lines = [
                Line(chart.OPERATOR_DEPOSITS, debit=total, operator_id=operator.pk, memo=memo),
                Line(chart.CARDS_OUTSTANDING, credit=total, memo=memo),
            ]
        batch = CardBatch.objects.create(
            tenant=tenant,
            name=name[:64],
            prefix=prefix,
            value=value,
            count=count,
            valid_until=valid_until,
            operator=operator,
            distributor=distributor,
            created_by=by,
            idempotency_key=idempotency_key,
        )
        if lines is not None:
            batch.journal_entry = entry_post(
                tenant=tenant,
                lines=lines,
                memo=memo,
                source=EntrySourceChoices.CARD_ISSUE,
                source_id=batch.pk,
                by=by,
            )
            CardBatch.objects.filter(pk=batch.pk).update(journal_entry=batch.journal_entry)
        pins = _new_cards(batch, count)
        audit_record(
            tenant=tenant,
            actor=by,
            action="card_batch.created",
            obj=batch,
            after={
                "name": name,
                "prefix": prefix,
                "value": str(value),
                "count": count,
                "valid_until": valid_until.isoformat(),
                "operator": operator.name,
                "distributor": distributor.username if distributor else None,
            },
        )
        publish(
            "card_batch.created",
            tenant_id=tenant.pk,
            batch_id=batch.pk,
            count=count,
            value=str(value),
        )
    return batch, pins


#
# Throttling
#


def _in_callers_transaction() -> bool:
    """Whether a transaction of our caller is open, which would roll our failure back
    with it. Decided as Django's `atomic(durable=True)` does: the innermost open block
    counts unless it is a TestCase's wrapping transaction (autocommit, in a test)."""
    blocks = connection.atomic_blocks
    return bool(blocks) and not getattr(blocks[-1], "_from_testcase", False)


def _independently(work):
    """Run `work` in a transaction that commits on its own.

    Outside any transaction (a request, the API, the portal: autocommit) that is a plain
    `transaction.atomic()`, committed when the block ends. Inside a caller's transaction
    a savepoint would vanish with the caller's rollback, so `work` runs in a short-lived
    thread: Django gives each thread its own database connection, hence its own
    transaction, committed before we carry on; the thread inherits our context (the
    tenant scope lives in a ContextVar). On PostgreSQL a lock wait is bounded so that it
    can never wait for our own transaction."""
    if not _in_callers_transaction():
        with transaction.atomic():
            return work()
    outcome: dict = {}

    def run():
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL lock_timeout = '5s'")
                outcome["value"] = work()
        except BaseException as exc:  # noqa: BLE001 (re-raised in the caller's thread)
            outcome["error"] = exc
        finally:
            connection.close()

    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(run,), daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _throttle_row(tenant_id: int, subject: str, now) -> RedeemThrottle:
    row = RedeemThrottle.objects.select_for_update().filter(tenant_id=tenant_id, subject=subject)
    found = row.first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return RedeemThrottle.objects.create(
                tenant_id=tenant_id, subject=subject, failures=0, window_started_at=now
            )
    except IntegrityError:  # another request created it meanwhile
        return row.get()


def _count_failure(tenant_id: int, subject: str) -> RedeemThrottle:
    """One more refused PIN for `subject`; the fifth within the window locks it out."""
    now = timezone.now()
    row = _throttle_row(tenant_id, subject, now)
    expired_lock = row.locked_until is not None and row.locked_until <= now
    if expired_lock or row.window_started_at <= now - WINDOW:
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= MAX_FAILURES:
        row.locked_until = now + LOCKOUT
    row.save(update_fields=["failures", "window_started_at", "locked_until"])
    return row


def _locked_error(tenant, until) -> CardLockedOut:
    local = timezone.localtime(until, tenant.zone)
    return CardLockedOut(
        _("Too many wrong PINs. Card redemption is locked until %(time)s.")
        % {"time": formats.date_format(local, "DATETIME_FORMAT")},
        until=until,
        code="locked",
    )


def _refuse(tenant, subject: str, error: InvalidCard):
    """Count the failure (it stays whatever happens next) and raise."""
    row = _independently(lambda: _count_failure(tenant.pk, subject))
    if row.locked_until is not None:
        raise _locked_error(tenant, row.locked_until) from error
    raise error


def locked_until(tenant, subject: str):
    """When the subject's lockout ends, or None when it may try a PIN."""
    row = RedeemThrottle.objects.filter(tenant_id=tenant.pk, subject=subject).first()
    if row is not None and row.locked_until is not None and row.locked_until > timezone.now():
        return row.locked_until
    return None


#
# Redemption
#


def _not_valid() -> InvalidCard:
    return InvalidCard({"pin": [_("This PIN is not valid or has already been used.")]})


def _why_refused(tenant, digest: str, today: date) -> InvalidCard:
    card = RechargeCard.objects.filter(tenant=tenant, pin_hash=digest).first()
    if card is not None and (
        card.status == CardStatusChoices.EXPIRED
        or (card.status == CardStatusChoices.ACTIVE and card.valid_until < today)
    ):
        return InvalidCard(
            {
                "pin": [
                    _("This card expired on %(date)s.")
                    % {"date": formats.date_format(card.valid_until, "DATE_FORMAT")}
                ]
            }
        )
    return _not_valid()


def card_redeem(
    *,
    tenant,
    pin: str,
    customer,
    by=None,
    subject: str,
    idempotency_key: str | None = None,
) -> Payment:
    """Redeem a recharge card for `customer`: its value is paid to the oldest open bills,
    the rest is advance credit (`payments.services.payment_record_system`), and the card
    is marked redeemed, in one transaction under the ISP's billing lock. The card's
    UPDATE … WHERE status='active' AND valid_until >= today decides: of any number of
    concurrent attempts exactly one updates the row and pays.

    `by` is the staff user (needs cards.sell and the customer in reach) or None from
    the customer portal. `subject` names who is trying, for throttling ("customer:<pk>",
    "user:<pk>", "ip:<address>"). `idempotency_key` (an API client's header) makes a
    retry answer the same payment; by default the card's own key is used.

    Raises `OutOfReach` (customer of another ISP or beyond `by`'s reach, nothing
    counted), `CardLockedOut` (locked, or this failure locked it), `InvalidCard`
    (typo, unknown, used or expired: counted toward lockout), `BusinessRuleError`
    (no permission, a key reused for another request)."""
    if customer is None or customer.tenant_id != tenant.pk:
        raise OutOfReach(_("This is outside your reach."), code="out_of_reach")
    if by is not None:
        if by.tenant_id != tenant.pk:
            raise OutOfReach(_("This is outside your reach."), code="out_of_reach")
        require_permission(by, SELL, customer)
    subject = str(subject or "").strip()
    if not subject or len(subject) > 96:
        raise ValueError("card_redeem needs a subject of 1 to 96 characters")
    _check_key(idempotency_key)
    until = locked_until(tenant, subject)
    if until is not None:
        raise _locked_error(tenant, until)
    normalised = normalise_pin(pin)
    if not pin_is_well_formed(normalised):
        _refuse(
            tenant,
            subject,
            InvalidCard(
                {
                    "pin": [
                        _(
                            "This PIN has a typo: check the %(n)s characters printed on "
                            "the card and try again."
                        )
                        % {"n": PIN_LENGTH}
                    ]
                }
            ),
        )
    digest = pin_hash(normalised)
    with transaction.atomic():
        sql.lock_billing(tenant.pk)
        if idempotency_key:
            earlier = (
                Payment.objects.filter(tenant=tenant, idempotency_key=idempotency_key)
                .select_related("card")
                .first()
            )
            if earlier is not None:
                card = getattr(earlier, "card", None)
                if card is None or card.pin_hash != digest or earlier.customer_id != customer.pk:
                    raise BusinessRuleError(
                        _("This idempotency key was already used for another request.")
                    )
                return earlier
        now = timezone.now()
        today = local_today(tenant)
        updated = RechargeCard.objects.filter(
            tenant=tenant,
            pin_hash=digest,
            status=CardStatusChoices.ACTIVE,
            valid_until__gte=today,
        ).update(
            status=CardStatusChoices.REDEEMED,
            redeemed_customer=customer,
            redeemed_by=by,
            redeemed_at=now,
        )
        if updated:
            card = RechargeCard.objects.select_related("batch").get(tenant=tenant, pin_hash=digest)
            batch = card.batch
            sold = batch.distributor_id is not None or batch.operator.parent_id is not None
            payment = payment_record_system(
                customer=customer,
                amount=card.value,
                method=PaymentMethodChoices.CARD,
                # Cards a reseller or distributor paid for were money in the ISP's hands
                # already (Cards outstanding); the ISP's own cards bring cash now.
                debit=Line(chart.CARDS_OUTSTANDING if sold else chart.CASH),
                reference=_("Card %(serial)s") % {"serial": card.serial},
                idempotency_key=idempotency_key or f"card:{card.pk}",
                by=by,
            )
            RechargeCard.objects.filter(pk=card.pk).update(payment=payment)
            RedeemThrottle.objects.filter(tenant=tenant, subject=subject).delete()
            audit_record(
                tenant=tenant,
                actor=by,
                action="card.redeemed",
                obj=card,
                after={
                    "serial": card.serial,
                    "customer": customer.username,
                    "value": str(card.value),
                    "payment": payment.receipt_number,
                    "subject": subject,
                },
            )
            publish(
                "card.redeemed",
                tenant_id=tenant.pk,
                card_id=card.pk,
                payment_id=payment.pk,
                customer_id=customer.pk,
                amount=str(card.value),
            )
            return payment
        refusal = _why_refused(tenant, digest, today)
    # Outside the redemption's transaction (which wrote nothing): the failure commits.
    _refuse(tenant, subject, refusal)
