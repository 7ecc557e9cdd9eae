"""Benchmark: one page of GET /api/v1/operators/ for an operator with a large subtree.

How much does the full stack (middleware, tenant scope, permission check, restrict(),
DRF pagination and serializer) cost on top of the bare SQL of the same page?

    (A) GET /api/v1/operators/?page=N through Django's test client, logged in as an
        operator whose subtree is about half of its ISP's 5,000-node tree;
    (B) the same page's two SQL statements (COUNT and the page's SELECT, exactly as the
        ORM builds them for that user) through a raw cursor.

A and B are interleaved sample by sample (the order alternating) over REPS repetitions
of SAMPLES each, so machine noise hits both alike. Prints p50/p95 of each and the median
of the per-repetition ratios p50(A)/p50(B). No timed assertions: the figures are printed,
not judged.

Runs in a fresh database that it drops at the end: on the server of DATABASE_URL when it
is set (PostgreSQL in CI), else in a temporary SQLite file.

    make bench        (or: .venv/bin/python bench/bench_operator_list.py)
"""

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OPERATORS = 100  # operators below the root
BIG_SUBTREE = 2_450  # sub-operators of the benchmarked operator
OTHER_SUBS = 2_450  # sub-operators shared by the other 99 operators
SECOND_TENANT_NODES = 1_000
REPS = 5
SAMPLES = 200
WARMUP = 30
PAGE_SIZE = 50


def configure() -> str | None:
    """Environment for a quiet, production-like run (DEBUG off); returns the temp dir."""
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


def create_database(tmpdir: str | None) -> str:
    """A fresh, migrated database of its own (never the developer's or CI's tables)."""
    from django.db import connection

    test = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test["NAME"] = str(Path(tmpdir or tempfile.mkdtemp()) / "bench.sqlite3")
    else:
        test["NAME"] = f"{connection.settings_dict['NAME']}_bench_{os.getpid()}"
    return connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)


def _bulk_tree(tenant, root, *, operators: int, big_subs: int, other_subs: int, name: str):
    """Operators under `root`, then sub-operators: `big_subs` under the first operator,
    `other_subs` spread over the others. Paths are set from the primary keys, as
    accounts.services._set_path does one node at a time."""
    from netbill.accounts.choices import OperatorKindChoices as Kind
    from netbill.accounts.models import Operator

    def with_paths(nodes, parents):
        for node, parent in zip(nodes, parents, strict=True):
            node.path = f"{parent.path}{node.pk}/"
            node.depth = node.path.count("/") - 2
        Operator.objects.bulk_update(nodes, ["path", "depth"], batch_size=1000)

    ops = Operator.objects.bulk_create(
        [
            Operator(tenant=tenant, kind=Kind.OPERATOR, parent=root, name=f"{name} {i}", path="/")
            for i in range(operators)
        ],
        batch_size=1000,
    )
    assert all(o.pk for o in ops), "bulk_create must return primary keys"
    with_paths(ops, [root] * len(ops))
    parents = [ops[0]] * big_subs + [ops[1 + i % (len(ops) - 1)] for i in range(other_subs)]
    subs = Operator.objects.bulk_create(
        [
            Operator(
                tenant=tenant,
                kind=Kind.SUB_OPERATOR,
                parent=parent,
                name=f"{name} {parent.name} / {i}",
                path="/",
            )
            for i, parent in enumerate(parents)
        ],
        batch_size=1000,
    )
    with_paths(subs, parents)
    return ops


