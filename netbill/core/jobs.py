"""Background jobs: long work (imports, bulk changes, exports) run by a Celery task, with
a progress bar and a result the user can open (models.BackgroundJob).

A view creates the job and enqueues its task after commit:

    job = job_create(by=user, kind="customers.import", title="Import customers.xlsx",
                     params={...}, input_file=ContentFile(data, name="customers.xlsx"))
    transaction.on_commit(lambda: my_task.delay(tenant_id=job.tenant_id, job_id=job.pk))

and the task reports through `job_running`:

    with job_running(job_id) as job:
        job.set_total(len(rows))
        ... job.advance(batch) ...
        job.finish(message="…", result={...}, result_file=("rejected.xlsx", data))

Progress goes to the cache (`progress(job)` reads it): the task's work usually runs in
one transaction, which another connection cannot see into until it commits. The job row
itself is written when the job starts and ends, outside that transaction. An exception
inside the block marks the job failed with its message (a BusinessRuleError's text, or a
generic one; the traceback goes to the log) and is not raised again: the user reads the
outcome on the job page, and a retry would only repeat it.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import BackgroundJob

__all__ = ["JobAlreadyRun", "JobHandle", "job_create", "job_running", "progress"]

log = logging.getLogger(__name__)

PROGRESS_TTL = 24 * 3600


class JobAlreadyRun(Exception):
    """The job's task came twice (a redelivery): the second one does nothing."""


def _key(job_id: int) -> str:
    return f"netbill:job:{job_id}:progress"


def job_create(
    *, by, kind: str, title: str, params: dict | None = None, input_file=None
) -> BackgroundJob:
    """A pending job of `by`'s tenant, visible to `by` and the users above it."""
    job = BackgroundJob(
        tenant_id=by.tenant_id,
        kind=kind,
        title=title[:200],
        params=params or {},
        created_by=by if getattr(by, "pk", None) else None,
        reach_path=getattr(by, "reach_path", None) or "",
    )
    if input_file is not None:
        job.input_file.save(input_file.name, input_file, save=False)
    job.save()
    return job


def progress(job: BackgroundJob) -> tuple[int, int]:
    """(done, total) of a job: live from the cache while it runs, else from its row."""
    if job.status == BackgroundJob.Status.RUNNING:
        live = cache.get(_key(job.pk))
        if live:
            return live
    return job.done, job.total


class JobHandle:
    """What a task sees of its job inside `job_running`."""

    def __init__(self, job: BackgroundJob):
        self.job = job
        self.done = 0
        self.total = 0
        self._finished = False

    def __getattr__(self, name):
        # params, input_file, tenant_id, kind… straight from the row.
        return getattr(self.job, name)

    def _publish(self) -> None:
        cache.set(_key(self.job.pk), (self.done, self.total), PROGRESS_TTL)

    def set_total(self, total: int) -> None:
        self.total = max(0, int(total))
        self._publish()

    def advance(self, count: int = 1) -> None:
        self.done += int(count)
        self._publish()

    def finish(self, *, message: str = "", result: dict | None = None, result_file=None) -> None:
        """Record the outcome (written when the block ends, after the work's own
        transaction). `result_file` is (name, bytes)."""
        self._finished = True
        self.job.message = message
        self.job.result = result or {}
        if result_file is not None:
            name, data = result_file
            self.job.result_file.save(name, ContentFile(data), save=False)


@contextmanager
def job_running(job_id: int):
    """Run a job's work: marks it running, then done (or failed, with the reason)."""
    job = BackgroundJob.objects.get(pk=job_id)
    if job.status != BackgroundJob.Status.PENDING:
        # A redelivered task must not run the work twice.
        raise JobAlreadyRun(f"Job {job_id} is already {job.status}; not run again.")
    job.status = BackgroundJob.Status.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    handle = JobHandle(job)
    try:
        yield handle
    except Exception as exc:  # noqa: BLE001 - recorded on the job, see the module docstring
        if isinstance(exc, ValidationError):
            message = " ".join(exc.messages)
        else:
            log.exception("Job %s (%s) failed", job_id, job.kind)
            message = _("The job stopped on an unexpected error; nothing was changed.")
        _close(job, handle, BackgroundJob.Status.FAILED, message=message)
        return
    _close(job, handle, BackgroundJob.Status.DONE)


def _close(job, handle: JobHandle, status, message: str | None = None) -> None:
    job.status = status
    if message is not None:
        job.message = message
    job.total = handle.total
    job.done = handle.done if status == BackgroundJob.Status.FAILED else handle.total
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save()
    cache.delete(_key(job.pk))
