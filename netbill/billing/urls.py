"""Pages of the billing app (filled in by views.py)."""

app_name = "billing"

urlpatterns: list = []
