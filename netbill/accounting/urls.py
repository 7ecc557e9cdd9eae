"""Pages of the accounting app: Accounting → Accounts, Journal, Trial Balance."""

from django.urls import path

from . import views

app_name = "accounting"

urlpatterns = [
    path("", views.AccountListView.as_view(), name="account_list"),
    path("<int:pk>/", views.AccountView.as_view(), name="account"),
    path("journal/", views.JournalListView.as_view(), name="journal"),
    path("journal/<int:pk>/", views.JournalEntryView.as_view(), name="journal_entry"),
    path("trial-balance/", views.TrialBalanceView.as_view(), name="trial_balance"),
]
