"""Customers → Bulk Update Users (an xlsx or csv keyed by username: preview the
differences, then apply the whole file or nothing), the Customer List's exports (xlsx
and csv, with its filters) and Customers → Multiple Customer Update (one change to every
customer a filter selects, or to a hand-picked few, in one set-based service call)."""

from urllib.parse import urlencode

from django import forms
from django import forms as _forms
from django.contrib import messages
from django.contrib import messages as _messages
from django.core.files.base import ContentFile as _ContentFile
from django.db import transaction
from django.db import transaction as _transaction
from django.http import FileResponse as _FileResponse
from django.http import Http404, HttpResponseRedirect
from django.http import HttpResponseRedirect as _Redirect
from django.http import StreamingHttpResponse as _StreamingHttpResponse
from django.shortcuts import render
from django.shortcuts import render as _render
from django.urls import path, reverse
from django.urls import path as _path
from django.urls import reverse as _reverse
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_lazy as _lazy
from kombu.exceptions import OperationalError

from netbill.core.exceptions import BusinessRuleError
from netbill.core.models import BackgroundJob as _BackgroundJob
from netbill.core.pagination import CappedPaginator
from netbill.core.permissions import restrict
from netbill.core.views import BaseView, PanelTemplateView, add_service_error
from netbill.core.views import BaseView as _BaseView
from netbill.core.views import object_or_404 as _object_or_404

from .. import bulk_users as _bulk_users
from .. import exports as _exports
from ..choices import CustomerStatusChoices
from ..models import Customer
from ..services.bulk_update import (
    FILTER_FIELDS,
    BulkCustomerFilterSet,
    customers_bulk_change,
    customers_bulk_selection,
)

urlpatterns: list = []


#
# Bulk Update Users and the Customer List exports (customers.bulk_users, .exports)
#

PREVIEW_ROWS_SHOWN = 1000


class BulkUsersUploadForm(_forms.Form):
    file = _forms.FileField(
        label=_lazy("File"),
        help_text=_lazy(
            "An .xlsx or .csv file with a “username” column and the columns to change."
        ),
    )


class BulkUsersUploadView(_BaseView):
    """Customers → Bulk Update Users: upload the file (step 1 of 2). The file is kept as
    a pending background job's input until it is applied."""

    permission_required = "customers.edit"
    template_name = "customers/bulk_users.html"

    def get(self, request):
        return self.page(request, BulkUsersUploadForm())

    def page(self, request, form):
        return _render(
            request,
            self.template_name,
            {
                "title": _lazy("Bulk Update Users"),
                "form": form,
                "columns": [n for n in _bulk_users.ALIASES if n != "username"],
                "max_mb": f"{_bulk_users.max_bytes() / 1024 / 1024:g}",
            },
        )

    def post(self, request):
        form = BulkUsersUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(request, form)
        upload = form.cleaned_data["file"]
        name = upload.name.rsplit("/", 1)[-1]
        try:
            if upload.size > _bulk_users.max_bytes():
                raise _bulk_users.too_big()  # refused before reading it into memory
            data = upload.read()
            rows = _bulk_users.bulk_users_check_file(by=request.user, name=name, data=data)
        except _bulk_users.FileProblem as exc:
            form.add_error("file", list(exc.messages))
            return self.page(request, form)
        job = _bulk_users_job_create(request.user, name, data, rows)
        return _Redirect(_reverse("customers:bulk_users_preview", args=[job.pk]))


def _bulk_users_job_create(user, name, data, rows):
    from netbill.core.jobs import job_create

    return job_create(
        by=user,
        kind=_bulk_users.BULK_USERS_KIND,
        title=_gettext("Bulk Update Users: %(name)s") % {"name": name},
        params={"filename": name, "rows": rows},
        input_file=_ContentFile(data, name=name),
    )


def _pending_upload(request, pk):
    """The user's own uploaded file, not yet applied (another user's is not found)."""
    return _object_or_404(
        _BackgroundJob.objects.filter(
            kind=_bulk_users.BULK_USERS_KIND, created_by_id=request.user.pk
        ),
        request.user,
        "customers.edit",
        pk=pk,
    )


