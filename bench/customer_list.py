"""Benchmark: the Customer List's queries at 200k customers (issue 4, item 4; B4 in
../shared/specs/performance.md).

One ISP of CUSTOMERS customers (plus a second, smaller ISP, so that the tenant filter
has rows to exclude), spread over 20 operators and their sub-operators, 12 zones and the
operators' packages; Bangladeshi names, usernames and +8801 mobiles, so that a search
for "rahim" matches what it would match at a real ISP.

It measures the queries the list page runs, built exactly as the page builds them
(`restrict()` for the viewer, `CustomerFilterSet`, the view's select_related and
ordering, the page's CappedPaginator): the capped count and one page of 50, for

  - the first page, as the Group Admin sees it;
  - a search for "rahim" (name, username or mobile contains it, case-insensitive; a
    search counts at most 1,000 matches);
  - status + zone filters;
  - an operator's view (its subtree: `operator__path` startswith);
  - the deepest page the list offers (page 200, OFFSET 9,950: the paginator counts at
    most 10,000 rows, see netbill/core/pagination.py).

Each is run SAMPLES times after a warm-up, interleaved with a plain primary-key point
select (`SELECT ... FROM customers_customer WHERE id = N`) on the same connection; it
prints p50/p99 of each and the ratio of each p50 to the point select's. EXPLAIN ANALYZE
of the search's two statements shows whether the trigram indexes (customers migration
0003: customer_name_trgm, customer_username_trgm, customer_mobile_trgm) are used.

Needs PostgreSQL (DATABASE_URL=postgres://…); prints a note and exits 0 otherwise. Runs
in a fresh database of its own, dropped at the end. The figures are printed, not judged.

    make bench        (or: .venv/bin/python bench/customer_list.py)
"""

import os
import random
import re
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CUSTOMERS = 200_000
OTHER_TENANT_CUSTOMERS = 20_000
OPERATORS = 20
SUBS_PER_OPERATOR = 3
ZONES = 12
PAGE_SIZE = 50
DEEP_PAGE = 200
SAMPLES = 40
WARMUP = 3
# A slow query stops sampling after this long (it has shown its p50 by then).
CASE_BUDGET_SECONDS = 6.0
BATCH = 10_000
SEARCH = "rahim"
TRIGRAM_INDEXES = ("customer_name_trgm", "customer_username_trgm", "customer_mobile_trgm")

FIRST = (
    "Abdur", "Md.", "Mohammad", "Abul", "Shafiqul", "Nazmul", "Kamrul", "Rafiqul", "Tanvir",
    "Mizanur", "Habibur", "Jahangir", "Arifur", "Mahbubur", "Saiful", "Anisur", "Fatema",
    "Nasrin", "Sharmin", "Rokeya", "Farhana", "Sumaiya", "Taslima", "Nazma", "Shirin",
    "Rahima", "Sabina", "Jesmin", "Monira", "Nilufar", "Delwar", "Golam", "Imran", "Zahid",
)  # fmt: skip
LAST = (
    "Rahman", "Islam", "Hossain", "Uddin", "Alam", "Akter", "Begum", "Khatun", "Haque",
    "Mia", "Sarkar", "Chowdhury", "Talukder", "Molla", "Sheikh", "Karim", "Rahim", "Ahmed",
    "Sultana", "Parvin", "Yasmin", "Khan", "Bhuiyan", "Biswas", "Das", "Saha", "Roy",
)  # fmt: skip
PREFIXES = ("13", "14", "15", "16", "17", "18", "19")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def configure() -> bool:
    os.environ["NETBILL_TESTING"] = "1"  # development keys, fast password hashing
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netbill.settings")
    return (os.environ.get("DATABASE_URL") or "").startswith("postgres")


#
# Workload
#


