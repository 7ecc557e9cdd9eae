"""The pages of the customers' background jobs: imports, bulk changes, exports. Each
shows its progress bar while it runs, then its outcome and file (core.jobs)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from netbill.core.views import JobFileView, JobView

# Every job kind the customers app runs; a job of another app is not found here.
CUSTOMER_JOB_KINDS = (
    "customers.import",
    "customers.import_validate",
    "customers.mikrotik_import",
    "customers.mikrotik_disable",
    "customers.bulk_update",
    "customers.bulk_users",
    "customers.export",
)


class CustomerJobView(JobView):
    permission_required = "customers.view"
    kinds = CUSTOMER_JOB_KINDS
    file_url_name = "customers:job_file"
    back_url_name = "customers:customer_list"
    back_label = _("Customer List")


class CustomerJobFileView(JobFileView):
    permission_required = "customers.view"
    kinds = CUSTOMER_JOB_KINDS


urlpatterns = [
    path("customers/jobs/<int:pk>/", CustomerJobView.as_view(), name="job"),
    path("customers/jobs/<int:pk>/file/", CustomerJobFileView.as_view(), name="job_file"),
]
