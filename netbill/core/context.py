"""Who is acting in this request or task: set by the middleware, read by the audit log.

A context variable rather than a thread-local, so it is correct under ASGI too.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    impersonator_id: int | None = None
    ip: str | None = None


_NOBODY = Actor()
_current: ContextVar[Actor | None] = ContextVar("netbill_actor", default=None)


def current_actor() -> Actor:
    return _current.get() or _NOBODY


@contextmanager
def acting(actor: Actor):
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)
