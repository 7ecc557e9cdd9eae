"""Trigram indexes for the customer list's search (name, username, mobile contain the
typed text) on PostgreSQL; SQLite (the bare-machine `make test`) has no such index and
needs none."""

from django.db import migrations

INDEXES = {
    "customer_name_trgm": "name",
    "customer_username_trgm": "username",
    "customer_mobile_trgm": "mobile",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON customers_customer "
            f"USING gin (upper({column}) gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_customer_customerstatuschange_and_more")]

    operations = [migrations.RunPython(forwards, backwards)]
