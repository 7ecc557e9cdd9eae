"""Pages of the accounting app (filled in by views.py)."""

app_name = "accounting"

urlpatterns: list = []
