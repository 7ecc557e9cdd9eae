"""The ledger core: posting (balanced, positive, one-sided lines), idempotency keys,
reversals, the balances kept on customers and operators, the queries, and on
PostgreSQL the triggers that hold the same rules below the ORM."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.db.utils import DatabaseError

from conftest import in_scope, require
from netbill.accounting import chart, queries
from netbill.accounting.models import Account, JournalEntry, JournalLine
from netbill.accounting.services import (
    Line,
    accounts_by_key,
    chart_ensure,
    entry_post,
    entry_reverse,
)
from netbill.accounts.models import Operator
from netbill.core.exceptions import BusinessRuleError

pytestmark = pytest.mark.django_db

D = Decimal


def post(tenant, lines, **kwargs):
    kwargs.setdefault("memo", "Test entry")
    kwargs.setdefault("source", "manual")
    return entry_post(tenant=tenant, lines=lines, **kwargs)


def cash_to_equity(amount="100.00"):
    return [Line(chart.CASH, debit=D(amount)), Line(chart.EQUITY, credit=D(amount))]


#
# The chart
#


def test_every_isp_has_the_system_accounts_once(isp, other_isp):
    with in_scope(isp.tenant):
        accounts = accounts_by_key(isp.tenant)
        assert set(accounts) == {key for key, *_rest in chart.SYSTEM_ACCOUNTS}
        assert chart_ensure(isp.tenant) == 0  # idempotent
        assert Account.objects.filter(tenant=isp.tenant).count() == len(chart.SYSTEM_ACCOUNTS)
        assert accounts[chart.RECEIVABLE].debit_normal
        assert not accounts[chart.CUSTOMER_ADVANCES].debit_normal
    with in_scope(other_isp.tenant):
        theirs = accounts_by_key(other_isp.tenant)
    assert {a.pk for a in accounts.values()}.isdisjoint(a.pk for a in theirs.values())


#
# Posting
#


@pytest.mark.parametrize(
    "lines",
    [
        # Unbalanced.
        [Line(chart.CASH, debit=D("100.00")), Line(chart.EQUITY, credit=D("99.99"))],
        # One line only.
        [Line(chart.CASH, debit=D("100.00"))],
        # Nothing at all once zero lines are dropped.
        [Line(chart.CASH, debit=D("0")), Line(chart.EQUITY, credit=D("0"))],
        # A negative amount, even when the totals agree.
        [
            Line(chart.CASH, debit=D("-10.00")),
            Line(chart.EQUITY, credit=D("-10.00")),
        ],
        [
            Line(chart.CASH, debit=D("100.00")),
            Line(chart.EQUITY, credit=D("110.00")),
            Line(chart.BANK, credit=D("-10.00")),
        ],
        # Both sides on one line.
        [
            Line(chart.CASH, debit=D("10.00"), credit=D("10.00")),
            Line(chart.BANK, debit=D("5.00")),
            Line(chart.EQUITY, credit=D("5.00")),
        ],
    ],
    ids=["unbalanced", "one-line", "all-zero", "negative", "negative-balancing", "both-sides"],
)
def test_bad_entries_are_refused_and_nothing_is_written(isp, lines):
    with in_scope(isp.tenant):
        with pytest.raises(BusinessRuleError):
            post(isp.tenant, lines)
        assert JournalEntry.objects.count() == 0
        assert JournalLine.objects.count() == 0


def test_a_balanced_entry_is_posted_with_zero_lines_dropped(isp):
    with in_scope(isp.tenant):
        entry = post(
            isp.tenant,
            [*cash_to_equity("250.50"), Line(chart.BANK, debit=D("0.00"))],
            on=date(2026, 12, 1),
        )
        lines = list(entry.lines.select_related("account").order_by("id"))
        assert [(x.account.key, x.debit, x.credit) for x in lines] == [
            (chart.CASH, D("250.50"), D("0.00")),
            (chart.EQUITY, D("0.00"), D("250.50")),
        ]
        assert entry.date == date(2026, 12, 1)
        assert queries.trial_balance_difference(isp.tenant) == 0
        accounts = accounts_by_key(isp.tenant)
        assert queries.account_balance(accounts[chart.CASH]) == D("250.50")
        assert queries.account_balance(accounts[chart.EQUITY]) == D("250.50")
        assert queries.account_balance(accounts[chart.CASH], until=date(2026, 11, 30)) == 0


def test_amounts_are_rounded_to_paisa_before_the_balance_check(isp):
    with in_scope(isp.tenant):
        # 0.005 rounds half up to 0.01 on both sides: balanced.
        entry = post(
            isp.tenant, [Line(chart.CASH, debit=D("0.005")), Line(chart.EQUITY, credit=D("0.01"))]
        )
        assert entry.lines.get(account__key=chart.CASH).debit == D("0.01")


def test_an_unknown_source_is_a_programming_error(isp):
    with in_scope(isp.tenant), pytest.raises(ValueError):
        post(isp.tenant, cash_to_equity(), source="lottery")


def test_another_isps_account_is_refused(isp, other_isp):
    with in_scope(other_isp.tenant):
        theirs = accounts_by_key(other_isp.tenant)[chart.CASH]
    with in_scope(isp.tenant):
        with pytest.raises(BusinessRuleError):
            post(isp.tenant, [Line(theirs, debit=D("5")), Line(chart.EQUITY, credit=D("5"))])
        assert JournalEntry.objects.count() == 0


def test_an_idempotency_key_returns_the_earlier_entry(isp, other_isp):
    with in_scope(isp.tenant):
        first = post(isp.tenant, cash_to_equity(), idempotency_key="req-1")
        again = post(isp.tenant, cash_to_equity("999.00"), idempotency_key="req-1")
        assert again.pk == first.pk
        assert JournalEntry.objects.count() == 1
        assert queries.account_balance(accounts_by_key(isp.tenant)[chart.CASH]) == D("100.00")
        # An unbalanced repeat is still refused: the lines are checked first.
        with pytest.raises(BusinessRuleError):
            post(isp.tenant, [Line(chart.CASH, debit=D("1"))], idempotency_key="req-1")
    # Keys are per ISP.
    with in_scope(other_isp.tenant):
        theirs = post(other_isp.tenant, cash_to_equity(), idempotency_key="req-1")
        assert theirs.pk != first.pk


def test_posted_entries_and_lines_are_immutable_in_the_orm(isp):
    with in_scope(isp.tenant):
        entry = post(isp.tenant, cash_to_equity())
        with pytest.raises(ValueError):
            entry.memo = "changed"
            entry.save()
        with pytest.raises(ValueError):
            entry.delete()
        line = entry.lines.first()
        with pytest.raises(ValueError):
            line.save()
        with pytest.raises(ValueError):
            line.delete()


#
# Reversals
#


def test_a_reversal_mirrors_the_entry_once_only(isp):
    with in_scope(isp.tenant):
        entry = post(isp.tenant, cash_to_equity("75.25"))
        reversal = entry_reverse(entry=entry, memo="Typo")
        assert reversal.reverses_id == entry.pk
        assert reversal.source == "reversal" and reversal.source_id == entry.source_id
        got = sorted(
            (x.account.key, x.debit, x.credit) for x in reversal.lines.select_related("account")
        )
        assert got == [
            (chart.CASH, D("0.00"), D("75.25")),
            (chart.EQUITY, D("75.25"), D("0.00")),
        ]
        assert queries.account_balance(accounts_by_key(isp.tenant)[chart.CASH]) == 0
        with pytest.raises(BusinessRuleError):
            entry_reverse(entry=entry, memo="Twice")
        with pytest.raises(BusinessRuleError):
            entry_reverse(entry=reversal, memo="Reverse the reversal")
        assert JournalEntry.objects.count() == 2
        assert queries.trial_balance_difference(isp.tenant) == 0


def test_a_second_reversal_racing_past_the_check_hits_the_one_to_one(isp):
    with in_scope(isp.tenant):
        entry = post(isp.tenant, cash_to_equity())
        entry_reverse(entry=entry, memo="First")
        with pytest.raises(BusinessRuleError):
            post(
                isp.tenant,
                [Line(chart.CASH, credit=D("100")), Line(chart.EQUITY, debit=D("100"))],
                reverses=entry,
            )
        assert JournalEntry.objects.count() == 2


#
# Sub-ledgers and the balances kept beside them
#


def test_customer_and_operator_balances_follow_their_sub_ledgers(isp):
    from netbill.customers.tests.helpers import customer_setup, make_customer

    setup = customer_setup(isp)
    customer = make_customer(by=isp.ga, setup=setup)
    with in_scope(isp.tenant):
        post(
            isp.tenant,
            [
                Line(chart.CASH, debit=D("300.00")),
                Line(chart.CUSTOMER_ADVANCES, credit=D("300.00"), customer_id=customer.pk),
            ],
        )
        post(
            isp.tenant,
            [
                Line(chart.CUSTOMER_ADVANCES, debit=D("120.10"), customer_id=customer.pk),
                Line(chart.OPERATOR_DEPOSITS, credit=D("120.10"), operator_id=isp.op_x.pk),
            ],
        )
        entry = post(
            isp.tenant,
            [
                Line(chart.OPERATOR_DEPOSITS, debit=D("20.10"), operator_id=isp.op_x.pk),
                Line(chart.CASH, credit=D("20.10")),
            ],
        )
        customer.refresh_from_db()
        op_x = Operator.objects.get(pk=isp.op_x.pk)
        assert customer.advance_balance == D("179.90")
        assert queries.customer_advance(isp.tenant, customer.pk) == D("179.90")
        assert op_x.balance == D("100.00")
        assert queries.operator_balance(isp.tenant, op_x.pk) == D("100.00")
        entry_reverse(entry=entry, memo="Undo")
        assert Operator.objects.get(pk=isp.op_x.pk).balance == D("120.10")
        assert queries.operator_balance(isp.tenant, op_x.pk) == D("120.10")
        assert queries.trial_balance_difference(isp.tenant) == 0


def test_statement_with_opening_running_and_closing_balances(isp):
    with in_scope(isp.tenant):
        for day, amount in ((1, "100.00"), (5, "50.00"), (9, "25.00")):
            post(isp.tenant, cash_to_equity(amount), on=date(2026, 12, day), memo=f"Day {day}")
        cash = accounts_by_key(isp.tenant)[chart.CASH]
        opening, lines, closing = queries.statement(
            isp.tenant, account=cash, start=date(2026, 12, 2), end=date(2026, 12, 8)
        )
        assert opening == D("100.00")
        assert [(x.memo, x.debit, x.balance) for x in lines] == [("Day 5", D("50.00"), D("150.00"))]
        assert closing == D("150.00")
        equity = accounts_by_key(isp.tenant)[chart.EQUITY]
        opening, lines, closing = queries.statement(isp.tenant, account=equity)
        assert (opening, [x.balance for x in lines], closing) == (
            D("0.00"),
            [D("100.00"), D("150.00"), D("175.00")],
            D("175.00"),
        )
        rows = {r["account"].key: r for r in queries.trial_balance(isp.tenant)}
        assert rows[chart.CASH]["debit"] == D("175.00") and rows[chart.CASH]["balance"] == D(
            "175.00"
        )
        assert rows[chart.EQUITY]["balance"] == D("175.00")
        assert sum(r["debit"] for r in rows.values()) == sum(r["credit"] for r in rows.values())


#
# PostgreSQL holds the rules too
#


def _postgres():
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL=postgres://…)")


def test_postgres_refuses_raw_update_and_delete_of_lines_and_entries(isp):
    _postgres()
    with in_scope(isp.tenant):
        entry = post(isp.tenant, cash_to_equity())
    for statement in (
        "UPDATE accounting_journalline SET debit = debit + 1 WHERE entry_id = %s",
        "DELETE FROM accounting_journalline WHERE entry_id = %s",
        "UPDATE accounting_journalentry SET memo = 'x' WHERE id = %s",
        "DELETE FROM accounting_journalentry WHERE id = %s",
    ):
        with (
            pytest.raises((IntegrityError, DatabaseError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk])
    with in_scope(isp.tenant):
        assert JournalLine.objects.filter(entry=entry).count() == 2
        assert queries.trial_balance_difference(isp.tenant) == 0


@pytest.mark.django_db(transaction=True)
def test_postgres_refuses_an_unbalanced_raw_insert_at_commit(isp):
    _postgres()
    with in_scope(isp.tenant):
        accounts = accounts_by_key(isp.tenant)
        entry = post(isp.tenant, cash_to_equity())
    insert = (
        "INSERT INTO accounting_journalline (tenant_id, entry_id, account_id, debit, credit, "
        "customer_id, operator_id, memo) VALUES (%s, %s, %s, %s, %s, NULL, NULL, '')"
    )
    written = []
    with (
        pytest.raises((IntegrityError, InternalError, DatabaseError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO accounting_journalentry (tenant_id, date, memo, source, "
            "created_at) VALUES (%s, %s, 'raw', 'manual', now()) RETURNING id",
            [isp.tenant.pk, date(2026, 12, 1)],
        )
        raw_id = cursor.fetchone()[0]
        cursor.execute(insert, [isp.tenant.pk, raw_id, accounts[chart.CASH].pk, 10, 0])
        cursor.execute(insert, [isp.tenant.pk, raw_id, accounts[chart.EQUITY].pk, 0, 9])
        written.append(raw_id)
    # The statements themselves passed: the check is deferred to the commit.
    assert written
    # A line added later to a balanced entry breaks it too.
    with (
        pytest.raises((IntegrityError, InternalError, DatabaseError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(insert, [isp.tenant.pk, entry.pk, accounts[chart.CASH].pk, 1, 0])
        written.append(entry.pk)
    assert len(written) == 2
    # A balanced raw entry commits.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounting_journalentry (tenant_id, date, memo, source, "
            "created_at) VALUES (%s, %s, 'raw', 'manual', now()) RETURNING id",
            [isp.tenant.pk, date(2026, 12, 1)],
        )
        raw_id = cursor.fetchone()[0]
        cursor.execute(insert, [isp.tenant.pk, raw_id, accounts[chart.CASH].pk, 7, 0])
        cursor.execute(insert, [isp.tenant.pk, raw_id, accounts[chart.EQUITY].pk, 0, 7])
    with in_scope(isp.tenant):
        assert JournalEntry.objects.count() == 2
        assert JournalLine.objects.filter(entry=entry).count() == 2
        assert queries.trial_balance_difference(isp.tenant) == 0
