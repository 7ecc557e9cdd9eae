"""What "nothing changed" means in a test: every netbill table, as seen by one tenant.

`tenant_state(tenant)` dumps every row the tenant owns (tenant-owned models, its users,
its users' API keys, its own Tenant row) plus the global tables (worker heartbeats, the
number of tenants). `nothing_changes(...)` takes that dump before and after a block,
and also fails when the block scheduled on-commit work (domain events, Celery tasks):
a refused request must not announce anything either.
"""

from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import TestCase
from django_scopes import scope

from netbill.core import events
from netbill.core.models import TenantOwnedModel

__all__ = [
    "assert_same_state",
    "capture_events",
    "nothing_changes",
    "tenant_rows",
    "tenant_state",
]


def _netbill_models():
    return [m for m in apps.get_models() if m.__module__.startswith("netbill.")]


def tenant_rows(model, tenant_id):
    """The rows of `model` that belong to the tenant, or all rows of a global table."""
    label = model._meta.label
    manager = model._base_manager
    if issubclass(model, TenantOwnedModel):
        return manager.filter(tenant_id=tenant_id)
    if label == "tenancy.Tenant":
        return manager.filter(pk=tenant_id)
    field_names = {f.name for f in model._meta.concrete_fields}
    if "tenant" in field_names:
        return manager.filter(tenant_id=tenant_id)
    user_fks = [
        f.name
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model._meta.label == settings.AUTH_USER_MODEL
    ]
    if "user" in user_fks:
        return manager.filter(user__tenant_id=tenant_id)
    return manager.all()


def tenant_state(tenant) -> dict[str, list[tuple]]:
    """Every row of every netbill table that `tenant` owns, plus the global tables."""
    tenant_id = getattr(tenant, "pk", tenant)
    state: dict[str, list[tuple]] = {}
    with scope(tenant=tenant_id):
        for model in _netbill_models():
            fields = [f.attname for f in model._meta.concrete_fields]
            rows = tenant_rows(model, tenant_id).order_by("pk").values_list(*fields)
            state[model._meta.label] = [tuple(r) for r in rows]
        tenant_model = apps.get_model("tenancy", "Tenant")
        state["tenancy.Tenant#count"] = [(tenant_model._base_manager.count(),)]
    return state


def assert_same_state(before: dict, after: dict, what: str = "") -> None:
    problems = []
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, []), after.get(table, [])
        if old == new:
            continue
        gone = [r for r in old if r not in new]
        came = [r for r in new if r not in old]
        problems.append(
            f"{table}: {len(old)} → {len(new)} rows; removed/old {gone}; added/new {came}"
        )
    assert not problems, f"{what}: data changed although it must not:\n" + "\n".join(problems)


@contextmanager
def nothing_changes(*tenants, what: str = "", allow_on_commit: bool = False):
    """Fail if any table of `tenants` changes inside the block, or on-commit work is queued."""
    before = [tenant_state(t) for t in tenants]
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        yield
    if not allow_on_commit:
        assert callbacks == [], f"{what}: on-commit work (events, tasks) was queued: {callbacks}"
    for tenant, old in zip(tenants, before, strict=True):
        assert_same_state(
            old, tenant_state(tenant), f"{what} (tenant {getattr(tenant, 'pk', tenant)})"
        )


@contextmanager
def capture_events(names):
    """Record the domain events `names` that the block publishes (after its commit)."""
    seen: list[tuple[str, dict]] = []

    def record(event, **payload):
        seen.append((event, payload))

    for name in names:
        events.subscribe(name, record)
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            yield seen
    finally:
        for name in names:
            events.unsubscribe(name, record)


def model_values(obj: models.Model, names) -> dict:
    """`obj`'s values for `names` (related objects compared by pk)."""
    values = {}
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, models.Model):
            value = value.pk
        values[name] = value
    return values
