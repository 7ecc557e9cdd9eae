"""The billing part of /api/v1/: bill runs (and the bills viewset, which
`netbill.payments.api` routes with Bulk Bill Paid added)."""


def register(router) -> None:
    from .views import register as register_views

    register_views(router)
