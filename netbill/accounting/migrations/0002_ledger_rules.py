"""The ledger's rules, held by PostgreSQL as well as by the posting service:

- a deferred constraint trigger checks at commit that every journal entry touched in
  the transaction balances (debits = credits). It runs per line, but checks each entry
  once per transaction (a transaction-local flag), so a bill run's entry with 100,000
  lines is summed once;
- posted entries and lines are immutable: UPDATE and DELETE are refused (corrections
  are reversing entries). TRUNCATE (test teardown) is not a row operation.

Also gives every existing ISP its chart of accounts. SQLite (`make run`, the
bare-machine `make test`) relies on the posting service alone.
"""

from django.db import migrations

BALANCED = """
CREATE OR REPLACE FUNCTION netbill_journal_balanced() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    v_flag text := 'netbill.je_' || NEW.entry_id;
    v_diff numeric;
BEGIN
    IF current_setting(v_flag, true) = '1' THEN
        RETURN NULL;
    END IF;
    SELECT COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0) INTO v_diff
    FROM accounting_journalline WHERE entry_id = NEW.entry_id;
    IF v_diff <> 0 THEN
        RAISE EXCEPTION 'journal entry % does not balance: debits - credits = %',
            NEW.entry_id, v_diff USING ERRCODE = 'check_violation';
    END IF;
    PERFORM set_config(v_flag, '1', true);
    RETURN NULL;
END
$fn$;

CREATE CONSTRAINT TRIGGER journalline_balanced
AFTER INSERT ON accounting_journalline
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION netbill_journal_balanced();

CREATE OR REPLACE FUNCTION netbill_journal_immutable() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'posted journal entries are immutable; post a reversal instead'
        USING ERRCODE = 'integrity_constraint_violation';
END
$fn$;

CREATE TRIGGER journalline_immutable BEFORE UPDATE OR DELETE ON accounting_journalline
FOR EACH STATEMENT EXECUTE FUNCTION netbill_journal_immutable();
CREATE TRIGGER journalentry_immutable BEFORE UPDATE OR DELETE ON accounting_journalentry
FOR EACH STATEMENT EXECUTE FUNCTION netbill_journal_immutable();
"""

UNDO = """
DROP TRIGGER IF EXISTS journalentry_immutable ON accounting_journalentry;
DROP TRIGGER IF EXISTS journalline_immutable ON accounting_journalline;
DROP FUNCTION IF EXISTS netbill_journal_immutable();
DROP TRIGGER IF EXISTS journalline_balanced ON accounting_journalline;
DROP FUNCTION IF EXISTS netbill_journal_balanced();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BALANCED, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNDO, params=None)


def seed_charts(apps, schema_editor):
    from netbill.accounting.chart import SYSTEM_ACCOUNTS

    Tenant = apps.get_model("tenancy", "Tenant")
    Account = apps.get_model("accounting", "Account")
    for tenant_id in Tenant.objects.values_list("pk", flat=True):
        Account.objects.bulk_create(
            [
                Account(tenant_id=tenant_id, key=key, code=code, name=name, type=kind,
                        description=desc)
                for key, code, name, kind, desc in SYSTEM_ACCOUNTS
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounting", "0001_initial"),
        ("tenancy", "0002_zone"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RunPython(seed_charts, migrations.RunPython.noop),
    ]
