"""The portal's pages show the logged-in customer's own account, and nothing else."""

import datetime
from decimal import Decimal

import pytest
from django.test import TestCase
from django.utils import timezone
from django_scopes import scope

from netbill.billing.models import Bill
from netbill.core.testing.people import fresh_user
from netbill.customers.models import Customer
from netbill.payments.services import payment_receive
from netbill.portal.queries import human_bytes, masked_name, speed_label

from .helpers import log_in, make_gateway, open_session, portal_customer, portal_url

pytestmark = pytest.mark.django_db


def pay_cash(isp, customer, amount):
    with scope(tenant=isp.tenant.pk), TestCase.captureOnCommitCallbacks(execute=True):
        return payment_receive(customer=customer, by=fresh_user(isp.ga), amount=amount)


@pytest.fixture
def world(isp):
    rahim, setup = portal_customer(isp)
    karim, _setup = portal_customer(isp, setup=setup, name="Karim Mia")
    return rahim, karim


def test_home_shows_status_package_dues_usage_and_payments(client, isp, world):
    rahim, karim = world
    paid = pay_cash(isp, rahim, "100.00")
    other = pay_cash(isp, karim, "70.00")
    make_gateway(isp)
    now = timezone.now()
    with scope(tenant=isp.tenant.pk):
        Customer.objects.filter(pk=rahim.pk).update(
            expiry_date=datetime.date(2027, 1, 31), advance_balance=Decimal("12.50")
        )
        bills = list(Bill.objects.filter(customer=rahim, status__in=("unpaid", "partial")))
        due = sum(b.total - b.paid_amount for b in bills)
    assert bills and due > 0
    # This cycle: 9 MB down, 1 MB up. A session long before the cycle does not count.
    open_session(isp, rahim, "10.88.0.7", input_octets=1_000_000, output_octets=9_000_000)
    old = now - datetime.timedelta(days=70)
    open_session(
        isp, rahim, "10.88.0.8", closed=True, started=old, input_octets=5 * 10**9,
        output_octets=5 * 10**9, stop_time=old + datetime.timedelta(hours=2),
        update_time=old + datetime.timedelta(hours=2),
    )  # fmt: skip
    open_session(isp, karim, "10.88.0.9", input_octets=7_777_777, output_octets=7_777_777)

    log_in(client, isp, rahim)
    response = client.get(portal_url("home", isp))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="customer-status">Active' in body
    assert 'id="package-name">Portal 10M' in body
    assert 'id="package-speed">10 Mbps / 10 Mbps' in body
    assert 'id="expiry-date">31 Jan 2027' in body
    assert 'id="advance-balance">12.50 BDT' in body
    assert f'id="total-due">{due:,.2f} BDT' in body
    for bill in bills:
        assert f'data-bill="{bill.pk}"' in body and bill.number in body
    assert 'id="usage-download">9.00 MB' in body
    assert 'id="usage-upload">1.00 MB' in body
    assert 'id="usage-fup">Fair usage: 10.00 MB of 100.00 GB' in body
    assert portal_url("receipt", isp, pk=paid.pk) in body
    assert 'id="pay-button"' in body and 'id="redeem-form"' in body
    # Karim's payment and usage are not on Rahim's page.
    assert portal_url("receipt", isp, pk=other.pk) not in body
    assert "Karim" not in body and "15.56 MB" not in body
    assert response.context["summary"].due == due


def test_receipt_is_the_customers_own_only(client, isp, other_isp, world):
    rahim, karim = world
    mine = pay_cash(isp, rahim, "100.00")
    theirs = pay_cash(isp, karim, "70.00")
    beta, _setup = portal_customer(other_isp)
    elsewhere = pay_cash(other_isp, beta, "50.00")
    log_in(client, isp, rahim)
    response = client.get(portal_url("receipt", isp, pk=mine.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="receipt-number">{mine.receipt_number}' in body
    assert 'id="receipt-total">100.00 BDT' in body
    assert 'id="receipt-customer">Rahim Uddin' in body
    assert client.get(portal_url("receipt", isp, pk=theirs.pk)).status_code == 404
    assert client.get(portal_url("receipt", isp, pk=elsewhere.pk)).status_code == 404
    assert client.get(portal_url("receipt", isp, pk=999999)).status_code == 404


def test_index_takes_the_isps_code_and_lists_no_isp(client, isp, other_isp):
    page = client.get("/portal/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Alpha Net" not in body and "Beta Net" not in body and "alpha" not in body
    response = client.post("/portal/", {"code": " Alpha "})
    assert (response.status_code, response["Location"]) == (302, portal_url("home", isp))
    response = client.post("/portal/", {"code": "gamma"})
    assert response.status_code == 200
    assert "No ISP uses this code." in response.content.decode()


def test_the_formatting_customers_read():
    assert human_bytes(0) == "0 B"
    assert human_bytes(999) == "999 B"
    assert human_bytes(1_500_000) == "1.50 MB"
    assert human_bytes(100 * 10**9) == "100.00 GB"
    assert human_bytes(2 * 10**15) == "2000.00 TB"
    assert speed_label(10_240) == "10 Mbps"
    assert speed_label(20_000) == "20 Mbps"
    assert speed_label(512) == "512 kbps"
    assert speed_label(None) == "—"
    assert masked_name("Rahim  Uddin") == "R**** U****"
    assert masked_name("A") == "A*"
    assert masked_name("") == "—"
