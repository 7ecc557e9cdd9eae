"""Bills & Payments → Bill Runs: the runs' history, one run with its bills, starting a
run (as a background job), the dry-run preview, and confirming a suspension run the
circuit breaker held.

Bill runs belong to the whole ISP (`bills.runs`, the Group Admin's by default); the
bills and customers a page lists are still cut down to the user's subtree.
"""

import django_filters
import django_tables2 as tables
from django import forms
from django.core.paginator import Paginator
from django.db import OperationalError, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.generic import FormView, TemplateView

from netbill.accounting.services import local_today
from netbill.core.permissions import can, restrict
from netbill.core.tables import MoneyColumn
from netbill.core.views import BaseView, JobView, ObjectActionView, ObjectListView, ObjectView
from netbill.customers.models import Customer

from .choices import BillRunKindChoices, BillRunStatusChoices
from .job_tasks import JOB_KIND
from .models import Bill, BillRun

PERMISSION = "bills.runs"
BILLS_PER_PAGE = 50

STATUS_BADGES = {
    BillRunStatusChoices.RUNNING: "text-bg-primary",
    BillRunStatusChoices.DONE: "text-bg-success",
    BillRunStatusChoices.FAILED: "text-bg-danger",
    BillRunStatusChoices.AWAITING: "text-bg-warning",
    BillRunStatusChoices.CONFIRMED: "text-bg-info",
}


def _is_group_admin(user) -> bool:
    return bool(getattr(getattr(user, "operator", None), "is_root", False))


#
# Forms and tables (kept beside their only views)
#


class BillRunFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=BillRunKindChoices.choices, label=_l("Kind"))
    status = django_filters.ChoiceFilter(choices=BillRunStatusChoices.choices, label=_l("Status"))
    run_date = django_filters.DateFromToRangeFilter(
        label=_l("Date"),
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = BillRun
        fields = ["kind", "status", "run_date"]


class BillRunTable(tables.Table):
    id = tables.Column(verbose_name="#", linkify=True)
    kind = tables.Column(verbose_name=_l("Kind"), linkify=True)
    run_date = tables.DateColumn(verbose_name=_l("Date"), format="Y-m-d")
    status = tables.Column(verbose_name=_l("Status"))
    considered = tables.Column(verbose_name=_l("Considered"))
    billed = tables.Column(verbose_name=_l("Billed"))
    skipped_existing = tables.Column(verbose_name=_l("Already billed"))
    skipped_credit_limit = tables.Column(verbose_name=_l("Credit-limit skipped"))
    paid_from_credit = tables.Column(verbose_name=_l("Paid from advance"))
    suspended = tables.Column(verbose_name=_l("Suspended"))
    amount = MoneyColumn(verbose_name=_l("Amount"))
    duration_ms = tables.Column(verbose_name=_l("Duration"))

    class Meta:
        model = BillRun
        fields = [
            "id",
            "kind",
            "run_date",
            "status",
            "considered",
            "billed",
            "skipped_existing",
            "skipped_credit_limit",
            "paid_from_credit",
            "suspended",
            "amount",
            "duration_ms",
        ]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "bill-runs"}

    def render_status(self, record, value):
        return format_html(
            '<span class="badge {}">{}</span>', STATUS_BADGES.get(record.status, ""), value
        )

    def render_duration_ms(self, value):
        return duration_label(value)


def duration_label(ms) -> str:
    if ms is None:
        return "—"
    if ms < 1000:
        return _("%(ms)s ms") % {"ms": ms}
    return _("%(s)s s") % {"s": f"{ms / 1000:.2f}"}


