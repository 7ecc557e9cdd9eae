"""Benchmark: Customers → Import from Excel with a 50,000-row file (issue 5, item 6).

Builds an xlsx of ROWS customers as an ISP's own spreadsheet would hold them
(Bangladeshi names, some in Bengali script, 01X mobiles, PPPoE usernames, the
operators' package names, zones, addresses, connection dates as Excel dates, 1% static
IPs) with a few invalid rows (a bad mobile, an unknown package, a username twice). Then:

1. a bare openpyxl read of it (read_only, values only): the floor;
2. what the import does, in a fresh database: read the file (imports.reader), match the
   headers (imports.mapping), validate every row (imports.validate.validate_rows) and
   create the valid customers with their status history, RADIUS rows and audit entries
   (customers.services.bulk.customers_bulk_create, batches of 1,000, one transaction).

Prints the seconds of each stage, rows/s, the peak RSS of the process and the ratio of
the whole import to the bare read. Target: <= 60 s and <= 500 MB.

Runs on PostgreSQL (DATABASE_URL=postgres://…) or, without DATABASE_URL, on SQLite, in a
fresh database of its own, dropped at the end.

    make bench        (or: .venv/bin/python bench/import.py)
"""

import datetime
import io
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "50000"))
OPERATORS = 5
ZONES = 12
BATCH = 1000
TARGET_SECONDS = 60
TARGET_MB = 500

FIRST = (
    "Abdur", "Md.", "Mohammad", "Abul", "Shafiqul", "Nazmul", "Kamrul", "Rafiqul", "Tanvir",
    "Mizanur", "Habibur", "Jahangir", "Arifur", "Fatema", "Nasrin", "Sharmin", "Rokeya",
    "Farhana", "Sumaiya", "Taslima", "মোঃ", "আব্দুল", "ফাতেমা",
)  # fmt: skip
LAST = (
    "Rahman", "Islam", "Hossain", "Uddin", "Alam", "Akter", "Begum", "Khatun", "Haque",
    "Mia", "Sarkar", "Chowdhury", "Talukder", "Molla", "Sheikh", "Karim", "রহিম", "উদ্দিন",
)  # fmt: skip
AREAS = ("Mirpur", "Uttara", "Dhanmondi", "Mohammadpur", "Badda", "Rampura", "Banasree",
         "Jatrabari", "Khilgaon", "Bashundhara", "Tongi", "Savar")  # fmt: skip
PREFIXES = ("13", "14", "15", "16", "17", "18", "19")
HEADERS = ["Customer Name", "Mobile No", "Operator", "PPPoE User", "Password", "Package",
           "Zone", "Address", "Static IP", "Connection Date", "Billing Profile"]  # fmt: skip


