"""Operators → Account Balance under its contract (netbill.core.testing.contracts): the
balances list, Add Balance and the reseller statement. Operators belong to a subtree:
operator Y (user_y) reaches none of operator X's pages, and the other ISP none at all.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import in_scope
from netbill.accounting import queries
from netbill.accounts.models import Operator
from netbill.billing.tests.helpers import add_billing_rows
from netbill.core.testing.contracts import (
    DetailViewContract,
    EditViewContract,
    ListViewContract,
)
from netbill.core.testing.people import fresh_user
from netbill.core.testing.state import nothing_changes
from netbill.payments.models import OperatorDeposit

pytestmark = pytest.mark.django_db

TOKEN = "5f0c3e4a9b2d4c1e8f7a6b5c4d3e2f1a"


def prepare_balances(isp):
    """Per ISP: a billed customer of X with a payment, and X's deposit of 5,000."""
    label = "Alpha" if isp.tenant.slug == "alpha" else "Beta"
    rows = add_billing_rows(isp, f"{label} balances")
    isp.deposit = rows["deposit"]
    isp.op_x.refresh_from_db()
    isp.x_balance = isp.op_x.balance


class _Balances:
    permission = "operators.balance"
    other_subtree_user = "user_y"

    def prepare(self, isp):
        prepare_balances(isp)

    def target(self, isp):
        return isp.op_x


class TestOperatorBalances(_Balances, ListViewContract):
    url_name = "payments:operator_balances"
    other_subtree_user = "user_x"

    def target(self, isp):
        return None

    def expected_rows(self, isp):
        return [isp.op_x, isp.op_y, isp.sub_x1]

    def other_subtree_rows(self, isp):
        return [isp.sub_x1]  # never its own deposit

    def check_page(self, response, isp):
        body = response.content.decode()
        with in_scope(isp.tenant):
            ledger = queries.operator_balance(isp.tenant, isp.op_x.pk)
        assert ledger == isp.x_balance > 0
        assert f"{ledger:,.2f}" in body
        assert "data-mismatch" not in body
        assert reverse("payments:operator_add_balance", args=[isp.op_x.pk]) in body
        assert reverse("payments:operator_statement", args=[isp.op_x.pk]) in body

    def test_at_credit_limit_badge(self, client, isp, request):
        self.ready(isp)
        with in_scope(isp.tenant):
            Operator.objects.filter(pk=isp.op_y.pk).update(
                balance=Decimal("-500.00"), credit_limit=Decimal("500.00")
            )
        client.force_login(self.allowed_user(isp, request))
        body = client.get(self.url_for(isp)).content.decode()
        assert f'data-at-limit="{isp.op_y.pk}"' in body
        assert f'data-at-limit="{isp.op_x.pk}"' not in body
        # The cache now disagrees with the ledger, and the page says so.
        assert f'data-mismatch="{isp.op_y.pk}"' in body


class TestOperatorAddBalance(_Balances, EditViewContract):
    url_name = "payments:operator_add_balance"
    audit_action = "operator.balance_added"
    events = ("operator.balance_added",)

    def form_data(self, isp):
        return {"amount": "1,234.50", "reference": "Bank slip 77", "token": TOKEN}

    def expected(self, isp):
        return {"balance": isp.x_balance + Decimal("1234.50")}

    def success_url(self, isp, obj):
        return reverse("payments:operator_statement", args=[obj.pk])

    def after_write(self, isp, obj, response):
        deposits = OperatorDeposit.objects.filter(operator=obj, reference="Bank slip 77")
        assert [d.amount for d in deposits] == [Decimal("1234.50")]
        assert queries.operator_balance(isp.tenant, obj.pk) == obj.balance

    def test_the_form_carries_a_fresh_token(self, client, isp, request):
        client.force_login(self.allowed_user(isp, request))
        first = client.get(self.url_for(isp)).context["form"]["token"].value()
        second = client.get(self.url_for(isp)).context["form"]["token"].value()
        assert first and second and first != second
        assert len(first) == 32

    def test_a_double_submit_records_once(self, client, isp, request):
        client.force_login(self.allowed_user(isp, request))
        url = self.url_for(isp)
        for _ in range(2):
            assert client.post(url, self.form_data(isp)).status_code == 302
        with in_scope(isp.tenant):
            assert OperatorDeposit.objects.filter(reference="Bank slip 77").count() == 1
            isp.op_x.refresh_from_db()
            assert isp.op_x.balance == isp.x_balance + Decimal("1234.50")

    def test_bad_amount_posts_nothing(self, client, isp, request):
        client.force_login(self.allowed_user(isp, request))
        for amount in ("0", "-5", "12.345", "abc"):
            with nothing_changes(isp.tenant, what=f"amount {amount}"):
                response = client.post(self.url_for(isp), {**self.form_data(isp), "amount": amount})
            assert response.status_code == 200
            assert response.context["form"].errors["amount"], amount

    def test_no_one_adds_to_its_own_or_the_root(self, client, isp):
        self.ready(isp)
        client.force_login(fresh_user(isp.user_x))
        with nothing_changes(isp.tenant, what="own deposit"):
            assert client.post(self.url_for(isp), self.form_data(isp)).status_code == 404
        client.force_login(fresh_user(isp.ga))
        with nothing_changes(isp.tenant, what="root"):
            url = reverse(self.url_name, args=[isp.root.pk])
            assert client.post(url, self.form_data(isp)).status_code == 404

    def test_an_operator_adds_to_its_sub_operator(self, client, isp):
        self.ready(isp)
        client.force_login(fresh_user(isp.user_x))
        url = reverse(self.url_name, args=[isp.sub_x1.pk])
        assert client.post(url, self.form_data(isp)).status_code == 302
        with in_scope(isp.tenant):
            isp.sub_x1.refresh_from_db()
            assert isp.sub_x1.balance == Decimal("1234.50")


class TestOperatorStatement(_Balances, DetailViewContract):
    url_name = "payments:operator_statement"

    def check_page(self, response, isp):
        body = response.content.decode()
        context = response.context
        assert "Alpha balances deposit" in body or "Beta balances deposit" in body
        assert context["totals"]["deposit"] == Decimal("5000.00")
        assert context["closing"] == context["rows"][-1]["line"].balance

    def test_an_operator_reads_its_own_statement(self, client, isp):
        self.ready(isp)
        client.force_login(fresh_user(isp.user_x))
        response = client.get(self.url_for(isp))
        assert response.status_code == 200
        assert response.context["can_add"] is False
        assert reverse("payments:operator_add_balance", args=[isp.op_x.pk]) not in (
            response.content.decode()
        )

    def test_the_root_has_no_statement(self, client, isp, request):
        client.force_login(self.allowed_user(isp, request))
        assert client.get(reverse(self.url_name, args=[isp.root.pk])).status_code == 404
