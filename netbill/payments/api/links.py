"""/api/v1/ endpoints of the payments app: links."""


def register(router) -> None:
    pass
