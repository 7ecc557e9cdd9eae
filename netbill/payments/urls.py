"""Pages of the payments app (filled in by views.py)."""

app_name = "payments"

urlpatterns: list = []
