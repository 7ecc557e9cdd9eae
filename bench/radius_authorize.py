"""Benchmark: what one RADIUS authorization costs the database (issue 4, item 10).

Replays, at CLIENTS concurrent connections, the exact queries FreeRADIUS runs for one
Access-Request with our deploy/freeradius/mods-config/sql/queries.conf (read from that
file, so the benchmark follows the configuration): the check items and the reply items
(each query returns the user's own items followed by its groups', as `read_groups = no`
lets us), and the Simultaneous-Use count (every user has Simultaneous-Use := 1). Like
rlm_sql_postgresql, each statement is sent as literal SQL (no server-side prepare); the
statements call our PL/pgSQL functions, whose inner plans PostgreSQL caches per
connection. The post-auth INSERT is not included.

When FreeRADIUS and radclient are installed, an end-to-end run follows: our rendered
configuration on a local FreeRADIUS, E2E_REQUESTS PAP logins sent by radclient with
E2E_PARALLEL in flight (post-auth INSERT included); it prints its own rate.

For scale, the same connections then run plain point selects (`SELECT ... WHERE id = N`
on radcheck) for the same time; the ratio of the two throughputs shows how many point
selects one authorization is worth.

Workload: USERS subscribers of one ISP (plus a second ISP of the same size, so every
query really has to narrow by tenant), 20 package groups, 5,000 open sessions.

Needs PostgreSQL (DATABASE_URL=postgres://…); prints a note and exits 0 otherwise. Runs
in a fresh database of its own, dropped at the end. The figures are printed, not judged.

    make bench        (or: .venv/bin/python bench/radius_authorize.py)
"""

import os
import random
import re
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USERS = 100_000
GROUPS = 20
OPEN_SESSIONS = 5_000
CLIENTS = 8
SECONDS = 10.0
WARMUP_SECONDS = 2.0
E2E_REQUESTS = 5_000
E2E_PARALLEL = 32
QUERIES = ROOT / "deploy" / "freeradius" / "mods-config" / "sql" / "queries.conf"
SQL_MODULE = ROOT / "deploy" / "freeradius" / "mods-enabled" / "sql"
# The queries FreeRADIUS runs for one Access-Request, in its order. With
# `read_groups = no` the check and reply queries return the groups' items too, so the
# group membership and per-group queries are not run (see queries.conf).
AUTHORIZE = (
    "authorize_check_query",
    "authorize_reply_query",
    "simul_count_query",
)