class BulkUsersPreviewView(_BaseView):
    """Bulk Update Users, step 2: every row's changes (old → new) and errors, then Apply."""

    permission_required = "customers.edit"
    model = _BackgroundJob  # what the pk names (for the crawlers)
    template_name = "customers/bulk_users_preview.html"

    def get(self, request, pk):
        job = _pending_upload(request, pk)
        if job.status != _BackgroundJob.Status.PENDING or job.message:
            return _Redirect(_reverse("customers:job", args=[job.pk]))
        name = job.params.get("filename") or job.input_file.name
        try:
            with job.input_file.open("rb") as handle:
                plan = _bulk_users.bulk_users_plan(by=request.user, name=name, data=handle.read())
        except _bulk_users.FileProblem as exc:
            plan, problem = None, " ".join(exc.messages)
        else:
            problem = ""
        context = {"title": _lazy("Bulk Update Users"), "job": job, "name": name}
        if plan is not None:
            changed, errors = plan.changed, plan.errors
            context.update(
                plan=plan,
                counts=plan.counts,
                changed_rows=changed[:PREVIEW_ROWS_SHOWN],
                changed_more=max(0, len(changed) - PREVIEW_ROWS_SHOWN),
                error_rows=errors[:PREVIEW_ROWS_SHOWN],
                errors_more=max(0, len(errors) - PREVIEW_ROWS_SHOWN),
                can_apply=bool(changed) and not errors,
            )
        context["problem"] = problem
        return _render(request, self.template_name, context)


class BulkUsersApplyView(_BaseView):
    """Bulk Update Users: apply the previewed file, all or nothing, as a background job."""

    permission_required = "customers.edit"
    model = _BackgroundJob  # what the pk names (for the crawlers)
    http_method_names = ["post"]

    def post(self, request, pk):
        from kombu.exceptions import OperationalError

        from netbill.core.context import current_actor

        job = _pending_upload(request, pk)
        # The activity log names the impersonator and address of this request, as an
        # inline edit would.
        actor = current_actor()
        params = {**job.params, "actor": {"impersonator_id": actor.impersonator_id, "ip": actor.ip}}
        # Only the first click queues the work (a second one finds the message set).
        queued = _BackgroundJob.objects.filter(
            pk=job.pk, status=_BackgroundJob.Status.PENDING, message=""
        ).update(message=_gettext("Waiting to be applied…"), params=params)
        if queued:
            kwargs = {"tenant_id": job.tenant_id, "job_id": job.pk, "by_id": request.user.pk}

            def enqueue():
                try:
                    _bulk_users.bulk_users_apply_task.delay(**kwargs)
                except OperationalError:
                    # The broker is unreachable: apply it here rather than leave it waiting.
                    _bulk_users.bulk_users_apply_task.apply(kwargs=kwargs)

            _transaction.on_commit(enqueue)
        else:
            _messages.info(request, _lazy("This file is already being applied."))
        return _Redirect(_reverse("customers:job", args=[job.pk]))


class _ExportView(_BaseView):
    permission_required = "customers.view"
    abstract = True

    def rows(self, request):
        queryset = _exports.export_queryset(request.user, request.GET)
        columns = _exports.export_columns(
            request.user, _exports.active_custom_fields(request.user.tenant_id)
        )
        return queryset, columns


