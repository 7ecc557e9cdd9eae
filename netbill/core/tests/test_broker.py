"""The real services this deployment is configured with: the Celery broker and the
database. Locally (SQLite, kombu's SQLAlchemy transport) these run against files;
in CI they run against Redis and PostgreSQL and must not be skipped (REQUIRE_SERVICES=1).
"""

import os
import uuid

import pytest
from django.conf import settings
from django.db import connection

from conftest import require
from netbill.celery import app


def _broker_connection():
    conn = app.connection_for_write()
    try:
        conn.ensure_connection(max_retries=1, timeout=5)
    except Exception:  # any failure means: no broker here
        conn.release()
        return None
    return conn


def test_celery_reads_the_configured_broker_url():
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    if os.environ.get("CELERY_BROKER_URL"):
        assert app.conf.broker_url == os.environ["CELERY_BROKER_URL"]


def test_broker_round_trip():
    conn = _broker_connection()
    require(conn is not None, f"The Celery broker at {app.conf.broker_url}")
    name = f"netbill-test-{uuid.uuid4().hex}"
    body = {"tenant_id": 7, "amount": "100.50", "text": "বিল পরিশোধ"}
    with conn:
        queue = conn.SimpleQueue(name)
        try:
            queue.put(body, serializer="json")
            message = queue.get(block=True, timeout=10)
            assert message.payload == body
            assert message.content_type == "application/json"
            message.ack()
            # Consumed once: nothing comes back.
            with pytest.raises(queue.Empty):
                queue.get(block=True, timeout=1)
        finally:
            _delete_queue(conn, queue, name)


def _delete_queue(conn, queue, name):
    channel = conn.default_channel
    queue.queue(channel).delete()
    if hasattr(channel, "queue_cls"):
        # kombu's SQLAlchemy transport keeps a row per queue that delete() leaves behind.
        channel.session.query(channel.queue_cls).filter(channel.queue_cls.name == name).delete()
        channel.session.commit()
    queue.close()


def test_database_vendor_matches_database_url():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith("postgres") else "sqlite"
    assert connection.vendor == expected


@pytest.mark.django_db
def test_postgresql_when_configured():
    url = os.environ.get("DATABASE_URL", "")
    require(url.startswith("postgres"), "PostgreSQL (DATABASE_URL=postgres://…)")
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert cursor.fetchone()[0].startswith("PostgreSQL ")
