"""Operators → Account Balance (payments/urls.py appends these `urlpatterns`)."""

from django.urls import path

from . import views_operators

urlpatterns = [
    path(
        "operators/",
        views_operators.OperatorBalanceListView.as_view(),
        name="operator_balances",
    ),
    path(
        "operators/<int:pk>/add-balance/",
        views_operators.OperatorAddBalanceView.as_view(),
        name="operator_add_balance",
    ),
    path(
        "operators/<int:pk>/statement/",
        views_operators.OperatorStatementView.as_view(),
        name="operator_statement",
    ),
]