class CustomerExportCsvView(_ExportView):
    """Customer List → Export csv: the filtered list, streamed row by row."""

    permission_required = "customers.view"

    def get(self, request):
        queryset, columns = self.rows(request)
        response = _StreamingHttpResponse(
            _exports.csv_stream(columns, _exports.export_rows(queryset, columns)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="{}"'.format(
            _exports.export_filename("csv")
        )
        return response


class CustomerExportXlsxView(_ExportView):
    """Customer List → Export xlsx: up to XLSX_INLINE_LIMIT rows at once; a bigger list
    asks for confirmation (POST) and is written by a background job."""

    permission_required = "customers.view"

    def get(self, request):
        queryset, columns = self.rows(request)
        limit = _exports.XLSX_INLINE_LIMIT
        count = queryset[: limit + 1].count()
        if count > limit:
            return _render(
                request,
                "customers/bulk_users_export.html",
                {"title": _lazy("Export xlsx"), "limit": limit, "query": request.GET.urlencode()},
            )
        handle = _exports.xlsx_tempfile(columns, _exports.export_rows(queryset, columns))
        return _FileResponse(
            handle,
            as_attachment=True,
            filename=_exports.export_filename("xlsx"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )

    def post(self, request):
        from netbill.core.jobs import job_create

        job = job_create(
            by=request.user,
            kind=_exports.EXPORT_KIND,
            title=_gettext("Customer List export (xlsx)"),
            params={"filters": dict(request.GET.lists())},
        )
        kwargs = {"tenant_id": job.tenant_id, "job_id": job.pk}

        def enqueue():
            from kombu.exceptions import OperationalError

            try:
                _exports.export_xlsx_task.delay(**kwargs)
            except OperationalError:
                _exports.export_xlsx_task.apply(kwargs=kwargs)

        _transaction.on_commit(enqueue)
        return _Redirect(_reverse("customers:job", args=[job.pk]))


urlpatterns += [
    _path("customers/bulk-users/", BulkUsersUploadView.as_view(), name="bulk_users"),
    _path(
        "customers/bulk-users/<int:pk>/",
        BulkUsersPreviewView.as_view(),
        name="bulk_users_preview",
    ),
    _path(
        "customers/bulk-users/<int:pk>/apply/",
        BulkUsersApplyView.as_view(),
        name="bulk_users_apply",
    ),
    _path("customers/export.csv", CustomerExportCsvView.as_view(), name="customer_export_csv"),
    _path("customers/export.xlsx", CustomerExportXlsxView.as_view(), name="customer_export_xlsx"),
]


#
# Multiple Customer Update (customers.services.bulk_update)
#
# A selection page (the Customer List's filters and the billing profile, the count of
# matches, a paginated table with checkboxes, the change to make), a confirmation step
# (POST: the count and the change, nothing written) and the apply step (POST: one call of
# `customers_bulk_change`, or a background job above BULK_INLINE_LIMIT customers). The
# selection travels as the filters plus, for a hand-picked subset, the ticked ids; both
# steps find it again within the user's reach, and a ticked id outside it is a 404.

BULK_EDIT = "customers.edit"
# Above this many customers the change runs as a background job with a progress bar.
BULK_INLINE_LIMIT = 500
BULK_PAGE_SIZE = 50
BULK_FILTER_PREFIX = "filter-"
BULK_FORM_PREFIX = "to"
BULK_CHANGE_LABELS = {
    "package": _("Package"),
    "status": _("Status"),
    "billing_profile": _("Billing profile"),
    "zone": _("Zone"),
}
# The same, inside a sentence ("Change the package of 3 customers to …").
BULK_CHANGE_NOUNS = {
    "package": _("package"),
    "status": _("status"),
    "billing_profile": _("billing profile"),
    "zone": _("zone"),
}


class CustomerBulkChangeForm(forms.Form):
    """The change of a Multiple Customer Update: what to change, to which value, and for
    which customers (all matches or the ticked ones)."""

    selection = forms.ChoiceField(
        label=_("Apply to"),
        choices=[
            ("all", _("All matching customers")),
            ("selected", _("Only the customers ticked below")),
        ],
        initial="all",
        widget=forms.RadioSelect,
    )
    change = forms.ChoiceField(label=_("Change"), choices=list(BULK_CHANGE_LABELS.items()))
    package = forms.ModelChoiceField(label=_("New package"), queryset=None, required=False)
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[("", "---------"), *CustomerStatusChoices.choices],
        required=False,
    )
    billing_profile = forms.ModelChoiceField(
        label=_("New billing profile"), queryset=None, required=False
    )
    zone = forms.ModelChoiceField(label=_("New zone"), queryset=None, required=False)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        required=False,
        help_text=_("Needed for a status change; kept in each customer's status history."),
    )

    def __init__(self, *args, user, **kwargs):
        from netbill.catalog.models import BillingProfile, OperatorPackage
        from netbill.tenancy.models import Zone

        kwargs.setdefault("prefix", BULK_FORM_PREFIX)
        super().__init__(*args, **kwargs)
        self.fields["package"].queryset = restrict(
            OperatorPackage.objects.select_related("operator", "master_package"), user, BULK_EDIT
        ).order_by("operator__path", "master_package__name")
        self.fields["package"].label_from_instance = lambda p: (
            f"{p.master_package.name} — {p.operator.name}"
        )
        self.fields["billing_profile"].queryset = restrict(
            BillingProfile.objects.all(), user, BULK_EDIT
        ).order_by("name")
        self.fields["zone"].queryset = restrict(Zone.objects.all(), user, BULK_EDIT).order_by(
            "name"
        )

    def clean(self):
        data = super().clean()
        change = data.get("change")
        if change and data.get(change) in (None, ""):
            self.add_error(change, _("Choose the new value."))
        if change == "status" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason for the change."))
        return data

    def value(self):
        """The service's `value`: a pk, or the status."""
        value = self.cleaned_data[self.cleaned_data["change"]]
        return getattr(value, "pk", value)

    def value_label(self) -> str:
        change = self.cleaned_data["change"]
        value = self.cleaned_data[change]
        if change == "status":
            return str(dict(CustomerStatusChoices.choices)[value])
        return self.fields[change].label_from_instance(value)