def _catalog(tenant, ga, operators, label):
    """Zones, a billing profile, four master packages and each operator's shelf."""
    from decimal import Decimal

    from netbill.catalog.services import (
        billing_profile_create,
        master_package_create,
        operator_package_assign,
    )
    from netbill.tenancy.services import zone_create

    zones = [zone_create(by=ga, name=f"{label} zone {i}") for i in range(ZONES)]
    billing = billing_profile_create(
        by=ga, name=f"{label} monthly", billing_type="monthly", due_day=1, grace_days=3,
        operators=[ga.operator],
    )  # fmt: skip
    masters = [
        master_package_create(
            by=ga,
            name=f"{label} {speed} Mbps",
            download_kbps=speed * 1000,
            upload_kbps=speed * 1000,
            price=Decimal(price),
            validity="monthly",
            # Hotspot only: a PPPoE package needs a profile and a pool, which the list
            # does not show.
            connection_types=["hotspot"],
        )
        for speed, price in ((5, "500"), (10, "800"), (20, "1200"), (40, "2500"))
    ]
    shelves = {}
    for operator in operators:
        shelves[operator.pk] = [
            operator_package_assign(
                by=ga,
                operator=operator,
                master_package=master,
                operator_price=master.price - 100,
                customer_price=master.price,
            )
            for master in masters
        ]
    return zones, billing, shelves


def _customers(tenant, count, operators, zones, billing, shelves, rng, prefix=""):
    """`count` customers spread over `operators` (a sub-operator sells its parent's
    packages here: the list does not care), bulk-created."""
    from netbill.customers.models import Customer

    statuses = ["active"] * 85 + ["suspended"] * 10 + ["disabled"] * 2 + ["fup"] * 3
    made = 0
    while made < count:
        rows = []
        for n in range(made, min(count, made + BATCH)):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            owner = operators[n % len(operators)]
            shelf = shelves[owner.shelf_of]
            rows.append(
                Customer(
                    tenant=tenant,
                    operator=owner,
                    name=f"{first} {last}",
                    mobile=f"+880{rng.choice(PREFIXES)}{rng.randrange(10**8):08d}",
                    address=f"House {rng.randint(1, 99)}, Road {rng.randint(1, 30)}, Dhaka",
                    zone=zones[n % len(zones)],
                    connection_type="pppoe",
                    username=f"{prefix}{last.lower()}{n}",
                    password="",  # set below, in one statement
                    package=shelf[n % len(shelf)],
                    billing_profile=billing,
                    status=rng.choice(statuses),
                )
            )
        Customer.objects.bulk_create(rows, batch_size=5_000)
        made += len(rows)
    # One encrypted password for all (the page decrypts each row's, as in production):
    # Fernet-encrypting 200k distinct passwords would only slow the set-up.
    token = Customer._meta.get_field("password").get_prep_value("Bench-pw-1234")
    Customer.objects.filter(tenant=tenant).update(password=token)


