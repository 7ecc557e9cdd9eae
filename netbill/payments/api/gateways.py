"""/api/v1/ endpoints of the payments app: gateways."""


def register(router) -> None:
    pass
