"""Billing services: settings, first bills, settling and cancelling bills, restoring
customers who paid, and the auto-suspension run (with its circuit breaker).

The bill runs themselves are set-based SQL in `runs.py`."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from netbill.accounting import chart
from netbill.accounting.choices import EntrySourceChoices
from netbill.accounting.services import Line, entry_post, local_today
from netbill.catalog.choices import BillingProfileTypeChoices, MasterPackageValidityChoices
from netbill.core.audit import audit_record
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError
from netbill.core.money import quantize
from netbill.core.services import require_permission
from netbill.customers.choices import CustomerStatusChoices
from netbill.customers.models import Customer

from . import sql
from .amounts import bill_amounts, from_paisa, prorate_paisa, to_paisa
from .choices import (
    OPEN_STATUSES,
    BillKindChoices,
    BillRunKindChoices,
    BillRunStatusChoices,
    BillStatusChoices,
    FirstBillChoices,
)
from .models import Bill, BillingSettings, BillRun
from .periods import days_in_month, period_containing, validity_end

# The reason auto-suspension writes; paying in full restores only these customers
# (never one suspended by hand).
AUTO_SUSPEND_REASON = "Auto-suspended: unpaid bill past the grace period"
RESTORE_REASON = "Restored: bills paid in full"


def billing_settings_for(tenant) -> BillingSettings:
    settings, _created = BillingSettings.objects.get_or_create(tenant=tenant)
    return settings


def billing_settings_update(*, tenant, by, **values) -> BillingSettings:
    require_permission(by, "billing.settings")
    with transaction.atomic():
        current = billing_settings_for(tenant)
        before = {k: str(getattr(current, k)) for k in values}
        for key, value in values.items():
            setattr(current, key, value)
        current.full_clean()
        current.save()
        audit_record(
            tenant=tenant,
            actor=by,
            action="billing.settings_updated",
            obj=current,
            before=before,
            after={k: str(v) for k, v in values.items()},
        )
    return current


# --- first bills -------------------------------------------------------------------


def operator_at_credit_limit(operator) -> bool:
    """A reseller whose balance is below minus its credit limit may not bill more."""
    return (
        operator.parent_id is not None
        and operator.balance < 0
        and -operator.balance >= operator.credit_limit
    )


def _first_bill(customer: Customer, on: date, mode: str) -> Bill | None:
    profile = customer.billing_profile
    if (
        profile is None
        or not profile.auto_billing
        or profile.billing_type == BillingProfileTypeChoices.FREE
        or customer.status == CustomerStatusChoices.DISABLED
    ):
        return None
    package = customer.package
    master = package.master_package
    price = quantize(customer.price)
    if price <= 0:
        return None
    share_full = (
        Decimal("0")
        if customer.operator.parent_id is None
        else max(price - package.operator_price, Decimal("0"))
    )
    kind = BillKindChoices.FIRST
    if profile.billing_type == BillingProfileTypeChoices.MONTHLY:
        period_start, period_end = period_containing(on, profile.due_day)
        start = period_start
        if mode == FirstBillChoices.PRORATA:
            connected = customer.connection_date
            start = connected if connected and period_start <= connected <= on else on
        days = (period_end - start).days + 1
        full_days = (period_end - period_start).days + 1
        price_p = prorate_paisa(to_paisa(price), days, full_days)
        share_p = prorate_paisa(to_paisa(share_full), days, full_days)
        end = period_end
    elif profile.billing_type == BillingProfileTypeChoices.DAILY:
        kind = BillKindChoices.DAILY
        start = end = on
        dim = days_in_month(on.year, on.month)
        price_p = prorate_paisa(to_paisa(price), 1, dim)
        share_p = prorate_paisa(to_paisa(share_full), 1, dim)
    else:  # prepaid validity
        kind = BillKindChoices.PREPAID
        start = on
        end = validity_end(
            on,
            monthly=master.validity == MasterPackageValidityChoices.MONTHLY,
            days=master.validity_days,
        )
        price_p, share_p = to_paisa(price), to_paisa(share_full)
    vat = master.vat_profile if master.vat_profile_id and master.vat_profile.is_active else None
    amounts = bill_amounts(
        from_paisa(price_p),
        vat.rate if vat else Decimal("0"),
        bool(vat and vat.mode == "inclusive"),
    )
    return Bill(
        tenant_id=customer.tenant_id,
        customer=customer,
        operator_id=customer.operator_id,
        kind=kind,
        period_start=start,
        period_end=end,
        issue_date=on,
        due_date=on,
        package_name=master.name,
        price=amounts.price,
        discount=amounts.discount,
        vat_rate=vat.rate if vat else Decimal("0"),
        vat_inclusive=bool(vat and vat.mode == "inclusive"),
        vat_amount=amounts.vat,
        total=amounts.total,
        operator_share=from_paisa(share_p),
    )


def bills_issue_first(*, tenant, customer_ids: list[int], on: date | None = None) -> list[Bill]:
    """The first bill of newly created customers (one entry for the lot), then the
    advance credit they may already hold. Customers who already have a bill whose
    period reaches `on`, or who are not billed automatically, get nothing."""
    on = on or local_today(tenant)
    mode = billing_settings_for(tenant).first_bill
    if mode == FirstBillChoices.NONE:
        return []
    with transaction.atomic():
        sql.lock_billing(tenant.pk)
        covered = set(
            Bill.objects.filter(customer_id__in=customer_ids, period_end__gte=on).values_list(
                "customer_id", flat=True
            )
        )
        customers = Customer.objects.filter(
            pk__in=[pk for pk in customer_ids if pk not in covered]
        ).select_related("billing_profile", "package__master_package__vat_profile", "operator")
        bills = [b for b in (_first_bill(c, on, mode) for c in customers) if b and b.total > 0]
        if not bills:
            return []
        bills = Bill.objects.bulk_create(bills)
        for bill in bills:
            bill.tenant = tenant
        entry = entry_post(
            tenant=tenant,
            lines=_bill_lines(bills),
            memo=_("First bills")
            if len(bills) > 1
            else _("First bill %(number)s") % {"number": bills[0].number},
            source=EntrySourceChoices.BILL,
            source_id=bills[0].pk if len(bills) == 1 else None,
            on=on,
        )
        Bill.objects.filter(pk__in=[b.pk for b in bills]).update(journal_entry=entry)
        for bill in bills:
            bill.journal_entry = entry  # the callers get what the database holds
        for bill in bills:
            if bill.customer.advance_balance > 0:
                bill_settle_from_advance(bill)
        for bill in bills:
            publish(
                "bill.generated",
                tenant_id=tenant.pk,
                bill_id=bill.pk,
                customer_id=bill.customer_id,
                total=str(bill.total),
            )
    return bills


def _bill_lines(bills: list[Bill], *, reverse: bool = False) -> list[Line]:
    """Receivable per bill; revenue, VAT and discounts per operator."""
    lines: list[Line] = []
    per_operator: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for bill in bills:
        lines.append(
            Line(chart.RECEIVABLE, debit=bill.total, customer_id=bill.customer_id, memo=bill.number)
        )
        per_operator[(chart.REVENUE, bill.operator_id)] += (
            bill.total - bill.vat_amount + bill.discount
        )
        per_operator[(chart.VAT_PAYABLE, bill.operator_id)] += bill.vat_amount
        if bill.discount:
            per_operator[(chart.DISCOUNTS, bill.operator_id)] -= bill.discount
    for (key, operator_id), amount in per_operator.items():
        if amount > 0:
            lines.append(Line(key, credit=amount, operator_id=operator_id))
        elif amount < 0:
            lines.append(Line(key, debit=-amount, operator_id=operator_id))
    if reverse:
        lines = [
            Line(
                x.account,
                debit=x.credit,
                credit=x.debit,
                customer_id=x.customer_id,
                operator_id=x.operator_id,
                memo=x.memo,
            )
            for x in lines
        ]
    return lines


# --- settling ------------------------------------------------------------------------


@dataclass
class Settled:
    """What settling a bill changed, for the caller's journal entry."""

    bill: Bill
    amount: Decimal
    became_paid: bool


