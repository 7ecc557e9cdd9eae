"""Bill runs: monthly (on each billing profile's due day), daily (price ÷ days in the
month from the prepaid balance) and prepaid validity; set-based SQL, idempotent.

A run for an ISP and a date writes, in one transaction and a fixed number of
statements whatever the number of customers:
- the bills (INSERT … SELECT from the customers; `ON CONFLICT DO NOTHING` on the
  one-bill-per-customer-per-period constraint, and no bill whose period overlaps one
  the customer already has);
- one journal entry with a receivable line per bill and revenue and VAT lines per
  operator;
- the advance credit the new bills consume (bills paid in full need no manual step),
  the operators' commission on bills so paid, and the prepaid expiry they extend.
A second run, or two at once (a per-ISP advisory lock on PostgreSQL), writes nothing
new. `preview` answers "who will be billed tonight, and why not the others".
"""

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from netbill.accounting import chart
from netbill.accounting.choices import EntrySourceChoices
from netbill.accounting.models import JournalEntry
from netbill.accounting.services import accounts_by_key
from netbill.catalog.choices import BillingProfileTypeChoices, MasterPackageValidityChoices
from netbill.catalog.models import BillingProfile, MasterPackage
from netbill.core.events import publish
from netbill.core.money import quantize

from . import sql
from .choices import BillKindChoices, BillRunKindChoices, BillRunStatusChoices
from .models import Bill, BillRun
from .periods import days_in_month, period_containing, validity_end

BILL_KINDS = {
    BillRunKindChoices.MONTHLY: BillKindChoices.MONTHLY,
    BillRunKindChoices.DAILY: BillKindChoices.DAILY,
    BillRunKindChoices.PREPAID: BillKindChoices.PREPAID,
}


@dataclass(frozen=True)
class Group:
    """Customers billed by one INSERT: the same period, due date and arithmetic."""

    kind: str
    profile_ids: tuple[int, ...]
    start: date
    end: date
    due: date
    divisor: int = 1  # daily bills: the days in the month
    connected_by_start: bool = False  # monthly: later connections get a first bill
    validity: tuple[str, int | None] | None = None  # prepaid: the packages' validity


def groups_for(tenant, kind: str, on: date) -> list[Group]:
    """What a run of `kind` on `on` bills, per billing profile (or validity)."""
    profiles = BillingProfile.objects.filter(tenant=tenant, auto_billing=True)
    if kind == BillRunKindChoices.MONTHLY:
        groups = []
        for profile in profiles.filter(billing_type=BillingProfileTypeChoices.MONTHLY):
            # The period `on` falls in: on the due day that is a new period; on a later
            # day it catches up whoever the due day's run missed (the overlap guard
            # keeps everyone else out).
            start, end = period_containing(on, profile.due_day)
            groups.append(
                Group(
                    BillKindChoices.MONTHLY,
                    (profile.pk,),
                    start,
                    end,
                    max(start, on),
                    connected_by_start=True,
                )
            )
        return groups
    if kind == BillRunKindChoices.DAILY:
        ids = tuple(
            profiles.filter(billing_type=BillingProfileTypeChoices.DAILY).values_list(
                "pk", flat=True
            )
        )
        if not ids:
            return []
        # Days a stopped server missed since the last daily run (a week at most) are
        # charged too, each at its own month's rate, due today.
        last = (
            BillRun.objects.filter(
                tenant=tenant,
                kind=BillRunKindChoices.DAILY,
                status=BillRunStatusChoices.DONE,
                run_date__lt=on,
            )
            .order_by("-run_date")
            .values_list("run_date", flat=True)
            .first()
        )
        first = on if last is None else max(last + timedelta(days=1), on - timedelta(days=6))
        days = [first + timedelta(days=n) for n in range((on - first).days + 1)]
        return [
            Group(
                BillKindChoices.DAILY,
                ids,
                day,
                day,
                on,
                divisor=days_in_month(day.year, day.month),
                connected_by_start=True,
            )
            for day in days
        ]
    if kind == BillRunKindChoices.PREPAID:
        ids = tuple(
            profiles.filter(billing_type=BillingProfileTypeChoices.PREPAID).values_list(
                "pk", flat=True
            )
        )
        if not ids:
            return []
        validities = (
            MasterPackage.objects.filter(tenant=tenant)
            .values_list("validity", "validity_days")
            .distinct()
        )
        groups = []
        # Monthly validities ignore validity_days: one group for all of them (two
        # identical groups would count their customers twice in previews and counts).
        kinds = {
            (v, None if v == MasterPackageValidityChoices.MONTHLY else d) for v, d in validities
        }
        for validity, days in sorted(kinds, key=str):
            monthly = validity == MasterPackageValidityChoices.MONTHLY
            end = validity_end(on, monthly=monthly, days=days)
            groups.append(
                Group(
                    BillKindChoices.PREPAID,
                    ids,
                    on,
                    end,
                    on,
                    validity=(validity, None if monthly else days),
                )
            )
        return groups
    raise ValueError(f"Not a billing run: {kind!r}")


