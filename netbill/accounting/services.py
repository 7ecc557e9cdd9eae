"""Posting to the ledger: the chart of accounts, balanced entries, reversals.

`entry_post` is the one way money enters the books: it checks that debits equal credits
(PostgreSQL checks again at commit), writes the entry and all its lines in one
statement each, and honours an idempotency key. Posted entries are immutable;
`entry_reverse` cancels one with a mirror entry.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from netbill.core.exceptions import BusinessRuleError
from netbill.core.money import quantize

from . import chart
from .chart import SYSTEM_ACCOUNTS
from .choices import EntrySourceChoices
from .models import Account, JournalEntry, JournalLine


@dataclass(frozen=True)
class Line:
    """A line to post: an account key (or Account), a debit or a credit, and the
    customer or operator of its sub-ledger."""

    account: str | Account
    debit: Decimal = Decimal("0")
    credit: Decimal = Decimal("0")
    customer_id: int | None = None
    operator_id: int | None = None
    memo: str = ""
    distributor_id: int | None = None  # a card distributor (a user) of the sub-ledger


def chart_ensure(tenant) -> int:
    """Give an ISP its system accounts (idempotent); returns how many were created."""
    existing = set(Account.objects.filter(tenant=tenant).values_list("key", flat=True))
    codes = set(Account.objects.filter(tenant=tenant).values_list("code", flat=True))
    new = [
        Account(tenant=tenant, key=key, code=code, name=name, type=kind, description=desc)
        for key, code, name, kind, desc in SYSTEM_ACCOUNTS
        if key not in existing and code not in codes
    ]
    Account.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def accounts_by_key(tenant) -> dict[str, Account]:
    accounts = {a.key: a for a in Account.objects.filter(tenant=tenant, key__isnull=False)}
    if len(accounts) < len(SYSTEM_ACCOUNTS):
        chart_ensure(tenant)
        accounts = {a.key: a for a in Account.objects.filter(tenant=tenant, key__isnull=False)}
    return accounts


def local_today(tenant) -> date:
    return timezone.localtime(timezone.now(), tenant.zone).date()


def entry_post(
    *,
    tenant,
    lines: list[Line],
    memo: str,
    source: str,
    source_id: int | None = None,
    by=None,
    on: date | None = None,
    idempotency_key: str | None = None,
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Post one balanced entry. Lines with a zero amount are dropped; a negative
    amount, a line with both sides, or debits that do not equal credits is refused.

    With an `idempotency_key` already used by this ISP, nothing is posted and the
    earlier entry is returned."""
    if source not in EntrySourceChoices.values:
        raise ValueError(f"Unknown journal source {source!r}")
    kept: list[Line] = []
    for line in lines:
        debit, credit = quantize(line.debit), quantize(line.credit)
        if debit < 0 or credit < 0:
            raise BusinessRuleError(_("A journal line cannot carry a negative amount."))
        if debit and credit:
            raise BusinessRuleError(_("A journal line is a debit or a credit, not both."))
        if debit or credit:
            kept.append(
                Line(
                    line.account,
                    debit,
                    credit,
                    line.customer_id,
                    line.operator_id,
                    line.memo,
                    line.distributor_id,
                )
            )
    total_debit = sum((line.debit for line in kept), Decimal("0"))
    total_credit = sum((line.credit for line in kept), Decimal("0"))
    if len(kept) < 2 or total_debit != total_credit:
        raise BusinessRuleError(
            _("Debits (%(debit)s) must equal credits (%(credit)s) in a journal entry.")
            % {"debit": total_debit, "credit": total_credit}
        )
    if idempotency_key:
        earlier = JournalEntry.objects.filter(
            tenant=tenant, idempotency_key=idempotency_key
        ).first()
        if earlier is not None:
            return earlier
    accounts = None
    with transaction.atomic():
        entry = JournalEntry(
            tenant=tenant,
            date=on or local_today(tenant),
            memo=memo[:255],
            source=source,
            source_id=source_id,
            idempotency_key=idempotency_key,
            reverses=reverses,
            created_by=by if getattr(by, "pk", None) else None,
        )
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:
            if (
                idempotency_key
                and JournalEntry.objects.filter(
                    tenant=tenant, idempotency_key=idempotency_key
                ).exists()
            ):
                return JournalEntry.objects.get(tenant=tenant, idempotency_key=idempotency_key)
            if reverses is not None:
                raise BusinessRuleError(_("This entry has already been reversed.")) from None
            raise
        rows = []
        for line in kept:
            account = line.account
            if isinstance(account, str):
                if accounts is None:
                    accounts = accounts_by_key(tenant)
                account = accounts[account]
            elif account.tenant_id != tenant.pk:
                raise BusinessRuleError(_("That account belongs to another ISP."))
            rows.append(
                JournalLine(
                    tenant=tenant,
                    entry=entry,
                    account=account,
                    debit=line.debit,
                    credit=line.credit,
                    customer_id=line.customer_id,
                    operator_id=line.operator_id,
                    distributor_id=line.distributor_id,
                    memo=line.memo[:255],
                )
            )
        JournalLine.objects.bulk_create(rows)
        _follow_balances(rows)
    return entry


def _follow_balances(rows: list[JournalLine]) -> None:
    """Keep the balances shown on customers and operators in step with their
    sub-ledgers, in the same transaction (tests check them against the ledger)."""
    from netbill.accounts.models import Operator
    from netbill.customers.models import Customer

    operators: dict[int, Decimal] = defaultdict(Decimal)
    customers: dict[int, Decimal] = defaultdict(Decimal)
    for row in rows:
        if row.account.key == chart.OPERATOR_DEPOSITS and row.operator_id:
            operators[row.operator_id] += row.credit - row.debit
        elif row.account.key == chart.CUSTOMER_ADVANCES and row.customer_id:
            customers[row.customer_id] += row.credit - row.debit
    for pk, delta in operators.items():
        if delta:
            Operator.objects.filter(pk=pk).update(balance=F("balance") + delta)
    for pk, delta in customers.items():
        if delta:
            Customer.objects.filter(pk=pk).update(advance_balance=F("advance_balance") + delta)


def entry_reverse(
    *,
    entry: JournalEntry,
    memo: str,
    by=None,
    source: str | None = None,
    source_id: int | None = None,
    on: date | None = None,
) -> JournalEntry:
    """Cancel `entry` with a mirror entry (debits become credits); at most once."""
    if entry.reverses_id is not None:
        raise BusinessRuleError(_("A reversal cannot itself be reversed."))
    if JournalEntry.objects.filter(reverses=entry).exists():
        raise BusinessRuleError(_("This entry has already been reversed."))
    lines = [
        Line(
            line.account,
            debit=line.credit,
            credit=line.debit,
            customer_id=line.customer_id,
            operator_id=line.operator_id,
            memo=line.memo,
            distributor_id=line.distributor_id,
        )
        for line in entry.lines.select_related("account")
    ]
    return entry_post(
        tenant=entry.tenant,
        lines=lines,
        memo=memo,
        source=source or EntrySourceChoices.REVERSAL,
        source_id=source_id if source_id is not None else entry.source_id,
        by=by,
        on=on,
        reverses=entry,
    )