def bill_apply(bill: Bill, amount: Decimal) -> Settled:
    """Put `amount` towards an open bill (the caller holds the billing lock, posts the
    journal entry and records where the money came from). A bill that becomes paid
    extends a prepaid customer's expiry by the package's validity."""
    amount = quantize(amount)
    if bill.status == BillStatusChoices.CANCELLED:
        raise BusinessRuleError(_("Bill %(number)s is cancelled.") % {"number": bill.number})
    if amount <= 0 or amount > bill.due:
        raise BusinessRuleError(
            _("Bill %(number)s has %(due)s due.") % {"number": bill.number, "due": bill.due}
        )
    bill.paid_amount += amount
    became_paid = bill.paid_amount == bill.total
    bill.status = BillStatusChoices.PAID if became_paid else BillStatusChoices.PARTIAL
    if became_paid:
        bill.paid_at = timezone.now()
    bill.save(update_fields=["paid_amount", "status", "paid_at"])
    if became_paid and bill.kind == BillKindChoices.PREPAID:
        _extend_expiry(bill)
    return Settled(bill, amount, became_paid)


def _extend_expiry(bill: Bill) -> None:
    customer = Customer.objects.select_related("package__master_package").get(pk=bill.customer_id)
    master = customer.package.master_package
    today = local_today(customer.tenant)
    current = customer.expiry_date
    if current is None or current < bill.period_start - timedelta(days=1):
        start = max(bill.period_start, today) if current is None or current < today else today
    else:
        start = current + timedelta(days=1)
    end = validity_end(
        start,
        monthly=master.validity == MasterPackageValidityChoices.MONTHLY,
        days=master.validity_days,
    )
    Customer.objects.filter(pk=customer.pk).update(expiry_date=max(end, bill.period_end))


