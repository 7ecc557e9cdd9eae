"""Panel pages of the payments app: cards (views_cards.py)."""

urlpatterns: list = []