def _candidates(tenant_id: int, group: Group, on: date) -> tuple[str, list]:
    """FROM … WHERE of the customers `group` bills, with their amounts in paisa.

    Columns: customer_id, operator_id, package_name, price_p, rate, inclusive,
    share_p, blocked (the operator is at its credit limit)."""
    d = sql.date_param
    ids = ", ".join(["%s"] * len(group.profile_ids))
    params: list = []
    price = sql.paisa("COALESCE(c.custom_price, op.customer_price)")
    full_share = (
        f"CASE WHEN o.parent_id IS NULL THEN 0 ELSE "
        f"{sql.paisa('COALESCE(c.custom_price, op.customer_price)')} - "
        f"{sql.paisa('op.operator_price')} END"
    )
    if group.divisor > 1:
        price = f"((2 * {price} + {group.divisor}) / (2 * {group.divisor}))"
        full_share = f"((2 * ({full_share}) + {group.divisor}) / (2 * {group.divisor}))"
    where = [
        "c.tenant_id = %s",
        f"c.billing_profile_id IN ({ids})",
        "c.status <> 'disabled'",
        "COALESCE(c.custom_price, op.customer_price) > 0",
        # A price that rounds to nothing (a daily share of a few paisa) is no bill: a
        # 0.00 bill would stay open forever, suspend the customer and block restoring.
        f"({price}) > 0",
        "NOT EXISTS (SELECT 1 FROM billing_bill b WHERE b.customer_id = c.id "
        "AND b.period_end >= %s)",
    ]
    params += [tenant_id, *group.profile_ids, d(group.start)]
    if group.connected_by_start:
        where.append("(c.connection_date IS NULL OR c.connection_date <= %s)")
        params.append(d(group.start))
    if group.validity is not None:
        where.append("(c.expiry_date IS NULL OR c.expiry_date < %s)")
        params.append(d(on))
        validity, days = group.validity
        where.append("mp.validity = %s")
        params.append(validity)
        if days is not None:
            where.append("mp.validity_days = %s")
            params.append(days)
        elif validity != MasterPackageValidityChoices.MONTHLY:
            where.append("mp.validity_days IS NULL")
    body = f"""
        FROM customers_customer c
        JOIN catalog_operatorpackage op ON op.id = c.package_id
        JOIN catalog_masterpackage mp ON mp.id = op.master_package_id
        JOIN accounts_operator o ON o.id = c.operator_id
        LEFT JOIN catalog_vatprofile v ON v.id = mp.vat_profile_id AND v.is_active
        WHERE {" AND ".join(where)}
    """
    select = f"""
        SELECT c.id AS customer_id, c.operator_id AS operator_id, mp.name AS package_name,
               {price} AS price_p,
               COALESCE({sql.rate_e4("v.rate")}, 0) AS rate,
               COALESCE(v.mode = 'inclusive', FALSE) AS inclusive,
               CASE WHEN ({full_share}) > 0 THEN ({full_share}) ELSE 0 END AS share_p,
               CASE WHEN o.parent_id IS NOT NULL AND o.balance < 0
                    AND -o.balance >= o.credit_limit THEN 1 ELSE 0 END AS blocked,
               c.name AS customer_name, c.username AS username, c.advance_balance AS advance
        {body}
    """
    return select, params


