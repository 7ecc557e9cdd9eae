"""Payment services: Receive Payment and Advance Payment on the customer profile, Bulk
Bill Paid, and operators' Add Balance. Each call is one transaction with its journal
entry; an idempotency key (a form's token, an API client's header) makes a repeated
request record nothing new."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from netbill.accounting import chart
from netbill.accounting.choices import EntrySourceChoices
from netbill.accounting.services import Line, entry_post
from netbill.billing import sql
from netbill.billing.choices import OPEN_STATUSES
from netbill.billing.models import Bill
from netbill.billing.services import bill_apply, commission_lines, restore_after_commit
from netbill.core.audit import audit_record
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError, OutOfReach
from netbill.core.money import quantize
from netbill.core.permissions import can, in_reach
from netbill.core.services import require_permission
from netbill.customers.models import Customer

from .choices import PaymentKindChoices, PaymentMethodChoices
from .models import Allocation, OperatorDeposit, Payment

RECEIVE = "payments.receive"
MAX_AMOUNT = Decimal("10000000")  # a single payment of ten million taka is a typo


def clean_amount(value, field: str = "amount") -> Decimal:
    """A positive amount of money with at most two decimal places; never a float."""
    if isinstance(value, float):
        raise BusinessRuleError({field: [_("Amounts are exact decimals, never floats.")]})
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise BusinessRuleError({field: [_("Enter an amount such as 525.00.")]}) from None
    if not amount.is_finite():
        raise BusinessRuleError({field: [_("Enter an amount such as 525.00.")]})
    if amount <= 0:
        raise BusinessRuleError({field: [_("The amount must be more than zero.")]})
    # Before quantize(): a huge exponent ("1e400") makes quantize raise InvalidOperation.
    if amount > MAX_AMOUNT:
        raise BusinessRuleError({field: [_("That amount is too large for one payment.")]})
    if amount != amount.quantize(Decimal("0.01")):
        raise BusinessRuleError({field: [_("At most two decimal places (paisa).")]})
    return quantize(amount)


def money_account(by, method: str) -> tuple[str, int | None]:
    """Where the money went: the ISP's cash or bank, or, for cash a reseller's user
    took, that reseller's deposit (it holds the ISP's money)."""
    if method == PaymentMethodChoices.BANK:
        return chart.BANK, None
    operator = getattr(by, "operator", None)
    if operator is not None and operator.parent_id is not None:
        return chart.OPERATOR_DEPOSITS, operator.pk
    return chart.CASH, None


def _record(
    *,
    customer: Customer,
    by,
    amount: Decimal,
    method: str,
    kind: str,
    bills: list[Bill],
    reference: str,
    note: str,
    idempotency_key: str | None,
    debit: Line | None = None,
) -> Payment:
    """Allocate `amount` over `bills` in order; the rest becomes advance credit.

    `debit` names where the money is (a gateway's clearing account, recharge cards
    outstanding); by default the cash, bank or reseller deposit of `by`."""
    settled = []
    remaining = amount
    for bill in bills:
        if remaining <= 0:
            break
        part = min(remaining, bill.due)
        if part <= 0:
            continue
        settled.append(bill_apply(bill, part))
        remaining -= part
    if debit is None:
        account, collector_id = money_account(by, method)
        debit = Line(account, operator_id=collector_id)
    collector_id = debit.operator_id
    payment = Payment.objects.create(
        tenant_id=customer.tenant_id,
        customer=customer,
        operator_id=customer.operator_id,
        amount=amount,
        method=method,
        kind=kind,
        advance_amount=remaining,
        collector_id=collector_id,
        received_by=by if getattr(by, "pk", None) else None,
        received_at=timezone.now(),
        reference=reference[:128],
        note=note[:255],
        idempotency_key=idempotency_key,
    )
    Allocation.objects.bulk_create(
        Allocation(tenant_id=customer.tenant_id, payment=payment, bill=s.bill, amount=s.amount)
        for s in settled
    )
    lines = [
        Line(
            debit.account,
            debit=amount,
            operator_id=debit.operator_id,
            distributor_id=debit.distributor_id,
            memo=payment.receipt_number,
        )
    ]
    for s in settled:
        lines.append(
            Line(chart.RECEIVABLE, credit=s.amount, customer_id=customer.pk, memo=s.bill.number)
        )
    if remaining:
        lines.append(
            Line(
                chart.CUSTOMER_ADVANCES,
                credit=remaining,
                customer_id=customer.pk,
                memo=payment.receipt_number,
            )
        )
    lines += commission_lines(settled)
    entry = entry_post(
        tenant=customer.tenant,
        lines=lines,
        memo=_("Payment %(receipt)s from %(customer)s")
        % {"receipt": payment.receipt_number, "customer": customer.username},
        source=EntrySourceChoices.ADVANCE
        if kind == PaymentKindChoices.ADVANCE
        else EntrySourceChoices.PAYMENT,
        source_id=payment.pk,
        by=by,
    )
    Payment.objects.filter(pk=payment.pk).update(journal_entry=entry)
    payment.journal_entry = entry
    audit_record(
        tenant=customer.tenant,
        actor=by,
        action="payment.received",
        obj=payment,
        after={
            "customer": customer.username,
            "amount": str(amount),
            "method": method,
            "kind": kind,
            "bills": [s.bill.number for s in settled],
            "advance": str(remaining),
        },
    )
    publish(
        "payment.received",
        tenant_id=customer.tenant_id,
        payment_id=payment.pk,
        customer_id=customer.pk,
        amount=str(amount),
    )
    restore_after_commit(customer.tenant_id, customer.pk)
    return payment


KEY_MAX = 96  # Payment.idempotency_key
BULK_KEY_MAX = 80  # room for ":<bill pk>"


def _check_key(idempotency_key: str | None, limit: int = KEY_MAX) -> None:
    """An over-long key would fail at the database (PostgreSQL refuses the value) with
    a server error; refuse it with a message instead, before anything is written."""
    if idempotency_key and len(idempotency_key) > limit:
        raise BusinessRuleError(_("The request's idempotency key is too long."))


def _earlier(tenant_id: int, idempotency_key: str | None) -> Payment | None:
    if not idempotency_key:
        return None
    return Payment.objects.filter(tenant_id=tenant_id, idempotency_key=idempotency_key).first()


def open_bills_for_update(customer: Customer) -> list[Bill]:
    """The customer's open bills, oldest first, locked (call inside a transaction that
    holds `sql.lock_billing`)."""
    return list(
        Bill.objects.select_for_update()
        .filter(customer=customer, status__in=OPEN_STATUSES)
        .select_related("tenant")
        .order_by("due_date", "period_start", "pk")
    )


def payment_record_system(
    *,
    customer: Customer,
    amount: Decimal,
    method: str,
    debit: Line,
    reference: str,
    idempotency_key: str,
    by=None,
    note: str = "",
) -> Payment:
    """A payment that no cashier took: a verified gateway payment or a redeemed
    recharge card. The caller holds the transaction and `sql.lock_billing`, and has
    checked what makes the money real; the oldest open bills are paid first, the rest
    is advance credit, and an auto-suspended customer is restored once settled."""
    earlier = _earlier(customer.tenant_id, idempotency_key)
    if earlier is not None:
        return earlier
    customer = Customer.objects.select_for_update().select_related("tenant").get(pk=customer.pk)
    return _record(
        customer=customer,
        by=by,
        amount=amount,
        method=method,
        kind=PaymentKindChoices.PAYMENT,
        bills=open_bills_for_update(customer),
        reference=reference,
        note=note,
        idempotency_key=idempotency_key,
        debit=debit,
    )


def payment_receive(
    *,
    customer: Customer,
    by,
    amount,
    method: str = PaymentMethodChoices.CASH,
    kind: str = PaymentKindChoices.PAYMENT,
    reference: str = "",
    note: str = "",
    idempotency_key: str | None = None,
) -> Payment:
    """Receive Payment (or Advance Payment): the oldest open bills are paid first, the
    rest is the customer's advance credit. A customer auto-suspended for not paying
    is restored once nothing is left unpaid."""
    require_permission(by, RECEIVE, customer)
    amount = clean_amount(amount)
    if method not in (PaymentMethodChoices.CASH, PaymentMethodChoices.BANK):
        raise BusinessRuleError({"method": [_("Choose cash or bank.")]})
    if kind not in PaymentKindChoices.values:
        raise BusinessRuleError({"kind": [_("Choose a bill payment or an advance.")]})
    _check_key(idempotency_key)
    with transaction.atomic():
        sql.lock_billing(customer.tenant_id)
        earlier = _earlier(customer.tenant_id, idempotency_key)
        if earlier is not None:
            return earlier
        customer = Customer.objects.select_for_update().select_related("tenant").get(pk=customer.pk)
        bills = open_bills_for_update(customer)
        return _record(
            customer=customer,
            by=by,
            amount=amount,
            method=method,
            kind=kind,
            bills=bills,
            reference=reference,
            note=note,
            idempotency_key=idempotency_key,
        )


@dataclass(frozen=True)
class BulkPaid:
    paid: int
    amount: Decimal
    payments: tuple[int, ...]
    repeated: bool = False


def bills_bulk_pay(
    *, by, bill_ids: list[int], idempotency_key: str, reference: str = ""
) -> BulkPaid:
    """Bills & Payments → Manage Bulk Bills → Bulk Bill Paid: a cash payment of what is
    due on each selected bill, with its journal entry, in one transaction. Bills out of
    the user's reach, cancelled or already paid refuse the whole action; the same
    `idempotency_key` (the form's token: a double click) records nothing more."""
    require_permission(by, RECEIVE)
    if not idempotency_key:
        raise BusinessRuleError(_("The form has expired; open Manage Bulk Bills again."))
    _check_key(idempotency_key, BULK_KEY_MAX)
    try:
        ids = sorted({int(pk) for pk in bill_ids})
    except (TypeError, ValueError):
        raise BusinessRuleError(_("Select bills from the list.")) from None
    if not ids:
        raise BusinessRuleError(_("Select at least one bill."))
    with transaction.atomic():
        sql.lock_billing(by.tenant_id)
        earlier = list(
            Payment.objects.filter(
                tenant_id=by.tenant_id, idempotency_key__startswith=f"{idempotency_key}:"
            ).order_by("pk")  # the first call's order, so a repeat answers the same
        )
        if earlier:
            return BulkPaid(
                len(earlier),
                sum((p.amount for p in earlier), Decimal("0")),
                tuple(p.pk for p in earlier),
                repeated=True,
            )
        bills = list(
            Bill.objects.select_for_update()
            .filter(tenant_id=by.tenant_id, pk__in=ids)
            .select_related("tenant", "customer__tenant", "operator")
            .order_by("pk")
        )
        if len(bills) != len(ids) or any(not in_reach(by, b) for b in bills):
            raise OutOfReach(_("Some of the selected bills are outside your reach."))
        closed = [b.number for b in bills if b.status not in OPEN_STATUSES]
        if closed:
            raise BusinessRuleError(
                _("These bills are paid or cancelled: %(numbers)s. Nothing was recorded.")
                % {"numbers": ", ".join(closed[:10])}
            )
        payments = []
        total = Decimal("0")
        for bill in bills:
            if not can(by, RECEIVE, bill.customer):
                raise OutOfReach(_("Some of the selected bills are outside your reach."))
            payments.append(
                _record(
                    customer=bill.customer,
                    by=by,
                    amount=bill.due,
                    method=PaymentMethodChoices.CASH,
                    kind=PaymentKindChoices.PAYMENT,
                    bills=[bill],
                    reference=reference or _("Bulk Bill Paid"),
                    note="",
                    idempotency_key=f"{idempotency_key}:{bill.pk}",
                )
            )
            total += payments[-1].amount
    return BulkPaid(len(payments), total, tuple(p.pk for p in payments))


def operator_add_balance(
    *, operator, by, amount, reference: str, idempotency_key: str | None = None
) -> OperatorDeposit:
    """Account Balance → Add Balance: the operator deposited money with the ISP; its
    deposit (and so its balance against the credit limit) grows by `amount`."""
    require_permission(by, "operators.balance", operator)
    amount = clean_amount(amount)
    reference = " ".join((reference or "").split())
    if not reference:
        raise BusinessRuleError({"reference": [_("Give a reference note (receipt, bank slip).")]})
    if operator.parent_id is None:
        raise BusinessRuleError(_("The Group Admin's own book has no deposit to add to."))
    if getattr(by, "operator_id", None) == operator.pk:
        raise BusinessRuleError(_("You cannot add balance to your own account."))
    _check_key(idempotency_key)
    with transaction.atomic():
        sql.lock_billing(operator.tenant_id)
        if idempotency_key:
            earlier = OperatorDeposit.objects.filter(
                tenant_id=operator.tenant_id, idempotency_key=idempotency_key
            ).first()
            if earlier is not None:
                return earlier
        entry = entry_post(
            tenant=operator.tenant,
            lines=[
                Line(chart.CASH, debit=amount, memo=reference[:255]),
                Line(
                    chart.OPERATOR_DEPOSITS,
                    credit=amount,
                    operator_id=operator.pk,
                    memo=reference[:255],
                ),
            ],
            memo=_("Balance added to %(operator)s: %(reference)s")
            % {"operator": operator.name, "reference": reference},
            source=EntrySourceChoices.OPERATOR_DEPOSIT,
            source_id=operator.pk,
            by=by,
        )
        deposit = OperatorDeposit.objects.create(
            tenant_id=operator.tenant_id,
            operator=operator,
            amount=amount,
            reference=reference[:255],
            idempotency_key=idempotency_key,
            by=by,
            journal_entry=entry,
        )
        audit_record(
            tenant=operator.tenant,
            actor=by,
            action="operator.balance_added",
            obj=operator,
            after={"amount": str(amount), "reference": reference},
        )
        publish(
            "operator.balance_added",
            tenant_id=operator.tenant_id,
            operator_id=operator.pk,
            amount=str(amount),
        )
    return deposit
