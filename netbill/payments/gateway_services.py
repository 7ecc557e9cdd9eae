"""Online payments: start one at a gateway, take its callbacks, verify it, credit it.

The rules (integrations.md §0, field-notes §3C):
- a redirect or callback is never proof: money is credited only after the gateway,
  asked server to server, confirms our reference, amount and currency;
- one payment per transaction, whatever arrives how often: the transaction row is
  locked, its payment has a unique idempotency key ("gw:<reference>"), and the
  gateway's transaction id is unique per gateway;
- a timeout is "pending, unknown", never "failed"; celery beat and the Verify button ask
  again; every check is kept (`GatewayCheck`);
- the payment, its bill allocations and its journal entry are one transaction.
"""

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from netbill.accounting import chart
from netbill.accounting.services import Line
from netbill.billing import sql
from netbill.billing.choices import OPEN_STATUSES
from netbill.billing.models import Bill
from netbill.core.audit import audit_record
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError
from netbill.core.services import require_permission
from netbill.customers.models import Customer

from .choices import (
    OPEN_TXN_STATUSES,
    CheckTriggerChoices,
    PaymentMethodChoices,
    TxnSourceChoices,
    TxnStatusChoices,
)
from .gateways import (
    Callback,
    CallbackRejected,
    CallbackRequest,
    GatewayError,
    GatewayTimeout,
    GatewayUnavailable,
    Urls,
    Verification,
    module_for,
)
from .models import GatewayCallback, GatewayCheck, GatewayTransaction, PaymentGateway, PaymentLink
from .services import clean_amount, payment_record_system

log = logging.getLogger(__name__)
S = TxnStatusChoices
T = CheckTriggerChoices
FINAL_FAILURES = (S.FAILED, S.CANCELLED, S.EXPIRED)
# An attempt nobody came back from is asked about for this long, then expired.
GIVE_UP_AFTER = timedelta(days=2)
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    """Our unique reference for an attempt: "NB" and 14 random characters (≤ 30, no
    characters any gateway refuses)."""
    return "NB" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(14))


def active_gateways(tenant) -> list[PaymentGateway]:
    return list(PaymentGateway.objects.filter(tenant=tenant, is_active=True))


def customer_due(customer: Customer) -> Decimal:
    """What the customer owes on open bills."""
    total = Bill.objects.filter(customer=customer, status__in=OPEN_STATUSES).aggregate(
        t=Sum("total"), p=Sum("paid_amount")
    )
    return (total["t"] or Decimal("0")) - (total["p"] or Decimal("0"))


def _check(txn, trigger: str, *, status: str = "", outcome: str = "", raw=None, by=None):
    GatewayCheck.objects.create(
        tenant_id=txn.tenant_id,
        txn=txn,
        trigger=trigger,
        status=status,
        outcome=outcome[:255],
        raw=raw or {},
        by=by if getattr(by, "pk", None) else None,
    )


def payment_start(
    *,
    customer: Customer,
    gateway: PaymentGateway,
    urls_for: Callable[[GatewayTransaction], Urls],
    amount=None,
    source: str = TxnSourceChoices.PORTAL,
    link: PaymentLink | None = None,
    client_ip: str | None = None,
) -> GatewayTransaction:
    """Create an attempt and ask the gateway for its checkout page. The attempt is
    saved first (so a lost answer can still be reconciled); a gateway that is down
    raises `GatewayUnavailable` with a message for the customer, who may pick another."""
    if gateway.tenant_id != customer.tenant_id or not gateway.is_active:
        raise BusinessRuleError(_("That payment method is not available."))
    if amount in (None, ""):
        amount = customer_due(customer)
        if amount <= 0:
            raise BusinessRuleError(_("Nothing is due on this account."))
    amount = clean_amount(amount)
    txn = GatewayTransaction.objects.create(
        tenant_id=customer.tenant_id,
        gateway=gateway,
        provider=gateway.provider,
        customer=customer,
        link=link,
        source=source,
        reference=new_reference(),
        amount=amount,
        currency=customer.tenant.currency or "BDT",
        client_ip=client_ip,
    )
    module = module_for(gateway)
    try:
        started = module.start(txn, urls_for(txn))
    except GatewayTimeout as exc:
        txn.status, txn.detail = S.PENDING, str(exc)[:255]
        txn.save(update_fields=["status", "detail", "updated_at"])
        _check(txn, T.START, status=S.PENDING, outcome=str(exc))
        raise GatewayUnavailable(module.down_message()) from None
    except GatewayError as exc:
        txn.status, txn.detail = S.FAILED, str(exc)[:255]
        txn.save(update_fields=["status", "detail", "updated_at"])
        _check(txn, T.START, status=S.FAILED, outcome=str(exc))
        raise GatewayUnavailable(str(exc)) from None
    txn.redirect_url = started.redirect_url[:1000]
    txn.gateway_ref = started.gateway_ref[:128]
    txn.meta = {**(txn.meta or {}), **started.meta}
    txn.save(update_fields=["redirect_url", "gateway_ref", "meta", "updated_at"])
    _check(txn, T.START, status=S.INITIATED, outcome=_("Checkout created."), raw=started.raw)
    return txn


