"""The few places where PostgreSQL and SQLite (the bare-machine `make test` and
`make run`) spell set-based SQL differently."""

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def paisa(expr: str) -> str:
    """An amount column as whole paisa (an integer)."""
    if is_postgres():
        return f"ROUND(({expr}) * 100)::bigint"
    return f"CAST(ROUND(({expr}) * 100) AS INTEGER)"


def rate_e4(expr: str) -> str:
    if is_postgres():
        return f"ROUND(({expr}) * 10000)::bigint"
    return f"CAST(ROUND(({expr}) * 10000) AS INTEGER)"


def money(expr: str) -> str:
    """Whole paisa back to an amount with two places."""
    if is_postgres():
        return f"(({expr})::numeric / 100)"
    return f"(({expr}) / 100.0)"


def least(a: str, b: str) -> str:
    return f"LEAST({a}, {b})" if is_postgres() else f"MIN({a}, {b})"


def date_param(value):
    return connection.ops.adapt_datefield_value(value)


def datetime_param(value):
    return connection.ops.adapt_datetimefield_value(value)


def lock_billing(tenant_id: int) -> None:
    """Serialise the money-moving work of one ISP (bill runs, first bills, payments)
    until the transaction ends. SQLite serialises every write anyway."""
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [4242, tenant_id])
