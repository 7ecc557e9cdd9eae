"""Accounting → Accounts, Journal and Trial Balance under their contract
(netbill.core.testing.contracts). The ledger belongs to the whole ISP: "other subtree"
does not apply to its rows (only `accounting.view` holders see them), but a statement
filtered to a customer's or operator's sub-ledger answers 404 for one out of reach.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import in_scope
from netbill.accounting import chart, queries
from netbill.accounting.models import Account, JournalEntry, JournalLine
from netbill.billing.tests.helpers import add_billing_rows, billed_customer
from netbill.core.testing.contracts import (
    DetailViewContract,
    ListViewContract,
    PageContract,
)
from netbill.core.testing.people import set_codes
from netbill.core.testing.state import nothing_changes
from netbill.customers.tests.helpers import customer_setup

pytestmark = pytest.mark.django_db

TENANT_WIDE = "the ledger belongs to the whole ISP, not to an operator's subtree"


def prepare_ledger(isp):
    """Per ISP: a billed customer of X with a payment, X's deposit, and a billed
    customer of Y."""
    label = "Alpha" if isp.tenant.slug == "alpha" else "Beta"
    rows = add_billing_rows(isp, f"{label} ledger")
    isp.customer_x, isp.deposit = rows["customer"], rows["deposit"]
    setup_y = customer_setup(
        isp, operator=isp.op_y, pool_subnet="10.63.0.0/22", label=f"{label} ledger Y"
    )
    isp.customer_y, _run = billed_customer(isp, setup_y, name=f"{label} Y customer")
    with in_scope(isp.tenant):
        isp.receivable = Account.objects.get(tenant=isp.tenant, key=chart.RECEIVABLE)
        isp.deposits = Account.objects.get(tenant=isp.tenant, key=chart.OPERATOR_DEPOSITS)


class _Ledger:
    permission = "accounting.view"
    not_applicable = {"other_subtree": TENANT_WIDE}

    def prepare(self, isp):
        prepare_ledger(isp)


class TestAccountList(_Ledger, ListViewContract):
    url_name = "accounting:account_list"

    def expected_rows(self, isp):
        return Account.objects.filter(tenant=isp.tenant)

    def check_page(self, response, isp):
        body = response.content.decode()
        with in_scope(isp.tenant):
            balance = queries.account_balance(isp.receivable)
        assert balance > 0
        assert f"{balance:,.2f}" in body
        assert reverse("accounting:account", args=[isp.receivable.pk]) in body


class TestAccountStatement(_Ledger, DetailViewContract):
    url_name = "accounting:account"

    def target(self, isp):
        return isp.receivable

    def check_page(self, response, isp):
        with in_scope(isp.tenant):
            balance = queries.account_balance(isp.receivable)
            count = JournalLine.objects.filter(account=isp.receivable).count()
        context = response.context
        assert context["opening"] == 0 and context["closing"] == balance
        assert len(context["lines"]) == count
        assert context["lines"][-1].balance == balance

    def test_customer_sub_ledger(self, client, isp, request):
        self.ready(isp)
        client.force_login(self.allowed_user(isp, request))
        response = client.get(self.url_for(isp), {"customer": isp.customer_x.pk})
        assert response.status_code == 200
        with in_scope(isp.tenant):
            owed = queries.customer_receivable(isp.tenant, isp.customer_x.pk)
        assert response.context["customer"] == isp.customer_x
        assert response.context["closing"] == owed

    def test_an_operator_given_the_code_reads_no_books(self, client, isp):
        # The ledger is the whole ISP's: below the root the code does nothing (403).
        self.ready(isp)
        client.force_login(set_codes(isp.user_x, grant=["accounting.view"]))
        url = self.url_for(isp)
        with nothing_changes(isp.tenant, what="operator reads the ledger"):
            assert client.get(url, {"customer": isp.customer_x.pk}).status_code == 403
            assert client.get(url, {"operator": isp.op_x.pk}).status_code == 403

    def test_another_isps_customer_is_404(self, client, isp, request):
        other_isp = self.ready(request.getfixturevalue("other_isp"))
        self.ready(isp)
        client.force_login(self.allowed_user(isp, request))
        url = self.url_for(isp)
        assert client.get(url, {"customer": other_isp.customer_x.pk}).status_code == 404
        assert client.get(url, {"operator": other_isp.op_x.pk}).status_code == 404

    def test_period(self, client, isp, request):
        self.ready(isp)
        client.force_login(self.allowed_user(isp, request))
        response = client.get(self.url_for(isp), {"start": "2026-12-01", "end": "2026-12-31"})
        context = response.context
        with in_scope(isp.tenant):
            lines = JournalLine.objects.filter(account=isp.receivable)
            before = lines.filter(entry__date__lt="2026-12-01")
            opening = sum(x.debit - x.credit for x in before)
            inside = lines.filter(entry__date__range=("2026-12-01", "2026-12-31"))
        assert context["opening"] == opening
        assert len(context["lines"]) == inside.count()
        assert context["closing"] == opening + sum(x.debit - x.credit for x in inside)
        response = client.get(self.url_for(isp), {"start": "2026-12-31", "end": "2026-12-01"})
        assert response.context["form"].errors["end"]


class TestJournal(_Ledger, ListViewContract):
    url_name = "accounting:journal"

    def expected_rows(self, isp):
        return JournalEntry.objects.filter(tenant=isp.tenant)

    def check_page(self, response, isp):
        rows = [row.record for row in response.context["table"].paginated_rows]
        keys = [(e.date, e.pk) for e in rows]
        assert keys == sorted(keys, reverse=True)  # newest first
        assert reverse("accounting:journal_entry", args=[isp.deposit.journal_entry_id]) in (
            response.content.decode()
        )

    def test_filters(self, client, isp, request):
        self.ready(isp)
        client.force_login(self.allowed_user(isp, request))
        response = client.get(self.url_for(isp), {"source": "operator_deposit"})
        with in_scope(isp.tenant):
            assert self.listed(response) == {isp.deposit.journal_entry_id}
            december = set(
                JournalEntry.objects.filter(
                    tenant=isp.tenant, date__gte="2026-12-01", date__lte="2026-12-31"
                ).values_list("pk", flat=True)
            )
        assert december
        response = client.get(self.url_for(isp), {"start": "2026-12-01", "end": "2026-12-31"})
        with in_scope(isp.tenant):
            assert self.listed(response) == december


class TestJournalEntry(_Ledger, DetailViewContract):
    url_name = "accounting:journal_entry"

    def target(self, isp):
        return isp.deposit.journal_entry

    def check_page(self, response, isp):
        body = response.content.decode()
        assert (
            response.context["debit_total"]
            == response.context["credit_total"]
            == Decimal("5000.00")
        )
        assert isp.op_x.name in body
        assert f"?operator={isp.op_x.pk}" in body
        assert reverse("payments:operator_statement", args=[isp.op_x.pk]) in body


class TestTrialBalance(_Ledger, PageContract):
    url_name = "accounting:trial_balance"

    def check_page(self, response, isp, user):
        context = response.context
        lines = JournalLine.objects.filter(tenant=isp.tenant)
        debit = sum(x.debit for x in lines)
        assert debit > 0
        assert context["debit_total"] == context["credit_total"] == debit
        assert context["difference"] == 0
        assert len(context["rows"]) == Account.objects.filter(tenant=isp.tenant).count()
        assert 'id="tb-balanced"' in response.content.decode()
