"""The radius part of /api/v1/."""


def register(router) -> None:
    from .views import register as register_views

    register_views(router)
