"""Bill runs started from Bills & Payments → Bill Runs, as background jobs (core.jobs).

The page creates the job and enqueues `bill_run_job_task` after commit; the task runs
the service (`billing.services.bill_run_start`) for the job's creator, and the job page
shows the outcome with a link to the BillRun it wrote. billing/tasks.py imports this
module so that the worker registers the task.
"""

from datetime import date

from celery import shared_task

from netbill.core.tasks import TenantTask

JOB_KIND = "billing.bill_run"


def bill_run_job_message(run) -> str:
    """What the job page says about the run it started."""
    from django.utils.translation import gettext as _

    from .choices import BillRunKindChoices, BillRunStatusChoices

    if run.status == BillRunStatusChoices.AWAITING:
        return run.message or _("The run waits for a Group Admin's confirmation.")
    if run.kind == BillRunKindChoices.SUSPENSION:
        return _("%(suspended)s of %(considered)s overdue customers suspended.") % {
            "suspended": run.suspended,
            "considered": run.considered,
        }
    return _(
        "%(billed)s bills written for %(amount)s; %(existing)s already billed, "
        "%(blocked)s skipped (operator at its credit limit)."
    ) % {
        "billed": run.billed,
        "amount": f"{run.amount:,.2f}",
        "existing": run.skipped_existing,
        "blocked": run.skipped_credit_limit,
    }


@shared_task(base=TenantTask, name="billing.bill_run_job")
def bill_run_job_task(*, tenant_id: int, job_id: int) -> int | None:
    """Run the bill run a job asks for (kind and local date in its params) as the user
    who started it; the job's result names the BillRun. Returns the BillRun's pk."""
    from django.utils.translation import gettext as _

    from netbill.core.context import Actor, acting
    from netbill.core.exceptions import BusinessRuleError
    from netbill.core.jobs import job_running
    from netbill.tenancy.models import Tenant

    from .services import bill_run_start

    run_id = None
    with job_running(job_id) as job:
        params, by = job.params, job.created_by
        if by is None:
            raise BusinessRuleError(_("The user who started this run no longer exists."))
        tenant = Tenant.objects.get(pk=tenant_id)
        job.set_total(1)
        asked = params.get("actor") or {}
        actor = Actor(
            user_id=by.pk, impersonator_id=asked.get("impersonator_id"), ip=asked.get("ip")
        )
        with acting(actor):
            run = bill_run_start(
                tenant=tenant, kind=params["kind"], on=date.fromisoformat(params["on"]), by=by
            )
        run_id = run.pk
        job.advance(1)
        job.finish(
            message=bill_run_job_message(run),
            result={
                "bill_run_id": run.pk,
                "status": run.get_status_display(),
                "considered": run.considered,
                "billed": run.billed,
                "suspended": run.suspended,
                "amount": f"{run.amount:,.2f}",
            },
        )
    return run_id