def commission_lines(settled: list[Settled]) -> list[Line]:
    """The operator's share of each bill that became paid."""
    lines = []
    for s in settled:
        if s.became_paid and s.bill.operator_share > 0:
            lines.append(
                Line(
                    chart.OPERATOR_COMMISSION,
                    debit=s.bill.operator_share,
                    operator_id=s.bill.operator_id,
                    memo=s.bill.number,
                )
            )
            lines.append(
                Line(
                    chart.OPERATOR_DEPOSITS,
                    credit=s.bill.operator_share,
                    operator_id=s.bill.operator_id,
                    memo=s.bill.number,
                )
            )
    return lines


def bill_settle_from_advance(bill: Bill) -> Settled | None:
    """Let a new bill consume the customer's advance credit first."""
    customer = Customer.objects.select_for_update().get(pk=bill.customer_id)
    amount = min(customer.advance_balance, bill.due)
    if amount <= 0:
        return None
    settled = bill_apply(bill, amount)
    entry_post(
        tenant=customer.tenant,
        lines=[
            Line(chart.CUSTOMER_ADVANCES, debit=amount, customer_id=customer.pk, memo=bill.number),
            Line(chart.RECEIVABLE, credit=amount, customer_id=customer.pk, memo=bill.number),
            *commission_lines([settled]),
        ],
        memo=_("Advance applied to %(number)s") % {"number": bill.number},
        source=EntrySourceChoices.ADVANCE_APPLIED,
        source_id=bill.pk,
    )
    return settled


def customer_restore_if_settled(customer: Customer) -> bool:
    """Restore a customer that auto-suspension suspended once nothing is left unpaid:
    the package's RADIUS group again, then CoA/Disconnect (customers' status change)."""
    from netbill.customers.services import customer_change_status

    customer = Customer.objects.get(pk=customer.pk)
    if customer.status != CustomerStatusChoices.SUSPENDED:
        return False
    if customer.status_reason != AUTO_SUSPEND_REASON:
        return False
    if Bill.objects.filter(customer=customer, status__in=OPEN_STATUSES).exists():
        return False
    customer_change_status(
        customer=customer,
        status=CustomerStatusChoices.ACTIVE,
        by=None,
        reason=RESTORE_REASON,
        system=True,
    )
    return True


# --- cancelling ----------------------------------------------------------------------


