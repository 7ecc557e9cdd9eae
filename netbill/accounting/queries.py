"""Reading the ledger: balances, the trial balance, sub-ledgers and statements."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import Coalesce

from netbill.core.money import quantize

from . import chart
from .models import Account, JournalLine

ZERO = Decimal("0.00")


def _sums(queryset) -> tuple[Decimal, Decimal]:
    row = queryset.aggregate(d=Coalesce(Sum("debit"), ZERO), c=Coalesce(Sum("credit"), ZERO))
    return quantize(row["d"]), quantize(row["c"])


def account_balance(account: Account, *, until: date | None = None) -> Decimal:
    """The balance on the account's normal side (assets/expenses: debit − credit)."""
    lines = JournalLine.objects.filter(account=account)
    if until is not None:
        lines = lines.filter(entry__date__lte=until)
    debit, credit = _sums(lines)
    return debit - credit if account.debit_normal else credit - debit


def trial_balance(tenant) -> list[dict]:
    """Every account with its debit and credit totals and its balance."""
    totals = {
        row["account_id"]: row
        for row in JournalLine.objects.filter(tenant=tenant)
        .values("account_id")
        .annotate(d=Sum("debit"), c=Sum("credit"))
    }
    rows = []
    for account in Account.objects.filter(tenant=tenant).order_by("code"):
        row = totals.get(account.pk, {"d": ZERO, "c": ZERO})
        debit, credit = quantize(row["d"] or ZERO), quantize(row["c"] or ZERO)
        rows.append(
            {
                "account": account,
                "debit": debit,
                "credit": credit,
                "balance": debit - credit if account.debit_normal else credit - debit,
            }
        )
    return rows


def trial_balance_difference(tenant) -> Decimal:
    """Total debits minus total credits over the whole ledger: always zero."""
    debit, credit = _sums(JournalLine.objects.filter(tenant=tenant))
    return debit - credit


def _sub_ledger(tenant, key: str, **who) -> Decimal:
    debit, credit = _sums(JournalLine.objects.filter(tenant=tenant, account__key=key, **who))
    return debit - credit


def customer_receivable(tenant, customer_id: int) -> Decimal:
    """What the customer owes on bills, from the ledger (debit balance of AR)."""
    return _sub_ledger(tenant, chart.RECEIVABLE, customer_id=customer_id)


def customer_advance(tenant, customer_id: int) -> Decimal:
    """The customer's credit, from the ledger (credit balance of customer advances)."""
    return -_sub_ledger(tenant, chart.CUSTOMER_ADVANCES, customer_id=customer_id)


def operator_balance(tenant, operator_id: int) -> Decimal:
    """The operator's balance with the ISP (credit balance of operator deposits)."""
    return -_sub_ledger(tenant, chart.OPERATOR_DEPOSITS, operator_id=operator_id)


def receivables_total(tenant) -> Decimal:
    return _sub_ledger(tenant, chart.RECEIVABLE)


@dataclass(frozen=True)
class StatementLine:
    date: date
    entry_id: int
    memo: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


def statement(
    tenant,
    *,
    account: Account,
    customer_id: int | None = None,
    operator_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = 500,
) -> tuple[Decimal, list[StatementLine], Decimal]:
    """An account statement (optionally one customer's or operator's sub-ledger):
    the opening balance before `start`, the lines of the period with a running
    balance on the account's normal side, and the closing balance."""
    lines = JournalLine.objects.filter(tenant=tenant, account=account)
    if customer_id is not None:
        lines = lines.filter(customer_id=customer_id)
    if operator_id is not None:
        lines = lines.filter(operator_id=operator_id)
    sign = 1 if account.debit_normal else -1
    opening = ZERO
    if start is not None:
        debit, credit = _sums(lines.filter(entry__date__lt=start))
        opening = sign * (debit - credit)
        lines = lines.filter(entry__date__gte=start)
    if end is not None:
        lines = lines.filter(entry__date__lte=end)
    out = []
    running = opening
    for line in lines.select_related("entry").order_by("entry__date", "entry_id", "id")[:limit]:
        running += sign * (line.debit - line.credit)
        out.append(
            StatementLine(
                line.entry.date,
                line.entry_id,
                line.memo or line.entry.memo,
                line.debit,
                line.credit,
                running,
            )
        )
    debit, credit = _sums(lines)
    closing = opening + sign * (debit - credit)
    return opening, out, closing
