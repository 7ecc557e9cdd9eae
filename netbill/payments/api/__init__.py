"""The payments part of /api/v1/: bills with Bulk Bill Paid (on the router) and
operators' balances (`urlpatterns`: a nested path the operators viewset of accounts,
a lower app, does not know about; netbill/api/urls.py puts it in the "api"
namespace, before the router's URLs)."""

from django.urls import path


def register(router) -> None:
    from . import cards, gateways, links
    from .views import register as register_views

    register_views(router)
    gateways.register(router)
    links.register(router)
    cards.register(router)


def urls() -> list:
    """Paths to put in the "api" namespace before the router's."""
    from .views import operator_balance_view

    return [
        path("operators/<int:pk>/balance/", operator_balance_view, name="operator-balance"),
    ]