def bill_cancel(*, bill: Bill, by, reason: str) -> Bill:
    """Cancel an unpaid or partly paid bill by a reversing entry; what was paid on it
    becomes the customer's advance credit. Paid bills are not cancelled here."""
    require_permission(by, "bills.edit", bill)
    reason = " ".join((reason or "").split())
    if not reason:
        raise BusinessRuleError({"reason": [_("Give a reason for the cancellation.")]})
    with transaction.atomic():
        sql.lock_billing(bill.tenant_id)
        bill = Bill.objects.select_for_update().select_related("tenant").get(pk=bill.pk)
        if bill.status == BillStatusChoices.CANCELLED:
            raise BusinessRuleError(
                _("Bill %(number)s is already cancelled.") % {"number": bill.number}
            )
        if bill.status == BillStatusChoices.PAID:
            raise BusinessRuleError(
                _("Bill %(number)s is paid; reverse its payment before cancelling it.")
                % {"number": bill.number}
            )
        lines = _bill_lines([bill], reverse=True)
        if bill.paid_amount:
            # The money already paid on it stays the customer's, as credit.
            lines += [
                Line(
                    chart.RECEIVABLE,
                    debit=bill.paid_amount,
                    customer_id=bill.customer_id,
                    memo=bill.number,
                ),
                Line(
                    chart.CUSTOMER_ADVANCES,
                    credit=bill.paid_amount,
                    customer_id=bill.customer_id,
                    memo=bill.number,
                ),
            ]
        entry_post(
            tenant=bill.tenant,
            lines=lines,
            by=by,
            source=EntrySourceChoices.BILL_CANCEL,
            source_id=bill.pk,
            memo=_("Cancellation of %(number)s: %(reason)s")
            % {"number": bill.number, "reason": reason},
            idempotency_key=f"bill-cancel:{bill.pk}",
        )
        before = {"status": bill.status}
        bill.status = BillStatusChoices.CANCELLED
        bill.cancelled_at = timezone.now()
        bill.cancel_reason = reason[:255]
        bill.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        audit_record(
            tenant=bill.tenant,
            actor=by,
            action="bill.cancelled",
            obj=bill,
            before=before,
            after={"status": bill.status, "reason": reason},
        )
        publish(
            "bill.cancelled",
            tenant_id=bill.tenant_id,
            bill_id=bill.pk,
            customer_id=bill.customer_id,
        )
        if bill.paid_amount:
            # What was paid on it is credit now: it settles the customer's other open
            # bills, oldest first, before any new bill.
            advance_apply_to_open_bills(bill.customer_id)
        restore_after_commit(bill.tenant_id, bill.customer_id)
    return bill


def advance_apply_to_open_bills(customer_id: int) -> list[Settled]:
    """Spend the customer's advance credit on its open bills, oldest first (the caller
    holds the billing lock)."""
    settled = []
    bills = (
        Bill.objects.select_for_update()
        .filter(customer_id=customer_id, status__in=OPEN_STATUSES)
        .select_related("tenant")
        .order_by("due_date", "period_start", "pk")
    )
    for bill in bills:
        done = bill_settle_from_advance(bill)
        if done is None:
            break
        settled.append(done)
    return settled


def restore_after_commit(tenant_id: int, customer_id: int) -> None:
    """Once the transaction commits, restore the customer if nothing is left unpaid
    (a tenant task: RADIUS group, then CoA/Disconnect, outside the request)."""
    from kombu.exceptions import OperationalError

    from .tasks import restore_if_settled_task

    def enqueue():
        try:
            restore_if_settled_task.delay(tenant_id=tenant_id, customer_id=customer_id)
        except OperationalError:
            restore_if_settled_task.apply(
                kwargs={"tenant_id": tenant_id, "customer_id": customer_id}
            )

    transaction.on_commit(enqueue)


# --- auto-suspension -------------------------------------------------------------------