class BillRunStartForm(forms.Form):
    """Which run, for which date (in the ISP's time zone)."""

    kind = forms.ChoiceField(label=_l("Kind"), choices=BillRunKindChoices.choices)
    date = forms.DateField(
        label=_l("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_l("The billing date, in the ISP's time zone."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and user.tenant_id is not None:
            self.fields["date"].initial = local_today(user.tenant)
        self.fields["kind"].initial = BillRunKindChoices.MONTHLY


#
# Pages
#


class BillRunListView(ObjectListView):
    """Bills & Payments → Bill Runs."""

    permission_required = PERMISSION
    model = BillRun
    filterset_class = BillRunFilterSet
    table_class = BillRunTable
    template_name = "billing/run_list.html"
    title = _l("Bill Runs")

    def get_base_queryset(self):
        return BillRun.objects.order_by("-run_date", "-id")


class BillRunView(ObjectView):
    """One run: its counts, its message, its journal entry and the bills it wrote."""

    permission_required = PERMISSION
    model = BillRun
    template_name = "billing/run.html"

    def get_base_queryset(self):
        return BillRun.objects.select_related("started_by", "confirmed_by", "journal_entry")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run, user = self.object, self.request.user
        bills = restrict(
            Bill.objects.filter(bill_run=run).select_related("customer", "tenant"),
            user,
            PERMISSION,
        ).order_by("pk")
        page = Paginator(bills, BILLS_PER_PAGE).get_page(self.request.GET.get("page"))
        context.update(
            title=str(run),
            bills_page=page,
            status_badge=STATUS_BADGES.get(run.status, ""),
            duration=duration_label(run.duration_ms),
            can_open_bills=can(user, "bills.view"),
            can_open_customers=can(user, "customers.view"),
            can_open_journal=can(user, "accounting.view") and run.journal_entry_id is not None,
            can_confirm=(
                run.status == BillRunStatusChoices.AWAITING
                and run.kind == BillRunKindChoices.SUSPENSION
                and _is_group_admin(user)
            ),
            awaiting=run.status == BillRunStatusChoices.AWAITING,
        )
        return context


class BillRunConfirmView(ObjectActionView):
    """A Group Admin lets a suspension run the circuit breaker held go ahead."""

    permission_required = PERMISSION
    model = BillRun

    def perform(self, obj):
        from .services import suspension_run_confirm

        run = suspension_run_confirm(run=obj, by=self.request.user)
        return _("Confirmed: %(count)s customers suspended.") % {"count": run.suspended}


class BillRunStartView(BaseView, FormView):
    """Start a run now: it runs in the background; the job page follows it."""

    permission_required = PERMISSION
    form_class = BillRunStartForm
    template_name = "billing/run_start.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        # Coming from the preview: the run it previewed.
        return {k: v for k, v in self.request.GET.items() if k in ("kind", "date")}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Start a bill run")
        return context

    def form_valid(self, form):
        from netbill.core.context import current_actor
        from netbill.core.jobs import job_create

        from .job_tasks import bill_run_job_task

        user, ctx = self.request.user, current_actor()
        kind, on = form.cleaned_data["kind"], form.cleaned_data["date"]
        title = _("Bill run: %(kind)s for %(date)s") % {
            "kind": BillRunKindChoices(kind).label,
            "date": on.isoformat(),
        }
        job = job_create(
            by=user,
            kind=JOB_KIND,
            title=str(title),
            params={
                "kind": kind,
                "on": on.isoformat(),
                "actor": {"impersonator_id": ctx.impersonator_id, "ip": ctx.ip},
            },
        )
        task_kwargs = {"tenant_id": job.tenant_id, "job_id": job.pk}

        def enqueue():
            try:
                bill_run_job_task.delay(**task_kwargs)
            except OperationalError:
                # The broker is unreachable: run it here rather than leave it pending.
                bill_run_job_task.apply(kwargs=task_kwargs)

        transaction.on_commit(enqueue)
        return HttpResponseRedirect(reverse("billing:bill_run_job", args=[job.pk]))


class BillRunJobView(JobView):
    """The page of a run started from Bill Runs: progress, then the outcome and a link
    to the BillRun."""

    permission_required = PERMISSION
    kinds = (JOB_KIND,)
    template_name = "billing/run_job.html"
    back_url_name = "billing:bill_run_list"
    back_label = _l("Bill Runs")
    result_labels = {
        "status": _l("Status"),
        "considered": _l("Considered"),
        "billed": _l("Bills written"),
        "suspended": _l("Suspended"),
        "amount": _l("Amount"),
    }

    def get_template_names(self):
        if self.request.GET.get("partial"):
            return ["billing/run_job_progress.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run_id = (self.object.result or {}).get("bill_run_id")
        # In the labels' order (a JSON column does not keep the keys' order).
        result = self.object.result or {}
        context["result_rows"] = [
            (label, result[key]) for key, label in self.result_labels.items() if key in result
        ]
        context["bill_run_url"] = (
            reverse("billing:bill_run", args=[run_id])
            if run_id and BillRun.objects.filter(pk=run_id).exists()
            else ""
        )
        return context


class BillRunPreviewView(BaseView, TemplateView):
    """The dry run: who a run of `kind` on `date` would bill (and who it would skip for
    the operator's credit limit), who auto-suspension would suspend that night and why,
    and whether the circuit breaker would hold the suspension run. Writes nothing."""

    permission_required = PERMISSION
    form_class = BillRunStartForm
    template_name = "billing/run_preview.html"
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        data = request.GET if "kind" in request.GET else None
        form = self.form_class(data=data, user=request.user)
        if data is None:
            # No question yet: tonight's monthly run.
            form = self.form_class(
                data={
                    "kind": form.fields["kind"].initial,
                    "date": form.fields["date"].initial.isoformat(),
                },
                user=request.user,
            )
        context = {"form": form, "title": _("Bill run preview")}
        if form.is_valid():
            context.update(self.preview(form.cleaned_data["kind"], form.cleaned_data["date"]))
        return self.render_to_response(self.get_context_data(**context))

    def preview(self, kind: str, on) -> dict:
        from datetime import timedelta

        from netbill.catalog.models import BillingProfile

        from .runs import bill_run_preview
        from .services import suspension_preview

        user = self.request.user
        tenant = user.tenant
        context = {"kind": kind, "on": on, "kind_label": BillRunKindChoices(kind).label}
        if kind != BillRunKindChoices.SUSPENSION:
            billing = bill_run_preview(tenant=tenant, kind=kind, on=on)
            reach = self._in_reach([r.customer_id for r in billing.rows + billing.blocked])
            context["billing"] = billing
            context["bill_rows"] = [r for r in billing.rows if r.customer_id in reach]
            context["blocked_rows"] = [r for r in billing.blocked if r.customer_id in reach]
        suspension = suspension_preview(tenant=tenant, on=on)
        shown = suspension["rows"]
        reach = self._in_reach([row["customer"].pk for row in shown])
        profiles = BillingProfile.objects.in_bulk(
            {row["customer"].billing_profile_id for row in shown}
        )
        rows = []
        for row in shown:
            customer, bill = row["customer"], row["bill"]
            if customer.pk not in reach:
                continue
            if bill is not None:
                bill.tenant = tenant  # its number's prefix, without a query per row
            profile = profiles.get(customer.billing_profile_id)
            grace = profile.grace_days if profile is not None else 0
            rows.append(
                {
                    "customer": customer,
                    "bill": bill,
                    "profile": profile,
                    "grace_days": grace,
                    # Suspended once the due date plus the grace days has passed.
                    "suspend_after": bill.due_date + timedelta(days=grace) if bill else None,
                }
            )
        context["suspension"] = suspension
        context["suspension_rows"] = rows
        context["can_open_customers"] = can(user, "customers.view")
        context["can_open_bills"] = can(user, "bills.view")
        return context

    def _in_reach(self, ids) -> set:
        if not ids:
            return set()
        return set(
            restrict(
                Customer.objects.filter(pk__in=ids), self.request.user, PERMISSION
            ).values_list("pk", flat=True)
        )
