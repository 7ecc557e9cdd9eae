"""Domain events: a lower app publishes, a higher app subscribes (DESIGN.md §4).

Subscribers register in their AppConfig.ready(). `publish` runs them after the
surrounding transaction commits, so a rolled-back write never announces anything.
"""

import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

log = logging.getLogger(__name__)

_subscribers: dict[str, list[Callable[..., None]]] = defaultdict(list)


def subscribe(event: str, handler: Callable[..., None]) -> None:
    if handler not in _subscribers[event]:
        _subscribers[event].append(handler)


def unsubscribe(event: str, handler: Callable[..., None]) -> None:
    if handler in _subscribers[event]:
        _subscribers[event].remove(handler)


def publish(event: str, **payload) -> None:
    """Deliver `event` to its subscribers once the current transaction commits."""

    def deliver():
        for handler in list(_subscribers[event]):
            handler(event=event, **payload)

    transaction.on_commit(deliver, robust=False)
