"""Panel pages of the portal app (Settings → Suspension Portal Settings)."""

app_name = "portal_settings"

urlpatterns: list = []