def _vat_sql(sub: str) -> str:
    return (
        f"CASE WHEN x.rate = 0 THEN 0 "
        f"WHEN x.inclusive THEN (2 * {sub} * x.rate + (1000000 + x.rate)) "
        f"/ (2 * (1000000 + x.rate)) "
        f"ELSE (2 * {sub} * x.rate + 1000000) / 2000000 END"
    )


def _insert_bills(cursor, *, tenant_id, group: Group, on: date, run_id, entry_id) -> int:
    """Write the group's bills in their final state: the advance credit each consumes
    is set here (paid, partial or unpaid), not by a second UPDATE of the rows just
    written. Returns how many bills were written."""
    select, params = _candidates(tenant_id, group, on)
    vat = _vat_sql("x.price_p")
    total = sql.money(f"CASE WHEN x.inclusive THEN x.price_p ELSE x.price_p + {vat} END")
    # Compared and subtracted as stored amounts, like the balance it comes from
    # (SQLite keeps both as floats: rounding to paisa here could leave a balance a
    # hair below zero).
    paid = f"(CASE WHEN x.advance > 0 THEN {sql.least('x.advance', total)} ELSE 0 END)"
    now = sql.datetime_param(timezone.now())
    d = sql.date_param
    cursor.execute(
        f"""
        INSERT INTO billing_bill (
            tenant_id, customer_id, operator_id, kind, period_start, period_end,
            issue_date, due_date, package_name, price, discount, vat_rate, vat_inclusive,
            vat_amount, total, paid_amount, operator_share, status, paid_at, cancel_reason,
            bill_run_id, journal_entry_id, created_at)
        SELECT %s, x.customer_id, x.operator_id, %s, %s, %s, %s, %s, x.package_name,
               {sql.money("x.price_p")}, 0, x.rate / 10000.0, x.inclusive,
               {sql.money(vat)}, {total}, {paid}, {sql.money("x.share_p")},
               CASE WHEN {paid} > 0 AND {paid} >= {total} THEN 'paid'
                    WHEN {paid} > 0 THEN 'partial' ELSE 'unpaid' END,
               CASE WHEN {paid} > 0 AND {paid} >= {total} THEN %s END,
               '', %s, %s, %s
        FROM ({select}) x
        WHERE x.blocked = 0
        ON CONFLICT (customer_id, period_start) DO NOTHING
        """,
        [
            tenant_id,
            group.kind,
            d(group.start),
            d(group.end),
            d(on),
            d(group.due),
            now,
            run_id,
            entry_id,
            now,
            *params,
        ],
    )
    return cursor.rowcount


def _post_lines(cursor, *, tenant, run_id: int, entry_id: int, start: date) -> None:
    """The run's journal: receivables per bill, revenue and VAT per operator."""
    accounts = accounts_by_key(tenant)
    t = tenant.pk
    ps = sql.date_param(start)  # one period at a time: one bill per customer
    insert = (
        "INSERT INTO accounting_journalline "
        "(tenant_id, entry_id, account_id, debit, credit, customer_id, operator_id, memo) "
    )
    cursor.execute(
        insert + "SELECT %s, %s, %s, total, 0, customer_id, NULL, '' FROM billing_bill "
        "WHERE bill_run_id = %s AND period_start = %s AND total > 0",
        [t, entry_id, accounts[chart.RECEIVABLE].pk, run_id, ps],
    )
    for key, amount in ((chart.REVENUE, "total - vat_amount"), (chart.VAT_PAYABLE, "vat_amount")):
        cursor.execute(
            insert + f"SELECT %s, %s, %s, 0, SUM({amount}), NULL, operator_id, '' "
            "FROM billing_bill WHERE bill_run_id = %s AND period_start = %s "
            f"GROUP BY operator_id HAVING SUM({amount}) > 0",
            [t, entry_id, accounts[key].pk, run_id, ps],
        )