def read_settings(path: Path) -> dict[str, str]:
    """Top-level `name = "value"` items of a FreeRADIUS file (continuations joined)."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    items, depth = {}, 0
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            continue
        match = re.match(r'^(\w+)\s*=\s*"(.*)"\s*$', stripped)
        if match and depth <= 1:
            items.setdefault(match.group(1), match.group(2))
        depth += stripped.count("{") - stripped.count("}") if not match else 0
    return items


def authorize_templates() -> list[str]:
    """Our authorize queries with config references resolved; %{...} left for `fill`."""
    values = {**read_settings(SQL_MODULE), **read_settings(QUERIES)}

    def resolve(text: str) -> str:
        for _ in range(5):
            text = re.sub(r"\$\{\.(\w+)\}", lambda m: values[m.group(1)], text)
        return text

    return [resolve(values[name]) for name in AUTHORIZE]


def fill(template: str, *, user: str, group: str, nas: str) -> str:
    # What rlm_sql expands (our values are plain [a-z0-9/-], safe as literals).
    return (
        template.replace("%{SQL-User-Name}", user)
        .replace("%{SQL-Group}", group)
        .replace("%{client:shortname}", nas)
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_clients(conninfo: str, work, seconds: float) -> tuple[int, list[float]]:
    """CLIENTS threads, each on its own connection, call work(conn, rng) until time is
    up; returns the number of calls and their latencies (ms)."""
    import psycopg

    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    start = threading.Barrier(CLIENTS + 1)
    stop = threading.Event()

    def client(i: int) -> None:
        rng = random.Random(i)
        with psycopg.connect(conninfo, autocommit=True, prepare_threshold=None) as conn:
            start.wait()
            mine = latencies[i]
            clock = time.perf_counter_ns
            while not stop.is_set():
                t0 = clock()
                work(conn, rng)
                mine.append((clock() - t0) / 1e6)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    start.wait()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    merged = [ms for per in latencies for ms in per]
    return len(merged), merged


def populate(cursor, tenant_ids: list[int]) -> None:
    for t, tenant_id in enumerate(tenant_ids):
        slug = f"isp{t}"
        cursor.execute(
            "INSERT INTO nas (tenant_id, nasname, shortname, type, ports, secret, description)"
            " VALUES (%s, %s, %s, 'other', 3799, 's3cret', '')",
            # ISP 0's NAS is this machine: the end-to-end run sends from here.
            [tenant_id, "127.0.0.1" if t == 0 else f"10.0.{t}.1", f"{slug}-r1"],
        )
        cursor.execute(
            "INSERT INTO radgroupreply (tenant_id, groupname, attribute, op, value) "
            "SELECT %s, %s || '/pkg-' || g, a.attribute, ':=', a.value "
            "FROM generate_series(1, %s) g, (VALUES ('Mikrotik-Rate-Limit', '10M/20M'), "
            "('Framed-Pool', 'customers'), ('Acct-Interim-Interval', '300')) "
            "AS a(attribute, value)",
            [tenant_id, slug, GROUPS],
        )
        for attribute, value in (("Cleartext-Password", "'pw' || g"), ("Simultaneous-Use", "'1'")):
            cursor.execute(
                "INSERT INTO radcheck (tenant_id, username, attribute, op, value) "  # noqa: S608
                f"SELECT %s, 'user' || g, %s, ':=', {value} FROM generate_series(1, %s) g",
                [tenant_id, attribute, USERS],
            )
        cursor.execute(
            "INSERT INTO radusergroup (tenant_id, username, groupname, priority) "
            "SELECT %s, 'user' || g, %s || '/pkg-' || (1 + g %% %s), 1 "
            "FROM generate_series(1, %s) g",
            [tenant_id, slug, GROUPS, USERS],
        )
        cursor.execute(
            "INSERT INTO radacct (tenant_id, acctsessionid, acctuniqueid, username, "
            "nasipaddress, acctstarttime, acctupdatetime, acctinputoctets, acctoutputoctets) "
            "SELECT %s, 's' || g, %s || '-' || g, 'user' || (g * 17), %s, now(), now(), 0, 0 "
            "FROM generate_series(1, %s) g",
            [tenant_id, slug, f"10.0.{t}.1", OPEN_SESSIONS],
        )
    for table in (
        "nas",
        "radcheck",
        "radreply",
        "radusergroup",
        "radgroupcheck",
        "radgroupreply",
        "radacct",
    ):
        cursor.execute(f"ANALYZE {table}")  # noqa: S608 (our table names)


def end_to_end(database: dict) -> None:
    """PAP logins through a real FreeRADIUS on our configuration, sent by radclient."""
    import shutil
    import subprocess
    import tempfile

    if not (shutil.which("freeradius") and shutil.which("radclient")):
        print(
            "\nend-to-end: skipped (apt-get install freeradius freeradius-postgresql "
            "freeradius-utils)"
        )
        return
    from netbill.radius.testing import FreeRadius

    rng = random.Random(7)
    # Users without an open session (those are user17, user34, …): every login is
    # accepted, none waits out the reject delay.
    users = [n for n in (rng.randint(1, USERS) for _ in range(2 * E2E_REQUESTS)) if n % 17]
    with tempfile.TemporaryDirectory(prefix="netbill-bench-radius-") as tmp:
        requests = Path(tmp) / "requests"
        requests.write_text(
            "\n".join(
                f'User-Name = "user{n}"\nUser-Password = "pw{n}"\n' for n in users[:E2E_REQUESTS]
            )
        )
        server = FreeRadius(Path(tmp) / "raddb", database).start()
        try:
            t0 = time.perf_counter()
            # Outcomes are counted from FreeRADIUS's log: radclient 3.2.1 with -p exited 1
            # here even when every reply was an Access-Accept.
            subprocess.run(  # noqa: S603 (our binary, our arguments)
                [
                    shutil.which("radclient"),
                    "-q",
                    "-p",
                    str(E2E_PARALLEL),
                    "-r",
                    "3",
                    "-t",
                    "5",
                    "-f",
                    str(requests),
                    f"127.0.0.1:{server.auth_port}",
                    "auth",
                    "s3cret",
                ],
                capture_output=True,
                text=True,
            )
            elapsed = time.perf_counter() - t0
        finally:
            server.stop()
        log = server.log()
    accepted, rejected = log.count("Login OK"), log.count("Login incorrect")
    print(
        f"\nend-to-end through FreeRADIUS (radclient, {E2E_PARALLEL} in flight): "
        f"{E2E_REQUESTS / elapsed:,.0f} logins/s ({E2E_REQUESTS:,} in {elapsed:.1f} s; "
        f"FreeRADIUS logged {accepted:,} accepted, {rejected:,} rejected)"
    )
    if accepted != E2E_REQUESTS:
        print("\n".join(line for line in log.splitlines() if "Login OK" not in line)[-3000:])


def main() -> int:
    os.environ["NETBILL_TESTING"] = "1"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netbill.settings")
    if not (os.environ.get("DATABASE_URL") or "").startswith("postgres"):
        print("bench/radius_authorize.py: skipped, needs PostgreSQL (DATABASE_URL=postgres://…)")
        return 0
    import django

    django.setup()
    from django.db import connection

    from netbill.tenancy.models import Tenant

    started = time.perf_counter()
    test = connection.settings_dict.setdefault("TEST", {})
    test["NAME"] = f"{connection.settings_dict['NAME']}_bench_radius_{os.getpid()}"
    old_name = connection.settings_dict["NAME"]
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        tenants = [Tenant.objects.create(name=f"ISP {t}", slug=f"isp{t}") for t in range(2)]
        with connection.cursor() as cursor:
            populate(cursor, [t.pk for t in tenants])
        s = connection.settings_dict
        conninfo = " ".join(
            f"{k}={v}"
            for k, v in (
                ("dbname", name),
                ("host", s.get("HOST") or "127.0.0.1"),
                ("port", s.get("PORT") or 5432),
                ("user", s.get("USER")),
                ("password", s.get("PASSWORD")),
            )
            if v
        )
        connection.close()
        print(
            f"{USERS:,} users per ISP x 2 ISPs, {GROUPS} groups, {OPEN_SESSIONS:,} open "
            f"sessions each; set up in {time.perf_counter() - started:.1f} s"
        )

        check, reply, simul = authorize_templates()

        def authorize(conn, rng) -> None:
            user, nas = f"user{rng.randint(1, USERS)}", "isp0-r1"
            rows = conn.execute(fill(check, user=user, group="", nas=nas)).fetchall()
            assert len(rows) == 2, rows  # the password and Simultaneous-Use
            rows = conn.execute(fill(reply, user=user, group="", nas=nas)).fetchall()
            assert len(rows) == 3, rows  # the package group's rate, pool and interval
            conn.execute(fill(simul, user=user, group="", nas=nas)).fetchone()

        with connection.cursor() as cursor:
            cursor.execute("SELECT min(id), max(id) FROM radcheck")
            low, high = cursor.fetchone()
        connection.close()

        point = "SELECT id, username, attribute, value, op FROM radcheck WHERE id = "

        def point_select(conn, rng) -> None:
            conn.execute(point + str(rng.randint(low, high))).fetchone()

        print(f"\n{CLIENTS} clients, {SECONDS:.0f} s each (after {WARMUP_SECONDS:.0f} s warm-up):")
        results = {}
        for label, work in (("authorize", authorize), ("point select", point_select)):
            run_clients(conninfo, work, WARMUP_SECONDS)
            count, latencies = run_clients(conninfo, work, SECONDS)
            rate = count / SECONDS
            results[label] = rate
            print(
                f"  {label:<13} {rate:9,.0f}/s   p50 {percentile(latencies, 0.5):6.2f} ms   "
                f"p99 {percentile(latencies, 0.99):6.2f} ms   mean "
                f"{statistics.fmean(latencies):6.2f} ms   (n={count:,})"
            )
        ratio = results["authorize"] / results["point select"]
        print(
            f"  authorizations/s ÷ point selects/s = {ratio:.3f} "
            f"({len(AUTHORIZE)} statements per authorization)"
        )
        end_to_end(dict(connection.settings_dict, NAME=name))
        print(f"total time {time.perf_counter() - started:.1f} s")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
