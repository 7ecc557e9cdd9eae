"""Bills & Payments → Customer Payments → Reverse: undo a payment in the ledger with a
reversing entry, and give its bills back what it paid. A reversed payment stays on
record (status "reversed", who, when, why); nothing is deleted."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from netbill.accounting import chart
from netbill.accounting.choices import EntrySourceChoices
from netbill.accounting.services import Line, entry_post
from netbill.billing import sql
from netbill.billing.choices import BillStatusChoices
from netbill.billing.models import Bill
from netbill.core.audit import audit_record
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError
from netbill.core.services import require_permission
from netbill.customers.models import Customer

from .choices import CardStatusChoices, PaymentStatusChoices
from .models import Payment, RechargeCard

REVERSE = "payments.reverse"


def payment_reverse(*, payment: Payment, by, reason: str, source: str | None = None) -> Payment:
    """Reverse `payment`: a mirror journal entry (money, receivables, advance and the
    operator commission of the bills it paid), bills back to partial or unpaid, the
    recharge card it used active again. Refused when the advance it created has since
    been spent, or one of its bills was cancelled: those need a person to decide."""
    require_permission(by, REVERSE, payment)
    reason = " ".join((reason or "").split())
    if not reason:
        raise BusinessRuleError({"reason": [_("Say why the payment is reversed.")]})
    with transaction.atomic():
        sql.lock_billing(payment.tenant_id)
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("tenant", "journal_entry")
            .get(pk=payment.pk)
        )
        if payment.status == PaymentStatusChoices.REVERSED:
            raise BusinessRuleError(_("This payment has already been reversed."))
        if payment.journal_entry is None:
            raise BusinessRuleError(_("This payment has no journal entry to reverse."))
        customer = Customer.objects.select_for_update().get(pk=payment.customer_id)
        if customer.advance_balance < payment.advance_amount:
            raise BusinessRuleError(
                _(
                    "%(amount)s of this payment went to advance credit and part of it has "
                    "already paid later bills; reverse or cancel those first."
                )
                % {"amount": payment.advance_amount}
            )
        allocations = list(payment.allocations.select_related("bill"))
        bills = {
            b.pk: b
            for b in Bill.objects.select_for_update().filter(
                pk__in=[a.bill_id for a in allocations]
            )
        }
        cancelled = [b.number for b in bills.values() if b.status == BillStatusChoices.CANCELLED]
        if cancelled:
            raise BusinessRuleError(
                _("Bill %(numbers)s was cancelled after this payment; nothing was reversed.")
                % {"numbers": ", ".join(cancelled)}
            )
        entry = payment.journal_entry
        lines = [
            Line(
                line.account,
                debit=line.credit,
                credit=line.debit,
                customer_id=line.customer_id,
                operator_id=line.operator_id,
                distributor_id=line.distributor_id,
                memo=line.memo,
            )
            for line in entry.lines.select_related("account")
        ]
        # A bill this payment paid only in part, completed later by another payment,
        # had its operator's commission posted then: it is no longer paid, so take the
        # commission back too.
        commissioned_here = {
            line.memo
            for line in entry.lines.select_related("account")
            if line.account.key == chart.OPERATOR_COMMISSION
        }
        for allocation in allocations:
            bill = bills[allocation.bill_id]
            if (
                bill.status == BillStatusChoices.PAID
                and bill.operator_share > 0
                and bill.number not in commissioned_here
            ):
                lines += [
                    Line(
                        chart.OPERATOR_DEPOSITS,
                        debit=bill.operator_share,
                        operator_id=bill.operator_id,
                        memo=bill.number,
                    ),
                    Line(
                        chart.OPERATOR_COMMISSION,
                        credit=bill.operator_share,
                        operator_id=bill.operator_id,
                        memo=bill.number,
                    ),
                ]
            bill.paid_amount -= allocation.amount
            bill.status = (
                BillStatusChoices.PARTIAL if bill.paid_amount > 0 else BillStatusChoices.UNPAID
            )
            bill.paid_at = None
            bill.save(update_fields=["paid_amount", "status", "paid_at"])
        reversal = entry_post(
            tenant=payment.tenant,
            lines=lines,
            memo=_("Reversal of payment %(receipt)s: %(reason)s")
            % {"receipt": payment.receipt_number, "reason": reason},
            source=source or EntrySourceChoices.PAYMENT_REVERSAL,
            source_id=payment.pk,
            by=by,
            reverses=entry,
        )
        payment.status = PaymentStatusChoices.REVERSED
        payment.reversed_at = timezone.now()
        payment.reversed_by = by if getattr(by, "pk", None) else None
        payment.reversal_reason = reason[:255]
        payment.save(update_fields=["status", "reversed_at", "reversed_by", "reversal_reason"])
        # A card redeemed to the wrong account can be redeemed again.
        RechargeCard.objects.filter(payment=payment).update(
            status=CardStatusChoices.ACTIVE,
            payment=None,
            redeemed_customer=None,
            redeemed_by=None,
            redeemed_at=None,
        )
        audit_record(
            tenant=payment.tenant,
            actor=by,
            action="payment.reversed",
            obj=payment,
            after={
                "amount": str(payment.amount),
                "reason": reason,
                "bills": [bills[a.bill_id].number for a in allocations],
                "entry": reversal.pk,
            },
        )
        publish(
            "payment.reversed",
            tenant_id=payment.tenant_id,
            payment_id=payment.pk,
            customer_id=payment.customer_id,
            amount=str(payment.amount),
        )
    return payment
