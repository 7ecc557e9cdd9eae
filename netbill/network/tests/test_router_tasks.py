"""The router status check is on beat's schedule (every 5 minutes) under a registered name."""

import io

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask


@pytest.mark.django_db
def test_ensure_schedule_runs_the_router_status_check_every_five_minutes():
    call_command("ensure_schedule", stdout=io.StringIO())
    call_command("ensure_schedule", stdout=io.StringIO())
    entry = PeriodicTask.objects.get(task="network.router_refresh_status_all")
    assert (entry.name, entry.enabled) == ("router status", True)
    assert (entry.interval.every, entry.interval.period) == (300, IntervalSchedule.SECONDS)


def test_the_status_tasks_are_registered_under_their_names():
    from netbill.celery import app

    app.loader.import_default_modules()
    assert {"network.router_refresh_status_all", "network.router_refresh_status"} <= set(app.tasks)


@pytest.mark.django_db
def test_the_tenant_task_refuses_to_run_without_a_tenant():
    from netbill.network.tasks import router_refresh_status_task

    result = router_refresh_status_task.apply(kwargs={})
    assert result.failed() and isinstance(result.result, TypeError)