@dataclass
class CallbackResult:
    txn: GatewayTransaction | None
    accepted: bool
    message: str


def _log_callback(gateway, request, callback: Callback | None, *, accepted, reason, txn=None):
    payload = callback.payload if callback else request.data()
    return GatewayCallback.objects.create(
        tenant_id=gateway.tenant_id,
        gateway=gateway,
        txn=txn,
        kind=callback.kind if callback else "unknown",
        event_id=None,
        accepted=accepted,
        reason=reason[:255],
        payload=_safe(payload),
        remote_ip=request.remote_ip,
    )


def _safe(payload) -> dict:
    """What of a callback we keep: JSON-able, without anything named like a secret."""
    if not isinstance(payload, dict):
        return {}
    kept = {}
    for key, value in list(payload.items())[:80]:
        if any(word in str(key).lower() for word in ("passw", "secret", "token", "pin")):
            continue
        kept[str(key)[:64]] = value if isinstance(value, int | float | bool) else str(value)[:500]
    return kept


def _find_txn(gateway: PaymentGateway, callback: Callback) -> GatewayTransaction | None:
    qs = GatewayTransaction.objects.filter(gateway=gateway)
    if callback.reference:
        found = qs.filter(reference=callback.reference).first()
        if found is not None:
            return found
    if callback.gateway_ref:
        return qs.filter(gateway_ref=callback.gateway_ref).first()
    return None


def callback_receive(*, gateway: PaymentGateway, request: CallbackRequest) -> CallbackResult:
    """A return, IPN or webhook. Forged or tampered: logged, refused, nothing credited.
    A replay (same event id, or a transaction already settled) changes nothing.
    Otherwise the gateway is asked server to server, and what it says is settled."""
    module = module_for(gateway)
    try:
        callback = module.parse_callback(request)
    except CallbackRejected as exc:
        _log_callback(gateway, request, None, accepted=False, reason=exc.reason)
        audit_record(
            tenant=gateway.tenant,
            actor=None,
            action="gateway.callback_rejected",
            obj=gateway,
            after={"reason": exc.reason, "ip": request.remote_ip or ""},
        )
        log.warning("Refused a %s callback: %s", gateway.provider, exc.reason)
        return CallbackResult(None, False, _("This payment notification was refused."))
    txn = _find_txn(gateway, callback)
    if txn is None and callback.kind == "webhook":
        # An authenticated webhook about something that is not ours to settle (a refund
        # event, a payment made outside netbill): kept and answered 2xx, or the gateway
        # retries for a day and then disables the webhook.
        _log_callback(gateway, request, callback, accepted=True, reason="Ignored: no transaction.")
        return CallbackResult(None, True, _("Ignored."))
    if txn is None:
        _log_callback(gateway, request, callback, accepted=False, reason="No such transaction.")
        return CallbackResult(None, False, _("We do not know this payment."))
    if callback.event_id:
        try:
            with transaction.atomic():
                row = _log_callback(gateway, request, callback, accepted=True, reason="", txn=txn)
                GatewayCallback.objects.filter(pk=row.pk).update(event_id=callback.event_id[:128])
        except IntegrityError:
            return CallbackResult(txn, True, _("Already received."))
    else:
        _log_callback(gateway, request, callback, accepted=True, reason="", txn=txn)
    if txn.status in (S.SUCCEEDED, S.REFUNDED, S.HELD):
        return CallbackResult(txn, True, _("Already settled."))
    try:
        verification = module.complete(txn, callback)
    except GatewayTimeout as exc:
        return CallbackResult(_unknown(txn, T.CALLBACK, str(exc)), True, str(exc))
    except GatewayError as exc:
        return CallbackResult(_unknown(txn, T.CALLBACK, str(exc)), True, str(exc))
    txn = settle(txn, verification, trigger=T.CALLBACK)
    return CallbackResult(txn, True, txn.detail)


