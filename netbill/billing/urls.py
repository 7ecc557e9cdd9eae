"""Pages of the billing app: bills, invoices, Billing Settings, the customer profile's
exemptions; and the bill run pages (urls_runs.py)."""

from django.urls import path

from . import views
from .urls_runs import urlpatterns as _runs

app_name = "billing"

urlpatterns = [
    *_runs,
    path("bills/", views.BillListView.as_view(), name="bill_list"),
    path("bills/<int:pk>/", views.BillView.as_view(), name="bill"),
    path("bills/<int:pk>/invoice/", views.BillInvoiceView.as_view(), name="bill_invoice"),
    path("bills/<int:pk>/invoice.pdf", views.BillInvoicePDFView.as_view(), name="bill_invoice_pdf"),
    path("bills/<int:pk>/cancel/", views.BillCancelView.as_view(), name="bill_cancel"),
    path("settings/", views.BillingSettingsView.as_view(), name="settings"),
    path(
        "customers/<int:pk>/exemptions/",
        views.CustomerExemptionsView.as_view(),
        name="customer_exemptions",
    ),
]
