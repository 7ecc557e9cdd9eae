"""Bills & Payments → Bill Runs (billing/urls.py appends these `urlpatterns`)."""

from django.urls import path

from . import views_runs

urlpatterns = [
    path("runs/", views_runs.BillRunListView.as_view(), name="bill_run_list"),
    path("runs/start/", views_runs.BillRunStartView.as_view(), name="bill_run_start"),
    path("runs/preview/", views_runs.BillRunPreviewView.as_view(), name="bill_run_preview"),
    path("runs/jobs/<int:pk>/", views_runs.BillRunJobView.as_view(), name="bill_run_job"),
    path("runs/<int:pk>/", views_runs.BillRunView.as_view(), name="bill_run"),
    path(
        "runs/<int:pk>/confirm/", views_runs.BillRunConfirmView.as_view(), name="bill_run_confirm"
    ),
]
