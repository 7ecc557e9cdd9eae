"""The Excel import's background tasks: the review (validate every row) and the import.

Both run as the user who uploaded the file (the job's creator), with that user's
permissions and reach at the time the task runs.
"""

from __future__ import annotations

from celery import shared_task
from django.utils.translation import gettext as _

from netbill.core.context import Actor, acting
from netbill.core.exceptions import BusinessRuleError
from netbill.core.jobs import job_running
from netbill.core.models import BackgroundJob
from netbill.core.tasks import TenantTask

__all__ = ["import_run_task", "import_validate_task"]

IMPORT_KIND = "customers.import"
VALIDATE_KIND = "customers.import_validate"


def _creator(job):
    user = job.created_by
    if user is None or not user.is_active:
        raise BusinessRuleError(_("The user who uploaded the file can no longer import."))
    return user


@shared_task(base=TenantTask, name="customers.import_validate_task")
def import_validate_task(*, tenant_id: int, job_id: int) -> None:
    """Step 3: validate every row of the import job named in the params, and keep the
    summary on that job (`params["review"]`) for the review page."""
    from .run import prepare, review_summary

    with job_running(job_id) as job:
        upload = BackgroundJob.objects.get(
            tenant_id=tenant_id, kind=IMPORT_KIND, pk=job.params["import_job"]
        )
        by = _creator(upload)
        job.set_total(int(upload.params.get("rows") or 0))
        summary = review_summary(prepare(by=by, job=upload, progress=job.advance))
        summary["validation_job"] = job.pk
        summary["mapping"] = upload.params.get("mapping")
        upload.params = {**upload.params, "review": summary}
        upload.save(update_fields=["params"])
        job.finish(
            message=_("%(new)s new, %(updated)s to update, %(invalid)s invalid rows.")
            % {k: f"{summary[k]:,}" for k in ("new", "updated", "invalid")},
            result={k: summary[k] for k in ("rows", "new", "updated", "unchanged", "invalid")},
        )


@shared_task(base=TenantTask, name="customers.import_run_task")
def import_run_task(*, tenant_id: int, job_id: int) -> None:
    """Step 4: import the job's file (see imports.run.execute)."""
    from .run import execute

    with job_running(job_id) as job:
        by = _creator(job.job)
        asked = job.params.get("actor") or {}
        actor = Actor(
            user_id=by.pk, impersonator_id=asked.get("impersonator_id"), ip=asked.get("ip")
        )
        with acting(actor):
            outcome = execute(
                by=by, job=job.job, progress_total=job.set_total, progress_advance=job.advance
            )
        job.finish(**outcome)
