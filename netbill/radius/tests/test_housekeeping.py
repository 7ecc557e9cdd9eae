"""The stale-session job (issue 4, item 6): open radacct rows silent for 3 intervals are
closed at their last sign of life; nothing else moves."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_scopes import scopes_disabled

from conftest import in_scope
from netbill.radius import housekeeping
from netbill.radius.housekeeping import close_stale_sessions
from netbill.radius.models import RadiusAccounting

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
_seq = iter(range(1, 10_000))


def session(tenant, *, start, update=None, stop=None, interval=None, **fields):
    n = next(_seq)
    values = {
        "tenant": tenant,
        "session_id": f"81a{n:05d}",
        "unique_id": f"{tenant.slug}-u{n}",
        "username": f"user{n}",
        "nas_ip_address": "127.0.0.1",
        "start_time": start,
        "update_time": update,
        "stop_time": stop,
        "interval": interval,
        "session_time": 0,
        "input_octets": 10,
        "output_octets": 20,
    }
    values.update(fields)
    with in_scope(tenant):
        return RadiusAccounting.objects.create(**values)


def reload(row):
    with scopes_disabled():  # the test looks at any tenant's row
        return RadiusAccounting.objects.get(pk=row.pk)


def values(row):
    row = reload(row)
    return (row.stop_time, row.terminate_cause, row.session_time)


@pytest.mark.django_db
def test_a_silent_session_is_closed_at_its_last_update(isp, settings):
    settings.NETBILL_RADIUS_INTERIM_INTERVAL = 300
    settings.NETBILL_RADIUS_STALE_INTERVALS = 3
    last = NOW - dt.timedelta(seconds=901)  # 3 × 300 s + 1 s ago
    row = session(isp.tenant, start=last - dt.timedelta(hours=2), update=last)
    with in_scope(isp.tenant):
        assert close_stale_sessions(tenant=isp.tenant, now=NOW) == 1
    assert values(row) == (last, "Stale-Session", 2 * 3600)
    # The counters the NAS reported are kept.
    assert (reload(row).input_octets, reload(row).output_octets) == (10, 20)


@pytest.mark.django_db
def test_a_session_without_interim_updates_is_closed_at_its_start(isp):
    start = NOW - dt.timedelta(hours=1)
    row = session(isp.tenant, start=start, session_time=None)
    with in_scope(isp.tenant):
        assert close_stale_sessions(tenant=isp.tenant, now=NOW) == 1
    assert values(row) == (start, "Stale-Session", 0)


@pytest.mark.django_db
def test_fresh_sessions_are_left_open(isp, settings):
    settings.NETBILL_RADIUS_INTERIM_INTERVAL = 300
    just_in_time = NOW - dt.timedelta(seconds=900)  # exactly 3 intervals: not yet stale
    fresh = session(isp.tenant, start=NOW - dt.timedelta(days=3), update=just_in_time)
    new = session(isp.tenant, start=NOW - dt.timedelta(seconds=30))
    with in_scope(isp.tenant):
        assert close_stale_sessions(tenant=isp.tenant, now=NOW) == 0
    assert values(fresh) == (None, None, 0)
    assert values(new) == (None, None, 0)


@pytest.mark.django_db
def test_closed_sessions_are_not_touched(isp):
    start = NOW - dt.timedelta(days=2)
    stop = start + dt.timedelta(minutes=10)
    row = session(
        isp.tenant,
        start=start,
        update=start + dt.timedelta(minutes=5),
        stop=stop,
        terminate_cause="User-Request",
        session_time=600,
    )
    with in_scope(isp.tenant):
        assert close_stale_sessions(tenant=isp.tenant, now=NOW) == 0
    assert values(row) == (stop, "User-Request", 600)


@pytest.mark.django_db
def test_the_sessions_own_interval_is_honoured(isp, settings):
    settings.NETBILL_RADIUS_INTERIM_INTERVAL = 300
    settings.NETBILL_RADIUS_STALE_INTERVALS = 3
    last = NOW - dt.timedelta(seconds=1_200)  # stale at 300 s, not at its own 600 s
    slow = session(isp.tenant, start=last - dt.timedelta(seconds=60), update=last, interval=600)
    fast_last = NOW - dt.timedelta(seconds=200)  # its own 60 s interval: stale after 180 s
    fast = session(
        isp.tenant, start=fast_last - dt.timedelta(seconds=60), update=fast_last, interval=60
    )
    with in_scope(isp.tenant):
        assert close_stale_sessions(tenant=isp.tenant, now=NOW) == 1
    assert values(slow) == (None, None, 0)
    assert values(fast) == (fast_last, "Stale-Session", 60)
    # 30 minutes later the slow session is past its own 3 × 600 s too.
    with in_scope(isp.tenant):
        assert close_stale_sessions(tenant=isp.tenant, now=NOW + dt.timedelta(minutes=30)) == 1
    assert values(slow) == (last, "Stale-Session", 60)


@pytest.mark.django_db
def test_a_tenant_run_leaves_other_tenants_sessions_alone(isp, other_isp):
    last = NOW - dt.timedelta(hours=1)
    ours = session(isp.tenant, start=last, update=last)
    theirs = session(other_isp.tenant, start=last, update=last)
    with in_scope(isp.tenant):
        assert close_stale_sessions(tenant=isp.tenant, now=NOW) == 1
    assert values(ours) == (last, "Stale-Session", 0)
    assert values(theirs) == (None, None, 0)


@pytest.mark.django_db
def test_the_fan_out_runs_the_job_for_every_active_tenant(isp, other_isp, monkeypatch):
    other_isp.tenant.is_active = False
    other_isp.tenant.save(update_fields=["is_active"])
    ours = session(isp.tenant, start=NOW - dt.timedelta(days=1))
    theirs = session(other_isp.tenant, start=NOW - dt.timedelta(days=1))
    queued = []
    real = housekeeping.close_stale_sessions_task.delay
    monkeypatch.setattr(
        housekeeping.close_stale_sessions_task,
        "delay",
        lambda **kw: queued.append(kw) or real(**kw),
    )
    assert housekeeping.close_stale_sessions_all_task.delay().get() == 1
    assert queued == [{"tenant_id": isp.tenant.pk}]
    assert values(ours)[1] == "Stale-Session"
    assert values(theirs) == (None, None, 0)


@pytest.mark.django_db
def test_the_tenant_task_needs_a_tenant():
    result = housekeeping.close_stale_sessions_task.apply(kwargs={})
    assert result.failed() and isinstance(result.result, TypeError)


@pytest.mark.django_db
def test_ensure_schedule_runs_the_stale_session_job_every_five_minutes():
    call_command("ensure_schedule", stdout=io.StringIO())
    call_command("ensure_schedule", stdout=io.StringIO())
    entry = PeriodicTask.objects.get(task="radius.close_stale_sessions_all")
    assert entry.enabled is True
    assert (entry.interval.every, entry.interval.period) == (300, IntervalSchedule.SECONDS)
