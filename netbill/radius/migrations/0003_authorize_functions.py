"""PostgreSQL functions our queries.conf calls while authorizing (DESIGN.md §4).

rlm_sql sends every query as literal SQL, so PostgreSQL plans each one afresh; for the
authorize queries (a tenant lookup by NAS plus a UNION of the user's and its groups'
items) planning cost more than running. PL/pgSQL caches the plans of the statements
inside a function per connection, and FreeRADIUS keeps its connections: wrapped in
these functions, the queries are planned once per connection instead of once per
Access-Request (bench/radius_authorize.py measures it).

- netbill_radius_check(nas shortname, username): the user's check items, then its
  groups' (in group priority order);
- netbill_radius_reply(nas shortname, username): the same for reply items;
- netbill_radius_open_sessions(nas shortname, username): the Simultaneous-Use count.

The tenant is the one of the NAS that sent the request, as in every query we run.
SQLite (the bare-machine `make test`) never runs FreeRADIUS and gets none of this.
"""

from django.db import migrations

ITEMS = """
CREATE OR REPLACE FUNCTION netbill_radius_{kind}(p_nas text, p_username text)
RETURNS TABLE (id bigint, username text, attribute text, value text, op text)
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    v_tenant bigint;
BEGIN
    SELECT n.tenant_id INTO v_tenant FROM nas n WHERE n.shortname = p_nas;
    IF v_tenant IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT i.id, i.username, i.attribute, i.value, i.op FROM (
        SELECT 0 AS rank, u.id::bigint AS id, u.username::text AS username,
               u.attribute::text AS attribute, u.value::text AS value, u.op::text AS op
        FROM {user_table} u
        WHERE u.tenant_id = v_tenant AND u.username = p_username
        UNION ALL
        SELECT 1 + g.priority, x.id::bigint, g.username::text, x.attribute::text,
               x.value::text, x.op::text
        FROM radusergroup g
        JOIN {group_table} x ON x.tenant_id = g.tenant_id AND x.groupname = g.groupname
        WHERE g.tenant_id = v_tenant AND g.username = p_username
    ) i
    ORDER BY i.rank, i.id;
END
$fn$;
"""

OPEN_SESSIONS = """
CREATE OR REPLACE FUNCTION netbill_radius_open_sessions(p_nas text, p_username text)
RETURNS bigint
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    v_count bigint;
BEGIN
    SELECT count(*) INTO v_count FROM radacct a
    WHERE a.tenant_id = (SELECT n.tenant_id FROM nas n WHERE n.shortname = p_nas)
      AND a.username = p_username AND a.acctstoptime IS NULL;
    RETURN v_count;
END
$fn$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        ITEMS.format(kind="check", user_table="radcheck", group_table="radgroupcheck")
    )
    schema_editor.execute(
        ITEMS.format(kind="reply", user_table="radreply", group_table="radgroupreply")
    )
    schema_editor.execute(OPEN_SESSIONS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in ("check", "reply"):
        schema_editor.execute(f"DROP FUNCTION IF EXISTS netbill_radius_{name}(text, text)")
    schema_editor.execute("DROP FUNCTION IF EXISTS netbill_radius_open_sessions(text, text)")


class Migration(migrations.Migration):
    dependencies = [("radius", "0002_coaattempt")]

    operations = [migrations.RunPython(forwards, backwards)]
