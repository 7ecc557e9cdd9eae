"""Errors that become a ``!trap`` on the wire."""

from __future__ import annotations

# RouterOS ``=category=`` values (API documentation).
MISSING = 0  # missing item or command
ARGUMENT = 1  # argument value failure
INTERRUPTED = 2  # execution of command interrupted
GENERAL = 4  # general failure


class ApiError(Exception):
    """A command failed: answered with ``!trap =message=… [=category=…]`` then ``!done``."""

    def __init__(self, message: str, category: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.category = category

    def __repr__(self) -> str:
        return f"ApiError({self.message!r}, category={self.category!r})"


def no_such_item() -> ApiError:
    return ApiError("no such item")


def no_such_command() -> ApiError:
    return ApiError("no such command", MISSING)


def no_such_command_prefix() -> ApiError:
    return ApiError("no such command prefix", MISSING)


def unknown_parameter() -> ApiError:
    # RouterOS's API answers an unknown argument with "unknown parameter" (its console says
    # "expected end of command").
    return ApiError("unknown parameter", ARGUMENT)


def no_match(name: str) -> ApiError:
    return ApiError(f"input does not match any value of {name}", ARGUMENT)


def invalid_value(name: str) -> ApiError:
    return ApiError(f"invalid value for argument {name}", ARGUMENT)


def missing(*names: str) -> ApiError:
    return ApiError(f"missing value(s) of argument(s) {' '.join(names)}", ARGUMENT)
