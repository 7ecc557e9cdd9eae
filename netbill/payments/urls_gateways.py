"""Panel pages of the payments app: gateways (views_gateways.py)."""

urlpatterns: list = []