def configure() -> str | None:
    tmpdir = None
    if not os.environ.get("DATABASE_URL"):
        tmpdir = tempfile.mkdtemp(prefix="netbill-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmpdir}/bench-main.sqlite3"
        os.environ.setdefault("NETBILL_VAR_DIR", tmpdir)
    os.environ["NETBILL_TESTING"] = "1"  # development keys, fast password hashing
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netbill.settings")
    return tmpdir


def create_database(tmpdir):
    from django.db import connection

    test = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test["NAME"] = str(Path(tmpdir or tempfile.mkdtemp()) / "bench.sqlite3")
    else:
        test["NAME"] = f"{connection.settings_dict['NAME']}_bench_import_{os.getpid()}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)


def build_isp():
    """One ISP: OPERATORS operators, one PPPoE package on every shelf, ZONES zones, a
    billing profile offered from the root."""
    from django_scopes import scope

    from netbill.accounts import services
    from netbill.accounts.choices import OperatorKindChoices as Kind
    from netbill.catalog.services import billing_profile_create, operator_package_assign
    from netbill.customers.tests.helpers import customer_setup
    from netbill.tenancy.services import zone_create

    tenant, ga = services.tenant_onboard(
        name="Bench Net", slug="bench", admin_username="bench-ga",
        admin_password="Kx7-timing-secret", by=None,
    )  # fmt: skip
    with scope(tenant=tenant.pk):
        operators = [
            services.operator_create(
                by=ga,
                kind=Kind.OPERATOR,
                parent=None,
                name=f"Bench op {i}",
                username=f"bench-op{i}",
                password="Kx7-timing-secret",
            )  # fmt: skip
            for i in range(OPERATORS)
        ]
        setup = customer_setup(
            SimpleNamespace(ga=ga, op_x=operators[0]), fup=False,
            pool_subnet="10.60.0.0/20", label="Home",
        )  # fmt: skip
        for operator in operators[1:]:
            operator_package_assign(
                by=ga, operator=operator, master_package=setup.master,
                operator_price=setup.package.operator_price,
                customer_price=setup.package.customer_price,
            )  # fmt: skip
        billing = billing_profile_create(by=ga, name="Bench monthly", operators=[ga.operator])
        zones = [zone_create(by=ga, name=f"{AREAS[i]}") for i in range(ZONES)]
    return SimpleNamespace(
        tenant=tenant, ga=ga, operators=operators, setup=setup, billing=billing, zones=zones
    )


def build_file(world, rng) -> tuple[bytes, int]:
    """The spreadsheet, and how many of its rows are invalid."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Customers")
    sheet.append(HEADERS)
    invalid = 0
    start = datetime.date(2019, 1, 1)
    for n in range(ROWS):
        operator = world.operators[n % OPERATORS]
        area = AREAS[n % ZONES]
        mobile = f"01{rng.choice(PREFIXES)[1]}{rng.randrange(10**8):08d}"
        username = f"{rng.choice(LAST).lower() if n % 7 else 'user'}{n}"
        package = world.setup.master.name
        if n % 10_000 == 17:
            mobile, invalid = "01234", invalid + 1
        elif n % 10_000 == 29:
            package, invalid = "Gold 99 Mbps", invalid + 1
        elif n % 10_000 == 41:
            username, invalid = "user0", invalid + 1  # row 0's username again
        slot = n // 100  # every 100th customer has a static address of its own
        static_ip = f"10.60.{slot // 250}.{slot % 250 + 2}" if n % 100 == 0 else None
        sheet.append([
            f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            mobile,
            operator.name,
            username if username.isascii() else f"user{n}",
            f"pw{rng.randrange(10**6):06d}",
            package,
            area,
            f"House {rng.randint(1, 99)}, Road {rng.randint(1, 30)}, {area}, Dhaka",
            static_ip,
            start + datetime.timedelta(days=n % 2000),
            world.billing.name,
        ])  # fmt: skip
    invalid += 1  # row 0 is refused too: its username is in the file twice
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), invalid


def bare_read(data: bytes) -> int:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    count = sum(1 for _row in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return count


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def main() -> int:
    tmpdir = configure()
    import django

    django.setup()
    from django.db import connection, transaction
    from django_scopes import scope

    from netbill.core.testing.people import fresh_user
    from netbill.customers.imports.mapping import auto_map, rows_from_mapping
    from netbill.customers.imports.reader import read_table
    from netbill.customers.imports.validate import validate_rows
    from netbill.customers.models import Customer
    from netbill.customers.services.bulk import customers_bulk_create
    from netbill.radius.models import RadiusCheck

    old_name = connection.settings_dict["NAME"]
    started = time.perf_counter()
    create_database(tmpdir)
    try:
        rng = random.Random(2026)
        world = build_isp()
        data, invalid = build_file(world, rng)
        print(f"database: {connection.vendor}")
        print(
            f"file: {ROWS:,} rows, {len(data) / 1_048_576:.1f} MB, {invalid} invalid rows "
            f"(built in {time.perf_counter() - started:.1f} s)"
        )
        print(f"peak RSS before the import: {peak_mb():.0f} MB")

        t0 = time.perf_counter()
        bare_read(data)
        bare = time.perf_counter() - t0
        print(f"bare openpyxl read: {bare:.2f} s")

        by = fresh_user(world.ga)
        with scope(tenant=world.tenant.pk):
            stages = {}
            t0 = time.perf_counter()
            table = read_table(data, "customers.xlsx")
            stages["read"] = time.perf_counter() - t0
            t = time.perf_counter()
            rows = rows_from_mapping(table.rows, auto_map(table.headers, world.tenant.pk))
            stages["map"] = time.perf_counter() - t
            t = time.perf_counter()
            report = validate_rows(by=by, rows=rows)
            stages["validate"] = time.perf_counter() - t
            t = time.perf_counter()
            with transaction.atomic():
                created = 0
                for i in range(0, len(report.valid), BATCH):
                    batch = [clean for _i, clean in report.valid[i : i + BATCH]]
                    created += len(customers_bulk_create(by=by, clean_rows=batch))
            stages["create"] = time.perf_counter() - t
            total = time.perf_counter() - t0
            if len(report.errors) != invalid:
                for index in sorted(report.errors)[:5]:
                    print("unexpected:", table.rows[index], report.errors[index])
            assert len(report.errors) == invalid, (len(report.errors), invalid)
            assert Customer.objects.count() == created == ROWS - invalid
            radius_users = RadiusCheck.objects.values("username").distinct().count()
        peak = peak_mb()
        print("import: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in stages.items()))
        print(
            f"total {total:.2f} s for {ROWS:,} rows = {ROWS / total:,.0f} rows/s; "
            f"{created:,} created ({radius_users:,} with RADIUS rows), "
            f"{len(report.errors)} rejected"
        )
        print(f"peak RSS: {peak:.0f} MB")
        print(f"ratio to the bare read: {total / bare:.1f}x")
        verdict = "within" if total <= TARGET_SECONDS and peak <= TARGET_MB else "OVER"
        print(f"target <= {TARGET_SECONDS} s and <= {TARGET_MB} MB: {verdict}")
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