def _consume_advances(cursor, *, tenant, run_id: int, entry_id: int, start: date) -> None:
    """New bills take the customers' advance credit first; fully covered bills are
    paid, and their operators earn their share."""
    accounts = accounts_by_key(tenant)
    t = tenant.pk
    ps = sql.date_param(start)  # one period at a time: one bill per customer
    insert = (
        "INSERT INTO accounting_journalline "
        "(tenant_id, entry_id, account_id, debit, credit, customer_id, operator_id, memo) "
    )
    cursor.execute(
        insert + "SELECT %s, %s, %s, paid_amount, 0, customer_id, NULL, %s FROM billing_bill "
        "WHERE bill_run_id = %s AND period_start = %s AND paid_amount > 0",
        [t, entry_id, accounts[chart.CUSTOMER_ADVANCES].pk, "Advance applied", run_id, ps],
    )
    cursor.execute(
        insert + "SELECT %s, %s, %s, 0, paid_amount, customer_id, NULL, %s FROM billing_bill "
        "WHERE bill_run_id = %s AND period_start = %s AND paid_amount > 0",
        [t, entry_id, accounts[chart.RECEIVABLE].pk, "Advance applied", run_id, ps],
    )
    # Each UPDATE joins the step's bills once (UPDATE … FROM). A correlated subquery
    # per updated row looks the bills up by `bill_run_id`, a value the planner's
    # statistics never know: at 100k customers with 12k advances that alone took
    # 192 s (bench/bill_run.py).
    cursor.execute(
        "UPDATE customers_customer "
        "SET advance_balance = customers_customer.advance_balance - b.paid_amount "
        "FROM billing_bill b WHERE b.bill_run_id = %s AND b.period_start = %s "
        "AND b.paid_amount > 0 AND b.customer_id = customers_customer.id",
        [run_id, ps],
    )
    # Operators' share of the bills now paid: an expense to the ISP, owed to them.
    for key, debit, credit in (
        (chart.OPERATOR_COMMISSION, "SUM(operator_share)", "0"),
        (chart.OPERATOR_DEPOSITS, "0", "SUM(operator_share)"),
    ):
        cursor.execute(
            insert + f"SELECT %s, %s, %s, {debit}, {credit}, NULL, operator_id, %s "
            "FROM billing_bill WHERE bill_run_id = %s AND period_start = %s AND status = 'paid' "
            "GROUP BY operator_id HAVING SUM(operator_share) > 0",
            [t, entry_id, accounts[key].pk, "Operator share", run_id, ps],
        )
    cursor.execute(
        "UPDATE accounts_operator SET balance = accounts_operator.balance + s.share "
        "FROM (SELECT operator_id, SUM(operator_share) AS share FROM billing_bill "
        "WHERE bill_run_id = %s AND period_start = %s AND status = 'paid' "
        "GROUP BY operator_id HAVING SUM(operator_share) > 0) s "
        "WHERE s.operator_id = accounts_operator.id",
        [run_id, ps],
    )
    # Prepaid bills paid from the advance extend the expiry to the period's end.
    cursor.execute(
        "UPDATE customers_customer SET expiry_date = b.period_end FROM billing_bill b "
        "WHERE b.bill_run_id = %s AND b.period_start = %s AND b.status = 'paid' "
        "AND b.kind = 'prepaid' AND b.customer_id = customers_customer.id",
        [run_id, ps],
    )


class _NothingBilled(Exception):
    pass


