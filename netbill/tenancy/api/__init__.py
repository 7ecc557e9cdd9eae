"""The tenancy part of /api/v1/: customer zones."""


def register(router) -> None:
    from .views import register as register_views

    register_views(router)