def build():
    """One ISP with ~5,000 nodes (the benchmarked operator reaches about half) and a
    second ISP, so that the tenant filter has rows to exclude."""
    from django_scopes import scope

    from netbill.accounts import services
    from netbill.accounts.choices import UserRoleChoices as Role
    from netbill.accounts.models import Operator, User

    tenant, ga = services.tenant_onboard(
        name="Bench Net",
        slug="bench",
        admin_username="bench-ga",
        admin_password="Kx7-timing-secret",
        by=None,
    )
    other, other_ga = services.tenant_onboard(
        name="Other Net",
        slug="other",
        admin_username="other-ga",
        admin_password="Kx7-timing-secret",
        by=None,
    )
    with scope(tenant=tenant.pk):
        ops = _bulk_tree(
            tenant,
            ga.operator,
            operators=OPERATORS,
            big_subs=BIG_SUBTREE,
            other_subs=OTHER_SUBS,
            name="Op",
        )
        big = ops[0]
        user = User.objects.create_user(
            username="bench-big",
            password="Kx7-timing-secret",
            tenant=tenant,
            role=Role.OPERATOR,
            operator=big,
        )
        total = Operator.objects.count()
        reach = Operator.objects.filter(path__startswith=big.path).count()
    with scope(tenant=other.pk):
        _bulk_tree(
            other,
            other_ga.operator,
            operators=20,
            big_subs=SECOND_TENANT_NODES // 2,
            other_subs=SECOND_TENANT_NODES // 2 - 20,
            name="Other",
        )
    return tenant, user, total, reach


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> int:
    tmpdir = configure()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_scopes import scope

    from netbill.accounts.choices import OperatorKindChoices as Kind
    from netbill.accounts.models import Operator
    from netbill.core.permissions import restrict

    old_name = connection.settings_dict["NAME"]
    started = time.perf_counter()
    create_database(tmpdir)
    try:
        tenant, user, total, reach = build()
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        print(
            f"built in {time.perf_counter() - started:.1f} s: {total} nodes in the ISP, "
            f"{reach} in the benchmarked operator's subtree (one page = {PAGE_SIZE} rows)"
        )

        client = Client()
        client.force_login(user)
        pages = (reach + PAGE_SIZE - 1) // PAGE_SIZE  # its own node is listed too

        # (B): the statements the viewset runs for this user, built once by the ORM.
        with scope(tenant=tenant.pk):
            base = Operator.objects.select_related("parent").exclude(kind=Kind.ROOT)
            qs = restrict(base, user, "operators.view").order_by(*Operator._meta.ordering)
            # The paginator's COUNT, then the page's SELECT (with the parent joined).
            rows_sql, count_params = qs.values("pk").order_by().query.sql_with_params()
            count_sql = f"SELECT COUNT(*) FROM ({rows_sql}) subquery"  # noqa: S608 (ORM-built)
            page_sql = {
                n: qs[(n - 1) * PAGE_SIZE : n * PAGE_SIZE].query.sql_with_params()
                for n in range(1, pages + 1)
            }

        def run_a(n: int) -> int:
            response = client.get(f"/api/v1/operators/?page={n}")
            if response.status_code != 200:
                raise SystemExit(f"GET page {n}: HTTP {response.status_code}")
            return len(response.json()["results"])

        def run_b(n: int) -> int:
            sql, params = page_sql[n]
            with connection.cursor() as cursor:
                cursor.execute(count_sql, count_params)
                cursor.fetchone()
                cursor.execute(sql, params)
                return len(cursor.fetchall())

        # Both sides return the same rows (checked once, not timed).
        for n in (1, pages):
            assert run_a(n) == run_b(n), f"page {n}: A and B disagree"
        with CaptureQueriesContext(connection) as queries:
            first = client.get("/api/v1/operators/?page=1").json()
        assert first["count"] == reach, (first["count"], reach)
        assert all(row["path"].startswith(user.operator.path) for row in first["results"])
        print(f"(A) runs {len(queries)} SQL statements per request; (B) runs 2")

        for i in range(WARMUP):
            run_a(1 + i % pages)
            run_b(1 + i % pages)

        all_a: list[float] = []
        all_b: list[float] = []
        ratios: list[float] = []
        clock = time.perf_counter_ns
        print(f"\n{REPS} repetitions x {SAMPLES} samples, A and B interleaved (ms):")
        for rep in range(REPS):
            a_ms, b_ms = [], []
            for i in range(SAMPLES):
                n = 1 + (rep * SAMPLES + i) % pages
                order = (run_a, run_b) if i % 2 == 0 else (run_b, run_a)
                for fn in order:
                    t0 = clock()
                    fn(n)
                    elapsed = (clock() - t0) / 1e6
                    (a_ms if fn is run_a else b_ms).append(elapsed)
            pa, pb = statistics.median(a_ms), statistics.median(b_ms)
            ratios.append(pa / pb)
            all_a += a_ms
            all_b += b_ms
            print(f"  rep {rep + 1}: A p50 {pa:7.2f}  B p50 {pb:6.2f}  A/B {pa / pb:5.1f}")

        print("\nGET /api/v1/operators/?page=N, operator with a half-tree subtree:")
        print(
            f"  (A) full stack    p50 {percentile(all_a, 0.5):7.2f} ms   "
            f"p95 {percentile(all_a, 0.95):7.2f} ms   (n={len(all_a)})"
        )
        print(
            f"  (B) raw SQL       p50 {percentile(all_b, 0.5):7.2f} ms   "
            f"p95 {percentile(all_b, 0.95):7.2f} ms   (n={len(all_b)})"
        )
        print(f"  median ratio A/B  {statistics.median(ratios):.1f}x")
        print(f"total time {time.perf_counter() - started:.1f} s")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
