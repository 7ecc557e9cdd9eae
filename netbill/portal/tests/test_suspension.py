"""The suspension portal finds the customer only through an open RADIUS session of this
ISP with the visitor's address, shows the ISP's message, and lets it pay."""

import datetime

import pytest
from django.test import TestCase
from django.utils import timezone
from django_scopes import scope

from netbill.billing.services import AUTO_SUSPEND_REASON
from netbill.customers.models import Customer
from netbill.customers.services import customer_change_status
from netbill.payments.gateway_services import customer_due
from netbill.payments.models import GatewayTransaction
from netbill.portal.models import SuspensionPortalSettings

from .helpers import make_gateway, open_session, portal_customer, portal_url

pytestmark = pytest.mark.django_db

IP = "10.200.0.5"
DEFAULT_TITLE = "Your internet service is suspended"


@pytest.fixture
def rahim(isp):
    customer, _setup = portal_customer(isp)
    with scope(tenant=isp.tenant.pk), TestCase.captureOnCommitCallbacks(execute=True):
        customer_change_status(
            customer=customer, status="suspended", by=None, reason=AUTO_SUSPEND_REASON, system=True
        )
    return customer


def visit(client, isp, ip=IP, **extra):
    return client.get(portal_url("suspended", isp), REMOTE_ADDR=ip, **extra)


def test_the_open_session_with_the_address_names_the_customer(client, isp, rahim):
    gateway = make_gateway(isp)
    open_session(isp, rahim, IP)
    response = visit(client, isp)
    assert response.status_code == 200
    body = response.content.decode()
    with scope(tenant=isp.tenant.pk):
        due = customer_due(rahim)
    assert 'id="suspension-customer">R**** U****' in body
    assert f'id="suspension-due">{due:,.2f} BDT' in body
    assert "Rahim" not in body and rahim.username not in body
    assert 'id="suspension-pay"' in body and f'value="{gateway.pk}"' in body
    assert f'id="suspension-title">{DEFAULT_TITLE}' in body
    assert 'id="suspension-restored"' not in body
    assert "no-store" in response["Cache-Control"]


def test_a_closed_session_is_not_enough(client, isp, rahim):
    make_gateway(isp)
    open_session(isp, rahim, IP, closed=True)
    response = visit(client, isp)
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["customer"] is None
    assert 'id="suspension-account"' not in body and 'id="suspension-pay"' not in body
    assert f'id="suspension-title">{DEFAULT_TITLE}' in body
    assert f'href="{portal_url("login", isp)}"' in body


def test_another_isps_session_with_the_address_is_not_ours(client, isp, other_isp, rahim):
    beta, _setup = portal_customer(other_isp, name="Beta Person")
    open_session(other_isp, beta, IP)
    response = visit(client, isp)
    assert response.context["customer"] is None
    assert "B**** P*****" not in response.content.decode()
    # Beta's own suspension page does find Beta's customer.
    assert visit(client, other_isp).context["customer"] == beta


def test_another_address_or_a_forwarded_header_finds_nobody(client, isp, rahim):
    open_session(isp, rahim, IP)
    assert visit(client, isp, ip="10.200.0.6").context["customer"] is None
    response = visit(client, isp, ip="192.0.2.1", HTTP_X_FORWARDED_FOR=IP)
    assert response.context["customer"] is None


def test_the_newest_open_session_wins(client, isp, rahim):
    karim, _setup = portal_customer(isp, label="Other", subnet="10.89.0.0/22", name="Karim Mia")
    old = timezone.now() - datetime.timedelta(days=3)
    open_session(isp, karim, IP, started=old)  # never closed: stale
    open_session(isp, rahim, IP)
    assert visit(client, isp).context["customer"] == rahim


def test_the_isps_settings_are_shown(client, isp, rahim):
    with scope(tenant=isp.tenant.pk):
        SuspensionPortalSettings.objects.create(
            tenant=isp.tenant,
            title="Paused: bill unpaid",
            message="Please pay.\nThank you.",
            contact_phone="+8809611000000",
            contact_email="help@alpha.example",
            contact_address="House 7, Dhaka",
            show_pay_button=False,
        )
    gateway = make_gateway(isp)
    open_session(isp, rahim, IP)
    body = visit(client, isp).content.decode()
    assert 'id="suspension-title">Paused: bill unpaid' in body
    assert "Please pay.<br>Thank you." in body
    assert "+8809611000000" in body and "help@alpha.example" in body and "House 7" in body
    # No pay button: the page does not offer it and refuses a POST.
    assert 'id="suspension-pay"' not in body
    response = client.post(portal_url("suspended", isp), {"gateway": gateway.pk}, REMOTE_ADDR=IP)
    assert response.status_code == 400
    with scope(tenant=isp.tenant.pk):
        assert not GatewayTransaction.objects.exists()


def test_the_pay_button_starts_a_payment_for_that_customer(client, isp, rahim):
    gateway = make_gateway(isp)
    open_session(isp, rahim, IP)
    response = client.post(
        portal_url("suspended", isp), {"gateway": gateway.pk, "amount": "1"}, REMOTE_ADDR=IP
    )
    with scope(tenant=isp.tenant.pk):
        txn = GatewayTransaction.objects.get()
        due = customer_due(rahim)
    assert (response.status_code, response["Location"]) == (
        302,
        f"/pay/alpha/sandbox/{txn.reference}/",
    )
    # The whole due (the page asks no amount), for the customer the address names.
    assert (txn.customer_id, txn.source, txn.amount, txn.client_ip) == (
        rahim.pk,
        "suspension",
        due,
        IP,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        back = client.post(f"/pay/alpha/sandbox/{txn.reference}/", {"action": "paid"})
        client.get(back["Location"])
    with scope(tenant=isp.tenant.pk):
        assert Customer.objects.get(pk=rahim.pk).status == "active"
    body = visit(client, isp).content.decode()
    assert 'id="suspension-restored"' in body and 'id="suspension-pay"' not in body


def test_nobody_at_the_address_cannot_pay(client, isp, rahim):
    gateway = make_gateway(isp)
    open_session(isp, rahim, IP, closed=True)
    response = client.post(portal_url("suspended", isp), {"gateway": gateway.pk}, REMOTE_ADDR=IP)
    assert response.status_code == 400
    with scope(tenant=isp.tenant.pk):
        assert not GatewayTransaction.objects.exists()