def bill_run_execute(*, tenant, kind: str, on: date, by=None) -> BillRun:
    """Run the monthly, daily or prepaid billing of `tenant` for the local date `on`."""
    if kind not in BILL_KINDS:
        raise ValueError(f"Not a billing run: {kind!r}")
    started = time.perf_counter()
    with transaction.atomic():
        sql.lock_billing(tenant.pk)
        run = BillRun.objects.create(
            tenant=tenant,
            kind=kind,
            run_date=on,
            started_by=by if getattr(by, "pk", None) else None,
        )
        groups = groups_for(tenant, kind, on)
        counts = _preview_counts(tenant, groups, on)
        billed, amount, from_credit, entry_id = 0, Decimal("0"), 0, None
        try:
            with transaction.atomic():
                entry = JournalEntry.objects.create(
                    tenant=tenant,
                    date=on,
                    memo=f"{run.get_kind_display()} {on.isoformat()}",
                    source=EntrySourceChoices.BILL_RUN,
                    source_id=run.pk,
                    created_by=run.started_by,
                )
                with connection.cursor() as cursor:
                    # Period by period (daily catch-up bills several days), so that
                    # each customer has one bill per step and its advance is spent
                    # on the oldest first.
                    for start in sorted({g.start for g in groups}):
                        written = sum(
                            _insert_bills(
                                cursor,
                                tenant_id=tenant.pk,
                                group=group,
                                on=on,
                                run_id=run.pk,
                                entry_id=entry.pk,
                            )
                            for group in groups
                            if group.start == start
                        )
                        if not written:
                            continue
                        billed += written
                        step = {"tenant": tenant, "run_id": run.pk, "entry_id": entry.pk}
                        _post_lines(cursor, start=start, **step)
                        _consume_advances(cursor, start=start, **step)
                    if not billed:
                        raise _NothingBilled
                entry_id = entry.pk
        except _NothingBilled:
            billed = 0
        if billed:
            totals = Bill.objects.filter(bill_run=run).aggregate(
                amount=Sum("total"), from_credit=Count("pk", filter=Q(paid_amount__gt=0))
            )
            amount = quantize(totals["amount"] or Decimal("0"))
            from_credit = totals["from_credit"]
        run.considered = counts["due"] + counts["blocked"]
        run.billed = billed
        run.skipped_existing = max(counts["due"] - billed, 0)
        run.skipped_credit_limit = counts["blocked"]
        run.paid_from_credit = from_credit
        run.amount = amount
        run.journal_entry_id = entry_id
        run.status = BillRunStatusChoices.DONE
        run.finished_at = timezone.now()
        run.duration_ms = int((time.perf_counter() - started) * 1000)
        run.details = {
            "groups": [
                {"kind": g.kind, "start": g.start.isoformat(), "end": g.end.isoformat()}
                for g in groups
            ]
        }
        run.save()
        if billed:
            publish("bills.generated", tenant_id=tenant.pk, bill_run_id=run.pk, count=billed)
    return run


def _preview_counts(tenant, groups: list[Group], on: date) -> dict:
    due = blocked = 0
    with connection.cursor() as cursor:
        for group in groups:
            select, params = _candidates(tenant.pk, group, on)
            cursor.execute(
                f"SELECT COALESCE(SUM(1 - x.blocked), 0), COALESCE(SUM(x.blocked), 0) "
                f"FROM ({select}) x",
                params,
            )
            a, b = cursor.fetchone()
            due += int(a)
            blocked += int(b)
    return {"due": due, "blocked": blocked}


@dataclass
class PreviewRow:
    customer_id: int
    name: str
    username: str
    period_start: date
    period_end: date
    total: Decimal
    from_advance: Decimal
    reason: str


@dataclass
class Preview:
    kind: str
    on: date
    rows: list[PreviewRow] = field(default_factory=list)
    blocked: list[PreviewRow] = field(default_factory=list)
    due: int = 0
    blocked_count: int = 0
    amount: Decimal = Decimal("0.00")


def bill_run_preview(*, tenant, kind: str, on: date, limit: int = 200) -> Preview:
    """Dry run: who a run of `kind` on `on` would bill, for how much, and who it would
    skip because the operator is at its credit limit. Writes nothing."""
    from .amounts import from_paisa, vat_paisa

    preview = Preview(kind=kind, on=on)
    for group in groups_for(tenant, kind, on):
        select, params = _candidates(tenant.pk, group, on)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM ({select}) x ORDER BY x.customer_id", params)
            columns = [c[0] for c in cursor.description]
            for values in cursor.fetchall():
                row = dict(zip(columns, values, strict=True))
                price_p, rate, inclusive = (
                    int(row["price_p"]),
                    int(row["rate"]),
                    bool(row["inclusive"]),
                )
                vat = vat_paisa(price_p, rate, inclusive)
                total = from_paisa(price_p if inclusive else price_p + vat)
                advance = quantize(Decimal(str(row["advance"] or 0)))
                item = PreviewRow(
                    row["customer_id"],
                    row["customer_name"],
                    row["username"],
                    group.start,
                    group.end,
                    total,
                    min(advance, total),
                    "credit_limit" if row["blocked"] else group.kind,
                )
                if row["blocked"]:
                    preview.blocked_count += 1
                    if len(preview.blocked) < limit:
                        preview.blocked.append(item)
                else:
                    preview.due += 1
                    preview.amount += total
                    if len(preview.rows) < limit:
                        preview.rows.append(item)
    return preview