def _suspension_candidates(tenant, on: date):
    """Customers auto-suspension would suspend on `on`: active or FUP, on a billing
    profile with auto-suspension, not exempt, without a promise to pay reaching `on`,
    with an open bill whose due date plus the profile's grace days has passed."""
    from netbill.catalog.models import BillingProfile

    overdue = Q()
    for profile in BillingProfile.objects.filter(tenant=tenant, auto_suspension=True):
        cutoff = on - timedelta(days=profile.grace_days)
        overdue |= Q(
            billing_profile=profile, bills__status__in=OPEN_STATUSES, bills__due_date__lt=cutoff
        )
    if not overdue:
        return Customer.objects.none()
    return (
        Customer.objects.filter(
            tenant=tenant,
            status__in=[CustomerStatusChoices.ACTIVE, CustomerStatusChoices.FUP],
            never_auto_suspend=False,
        )
        .filter(Q(suspension_extended_until__isnull=True) | Q(suspension_extended_until__lt=on))
        .filter(overdue)
        .distinct()
    )


def suspension_preview(*, tenant, on: date, limit: int = 200) -> dict:
    """Who auto-suspension would suspend on `on`, and the bill that makes it so."""
    candidates = _suspension_candidates(tenant, on)
    count = candidates.count()
    base = (
        Customer.objects.filter(tenant=tenant)
        .exclude(status=CustomerStatusChoices.DISABLED)
        .count()
    )
    rows = []
    for customer in candidates.order_by("pk")[:limit]:
        bill = (
            Bill.objects.filter(customer=customer, status__in=OPEN_STATUSES)
            .order_by("due_date", "pk")
            .first()
        )
        rows.append({"customer": customer, "bill": bill})
    percent = billing_settings_for(tenant).suspension_breaker_percent
    return {
        "count": count,
        "base": base,
        "rows": rows,
        "percent": percent,
        "trips": base > 0 and Decimal(count) * 100 > percent * base,
    }


def suspension_run_execute(
    *, tenant, on: date, by=None, confirmed_run: BillRun | None = None
) -> BillRun:
    """Suspend the overdue customers: RADIUS suspended group, then Disconnect (through
    customers' bulk status change). A run that would suspend more than the ISP's
    breaker share waits for a Group Admin's confirmation and raises an alert."""
    from netbill.customers.services.bulk_update import customers_bulk_set_status

    started = timezone.now()
    with transaction.atomic():
        sql.lock_billing(tenant.pk)
        preview = suspension_preview(tenant=tenant, on=on, limit=0)
        run = confirmed_run or BillRun.objects.create(
            tenant=tenant,
            kind=BillRunKindChoices.SUSPENSION,
            run_date=on,
            started_by=by if getattr(by, "pk", None) else None,
        )
        run.considered = preview["count"]
        if preview["trips"] and confirmed_run is None:
            run.status = BillRunStatusChoices.AWAITING
            run.message = _(
                "%(count)s of %(base)s customers (more than %(percent)s%%) would be "
                "suspended; a Group Admin must confirm this run."
            ) % {"count": preview["count"], "base": preview["base"], "percent": preview["percent"]}
            run.finished_at = timezone.now()
            run.save()
            audit_record(
                tenant=tenant,
                actor=None,
                action="billing.suspension_breaker",
                obj=run,
                after={"count": preview["count"], "base": preview["base"]},
            )
            publish(
                "billing.suspension_breaker",
                tenant_id=tenant.pk,
                bill_run_id=run.pk,
                count=preview["count"],
                base=preview["base"],
            )
            return run
        ids = list(_suspension_candidates(tenant, on).values_list("pk", flat=True))
        suspended = 0
        if ids:
            suspended = customers_bulk_set_status(
                tenant=tenant,
                customers=Customer.objects.filter(pk__in=ids),
                status=CustomerStatusChoices.SUSPENDED,
                reason=AUTO_SUSPEND_REASON,
            )
        run.suspended = suspended
        run.status = BillRunStatusChoices.CONFIRMED if confirmed_run else BillRunStatusChoices.DONE
        run.finished_at = timezone.now()
        run.duration_ms = int((run.finished_at - started).total_seconds() * 1000)
        run.save()
    return run


