"""Recharge Cards pages (payments/urls.py appends these `urlpatterns`)."""

from django.urls import path

from . import views_cards

urlpatterns = [
    path("cards/batches/", views_cards.CardBatchListView.as_view(), name="card_batch_list"),
    path("cards/batches/add/", views_cards.CardBatchCreateView.as_view(), name="card_batch_add"),
    path("cards/batches/<int:pk>/", views_cards.CardBatchView.as_view(), name="card_batch"),
    path(
        "cards/batches/<int:pk>/sheet.pdf",
        views_cards.CardSheetView.as_view(),
        name="card_batch_sheet",
    ),
    path("cards/redeem/", views_cards.CardRedeemView.as_view(), name="card_redeem"),
    path(
        "cards/distributors/",
        views_cards.CardDistributorListView.as_view(),
        name="card_distributor_list",
    ),
    path(
        "cards/distributors/<int:pk>/add-balance/",
        views_cards.DistributorAddBalanceView.as_view(),
        name="card_distributor_add_balance",
    ),
]