def _unknown(txn, trigger: str, why: str, by=None) -> GatewayTransaction:
    """The gateway did not answer: the transaction is pending (unknown), never failed."""
    with transaction.atomic():
        txn = GatewayTransaction.objects.select_for_update().get(pk=txn.pk)
        if txn.status == S.INITIATED:
            txn.status = S.PENDING
        txn.last_checked_at = timezone.now()
        txn.detail = why[:255]
        txn.save(update_fields=["status", "last_checked_at", "detail", "updated_at"])
        _check(txn, trigger, status=S.PENDING, outcome=why, by=by)
    return txn


def txn_verify(txn: GatewayTransaction, *, trigger: str = T.MANUAL, by=None) -> GatewayTransaction:
    """Ask the gateway now (Verify Payments → Verify, or the 30-minute recheck)."""
    if by is not None:
        require_permission(by, "payments.verify", txn)
    if txn.status not in (*OPEN_TXN_STATUSES, *FINAL_FAILURES):
        return txn
    module = module_for(txn.gateway)
    try:
        verification = module.verify(txn)
    except GatewayError as exc:
        return _unknown(txn, trigger, str(exc), by=by)
    if verification.status in OPEN_TXN_STATUSES and timezone.now() - txn.created_at > GIVE_UP_AFTER:
        verification.status = S.EXPIRED
        verification.detail = _("Nobody completed this payment at the gateway.")
    return settle(txn, verification, trigger=trigger, by=by)


def _mismatch(txn: GatewayTransaction, v: Verification) -> str:
    if v.amount is None or v.amount != txn.amount:
        return _("The gateway reports %(paid)s, but %(expected)s was expected.") % {
            "paid": v.amount,
            "expected": txn.amount,
        }
    if (v.currency or "").upper() != txn.currency.upper():
        return _("The gateway reports the currency %(currency)s.") % {"currency": v.currency}
    if v.reference and v.reference != txn.reference:
        return _("The gateway reports another reference (%(ref)s).") % {"ref": v.reference}
    if not v.gateway_txn_id:
        return _("The gateway gave no transaction id.")
    if v.risk:
        return _("The gateway flagged this payment as risky.")
    return ""


