"""core.tasks: TenantTask enters the tenant's scope (and refuses to run without one);
the heartbeat task records a live worker."""

import datetime

import pytest
from celery import shared_task
from django.utils import timezone
from django_scopes import ScopeError

from netbill.accounts.models import Operator
from netbill.core.models import WorkerHeartbeat
from netbill.core.tasks import TenantTask, worker_heartbeat


@shared_task(base=TenantTask, name="core.tests.operator_names")
def operator_names(*, tenant_id):
    """What a tenant task sees: the scoped manager works without any filter."""
    return sorted(Operator.objects.values_list("name", flat=True))


@shared_task(base=TenantTask, name="core.tests.unscoped_probe")
def unscoped_probe(*, tenant_id):
    return Operator.objects.count()


def test_tenant_task_runs_inside_its_tenants_scope(isp, other_isp):
    result = operator_names.apply(kwargs={"tenant_id": isp.tenant.pk})
    assert result.successful()
    assert result.get() == ["Alpha Net", "Alpha Net X", "Alpha Net X1", "Alpha Net Y"]
    result = operator_names.apply(kwargs={"tenant_id": other_isp.tenant.pk})
    assert result.get() == ["Beta Net", "Beta Net X", "Beta Net X1", "Beta Net Y"]


def test_tenant_task_leaves_the_scope_afterwards(isp):
    operator_names.apply(kwargs={"tenant_id": isp.tenant.pk})
    with pytest.raises(ScopeError):
        Operator.objects.count()


@pytest.mark.parametrize("kwargs", [{}, {"tenant_id": None}], ids=["missing", "none"])
def test_tenant_task_without_tenant_id_raises_type_error(isp, kwargs):
    result = unscoped_probe.apply(kwargs=kwargs)
    assert result.failed()
    assert isinstance(result.result, TypeError)
    assert str(result.result) == (
        "core.tests.unscoped_probe is a tenant task: call it with tenant_id=."
    )
    with pytest.raises(TypeError, match="is a tenant task"):
        unscoped_probe.apply(kwargs=kwargs, throw=True)


def test_tenant_task_refuses_a_positional_tenant_id(isp):
    # tenant_id= must be named, so that the scope can never be taken from the wrong slot.
    with pytest.raises(TypeError, match="is a tenant task"):
        unscoped_probe.apply(args=(isp.tenant.pk,), throw=True)


def test_calling_a_tenant_task_directly_also_enters_the_scope(isp):
    assert unscoped_probe(tenant_id=isp.tenant.pk) == 4
    with pytest.raises(TypeError):
        unscoped_probe()


def test_tenant_task_for_an_unknown_tenant_sees_nothing(isp):
    assert operator_names.apply(kwargs={"tenant_id": 10**9}).get() == []


def test_worker_heartbeat_writes_one_row_per_worker(db, monkeypatch):
    first = datetime.datetime(2025, 3, 1, 6, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: first)
    assert worker_heartbeat.apply(kwargs={"worker": "celery@a"}).get() == first.isoformat()
    assert list(WorkerHeartbeat.objects.values_list("name", "last_seen")) == [("celery@a", first)]

    later = first + datetime.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    worker_heartbeat.apply(kwargs={"worker": "celery@a"})
    worker_heartbeat.apply()  # the default worker name
    assert sorted(WorkerHeartbeat.objects.values_list("name", "last_seen")) == [
        ("celery@a", later),
        ("default", later),
    ]


def test_worker_heartbeat_is_registered_under_its_public_name():
    from netbill.celery import app

    assert app.tasks["core.worker_heartbeat"].name == worker_heartbeat.name


def test_every_scheduled_task_is_registered_with_the_worker():
    """Beat sends task names; a worker that never imported the module would reject them
    as unregistered. The worker imports the apps' `tasks` modules (autodiscovery)."""
    from netbill.celery import app
    from netbill.core.management.commands.ensure_schedule import SCHEDULE

    app.loader.import_default_modules()
    missing = [task for _name, task, _every in SCHEDULE if task not in app.tasks]
    assert SCHEDULE and missing == []
