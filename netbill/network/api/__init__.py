"""The network part of /api/v1/: each area registers its viewsets."""


def register(router) -> None:
    from . import pools, routers, vpn

    routers.register(router)
    vpn.register(router)
    pools.register(router)
