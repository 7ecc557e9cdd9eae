"""Panel pages of the payments app: links (views_links.py)."""

urlpatterns: list = []
