"""Benchmark: the monthly bill run at 100k due customers (issue 6, item 10; B1 in
../shared/specs/performance.md).

One ISP of CUSTOMERS customers due on the 1st (two monthly billing profiles), sold by
RESELLERS resellers and their sub-operators at operator prices below the customer
price (so commission lines exist), on four packages, three of them with a 5 % exclusive
VAT profile. Some customers hold advance credit (a posted opening entry), enough for
whole bills or part of one, so the run consumes credit and pays bills; a few have a
custom price; some are suspended (still billed). Not billed: disabled customers, and
the customers of BLOCKED sub-operators that sit at their credit limit. Every customer
already has last month's bill, paid, as at an ISP in production (written set-based).

It measures, in the same run of the script:

  - `billing.runs.bill_run_execute(tenant, "monthly", on)` for REPEATS consecutive
    months (each bills the same 100k), wall time including the commit;
  - after each, a raw COPY of the identical rows the run wrote (its bills and its
    journal lines, read back untimed) into scratch tables made LIKE the real ones
    (INCLUDING ALL: the same defaults, constraints and indexes; logged, not TEMP),
    in one transaction: the physical limit for writing that data. Printed as
    copy time ÷ run time (target ≥ 0.25);
  - a naive per-customer ORM loop over NAIVE other customers (a billing profile the
    runs skip): per customer, load it, compute the amounts, Bill.objects.create,
    JournalEntry + 3 JournalLine creates and customer.save(), all in one transaction.
    Printed per customer against the run's per-customer time (target ≥ 50×);
  - a second run of the last date, which must write no bill.

The statements of the first timed run are recorded (Django's debug cursor) and the
slowest are printed, so a slow run shows where its time goes; `--explain` also prints
PostgreSQL's plan with actual times (auto_explain) of each statement of the runs that
takes more than EXPLAIN_MIN_MS.

Needs PostgreSQL (DATABASE_URL=postgres://…); prints a note and exits 0 otherwise. Runs
in a fresh database of its own, dropped at the end. The figures are printed, not judged:
the exit status is non-zero only on an error (or a second run that bills).

    make bench        (or: .venv/bin/python bench/bill_run.py [--explain])

BENCH_CUSTOMERS=20000 scales the workload down (the naive loop keeps 5k customers).
"""

