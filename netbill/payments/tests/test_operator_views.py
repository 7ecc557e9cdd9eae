"""Operators → Account Balance through the pages: Add Balance records a deposit once per
form (its token), and the reseller statement follows from the ledger: deposits plus
commissions less the cash the operator collected is its balance."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse

from conftest import in_scope
from netbill.accounting import queries
from netbill.accounting.services import local_today
from netbill.billing.models import Bill
from netbill.core.testing.people import fresh_user
from netbill.customers.tests.helpers import customer_setup, make_customer
from netbill.payments.models import OperatorDeposit
from netbill.payments.services import payment_receive

pytestmark = pytest.mark.django_db


def _add(client, operator, token, amount="2500", reference="Slip 1"):
    return client.post(
        reverse("payments:operator_add_balance", args=[operator.pk]),
        {"amount": amount, "reference": reference, "token": token},
    )


def test_add_balance_twice_with_the_same_token_records_one_deposit(client, isp):
    client.force_login(isp.ga)
    token = (
        client.get(reverse("payments:operator_add_balance", args=[isp.op_x.pk]))
        .context["form"]["token"]
        .value()
    )
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        first = _add(client, isp.op_x, token)
        second = _add(client, isp.op_x, token)
    assert first.status_code == second.status_code == 302
    assert len(callbacks) == 1  # one event, from the one deposit
    with in_scope(isp.tenant):
        assert OperatorDeposit.objects.filter(operator=isp.op_x).count() == 1
        isp.op_x.refresh_from_db()
        assert isp.op_x.balance == Decimal("2500.00")
        assert queries.operator_balance(isp.tenant, isp.op_x.pk) == Decimal("2500.00")
    # A new form (a new token) is a new deposit.
    _add(client, isp.op_x, "0" * 32)
    with in_scope(isp.tenant):
        assert OperatorDeposit.objects.filter(operator=isp.op_x).count() == 2


def test_the_same_token_for_another_operator_is_its_own_deposit(client, isp):
    client.force_login(isp.ga)
    _add(client, isp.op_x, "a" * 32)
    _add(client, isp.op_y, "a" * 32)
    with in_scope(isp.tenant):
        assert OperatorDeposit.objects.filter(operator=isp.op_x).count() == 1
        assert OperatorDeposit.objects.filter(operator=isp.op_y).count() == 1


def test_a_missing_reference_is_a_field_error(client, isp):
    client.force_login(isp.ga)
    response = _add(client, isp.op_x, "b" * 32, reference="   ")
    assert response.status_code == 200
    assert response.context["form"].errors["reference"]
    with in_scope(isp.tenant):
        assert not OperatorDeposit.objects.exists()


def test_the_reseller_statement_balances(client, isp):
    today = local_today(isp.tenant)
    setup = customer_setup(isp)
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        customer = make_customer(by=isp.ga, setup=setup, name="Statement Customer")
    client.force_login(isp.ga)
    _add(client, isp.op_x, "c" * 32, amount="3000", reference="Bank slip 9")
    with in_scope(isp.tenant):
        bill = Bill.objects.get(customer=customer)
        # Operator X's own user takes the cash: the ISP's money is now in its hands.
        with TestCase.captureOnCommitCallbacks(execute=True):
            payment_receive(customer=customer, by=fresh_user(isp.user_x), amount=bill.total)
        bill.refresh_from_db()
        assert bill.status == "paid" and bill.operator_share > 0
        balance = queries.operator_balance(isp.tenant, isp.op_x.pk)
    assert balance == Decimal("3000.00") - bill.total + bill.operator_share
    response = client.get(
        reverse("payments:operator_statement", args=[isp.op_x.pk]),
        {"start": today.replace(day=1).isoformat(), "end": today.isoformat()},
    )
    context = response.context
    totals = context["totals"]
    assert totals == {
        "deposit": Decimal("3000.00"),
        "commission": bill.operator_share,
        "cash": bill.total,
        "adjustment": Decimal("0.00"),
    }
    assert context["opening"] == 0
    assert (
        context["opening"] + totals["deposit"] + totals["commission"] - totals["cash"]
        == context["closing"]
        == balance
    )
    assert [row["kind"] for row in context["rows"]] == ["deposit", "cash", "commission"]
    assert context["rows"][-1]["line"].balance == balance
    assert context["bills"] == {
        "count": 1,
        "billed": bill.total,
        "paid": bill.total,
        "share": bill.operator_share,
        "open_count": 0,
        "cancelled": 0,
        "due": Decimal("0.00"),
    }
    body = response.content.decode()
    assert "Bank slip 9" in body
    assert f'data-amount="{balance}"' in body
    # A later period opens with the balance and has no lines.
    later = today + timedelta(days=1)
    response = client.get(
        reverse("payments:operator_statement", args=[isp.op_x.pk]), {"start": later.isoformat()}
    )
    assert response.context["opening"] == response.context["closing"] == balance
    assert response.context["rows"] == []


def test_the_list_shows_the_ledger_balance_of_each_operator(client, isp):
    client.force_login(isp.ga)
    _add(client, isp.op_x, "d" * 32, amount="100")
    _add(client, isp.sub_x1, "e" * 32, amount="40.50")
    response = client.get(reverse("payments:operator_balances"))
    table = response.context["table"]
    with in_scope(isp.tenant):
        for operator in (isp.op_x, isp.op_y, isp.sub_x1):
            assert table.ledger[operator.pk] == queries.operator_balance(isp.tenant, operator.pk)
    assert table.ledger[isp.sub_x1.pk] == Decimal("40.50")
    body = response.content.decode()
    assert "40.50" in body and "data-mismatch" not in body
