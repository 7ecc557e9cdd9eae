"""/api/v1/ endpoints of the payments app: cards."""


def register(router) -> None:
    pass
