"""core.events: subscribers hear an event only once its transaction has committed."""

import pytest
from django.db import transaction

from netbill.core import events


@pytest.fixture
def heard():
    """Subscribe a recorder to "test.happened" for the duration of one test."""
    calls = []

    def handler(**kwargs):
        calls.append(kwargs)

    events.subscribe("test.happened", handler)
    yield calls
    events.unsubscribe("test.happened", handler)


class Boom(Exception):
    pass


def test_nothing_is_delivered_before_commit(db, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        events.publish("test.happened", tenant_id=1, n=2)
        assert heard == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert heard == [{"event": "test.happened", "tenant_id": 1, "n": 2}]


def test_delivered_on_commit(db, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        events.publish("test.happened", tenant_id=7)
    assert heard == [{"event": "test.happened", "tenant_id": 7}]


def test_rolled_back_savepoint_delivers_nothing(db, heard, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        events.publish("test.happened", tenant_id=1)
        raise Boom
    assert callbacks == []
    assert heard == []


@pytest.mark.django_db(transaction=True)
def test_real_commit_delivers_after_the_block(heard):
    with transaction.atomic():
        events.publish("test.happened", step="inside")
        assert heard == []
    assert heard == [{"event": "test.happened", "step": "inside"}]


@pytest.mark.django_db(transaction=True)
def test_real_rollback_delivers_nothing(heard):
    with pytest.raises(Boom), transaction.atomic():
        events.publish("test.happened", step="inside")
        raise Boom
    assert heard == []
    # The next committed transaction does not deliver the lost event either.
    with transaction.atomic():
        pass
    assert heard == []


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_delivery_is_immediate(heard):
    events.publish("test.happened", step="autocommit")
    assert heard == [{"event": "test.happened", "step": "autocommit"}]


def test_only_subscribers_of_the_event_hear_it(db, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        events.publish("test.other", x=1)
    assert heard == []


def test_subscribe_is_idempotent_and_unsubscribe_stops_delivery(
    db, django_capture_on_commit_callbacks
):
    calls = []

    def handler(**kwargs):
        calls.append(kwargs["event"])

    events.subscribe("test.twice", handler)
    events.subscribe("test.twice", handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            events.publish("test.twice")
        assert calls == ["test.twice"]
    finally:
        events.unsubscribe("test.twice", handler)
        events.unsubscribe("test.twice", handler)  # a second unsubscribe is harmless
    with django_capture_on_commit_callbacks(execute=True):
        events.publish("test.twice")
    assert calls == ["test.twice"]


def test_subscribers_run_in_order_and_a_failure_is_not_swallowed(
    db, django_capture_on_commit_callbacks
):
    order = []

    def first(**kwargs):
        order.append("first")

    def failing(**kwargs):
        order.append("failing")
        raise RuntimeError("subscriber broke")

    events.subscribe("test.order", first)
    events.subscribe("test.order", failing)
    try:
        with (
            pytest.raises(RuntimeError, match="subscriber broke"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            events.publish("test.order")
    finally:
        events.unsubscribe("test.order", first)
        events.unsubscribe("test.order", failing)
    assert order == ["first", "failing"]