def build(rng):
    from django_scopes import scope

    from netbill.accounts import services
    from netbill.accounts.choices import OperatorKindChoices as Kind

    result = SimpleNamespace()
    for label, slug, count in (
        ("Bench Net", "bench", CUSTOMERS),
        ("Other Net", "other", OTHER_TENANT_CUSTOMERS),
    ):
        tenant, ga = services.tenant_onboard(
            name=label, slug=slug, admin_username=f"{slug}-ga",
            admin_password="Kx7-timing-secret", by=None,
        )  # fmt: skip
        with scope(tenant=tenant.pk):
            operators, sellers = [], []
            for i in range(OPERATORS):
                op = services.operator_create(
                    by=ga, kind=Kind.OPERATOR, parent=None, name=f"{label} op {i}",
                    username=f"{slug}-op{i}", password="Kx7-timing-secret",
                )  # fmt: skip
                op.shelf_of = op.pk
                operators.append(op)
                sellers.append(op)
                for j in range(SUBS_PER_OPERATOR):
                    sub = services.operator_create(
                        by=ga, kind=Kind.SUB_OPERATOR, parent=op, name=f"{label} op {i}/{j}",
                        username=f"{slug}-op{i}-{j}", password="Kx7-timing-secret",
                    )  # fmt: skip
                    sub.shelf_of = op.pk
                    sellers.append(sub)
            zones, billing, shelves = _catalog(tenant, ga, operators, label)
            _customers(tenant, count, sellers, zones, billing, shelves, rng, prefix=slug[0])
        if slug == "bench":
            result.tenant, result.ga, result.zone = tenant, ga, zones[5]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer")
        # A selective search too: the last 8 digits of one customer's mobile.
        cursor.execute(
            "SELECT mobile FROM customers_customer WHERE tenant_id = %s ORDER BY id "
            "OFFSET %s LIMIT 1",
            [result.tenant.pk, CUSTOMERS // 3],
        )
        result.mobile_term = cursor.fetchone()[0][-8:]
    return result


#
# The page's queries
#


def page_queries(world):
    """(label, user, filter data, page number) for each measured list view."""
    from netbill.accounts.models import User

    operator_user = User.objects.get(username="bench-op3")
    return [
        ("first page", world.ga, {}, 1),
        (f'search "{SEARCH}"', world.ga, {"q": SEARCH}, 1),
        (f'search "{world.mobile_term}"', world.ga, {"q": world.mobile_term}, 1),
        ("status + zone", world.ga, {"status": "suspended", "zone": str(world.zone.pk)}, 1),
        ("operator subtree", operator_user, {}, 1),
        (f"deep page {DEEP_PAGE:,}", world.ga, {}, DEEP_PAGE),
    ]


def list_queryset(user, data):
    """The Customer List's queryset as the view builds it: restricted to the viewer,
    filtered by CustomerFilterSet, with the view's select_related and ordering."""
    from netbill.core.permissions import restrict
    from netbill.customers.filters import CustomerFilterSet
    from netbill.customers.models import Customer
    from netbill.customers.views.customers import VIEW, _customers

    base = restrict(_customers().order_by("-id"), user, VIEW)
    assert base.model is Customer
    request = SimpleNamespace(user=user)
    filterset = CustomerFilterSet(data, queryset=base, request=request)
    assert filterset.is_valid(), filterset.errors
    return filterset.qs


def run_page(queryset, number, searching=False):
    """What the page's paginator does for page `number`: the capped count, then the
    page's rows."""
    from netbill.core.pagination import CappedPaginator, SearchCappedPaginator

    paginator = SearchCappedPaginator if searching else CappedPaginator
    page = paginator(queryset, PAGE_SIZE).page(number)
    rows = list(page.object_list)
    # The table reads these columns: nothing more may be queried.
    cells = [(r.operator.name, r.zone and r.zone.name, r.package.master_package.name) for r in rows]
    assert len(cells) == len(rows)
    return page.paginator.count, rows


def measure(world) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(id), max(id) FROM customers_customer WHERE tenant_id = %s",
            [world.tenant.pk],
        )
        low, high = cursor.fetchone()
    rng = random.Random(11)

    def point_select():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, name, username, mobile, status FROM customers_customer WHERE id = %s",
                [rng.randint(low, high)],
            )
            cursor.fetchone()

    def clock(fn):
        t0 = time.perf_counter_ns()
        fn()
        return (time.perf_counter_ns() - t0) / 1e6

    cases = page_queries(world)
    print(
        f"\nup to {SAMPLES} samples each (at least 10; a slow case stops after "
        f"{CASE_BUDGET_SECONDS:.0f} s), after {WARMUP} warm-up, ORM in-process, interleaved "
        f"with a primary-key point select; ms:"
    )
    print(f"  {'query':<22} {'matches':>8} {'n':>4} {'p50':>8} {'p99':>8} {'x point p50':>12}")
    results = []
    for label, user, data, number in cases:
        queryset = list_queryset(user, data)
        with CaptureQueriesContext(connection) as captured:
            count, rows = run_page(queryset, number, bool(data.get("q")))
        assert len(captured) == 2, [q["sql"] for q in captured]  # COUNT + one page
        assert len(rows) == min(PAGE_SIZE, max(0, count - (number - 1) * PAGE_SIZE))
        for _ in range(WARMUP):
            run_page(list_queryset(user, data), number, bool(data.get("q")))
            point_select()
        times, points = [], []
        deadline = time.perf_counter() + CASE_BUDGET_SECONDS

        def one_page(user=user, data=data, number=number):
            run_page(list_queryset(user, data), number, bool(data.get("q")))

        while len(times) < SAMPLES and (len(times) < 10 or time.perf_counter() < deadline):
            times.append(clock(one_page))
            points.append(clock(point_select))
        results.append((label, count, times, points))
    all_points = [ms for *_rest, points in results for ms in points]
    point_p50 = percentile(all_points, 0.5)
    for label, count, times, _points in results:
        print(
            f"  {label:<22} {count:>8,} {len(times):>4} {percentile(times, 0.5):8.2f} "
            f"{percentile(times, 0.99):8.2f} {percentile(times, 0.5) / point_p50:11.0f}x"
        )
    print(
        f"  {'point select (pk)':<22} {'1':>8} {len(all_points):>4} {point_p50:8.3f} "
        f"{percentile(all_points, 0.99):8.3f} {1:11.0f}x"
    )


