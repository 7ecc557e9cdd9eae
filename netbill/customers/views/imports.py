"""Customers → Import from Excel: a 4-step wizard.

1. Upload an xlsx or csv (and the template to download). The file is kept on a pending
   BackgroundJob of kind "customers.import", so every later step (and a reload) finds
   it again by the job's pk, within the uploader's reach.
2. Map the columns to fields (matched by header, changeable), with defaults for the
   operator and billing profile, and whether existing usernames are updated.
3. Review: every row is validated by a background job ("customers.import_validate");
   the page shows its progress, then the counts of new / updated / invalid rows and
   the errors per cell, paginated.
4. Import: the import job's task runs (imports.tasks.import_run_task) and the user goes
   to the job page, with the progress bar, the outcome and the rejected-rows xlsx.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from netbill.core.context import current_actor
from netbill.core.exceptions import BusinessRuleError
from netbill.core.jobs import job_create
from netbill.core.models import BackgroundJob
from netbill.core.views import BaseView, object_or_404

from ..imports.forms import CustomerImportForm, CustomerImportMappingForm, CustomerImportRunForm
from ..imports.mapping import auto_map, field_choices
from ..imports.reader import read_table
from ..imports.tasks import IMPORT_KIND, VALIDATE_KIND, import_run_task, import_validate_task
from ..imports.template import template_xlsx

CREATE = "customers.create"
ERRORS_PER_PAGE = 50


def _import_job(request, pk) -> BackgroundJob:
    return object_or_404(
        BackgroundJob.objects.filter(kind=IMPORT_KIND), request.user, CREATE, pk=pk
    )


def _job_page(job) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("customers:job", args=[job.pk]))


class CustomerImportTemplateView(BaseView):
    """The xlsx template: the columns, mandatory ones marked, and the valid values."""

    permission_required = CREATE

    def get(self, request):
        response = HttpResponse(
            template_xlsx(request.user),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = content_disposition_header(
            True, "customer-import-template.xlsx"
        )
        return response


class CustomerImportView(BaseView):
    """Step 1: upload."""

    permission_required = CREATE
    template_name = "customers/import_upload.html"

    def get(self, request):
        return self._render(CustomerImportForm())

    def _render(self, form):
        recent = (
            BackgroundJob.objects.filter(kind=IMPORT_KIND, created_by=self.request.user)
            .exclude(status=BackgroundJob.Status.PENDING)
            .order_by("-created_at")[:5]
        )
        return render(self.request, self.template_name, {"form": form, "step": 1, "recent": recent})

    def post(self, request):
        form = CustomerImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(form)
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            table = read_table(data, upload.name)
        except BusinessRuleError as exc:
            form.add_error("file", exc.messages)
            return self._render(form)
        with transaction.atomic():
            job = job_create(
                by=request.user,
                kind=IMPORT_KIND,
                title=_("Import %(name)s") % {"name": upload.name},
                params={
                    "filename": upload.name,
                    "headers": table.headers,
                    "rows": len(table.rows),
                    "mapping": auto_map(table.headers, request.user.tenant_id),
                    # What the mapping page shows under each column.
                    "sample": [
                        ["" if v is None else str(v)[:60] for v in row] for row in table.rows[:3]
                    ],
                },
                input_file=ContentFile(data, name=upload.name),
            )
        return HttpResponseRedirect(reverse("customers:import_map", args=[job.pk]))


class CustomerImportMapView(BaseView):
    """Step 2: map the columns."""

    permission_required = CREATE
    model = BackgroundJob  # a pending import (kind "customers.import"); for the crawlers
    template_name = "customers/import_map.html"

    def _form(self, job, data=None):
        params = job.params
        return CustomerImportMappingForm(
            data,
            headers=params["headers"],
            choices=field_choices(self.request.user.tenant_id),
            initial_mapping=params.get("mapping") or [],
            user=self.request.user,
            initial={
                "update_existing": params.get("update_existing", False),
                "default_operator": params.get("default_operator"),
                "default_billing_profile": params.get("default_billing_profile"),
            },
        )

    def _render(self, job, form):
        sample = job.params.get("sample") or []
        columns = [
            (field, " · ".join(v for v in (row[i] for row in sample if i < len(row)) if v))
            for i, field in enumerate(form.column_fields())
        ]
        context = {"form": form, "job": job, "columns": columns, "step": 2}
        return render(self.request, self.template_name, context)

    def get(self, request, pk):
        job = _import_job(request, pk)
        if job.status != BackgroundJob.Status.PENDING:
            return _job_page(job)
        return self._render(job, self._form(job))

    def post(self, request, pk):
        job = _import_job(request, pk)
        if job.status != BackgroundJob.Status.PENDING:
            return _job_page(job)
        form = self._form(job, request.POST)
        if not form.is_valid():
            return self._render(job, form)
        data = form.cleaned_data
        operator, profile = data.get("default_operator"), data.get("default_billing_profile")
        params = {k: v for k, v in job.params.items() if k != "review"}
        params.update(
            mapping=data["mapping"],
            update_existing=bool(data.get("update_existing")),
            default_operator=operator.pk if operator else None,
            default_billing_profile=profile.pk if profile else None,
        )
        with transaction.atomic():
            job.params = params
            job.save(update_fields=["params"])
            check = job_create(
                by=request.user,
                kind=VALIDATE_KIND,
                title=_("Check %(name)s") % {"name": params["filename"]},
                params={"import_job": job.pk},
            )
            job.params = {**params, "validation_job": check.pk}
            job.save(update_fields=["params"])
            transaction.on_commit(
                lambda: import_validate_task.delay(tenant_id=check.tenant_id, job_id=check.pk)
            )
        return HttpResponseRedirect(reverse("customers:import_review", args=[job.pk]))


class CustomerImportReviewView(BaseView):
    """Step 3 (review) and the start of step 4 (import)."""

    permission_required = CREATE
    model = BackgroundJob
    template_name = "customers/import_review.html"

    def _context(self, job):
        params = job.params
        review = params.get("review") or {}
        check = None
        if params.get("validation_job"):
            check = BackgroundJob.objects.filter(
                tenant_id=job.tenant_id, kind=VALIDATE_KIND, pk=params["validation_job"]
            ).first()
        ready = bool(review) and review.get("validation_job") == params.get("validation_job")
        page = Paginator(review.get("cells") or [], ERRORS_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        return {"job": job, "check": check, "review": review if ready else None,
                "page": page, "step": 3}  # fmt: skip

    def get(self, request, pk):
        job = _import_job(request, pk)
        if job.status != BackgroundJob.Status.PENDING:
            return _job_page(job)
        if not job.params.get("validation_job"):
            return HttpResponseRedirect(reverse("customers:import_map", args=[job.pk]))
        context = self._context(job)
        context["form"] = CustomerImportRunForm()
        return render(request, self.template_name, context)

    def post(self, request, pk):
        job = _import_job(request, pk)
        if job.status != BackgroundJob.Status.PENDING:
            return _job_page(job)
        context = self._context(job)
        form = CustomerImportRunForm(request.POST)
        if context["review"] is None:
            raise Http404  # nothing reviewed yet: the page offers no import button
        if not form.is_valid():
            context["form"] = form
            return render(request, self.template_name, context)
        actor = current_actor()  # the activity log names them, as it would inline
        with transaction.atomic():
            job.params = {
                **job.params,
                "all_or_nothing": form.cleaned_data["mode"] == "all",
                "actor": {"impersonator_id": actor.impersonator_id, "ip": actor.ip},
            }
            job.save(update_fields=["params"])
            transaction.on_commit(
                lambda: import_run_task.delay(tenant_id=job.tenant_id, job_id=job.pk)
            )
        messages.info(request, _("The import has started."))
        return _job_page(job)


urlpatterns = [
    path("customers/import/", CustomerImportView.as_view(), name="import_upload"),
    path(
        "customers/import/template.xlsx",
        CustomerImportTemplateView.as_view(),
        name="import_template",
    ),
    path("customers/import/<int:pk>/map/", CustomerImportMapView.as_view(), name="import_map"),
    path(
        "customers/import/<int:pk>/review/",
        CustomerImportReviewView.as_view(),
        name="import_review",
    ),
]
