"""manage.py ensure_schedule: put the platform's periodic tasks into celery beat's table.

The schedule lives in the database (django-celery-beat's DatabaseScheduler), so beat on
any machine runs the same jobs. Idempotent: run after every migrate (`make run` does).
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

# (name shown in beat's table, Celery task name, every N seconds)
SCHEDULE: tuple[tuple[str, str, int], ...] = (
    ("worker heartbeat", "core.worker_heartbeat", 60),
    # Fans out one tenant task per ISP (network.tasks): Router List shows fresh status.
    ("router status", "network.router_refresh_status_all", 300),
    # Closes radacct rows whose Stop never came (radius.housekeeping): a lost Stop would
    # otherwise lock the customer out through Simultaneous-Use.
    ("radius stale sessions", "radius.close_stale_sessions_all", 300),
    # Moves customers past their package's data limit to the FUP rate, and back at the
    # start of their next cycle (customers.fup).
    ("fair usage policy", "customers.enforce_fup_all", 900),
    # Starts each ISP's bill runs and auto-suspension once its local clock passes the
    # run hour (billing.tasks); runs already done today are not repeated.
    ("bill runs", "billing.runs_due_all", 900),
    # Asks the gateways about online payments still pending or initiated (payments.
    # tasks): a lost callback is found within half an hour (Verify Payments).
    ("verify pending payments", "payments.verify_pending_all", 1800),
    # Removes uploads nobody went on with (core.tasks.PENDING_JOB_DAYS).
    ("purge abandoned uploads", "core.jobs_purge_pending_all", 86400),
)


class Command(BaseCommand):
    help = "Create or update the platform's periodic tasks (celery beat, in the database)."

    def handle(self, *args, **opts):
        with transaction.atomic():
            for name, task, seconds in SCHEDULE:
                interval, _created = IntervalSchedule.objects.get_or_create(
                    every=seconds, period=IntervalSchedule.SECONDS
                )
                # A start time makes beat run a new entry at once instead of after its
                # first interval, so a fresh `make run` shows a live worker within seconds.
                entry, created = PeriodicTask.objects.get_or_create(
                    name=name,
                    defaults={"task": task, "interval": interval, "start_time": timezone.now()},
                )
                if not created and (
                    entry.task != task
                    or entry.interval_id != interval.pk
                    or entry.crontab_id
                    or entry.solar_id
                    or entry.clocked_id
                    or not entry.enabled
                ):
                    entry.task = task
                    entry.interval = interval
                    entry.crontab = entry.solar = entry.clocked = None
                    entry.enabled = True
                    entry.save()
                    created = None
                verb = {True: "created", False: "unchanged", None: "updated"}[created]
                self.stdout.write(f"Periodic task {name!r} ({task}, every {seconds} s): {verb}.")