def _bulk_filters(data) -> dict[str, str]:
    """The selection's filters from a POST (hidden `filter-<name>` fields)."""
    values = {}
    for name in FILTER_FIELDS:
        value = (data.get(f"{BULK_FILTER_PREFIX}{name}") or "").strip()
        if value:
            values[name] = value
    return values


def _bulk_page_url(filters: dict) -> str:
    url = reverse("customers:customer_bulk_update")
    return f"{url}?{urlencode(filters)}" if filters else url


class _BulkSelectionMixin:
    """What the confirmation and apply steps share: the posted form, filters and ids."""

    template_name = "customers/bulk_update_confirm.html"

    def parse(self, request):
        user = request.user
        self.form = CustomerBulkChangeForm(request.POST, user=user)
        self.filters = _bulk_filters(request.POST)
        self.ids = None
        if request.POST.get(f"{BULK_FORM_PREFIX}-selection") == "selected":
            raw = request.POST.getlist("ids")
            if not all(str(v).isdigit() for v in raw):
                raise Http404
            self.ids = sorted({int(v) for v in raw})
            # A ticked customer out of reach (another subtree, another ISP) is not found,
            # as a pk in a URL would not be.
            reachable = restrict(Customer.objects.all(), user, BULK_EDIT).filter(pk__in=self.ids)
            if reachable.count() != len(self.ids):
                raise Http404
        if not self.form.is_valid():
            return None
        if self.ids is not None and not self.ids:
            self.form.add_error(None, _("Tick the customers to change, or choose all matches."))
            return None
        try:
            customers = customers_bulk_selection(by=user, filters=self.filters, ids=self.ids)
        except BusinessRuleError as exc:
            add_service_error(self.form, exc)
            return None
        return customers

    def context(self, **extra):
        context = {
            "title": _("Multiple Customer Update"),
            "form": self.form,
            "filters": self.filters,
            "filter_prefix": BULK_FILTER_PREFIX,
            "ids": self.ids or [],
            "back_url": _bulk_page_url(self.filters),
            "inline_limit": BULK_INLINE_LIMIT,
        }
        if self.form.is_bound and not self.form.errors:
            context["change_label"] = BULK_CHANGE_NOUNS[self.form.cleaned_data["change"]]
            context["value_label"] = self.form.value_label()
        context.update(extra)
        return context


