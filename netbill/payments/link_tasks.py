"""Payment Link Broadcast: the background job (core.jobs).

Bills & Payments → Payment Link Broadcast creates the job (its params: the filters,
channel, validity and the site's base URL) and enqueues `payment_link_broadcast_task`
after commit. The task makes one link per matching customer in the reach of the user
who started it (skipping those who owe nothing by then), and leaves a CSV of username,
name, mobile, amount and link URL on the job. payments/tasks.py star-imports this
module so that the worker registers the task.

Idempotent per job: a link is made in its own transaction and tagged with the job, so a
task delivered again (after a crash, or by a broker's redelivery) reuses the links the
job already made instead of making second ones.
"""

import csv
import io
import logging

from celery import shared_task

from netbill.core.tasks import TenantTask

__all__ = ["payment_link_broadcast_task"]

log = logging.getLogger(__name__)

CSV_HEADER = ["username", "name", "mobile", "amount", "link"]


def _cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@shared_task(base=TenantTask, name="payments.link_broadcast")
def payment_link_broadcast_task(*, tenant_id: int, job_id: int) -> int | None:
    """Make the links a Payment Link Broadcast job asks for; returns how many links the
    job holds (None when the job had already been run)."""
    from django.utils.translation import gettext as _

    from netbill.accounts.models import Operator
    from netbill.core.context import Actor, acting
    from netbill.core.exceptions import BusinessRuleError
    from netbill.core.jobs import JobAlreadyRun, job_running
    from netbill.tenancy.models import Zone

    from .links import NothingDue, broadcast_customers, link_url, payment_link_create
    from .models import PaymentLink

    made = None
    try:
        with job_running(job_id) as job:
            params, by = job.params, job.created_by
            if by is None:
                raise BusinessRuleError(_("The user who started this broadcast no longer exists."))
            zone = (
                Zone.objects.filter(pk=params.get("zone")).first() if params.get("zone") else None
            )
            operator = (
                Operator.objects.filter(pk=params.get("operator")).first()
                if params.get("operator")
                else None
            )
            customers = list(
                broadcast_customers(
                    user=by,
                    zone=zone,
                    operator=operator,
                    payment_status=params.get("payment_status") or "due",
                ).select_related("tenant", "operator")
            )
            job.set_total(len(customers))
            earlier = {
                link.customer_id: link
                for link in PaymentLink.objects.filter(job_id=job_id).select_related("tenant")
            }
            asked = params.get("actor") or {}
            actor = Actor(
                user_id=by.pk, impersonator_id=asked.get("impersonator_id"), ip=asked.get("ip")
            )
            rows, skipped, reused = [], 0, 0
            base_url = params.get("base_url") or ""
            with acting(actor):
                for customer in customers:
                    link = earlier.get(customer.pk)
                    if link is not None:
                        reused += 1
                    else:
                        try:
                            link = payment_link_create(
                                customer=customer,
                                by=by,
                                channel=params.get("channel") or "copy",
                                valid_days=params.get("valid_days") or 7,
                                job=job.job,
                            )
                        except NothingDue:
                            # Paid between the filter and now.
                            skipped += 1
                            job.advance(1)
                            continue
                    rows.append(
                        [
                            _cell(customer.username),
                            _cell(customer.name),
                            customer.mobile,
                            f"{link.amount:.2f}",
                            link_url(link, base_url),
                        ]
                    )
                    job.advance(1)
            made = len(rows)
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(CSV_HEADER)
            writer.writerows(rows)
            job.finish(
                message=_("%(made)s payment links made; %(skipped)s customers owed nothing.")
                % {"made": made, "skipped": skipped},
                result={"customers": len(customers), "links": made, "skipped": skipped},
                result_file=(f"payment-links-{job_id}.csv", out.getvalue().encode("utf-8")),
            )
            if reused:
                log.info("Broadcast job %s: %s links of an earlier delivery reused", job_id, reused)
    except JobAlreadyRun:
        log.info("Broadcast job %s was already run; this delivery does nothing.", job_id)
        return None
    return made