def settle(
    txn: GatewayTransaction, v: Verification, *, trigger: str, by=None
) -> GatewayTransaction:
    """Apply what the gateway said, in one transaction with the transaction row locked:
    a verified, matching payment is credited once; a mismatch is held for a person; a
    failure is recorded; anything else stays pending."""
    with transaction.atomic():
        sql.lock_billing(txn.tenant_id)
        txn = (
            GatewayTransaction.objects.select_for_update()
            .select_related("tenant", "customer", "gateway")
            .get(pk=txn.pk)
        )
        now = timezone.now()
        txn.last_checked_at = now
        fields = ["status", "detail", "last_checked_at", "updated_at"]
        if txn.status in (S.SUCCEEDED, S.REFUNDED, S.HELD):
            _check(txn, trigger, status=v.status, outcome=_("Already settled."), raw=v.raw, by=by)
            return txn
        if v.status == S.SUCCEEDED:
            problem = _mismatch(txn, v)
            if not problem:
                other = (
                    GatewayTransaction.objects.filter(
                        gateway=txn.gateway, gateway_txn_id=v.gateway_txn_id
                    )
                    .exclude(pk=txn.pk)
                    .first()
                )
                if other is not None:
                    problem = _("Transaction id %(id)s already paid %(ref)s.") % {
                        "id": v.gateway_txn_id,
                        "ref": other.reference,
                    }
            if problem:
                txn.status, txn.detail = S.HELD, problem[:255]
                txn.save(update_fields=fields)
                _check(txn, trigger, status=v.status, outcome=problem, raw=v.raw, by=by)
                audit_record(
                    tenant=txn.tenant,
                    actor=by,
                    action="gateway.payment_held",
                    obj=txn,
                    after={"reference": txn.reference, "problem": problem},
                )
                publish("payment.held", tenant_id=txn.tenant_id, txn_id=txn.pk, problem=problem)
                return txn
            payment = payment_record_system(
                customer=txn.customer,
                amount=txn.amount,
                method=PaymentMethodChoices.GATEWAY,
                debit=Line(chart.gateway_key(txn.provider)),
                reference=f"{txn.gateway.label} {v.gateway_txn_id}",
                idempotency_key=f"gw:{txn.reference}",
                note=txn.reference,
            )
            txn.status = S.SUCCEEDED
            txn.gateway_txn_id = v.gateway_txn_id[:128]
            txn.payment = payment
            txn.detail = _("Paid; receipt %(receipt)s.") % {"receipt": payment.receipt_number}
            txn.save(update_fields=[*fields, "gateway_txn_id", "payment"])
            if txn.link_id:
                PaymentLink.objects.filter(pk=txn.link_id, paid_at__isnull=True).update(paid_at=now)
            _check(txn, trigger, status=v.status, outcome=txn.detail, raw=v.raw, by=by)
            return txn
        if v.status in FINAL_FAILURES:
            if txn.status in OPEN_TXN_STATUSES:
                txn.status = v.status
            txn.detail = (v.detail or txn.get_status_display())[:255]
            txn.save(update_fields=fields)
            _check(txn, trigger, status=v.status, outcome=txn.detail, raw=v.raw, by=by)
            return txn
        if txn.status == S.INITIATED and v.status == S.PENDING:
            txn.status = S.PENDING
        txn.detail = (v.detail or _("Not paid yet."))[:255]
        txn.save(update_fields=fields)
        _check(txn, trigger, status=v.status, outcome=txn.detail, raw=v.raw, by=by)
        return txn


def pending_to_recheck(tenant, *, older_than: timedelta = timedelta(minutes=5)):
    """Attempts the beat asks about: initiated or pending, a few minutes old."""
    return GatewayTransaction.objects.filter(
        tenant=tenant,
        status__in=OPEN_TXN_STATUSES,
        created_at__lte=timezone.now() - older_than,
    ).order_by("pk")


def txn_refund(*, txn: GatewayTransaction, by, reason: str) -> GatewayTransaction:
    """Refund a settled gateway payment in full, where the gateway supports it: the
    payment is reversed in the ledger and the gateway refunds, in one transaction (a
    refund the gateway refuses leaves everything as it was)."""
    from netbill.accounting.choices import EntrySourceChoices

    from .reversal import payment_reverse

    require_permission(by, "payments.reverse", txn)
    if txn.status != S.SUCCEEDED or txn.payment_id is None:
        raise BusinessRuleError(_("Only a succeeded payment can be refunded."))
    module = module_for(txn.gateway)
    if not module.supports_refund:
        raise BusinessRuleError(
            _("%(gateway)s refunds are made in the gateway's own merchant panel.")
            % {"gateway": module.label}
        )
    with transaction.atomic():
        payment_reverse(
            payment=txn.payment, by=by, reason=reason, source=EntrySourceChoices.GATEWAY_REFUND
        )
        try:
            refunded = module.refund(txn, txn.amount, reason)
        except GatewayError as exc:
            raise BusinessRuleError(str(exc)) from None
        txn = GatewayTransaction.objects.select_for_update().get(pk=txn.pk)
        txn.status = S.REFUNDED
        txn.refunded_amount = refunded.amount
        txn.detail = (_("Refunded: %(id)s") % {"id": refunded.refund_id})[:255]
        txn.save(update_fields=["status", "refunded_amount", "detail", "updated_at"])
        _check(txn, T.REFUND, status=S.REFUNDED, outcome=txn.detail, raw=refunded.raw, by=by)
    return txn