import io
import os
import random
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS") or 100_000)  # due and billed
DISABLED = CUSTOMERS // 100  # not billed
BLOCKED_CUSTOMERS = CUSTOMERS // 50  # their sub-operators are at the credit limit
NAIVE = min(5_000, CUSTOMERS // 2)  # the per-customer ORM loop's customers
RESELLERS = 10
SUBS_PER_RESELLER = 2
BLOCKED = 3  # sub-operators at their credit limit (they get BLOCKED_CUSTOMERS)
ADVANCE_FULL = 0.08  # share of customers with credit for every timed month
ADVANCE_PART = 0.04  # share with part of one bill
CUSTOM_PRICE = 0.02
HISTORY = (date(2026, 11, 1), date(2026, 11, 30))  # a month billed and paid before
RUN_DATES = (date(2026, 12, 1), date(2027, 1, 1))
REPEATS = len(RUN_DATES)
BATCH = 10_000
TARGET_SECONDS = 6.0
TARGET_COPY_RATIO = 0.25
TARGET_NAIVE_RATIO = 50.0
TOP_STATEMENTS = 6
# `--explain`: PostgreSQL's auto_explain sends the plan (EXPLAIN ANALYZE) of every
# statement of the runs slower than this to the client, and they are printed.
EXPLAIN = "--explain" in sys.argv
EXPLAIN_MIN_MS = 200
CONNECTED_FROM = date(2024, 1, 1).toordinal()  # connection dates: 600 days on

FIRST = (
    "Abdur", "Md.", "Mohammad", "Abul", "Shafiqul", "Nazmul", "Kamrul", "Rafiqul", "Tanvir",
    "Mizanur", "Habibur", "Jahangir", "Fatema", "Nasrin", "Sharmin", "Rokeya", "Farhana",
)  # fmt: skip
LAST = (
    "Rahman", "Islam", "Hossain", "Uddin", "Alam", "Akter", "Begum", "Khatun", "Haque",
    "Mia", "Sarkar", "Chowdhury", "Talukder", "Molla", "Sheikh", "Karim", "Ahmed",
)  # fmt: skip
PACKAGES = (  # name, price, operator's price, VAT
    ("Home 5 Mbps", "500", "400", True),
    ("Home 10 Mbps", "800", "650", True),
    ("Home 20 Mbps", "1200", "1000", True),
    ("Business 40 Mbps", "2500", "2100", False),
)


def configure() -> bool:
    os.environ["NETBILL_TESTING"] = "1"  # development keys, fast password hashing
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netbill.settings")
    return (os.environ.get("DATABASE_URL") or "").startswith("postgres")


def sql(statement: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def settle() -> None:
    """What the spec asks before each timed phase: fresh statistics, a clean buffer."""
    sql("VACUUM (ANALYZE)")
    sql("CHECKPOINT")


#
# Workload
#


def _catalog(ga, sellers):
    """A VAT profile, the billing profiles, four master packages, every seller's shelf."""
    from netbill.catalog.services import (
        billing_profile_create,
        master_package_create,
        operator_package_assign,
        vat_profile_create,
    )

    vat = vat_profile_create(by=ga, name="VAT 5%", rate=Decimal("5"), mode="exclusive")
    profiles = [
        billing_profile_create(
            by=ga,
            name=name,
            billing_type="monthly",
            due_day=1,
            grace_days=grace,
            operators=[ga.operator],
        )
        for name, grace in (("1st of month", 5), ("1st of month, corporate", 10))
    ]
    # The naive loop's customers: the runs leave this profile alone.
    naive = billing_profile_create(
        by=ga, name="Naive loop", billing_type="monthly", due_day=1, auto_billing=False,
        operators=[ga.operator],
    )  # fmt: skip
    masters = [
        master_package_create(
            by=ga,
            name=name,
            download_kbps=5_000 * (n + 1),
            upload_kbps=5_000 * (n + 1),
            price=Decimal(price),
            validity="monthly",
            vat_profile=vat if with_vat else None,
            # Hotspot only: a PPPoE package needs a profile and a pool; billing does
            # not care.
            connection_types=["hotspot"],
        )
        for n, (name, price, _op_price, with_vat) in enumerate(PACKAGES)
    ]
    shelves = {}
    for seller in sellers:
        # Sub-operators buy a little dearer than their parent and sell a little dearer.
        markup = Decimal("20") if seller.parent_id != ga.operator_id else Decimal("0")
        shelves[seller.pk] = [
            operator_package_assign(
                by=ga,
                operator=seller,
                master_package=master,
                operator_price=Decimal(op_price) + markup,
                customer_price=Decimal(price) + 2 * markup,
            )
            for master, (_name, price, op_price, _vat) in zip(masters, PACKAGES, strict=True)
        ]
    return profiles, naive, shelves


def _customers(tenant, rng, groups) -> None:
    """Customers in bulk: `groups` is a list of (count, sellers, profile, statuses)."""
    from netbill.customers.models import Customer

    n = 0
    for count, sellers, profiles, statuses, shelves in groups:
        made = 0
        while made < count:
            rows = []
            for _ in range(min(BATCH, count - made)):
                seller = sellers[n % len(sellers)]
                shelf = shelves[seller.pk]
                first, last = rng.choice(FIRST), rng.choice(LAST)
                rows.append(
                    Customer(
                        tenant=tenant,
                        operator=seller,
                        name=f"{first} {last}",
                        mobile=f"+8801{rng.randint(3, 9)}{rng.randrange(10**8):08d}",
                        address=f"House {rng.randint(1, 99)}, Road {rng.randint(1, 30)}, Dhaka",
                        connection_type="hotspot",
                        username=f"{last.lower()}{n}",
                        password="",  # set below, in one statement
                        package=shelf[n % 7 % len(shelf)],
                        billing_profile=profiles[n % len(profiles)],
                        status=rng.choice(statuses),
                        connection_date=None
                        if n % 10 == 0
                        else date.fromordinal(CONNECTED_FROM + n % 600),
                    )
                )
                n += 1
            Customer.objects.bulk_create(rows, batch_size=5_000)
            made += len(rows)
    token = Customer._meta.get_field("password").get_prep_value("Bench-pw-1234")
    Customer.objects.filter(tenant=tenant).update(password=token)


def _advances(tenant, ga, profiles) -> int:
    """Advance credit for a share of the billed customers, posted like a payment would
    be (cash in, per-customer credit), in one opening entry written set-based."""
    from netbill.accounting import chart
    from netbill.accounting.choices import EntrySourceChoices
    from netbill.accounting.models import JournalEntry
    from netbill.accounting.services import accounts_by_key

    ids = ", ".join(str(p.pk) for p in profiles)
    full, part = round(1 / ADVANCE_FULL), round(1 / ADVANCE_PART)
    # Full: more than REPEATS months of the dearest package with VAT; part: 100 taka.
    sql(
        f"""
        UPDATE customers_customer SET advance_balance = CASE
            WHEN mod(id, {full}) = 1 THEN {3000 * (REPEATS + 1)} ELSE 100 END
        WHERE tenant_id = %s AND billing_profile_id IN ({ids})
          AND status <> 'disabled' AND (mod(id, {full}) = 1 OR mod(id, {part}) = 2)
        """,  # noqa: S608 (integers only)
        [tenant.pk],
    )
    accounts = accounts_by_key(tenant)
    entry = JournalEntry.objects.create(
        tenant=tenant, date=date(2026, 11, 20), memo="Opening advances",
        source=EntrySourceChoices.ADVANCE, created_by=ga,
    )  # fmt: skip
    insert = (
        "INSERT INTO accounting_journalline "
        "(tenant_id, entry_id, account_id, debit, credit, customer_id, operator_id, memo) "
    )
    sql(
        insert + "SELECT %s, %s, %s, 0, advance_balance, id, NULL, 'Opening advance' "
        "FROM customers_customer WHERE tenant_id = %s AND advance_balance > 0",
        [tenant.pk, entry.pk, accounts[chart.CUSTOMER_ADVANCES].pk, tenant.pk],
    )
    sql(
        insert + "SELECT %s, %s, %s, SUM(advance_balance), 0, NULL, NULL, 'Opening advances' "
        "FROM customers_customer WHERE tenant_id = %s AND advance_balance > 0",
        [tenant.pk, entry.pk, accounts[chart.CASH].pk, tenant.pk],
    )
    return sql(
        "SELECT count(*) FROM customers_customer WHERE tenant_id = %s AND advance_balance > 0",
        [tenant.pk],
    )[0][0]


def _history(tenant, ga) -> int:
    """Last month, billed and paid: every customer has a bill before the timed runs, as
    at an ISP in production (the runs' overlap check has rows to look through). Written
    set-based: one bill run, its bills, one entry (cash received, revenue)."""
    from netbill.accounting import chart
    from netbill.accounting.choices import EntrySourceChoices
    from netbill.accounting.models import JournalEntry
    from netbill.accounting.services import accounts_by_key
    from netbill.billing.models import BillRun

    start, end = HISTORY
    run = BillRun.objects.create(
        tenant=tenant, kind="monthly", run_date=start, status="done", started_by=ga
    )
    entry = JournalEntry.objects.create(
        tenant=tenant, date=start, memo=f"History {start}", source=EntrySourceChoices.BILL_RUN,
        source_id=run.pk, created_by=ga,
    )  # fmt: skip
    sql(
        """
        INSERT INTO billing_bill (
            tenant_id, customer_id, operator_id, kind, period_start, period_end,
            issue_date, due_date, package_name, price, discount, vat_rate, vat_inclusive,
            vat_amount, total, paid_amount, operator_share, status, paid_at, cancel_reason,
            bill_run_id, journal_entry_id, created_at)
        SELECT c.tenant_id, c.id, c.operator_id, 'monthly', %s, %s, %s, %s, mp.name,
               COALESCE(c.custom_price, op.customer_price), 0, 0, FALSE, 0,
               COALESCE(c.custom_price, op.customer_price),
               COALESCE(c.custom_price, op.customer_price), 0, 'paid', now(), '', %s, %s, now()
        FROM customers_customer c
        JOIN catalog_operatorpackage op ON op.id = c.package_id
        JOIN catalog_masterpackage mp ON mp.id = op.master_package_id
        WHERE c.tenant_id = %s AND c.status <> 'disabled'
        """,
        [start, end, start, start, run.pk, entry.pk, tenant.pk],
    )
    accounts = accounts_by_key(tenant)
    for key, side in ((chart.CASH, "SUM(total), 0"), (chart.REVENUE, "0, SUM(total)")):
        lines = f"SELECT %s, %s, %s, {side}, NULL, NULL, 'History' FROM billing_bill "  # noqa: S608
        sql(
            "INSERT INTO accounting_journalline "
            "(tenant_id, entry_id, account_id, debit, credit, customer_id, operator_id, memo) "
            + lines
            + "WHERE bill_run_id = %s",
            [tenant.pk, entry.pk, accounts[key].pk, run.pk],
        )
    count = sql("SELECT count(*) FROM billing_bill WHERE bill_run_id = %s", [run.pk])[0][0]
    BillRun.objects.filter(pk=run.pk).update(billed=count, journal_entry=entry)
    return count


def _credit_limits(tenant, ga, blocked) -> None:
    """Sub-operators that owe the ISP their whole credit limit (cash they collected
    and kept): the runs skip their customers."""
    from netbill.accounting import chart
    from netbill.accounting.choices import EntrySourceChoices
    from netbill.accounting.services import Line, entry_post
    from netbill.accounts import services

    for operator in blocked:
        services.operator_set_credit_limit(operator=operator, by=ga, amount=Decimal("5000"))
        entry_post(
            tenant=tenant,
            lines=[
                Line(chart.OPERATOR_DEPOSITS, debit=Decimal("5000"), operator_id=operator.pk),
                Line(chart.EQUITY, credit=Decimal("5000")),
            ],
            memo=f"Opening balance of {operator.name}",
            source=EntrySourceChoices.OPERATOR_DEPOSIT,
            source_id=operator.pk,
            by=ga,
        )


def build(rng):
    from django.db import transaction
    from django_scopes import scope

    from netbill.accounts import services
    from netbill.accounts.choices import OperatorKindChoices as Kind

    world = SimpleNamespace()
    with transaction.atomic():
        tenant, ga = services.tenant_onboard(
            name="Bench Net", slug="bench", admin_username="bench-ga",
            admin_password="Kx7-timing-secret", by=None,
        )  # fmt: skip
        with scope(tenant=tenant.pk):
            resellers, subs = [], []
            for i in range(RESELLERS):
                op = services.operator_create(
                    by=ga, kind=Kind.OPERATOR, parent=None, name=f"Reseller {i}",
                    username=f"bench-op{i}", password="Kx7-timing-secret",
                )  # fmt: skip
                resellers.append(op)
                for j in range(SUBS_PER_RESELLER):
                    subs.append(
                        services.operator_create(
                            by=ga,
                            kind=Kind.SUB_OPERATOR,
                            parent=op,
                            name=f"Reseller {i}/{j}",
                            username=f"bench-op{i}-{j}",
                            password="Kx7-timing-secret",
                        )
                    )
            blocked, open_subs = subs[:BLOCKED], subs[BLOCKED:]
            sellers = resellers + subs
            profiles, naive, shelves = _catalog(ga, sellers)
            billed = ["active"] * 92 + ["suspended"] * 6 + ["fup"] * 2
            _customers(
                tenant,
                rng,
                [
                    (CUSTOMERS, resellers + open_subs, profiles, billed, shelves),
                    (DISABLED, resellers, profiles, ["disabled"], shelves),
                    (BLOCKED_CUSTOMERS, blocked, profiles, billed, shelves),
                    (NAIVE, resellers + open_subs, [naive], ["active"], shelves),
                ],
            )
            step = round(1 / CUSTOM_PRICE)
            sql(
                f"UPDATE customers_customer SET custom_price = 650 "  # noqa: S608
                f"WHERE tenant_id = %s AND mod(id, {step}) = 3",
                [tenant.pk],
            )
            world.advances = _advances(tenant, ga, profiles)
            world.history = _history(tenant, ga)
            _credit_limits(tenant, ga, blocked)
    world.tenant, world.ga, world.naive_profile = tenant, ga, naive
    return world


#
# The measured phases
#


def explain_on() -> list[str]:
    """auto_explain for this session, its plans delivered as notices (superuser)."""
    from django.db import connection

    plans: list[str] = []
    connection.ensure_connection()
    connection.connection.add_notice_handler(lambda diag: plans.append(diag.message_primary))
    for statement in (
        "LOAD 'auto_explain'",
        f"SET auto_explain.log_min_duration = {EXPLAIN_MIN_MS}",
        "SET auto_explain.log_analyze = on",
        "SET auto_explain.log_buffers = on",
        "SET auto_explain.log_nested_statements = on",
        "SET auto_explain.log_level = notice",
        "SET client_min_messages = notice",
    ):
        sql(statement)
    return plans


def timed_run(world, on, *, record=False):
    """bill_run_execute for `on`, wall time including its commit."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from netbill.billing.runs import bill_run_execute

    if record:
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            run = bill_run_execute(tenant=world.tenant, kind="monthly", on=on)
            elapsed = time.perf_counter() - t0
        return run, elapsed, captured.captured_queries
    t0 = time.perf_counter()
    run = bill_run_execute(tenant=world.tenant, kind="monthly", on=on)
    return run, time.perf_counter() - t0, []


BILL_COLUMNS = (
    "tenant_id, customer_id, operator_id, kind, period_start, period_end, issue_date, "
    "due_date, package_name, price, discount, vat_rate, vat_inclusive, vat_amount, total, "
    "paid_amount, operator_share, status, paid_at, cancelled_at, cancel_reason, "
    "bill_run_id, journal_entry_id, created_at"
)
LINE_COLUMNS = "tenant_id, entry_id, account_id, debit, credit, customer_id, operator_id, memo"


def _copy_out(query: str, params) -> bytes:
    from django.db import connection

    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3
        with raw.copy(f"COPY ({query}) TO STDOUT", params) as copy:
            for chunk in copy:
                buffer.write(chunk)
    return buffer.getvalue()


def make_scratch() -> None:
    for table, real in (
        ("bench_bill_copy", "billing_bill"),
        ("bench_line_copy", "accounting_journalline"),
    ):
        sql(f"DROP TABLE IF EXISTS {table}")
        sql(f"CREATE TABLE {table} (LIKE {real} INCLUDING ALL)")


def timed_copy(run) -> tuple[float, int, int]:
    """COPY the rows `run` wrote into the scratch tables, in one committed transaction."""
    from django.db import connection, transaction

    bills = _copy_out(
        f"SELECT {BILL_COLUMNS} FROM billing_bill WHERE bill_run_id = %s ORDER BY id",  # noqa: S608
        [run.pk],
    )
    lines = _copy_out(
        f"SELECT {LINE_COLUMNS} FROM accounting_journalline WHERE entry_id = %s ORDER BY id",  # noqa: S608
        [run.journal_entry_id],
    )
    sql("TRUNCATE bench_bill_copy, bench_line_copy")
    settle()
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns, data in (
            ("bench_bill_copy", BILL_COLUMNS, bills),
            ("bench_line_copy", LINE_COLUMNS, lines),
        ):
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(data)
    elapsed = time.perf_counter() - t0
    counts = sql(
        "SELECT (SELECT count(*) FROM bench_bill_copy), (SELECT count(*) FROM bench_line_copy)"
    )
    return elapsed, counts[0][0], counts[0][1]


def naive_loop(world, on) -> tuple[float, int]:
    """What a bill run written as an ORM loop does, per customer."""
    from django.db import transaction

    from netbill.accounting import chart
    from netbill.accounting.choices import EntrySourceChoices
    from netbill.accounting.models import JournalEntry, JournalLine
    from netbill.accounting.services import accounts_by_key
    from netbill.billing.amounts import bill_amounts
    from netbill.billing.models import Bill
    from netbill.billing.periods import period_containing
    from netbill.customers.models import Customer

    accounts = accounts_by_key(world.tenant)
    ids = list(
        Customer.objects.filter(billing_profile=world.naive_profile)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    start, end = period_containing(on, world.naive_profile.due_day)
    settle()
    t0 = time.perf_counter()
    with transaction.atomic():
        for pk in ids:
            customer = Customer.objects.select_related(
                "operator", "package__master_package__vat_profile"
            ).get(pk=pk)
            master = customer.package.master_package
            vat = master.vat_profile
            amounts = bill_amounts(
                customer.price,
                vat.rate if vat else Decimal("0"),
                bool(vat and vat.mode == "inclusive"),
            )
            share = (
                Decimal("0")
                if customer.operator.parent_id is None
                else max(customer.price - customer.package.operator_price, Decimal("0"))
            )
            entry = JournalEntry.objects.create(
                tenant=world.tenant,
                date=on,
                memo=f"Bill of {customer.username}",
                source=EntrySourceChoices.BILL,
            )
            Bill.objects.create(
                tenant=world.tenant,
                customer=customer,
                operator_id=customer.operator_id,
                kind="monthly",
                period_start=start,
                period_end=end,
                issue_date=on,
                due_date=on,
                package_name=master.name,
                price=amounts.price,
                vat_rate=vat.rate if vat else Decimal("0"),
                vat_amount=amounts.vat,
                total=amounts.total,
                operator_share=share,
                journal_entry=entry,
            )
            JournalLine.objects.create(
                tenant=world.tenant, entry=entry, account=accounts[chart.RECEIVABLE],
                debit=amounts.total, customer_id=customer.pk,
            )  # fmt: skip
            JournalLine.objects.create(
                tenant=world.tenant, entry=entry, account=accounts[chart.REVENUE],
                credit=amounts.net, operator_id=customer.operator_id,
            )  # fmt: skip
            # Two lines credit revenue when the package carries no VAT (one side only).
            JournalLine.objects.create(
                tenant=world.tenant,
                entry=entry,
                account=accounts[chart.VAT_PAYABLE if amounts.vat else chart.REVENUE],
                credit=amounts.vat or Decimal("0.01"),
                operator_id=customer.operator_id,
            )
            if not amounts.vat:  # keep the entry balanced after the 0.01 above
                JournalLine.objects.create(
                    tenant=world.tenant, entry=entry, account=accounts[chart.RECEIVABLE],
                    debit=Decimal("0.01"), customer_id=customer.pk,
                )  # fmt: skip
            customer.save()
    return time.perf_counter() - t0, len(ids)


def slowest(statements) -> None:
    """The first run's slowest statements, from Django's debug cursor."""
    print(f"\nslowest statements of the first run (of {len(statements)}):")
    ranked = sorted(statements, key=lambda q: float(q["time"]), reverse=True)[:TOP_STATEMENTS]
    total = sum(float(q["time"]) for q in statements)
    for q in ranked:
        text = " ".join(q["sql"].split())
        print(f"  {float(q['time']):7.3f} s  {text[:150]}")
    print(f"  {total:7.3f} s  all {len(statements)} statements")


def pg_settings() -> str:
    rows = sql(
        "SELECT name, setting, unit FROM pg_settings WHERE name IN "
        "('shared_buffers', 'work_mem', 'synchronous_commit', 'wal_level', 'max_wal_size', "
        "'checkpoint_timeout', 'fsync')"
    )
    version = sql("SHOW server_version")[0][0]
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    settings = ", ".join(f"{n}={s}{u or ''}" for n, s, u in rows)
    return f"PostgreSQL {version}; {settings}\nCPU: {cpu or '?'} x {os.cpu_count()}"


def main() -> int:
    if not configure():
        print("bench/bill_run.py: skipped, needs PostgreSQL (DATABASE_URL=postgres://…)")
        return 0
    import django

    django.setup()
    from django.db import connection
    from django_scopes import scope

    started = time.perf_counter()
    test = connection.settings_dict.setdefault("TEST", {})
    test["NAME"] = f"{connection.settings_dict['NAME']}_bench_bill_run_{os.getpid()}"
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    failed = False
    try:
        migrated = time.perf_counter()
        world = build(random.Random(2026))
        built = time.perf_counter()
        print(pg_settings())
        print(
            f"{CUSTOMERS:,} customers due on the 1st (+{DISABLED:,} disabled, "
            f"+{BLOCKED_CUSTOMERS:,} of {BLOCKED} sub-operators at their credit limit, "
            f"+{NAIVE:,} for the naive loop), {RESELLERS} resellers x {SUBS_PER_RESELLER} "
            f"sub-operators, {world.advances:,} with advance credit, {world.history:,} bills of "
            f"{HISTORY[0]:%B %Y} paid; migrated in "
            f"{migrated - started:.1f} s, built in {built - migrated:.1f} s"
        )
        make_scratch()
        runs, copies = [], []
        statements = []
        plans = explain_on() if EXPLAIN else []
        with scope(tenant=world.tenant.pk):
            for n, on in enumerate(RUN_DATES):
                settle()
                run, elapsed, captured = timed_run(world, on, record=n == 0)
                statements = statements or captured
                lines = sql(
                    "SELECT count(*) FROM accounting_journalline WHERE entry_id = %s",
                    [run.journal_entry_id],
                )[0][0]
                copy_time, copied_bills, copied_lines = timed_copy(run)
                assert (copied_bills, copied_lines) == (run.billed, lines)
                runs.append((on, run, elapsed, lines))
                for plan in plans:
                    print(f"\n--- auto_explain (run of {on}) ---\n{plan}")
                plans.clear()
                copies.append(copy_time)
                print(
                    f"\nrun {on}: {run.billed:,} bills ({run.paid_from_credit:,} paid from "
                    f"advance), {lines:,} journal lines, skipped {run.skipped_credit_limit:,} "
                    f"at the credit limit, {run.amount:,} BDT: {elapsed:.2f} s "
                    f"({run.billed / elapsed:,.0f} bills/s; the run recorded "
                    f"{run.duration_ms / 1000:.2f} s before its commit)"
                )
                print(
                    f"  raw COPY of the same {copied_bills:,} bills + {copied_lines:,} lines: "
                    f"{copy_time:.2f} s ({(copied_bills + copied_lines) / copy_time:,.0f} rows/s)"
                    f"; copy / run = {copy_time / elapsed:.2f}"
                )
            naive_time, naive_count = naive_loop(world, RUN_DATES[0])
            settle()
            again, again_time, _ = timed_run(world, RUN_DATES[-1])
        run_times = [r[2] for r in runs]
        median_run = statistics.median(run_times)
        per_customer = median_run / runs[0][1].billed
        naive_per = naive_time / naive_count
        ratio_copy = statistics.median(c / r for c, r in zip(copies, run_times, strict=True))
        print(
            f"\nnaive ORM loop, {naive_count:,} customers in one transaction: {naive_time:.2f} s "
            f"({naive_count / naive_time:,.0f} customers/s, {naive_per * 1000:.2f} ms each)"
        )
        print(f"second run of {RUN_DATES[-1]}: {again.billed} bills written, {again_time:.2f} s")
        print("\nsummary (median over the timed runs):")
        print(
            f"  run time        {median_run:6.2f} s   target <= {TARGET_SECONDS:.0f} s   "
            f"({runs[0][1].billed / median_run:,.0f} bills/s)"
        )
        print(f"  copy / run      {ratio_copy:6.2f}     target >= {TARGET_COPY_RATIO}")
        print(
            f"  naive / run     {naive_per / per_customer:6.0f}x    target >= "
            f"{TARGET_NAIVE_RATIO:.0f}x   (per customer {naive_per * 1e6:,.0f} us vs "
            f"{per_customer * 1e6:,.1f} us)"
        )
        if again.billed:
            print("ERROR: the second run of the same date wrote bills")
            failed = True
        slowest(statements)
        print(f"\ntotal time {time.perf_counter() - started:.1f} s")
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
