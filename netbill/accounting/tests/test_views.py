"""Accounting pages read the ledger right: every statement balances (opening plus the
lines is the closing, which is the account's balance), the trial balance's grand totals
are equal, and an entry shows the entry it reverses and the one that reverses it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import in_scope
from netbill.accounting import chart, queries
from netbill.accounting.models import Account
from netbill.accounting.services import Line, entry_post, entry_reverse
from netbill.billing.tests.helpers import add_billing_rows
from netbill.core.testing.people import fresh_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(isp):
    return add_billing_rows(isp)


def test_every_account_statement_balances(client, isp, ledger):
    client.force_login(isp.ga)
    with in_scope(isp.tenant):
        accounts = list(Account.objects.filter(tenant=isp.tenant))
    used = 0
    for account in accounts:
        response = client.get(reverse("accounting:account", args=[account.pk]))
        assert response.status_code == 200
        context = response.context
        with in_scope(isp.tenant):
            balance = queries.account_balance(account)
        running = context["opening"]
        sign = 1 if account.debit_normal else -1
        for line in context["lines"]:
            running += sign * (line.debit - line.credit)
            assert line.balance == running
        assert running == context["closing"] == balance, account
        used += bool(context["lines"])
    assert used >= 4  # cash, receivable, revenue, operator deposits


def test_statement_period_opening_carries_the_earlier_lines(client, isp, ledger):
    with in_scope(isp.tenant):
        cash = Account.objects.get(tenant=isp.tenant, key=chart.CASH)
        first = entry_post(
            tenant=isp.tenant,
            lines=[
                Line(chart.CASH, debit=Decimal("70.00")),
                Line(chart.EQUITY, credit=Decimal("70.00")),
            ],
            memo="Opening cash",
            source="manual",
            on=ledger["bill_run"].run_date.replace(day=2),
        )
        total = queries.account_balance(cash)
    client.force_login(isp.ga)
    day = first.date.isoformat()
    response = client.get(reverse("accounting:account", args=[cash.pk]), {"start": day})
    context = response.context
    assert [line.entry_id for line in context["lines"]] == [first.pk]
    assert context["opening"] == total - Decimal("70.00")
    assert context["closing"] == total
    response = client.get(reverse("accounting:account", args=[cash.pk]), {"end": day})
    assert response.context["closing"] == total


def test_trial_balance_totals_are_equal(client, isp, ledger):
    client.force_login(isp.ga)
    response = client.get(reverse("accounting:trial_balance"))
    context = response.context
    assert context["debit_total"] == context["credit_total"] > 0
    with in_scope(isp.tenant):
        rows = {row["account"].pk: row for row in queries.trial_balance(isp.tenant)}
    for row in context["rows"]:
        assert (row["debit"], row["credit"]) == (
            rows[row["account"].pk]["debit"],
            rows[row["account"].pk]["credit"],
        )
    body = response.content.decode()
    assert f'data-debit="{context["debit_total"]}"' in body
    assert f'data-credit="{context["credit_total"]}"' in body


def test_account_list_shows_each_balance(client, isp, ledger):
    client.force_login(isp.ga)
    response = client.get(reverse("accounting:account_list"))
    table = response.context["table"]
    with in_scope(isp.tenant):
        expected = {row["account"].pk: row["balance"] for row in queries.trial_balance(isp.tenant)}
    assert table.balances == expected
    with in_scope(isp.tenant):
        key = Account.objects.get(tenant=isp.tenant, key=chart.OPERATOR_DEPOSITS)
    assert f"{expected[key.pk]:,.2f}" in response.content.decode()


def test_an_entry_links_its_reversal_both_ways(client, isp, ledger):
    with in_scope(isp.tenant):
        entry = entry_post(
            tenant=isp.tenant,
            lines=[
                Line(chart.BANK, debit=Decimal("15.00")),
                Line(chart.EQUITY, credit=Decimal("15.00")),
            ],
            memo="Mistake",
            source="manual",
        )
        reversal = entry_reverse(entry=entry, memo="Reversal of mistake", by=fresh_user(isp.ga))
    client.force_login(isp.ga)
    body = client.get(reverse("accounting:journal_entry", args=[entry.pk])).content.decode()
    assert 'id="entry-reversed-by"' in body
    assert reverse("accounting:journal_entry", args=[reversal.pk]) in body
    body = client.get(reverse("accounting:journal_entry", args=[reversal.pk])).content.decode()
    assert 'id="entry-reverses"' in body
    assert reverse("accounting:journal_entry", args=[entry.pk]) in body


def test_entry_lines_show_customers_and_link_their_sub_ledger(client, isp, ledger):
    payment = ledger["payment"]
    client.force_login(isp.ga)
    response = client.get(reverse("accounting:journal_entry", args=[payment.journal_entry_id]))
    body = response.content.decode()
    customer = ledger["customer"]
    assert customer.name in body
    assert customer.get_absolute_url() in body
    assert f"?customer={customer.pk}" in body
    assert response.context["debit_total"] == response.context["credit_total"]


def test_people_without_the_code_see_no_ledger(client, isp, ledger):
    for user in (isp.user_x, isp.noc, isp.manager_x):
        client.force_login(fresh_user(user))
        for name in ("accounting:account_list", "accounting:journal", "accounting:trial_balance"):
            assert client.get(reverse(name)).status_code == 403, (user, name)
