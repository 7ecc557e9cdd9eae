"""Customer tasks: thin wrappers around the services.

The Fair Usage Policy runs every 15 minutes (`manage.py ensure_schedule`): a platform
task queues one tenant task per active ISP, which enforces it inside its own scope.
"""

from celery import shared_task

from netbill.core.tasks import TenantTask


@shared_task(base=TenantTask, name="customers.enforce_fup_task")
def enforce_fup_task(*, tenant_id: int) -> dict[str, list[str]]:
    """Apply the Fair Usage Policy to one ISP (see customers.fup); returns the usernames
    moved to FUP, reset to active, and skipped."""
    from netbill.tenancy.models import Tenant

    from .fup import enforce_fup

    return enforce_fup(tenant=Tenant.objects.get(pk=tenant_id))


@shared_task(name="customers.enforce_fup_all")
def enforce_fup_all_task() -> int:
    """Queue the FUP job of every active ISP; returns how many were queued."""
    from netbill.tenancy.models import Tenant

    tenant_ids = list(
        Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    for tenant_id in tenant_ids:
        enforce_fup_task.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@shared_task(base=TenantTask, name="customers.customers_bulk_change_task")
def customers_bulk_change_task(*, tenant_id: int, job_id: int) -> None:
    """Customers → Multiple Customer Update for a large selection, as a background job:
    the selection (filters, or picked ids) is found again for the job's creator and the
    change applied by `customers_bulk_change` in one transaction; the job page shows
    the outcome (or the refusal, with nothing changed)."""
    from django.utils.translation import gettext as _

    from netbill.core.context import Actor, acting
    from netbill.core.jobs import job_running

    from .services.bulk_update import customers_bulk_change, customers_bulk_selection

    with job_running(job_id) as job:
        params, by = job.params, job.created_by
        if by is None:
            from netbill.core.exceptions import BusinessRuleError

            raise BusinessRuleError(_("The user who asked for this change no longer exists."))
        customers = customers_bulk_selection(
            by=by, filters=params.get("filters") or {}, ids=params.get("ids")
        )
        job.set_total(params.get("count") or 0)
        # The activity log names the impersonator and the address of the request that
        # asked for the job, as it would have inline.
        asked = params.get("actor") or {}
        actor = Actor(
            user_id=by.pk, impersonator_id=asked.get("impersonator_id"), ip=asked.get("ip")
        )
        with acting(actor):
            result = customers_bulk_change(
                by=by,
                customers=customers,
                change=params["change"],
                value=params["value"],
                reason=params.get("reason") or "",
                progress=job.advance,
            )
        job.set_total(result.selected)
        job.finish(
            message=_(
                "%(changed)s of %(selected)s customers changed; %(unchanged)s already had it."
            )
            % result.as_dict(),
            result=result.as_dict(),
        )


# Tasks defined next to their feature, imported here so that the worker registers them
# (celery autodiscovers `tasks` modules only).
from .bulk_users import bulk_users_apply_task  # noqa: E402, F401
from .exports import export_xlsx_task  # noqa: E402, F401
from .imports import tasks as _import_tasks  # noqa: E402, F401
from .mikrotik_import import mikrotik_disable_task, mikrotik_import_task  # noqa: E402, F401