def suspension_run_confirm(*, run: BillRun, by) -> BillRun:
    """A Group Admin lets a run the circuit breaker held go ahead."""
    require_permission(by, "bills.runs", run)
    if not getattr(getattr(by, "operator", None), "is_root", False):
        raise BusinessRuleError(_("Only a Group Admin can confirm a held suspension run."))
    if run.kind != BillRunKindChoices.SUSPENSION or run.status != BillRunStatusChoices.AWAITING:
        raise BusinessRuleError(_("This run is not waiting for confirmation."))
    with transaction.atomic():
        locked = BillRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != BillRunStatusChoices.AWAITING:
            raise BusinessRuleError(_("This run is not waiting for confirmation."))
        locked.confirmed_by = by
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["confirmed_by", "confirmed_at"])
        audit_record(
            tenant=locked.tenant, actor=by, action="billing.suspension_confirmed", obj=locked
        )
        return suspension_run_execute(
            tenant=locked.tenant, on=locked.run_date, by=by, confirmed_run=locked
        )


def customer_set_billing_exemptions(
    *, customer: Customer, by, never_auto_suspend: bool, extended_until: date | None
) -> Customer:
    """Per customer: "never auto-suspend", and a promise-to-pay date."""
    require_permission(by, "customers.suspend", customer)
    if extended_until is not None and extended_until < local_today(customer.tenant):
        raise BusinessRuleError(
            {"suspension_extended_until": [_("A promise to pay lies today or later.")]}
        )
    with transaction.atomic():
        current = Customer.objects.select_for_update().get(pk=customer.pk)
        before = {
            "never_auto_suspend": current.never_auto_suspend,
            "suspension_extended_until": str(current.suspension_extended_until or ""),
        }
        current.never_auto_suspend = never_auto_suspend
        current.suspension_extended_until = extended_until
        current.save(
            update_fields=["never_auto_suspend", "suspension_extended_until", "updated_at"]
        )
        audit_record(
            tenant=current.tenant,
            actor=by,
            action="customer.billing_exemptions",
            obj=current,
            before=before,
            after={
                "never_auto_suspend": never_auto_suspend,
                "suspension_extended_until": str(extended_until or ""),
            },
        )
    return current


# --- runs started by hand or by beat ---------------------------------------------------


def bill_run_start(*, tenant, kind: str, on: date, by=None) -> BillRun:
    """Start a run of `kind` for `on` now (the API and the Bill Runs page)."""
    from .runs import bill_run_execute

    if by is not None:
        require_permission(by, "bills.runs")
    if kind == BillRunKindChoices.SUSPENSION:
        return suspension_run_execute(tenant=tenant, on=on, by=by)
    if kind not in BillRunKindChoices.values:
        raise BusinessRuleError({"kind": [_("Choose monthly, daily, prepaid or suspension.")]})
    return bill_run_execute(tenant=tenant, kind=kind, on=on, by=by)


def bill_run_record_failure(*, tenant, kind: str, on: date, error: Exception) -> BillRun:
    """Keep a visible record of a run that failed (it wrote nothing: one transaction)."""
    now = timezone.now()
    return BillRun.objects.create(
        tenant=tenant,
        kind=kind,
        run_date=on,
        status=BillRunStatusChoices.FAILED,
        finished_at=now,
        message=(f"{type(error).__name__}: {error}")[:2000],
    )


RUN_ORDER = (
    BillRunKindChoices.MONTHLY,
    BillRunKindChoices.DAILY,
    BillRunKindChoices.PREPAID,
    BillRunKindChoices.SUSPENSION,
)


def runs_due(tenant, now=None) -> tuple[date, list[str]]:
    """The ISP's local date and which of today's runs have not run yet (once the
    local clock passes the settings' run hour)."""
    now = now or timezone.now()
    local = timezone.localtime(now, tenant.zone)
    today = local.date()
    if local.hour < billing_settings_for(tenant).run_hour:
        return today, []
    done = set(
        BillRun.objects.filter(tenant=tenant, run_date=today)
        .exclude(status=BillRunStatusChoices.FAILED)
        .values_list("kind", flat=True)
    )
    return today, [k for k in RUN_ORDER if k not in done]