def _explain(what: str, sql: str, params) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    used = sorted({name for name in TRIGRAM_INDEXES if any(name in line for line in plan)})
    took = next((line for line in plan if line.startswith("Execution Time")), "")
    print(f"  {what}: trigram indexes used: {', '.join(used) or 'none'}; {took}")
    for line in plan:
        if re.search(r"Scan|Limit|Sort Key|Aggregate|BitmapOr|Join|Nested", line):
            print(f"      {line.strip()}")


def explain_search(world) -> None:
    """EXPLAIN ANALYZE of the search's COUNT and page: are the trigram indexes used? The
    same search without the viewer's subtree filter (the tenant's rows only) is shown
    too, to tell the index's part from the join's."""
    from django.db import connection
    from django.db.models import Q
    from django.test.utils import CaptureQueriesContext

    from netbill.customers.models import Customer

    for term in (SEARCH, world.mobile_term):
        print(f'\nEXPLAIN ANALYZE of the search for "{term}", as the page runs it:')
        with CaptureQueriesContext(connection) as captured:
            run_page(list_queryset(world.ga, {"q": term}), 1, True)
        for query, what in zip(captured.captured_queries, ("COUNT", "page of 50"), strict=True):
            _explain(what, query["sql"], None)
        print("the same search on the tenant's rows only (no operator-path join):")
        bare = Customer.objects.filter(tenant=world.tenant).filter(
            Q(name__icontains=term) | Q(username__icontains=term) | Q(mobile__icontains=term)
        )
        for what, queryset in (
            ("COUNT", bare.values("pk").order_by()),
            ("page of 50", bare.order_by("-id")[:PAGE_SIZE]),
        ):
            sql, params = queryset.query.sql_with_params()
            if what == "COUNT":
                sql = f"SELECT count(*) FROM ({sql}) AS matches"  # noqa: S608 (ORM-built)
            _explain(what, sql, params)


def main() -> int:
    if not configure():
        print("bench/customer_list.py: skipped, needs PostgreSQL (DATABASE_URL=postgres://…)")
        return 0
    import django

    django.setup()
    from django.db import connection
    from django_scopes import scope

    started = time.perf_counter()
    test = connection.settings_dict.setdefault("TEST", {})
    test["NAME"] = f"{connection.settings_dict['NAME']}_bench_customers_{os.getpid()}"
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        migrated = time.perf_counter()
        world = build(random.Random(2026))
        built = time.perf_counter()
        print(
            f"{CUSTOMERS:,} customers in one ISP (+{OTHER_TENANT_CUSTOMERS:,} in another), "
            f"{OPERATORS} operators x {SUBS_PER_OPERATOR} sub-operators, {ZONES} zones; "
            f"migrated in {migrated - started:.1f} s, built in {built - migrated:.1f} s"
        )
        with scope(tenant=world.tenant.pk):
            measure(world)
            explain_search(world)
        print(f"\ntotal time {time.perf_counter() - started:.1f} s")
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
