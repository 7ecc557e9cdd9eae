"""Bills & Payments → Customer Payments: every payment of every method and kind, the
filters (date, method, kind, status, operator, collector, zone, search by customer,
receipt number or reference), and totals of the completed payments the filters select;
the payment page shows where the money came from (the online payment) and its audit
history. Operator Y sees none of operator X's payments; the other ISP gets 404."""

from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse

from conftest import in_scope
from netbill.core.testing.people import fresh_user
from netbill.payments.gateway_services import txn_verify
from netbill.payments.reversal import payment_reverse
from netbill.payments.services import payment_receive

from .gateway_page_helpers import gateway_rows, mark_paid

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def payments(isp):
    """X's customer: cash 100 (reference "Slip 77"), bank 30 (later reversed) and a
    gateway payment of 100; Y's customer: an advance of 40."""
    rows = gateway_rows(isp)
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        cash = payment_receive(
            customer=rows.customer_x, by=ga, amount="100.00", reference="Slip 77"
        )
        bank = payment_receive(customer=rows.customer_x, by=ga, amount="30.00", method="bank")
        advance = payment_receive(customer=rows.customer_y, by=ga, amount="40.00", kind="advance")
        mark_paid(rows.txn_x, trx_id="SBX-LIST-1")
        online = txn_verify(rows.txn_x, by=ga).payment
        bank = payment_reverse(payment=bank, by=ga, reason="Bounced")
    rows.cash, rows.bank, rows.advance, rows.online = cash, bank, advance, online
    return rows


def listed(client, query=""):
    response = client.get(reverse("payments:payment_list") + query)
    assert response.status_code == 200
    pks = {row.record.pk for row in response.context["table"].paginated_rows}
    return pks, response.context["totals"], response.content.decode()


def test_every_method_is_listed_and_totals_count_completed_only(client, isp, payments):
    p = payments
    client.force_login(isp.ga)
    pks, totals, body = listed(client)
    assert pks == {p.cash.pk, p.bank.pk, p.advance.pk, p.online.pk}
    assert totals == {"count": 3, "amount": D("240.00")}
    assert 'data-amount="240.00"' in body
    assert "Reversed" in body
    assert listed(client, "?method=gateway")[0] == {p.online.pk}
    assert listed(client, "?status=reversed")[1] == {"count": 0, "amount": D("0.00")}
    assert listed(client, "?status=reversed")[0] == {p.bank.pk}
    assert listed(client, "?status=completed")[1] == {"count": 3, "amount": D("240.00")}
    assert listed(client, "?kind=advance")[0] == {p.advance.pk}
    assert listed(client, f"?operator={isp.op_y.pk}")[0] == {p.advance.pk}
    assert listed(client, f"?received_by={isp.ga.pk}")[0] == {p.cash.pk, p.bank.pk, p.advance.pk}


def test_search_by_customer_receipt_and_reference(client, isp, payments):
    p = payments
    client.force_login(isp.ga)
    assert listed(client, "?q=slip+77")[0] == {p.cash.pk}
    assert listed(client, f"?q={p.cash.receipt_number}")[0] == {p.cash.pk}
    assert listed(client, f"?q={p.advance.pk}")[0] >= {p.advance.pk}
    assert listed(client, "?q=SBX-LIST-1")[0] == {p.online.pk}  # the gateway's id
    assert listed(client, f"?q={p.customer_y.username}")[0] == {p.advance.pk}
    assert listed(client, "?q=nobody-such")[0] == set()


def test_zone_and_date_filters(client, isp, payments):
    from netbill.customers.models import Customer
    from netbill.tenancy.tests.helpers import make_zone

    p = payments
    zone = make_zone(by=isp.ga, name="South")
    with in_scope(isp.tenant):
        Customer.objects.filter(pk=p.customer_y.pk).update(zone=zone)
    client.force_login(isp.ga)
    assert listed(client, f"?zone={zone.pk}")[0] == {p.advance.pk}
    today = p.cash.received_at.astimezone(isp.tenant.zone).date()
    assert len(listed(client, f"?received_from={today}&received_to={today}")[0]) == 4
    assert listed(client, "?received_to=2001-01-01")[0] == set()


def test_operator_y_sees_only_its_own_and_other_isp_gets_404(client, isp, other_isp, payments):
    p = payments
    client.force_login(isp.user_y)
    pks, totals, _body = listed(client)
    assert pks == {p.advance.pk}
    assert totals == {"count": 1, "amount": D("40.00")}
    assert client.get(p.cash.get_absolute_url()).status_code == 404
    client.force_login(other_isp.ga)
    pks, totals, _body = listed(client)
    assert pks == set()
    for payment in (p.cash, p.online):
        assert client.get(payment.get_absolute_url()).status_code == 404


def test_payment_page_shows_the_online_payment_it_came_from(client, isp, payments):
    p = payments
    client.force_login(isp.ga)
    body = client.get(p.online.get_absolute_url()).content.decode()
    assert 'id="payment-gateway-txn"' in body
    assert p.txn_x.get_absolute_url() in body and "SBX-LIST-1" in body
    assert "payment.received" in body  # the audit history
    assert 'id="reverse-link"' in body
    body = client.get(p.bank.get_absolute_url()).content.decode()
    assert 'id="payment-reversal-reason">Bounced' in body
    assert "payment.reversed" in body