class CustomerBulkUpdateView(PanelTemplateView):
    """Customers → Multiple Customer Update: choose the customers by filters (all
    matches, or ticked ones) and the change; the next step confirms it."""

    permission_required = BULK_EDIT
    template_name = "customers/bulk_update.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request, user = self.request, self.request.user
        base = restrict(
            Customer.objects.select_related("operator", "zone", "package__master_package"),
            user,
            BULK_EDIT,
        )
        data = request.GET.copy()
        data.pop("page", None)
        filterset = BulkCustomerFilterSet(data or None, queryset=base, request=request)
        # An invalid filter (another ISP's zone…) lists nothing rather than everything.
        valid = not filterset.is_bound or filterset.is_valid()
        matches = filterset.qs if valid else base.none()
        paginator = CappedPaginator(matches.order_by("-id"), BULK_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        filters = {k: v for k, v in data.items() if k in FILTER_FIELDS and v}
        context.update(
            {
                "title": _("Multiple Customer Update"),
                "filter": filterset,
                "count": paginator.count,
                "capped": paginator.capped,
                "page_obj": page,
                "form": kwargs.get("form") or CustomerBulkChangeForm(user=user),
                "filters": filters,
                "filter_prefix": BULK_FILTER_PREFIX,
                "filter_query": urlencode(filters),
                "confirm_url": reverse("customers:customer_bulk_update_confirm"),
            }
        )
        return context


class CustomerBulkUpdateConfirmView(_BulkSelectionMixin, BaseView):
    """Multiple Customer Update, step 2: how many customers and which change (POST,
    nothing is written)."""

    permission_required = BULK_EDIT
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        customers = self.parse(request)
        if customers is not None:
            count = customers.count()
            if count:
                return render(request, self.template_name, self.context(count=count))
            self.form.add_error(None, _("No customers match this selection."))
        return render(request, self.template_name, self.context(count=None))


class CustomerBulkUpdateApplyView(_BulkSelectionMixin, BaseView):
    """Multiple Customer Update, step 3: apply the change (inline up to
    BULK_INLINE_LIMIT customers, else as a background job with a progress bar)."""

    permission_required = BULK_EDIT
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        customers = self.parse(request)
        if customers is None:
            return render(request, self.template_name, self.context(count=None))
        form, user = self.form, request.user
        change, value = form.cleaned_data["change"], form.value()
        reason = form.cleaned_data.get("reason") or ""
        count = customers.count()
        if count > BULK_INLINE_LIMIT:
            return self.start_job(count, change, value, reason)
        try:
            result = customers_bulk_change(
                by=user, customers=customers, change=change, value=value, reason=reason
            )
        except BusinessRuleError as exc:
            add_service_error(form, exc, {"value": change})
            return render(request, self.template_name, self.context(count=count))
        messages.success(
            request,
            _("%(changed)s of %(selected)s customers changed; %(unchanged)s already had it.")
            % result.as_dict(),
        )
        return HttpResponseRedirect(self.context()["back_url"])

    def start_job(self, count, change, value, reason):
        from netbill.core.context import current_actor
        from netbill.core.jobs import job_create

        from ..tasks import customers_bulk_change_task

        user, ctx = self.request.user, current_actor()
        title = _("Multiple Customer Update: %(change)s → %(value)s, %(count)s customers") % {
            "change": BULK_CHANGE_LABELS[change],
            "value": self.form.value_label(),
            "count": count,
        }
        job = job_create(
            by=user,
            kind="customers.bulk_update",
            title=str(title),
            params={
                "filters": self.filters,
                "ids": self.ids,
                "change": change,
                "value": value,
                "reason": reason,
                "count": count,
                "actor": {"impersonator_id": ctx.impersonator_id, "ip": ctx.ip},
            },
        )
        kwargs = {"tenant_id": job.tenant_id, "job_id": job.pk}

        def enqueue():
            try:
                customers_bulk_change_task.delay(**kwargs)
            except OperationalError:
                # The broker is unreachable: run it here rather than leave it pending.
                customers_bulk_change_task.apply(kwargs=kwargs)

        transaction.on_commit(enqueue)
        return HttpResponseRedirect(reverse("customers:job", args=[job.pk]))


urlpatterns += [
    path("customers/bulk-update/", CustomerBulkUpdateView.as_view(), name="customer_bulk_update"),
    path(
        "customers/bulk-update/confirm/",
        CustomerBulkUpdateConfirmView.as_view(),
        name="customer_bulk_update_confirm",
    ),
    path(
        "customers/bulk-update/apply/",
        CustomerBulkUpdateApplyView.as_view(),
        name="customer_bulk_update_apply",
    ),
]
