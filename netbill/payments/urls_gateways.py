"""Panel pages of the payments app: gateways (views_gateways.py)."""

from django.urls import path

from . import views_gateways as views

urlpatterns = [
    path("gateways/", views.GatewayListView.as_view(), name="gateway_list"),
    path("gateways/<slug:provider>/", views.GatewayEditView.as_view(), name="gateway_edit"),
    path("verify/", views.GatewayTransactionListView.as_view(), name="gateway_txn_list"),
    path("verify/<int:pk>/", views.GatewayTransactionView.as_view(), name="gateway_txn"),
    path(
        "verify/<int:pk>/verify/",
        views.GatewayTransactionVerifyView.as_view(),
        name="gateway_txn_verify",
    ),
    path(
        "verify/<int:pk>/refund/",
        views.GatewayTransactionRefundView.as_view(),
        name="gateway_txn_refund",
    ),
    path("<int:pk>/reverse/", views.PaymentReverseView.as_view(), name="payment_reverse"),
]
