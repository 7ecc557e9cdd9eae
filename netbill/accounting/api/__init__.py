"""The accounting part of /api/v1/: accounts and journal entries (read-only)."""


def register(router) -> None:
    from .views import register as register_views

    register_views(router)
