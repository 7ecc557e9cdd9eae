"""Panel pages of the portal app (Settings → Suspension Portal Settings)."""

from django.urls import path

from . import views as v

app_name = "portal_settings"

urlpatterns = [
    path("", v.SuspensionPortalSettingsView.as_view(), name="edit"),
]
