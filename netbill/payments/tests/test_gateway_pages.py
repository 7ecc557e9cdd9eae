"""Settings → Payment Gateways and Bills & Payments → Verify Payments, end to end.

Secrets are never drawn back into the page and are stored encrypted; a blank secret
keeps the stored one; an Active gateway needs its required credentials. Verify asks
the (Sandbox) gateway and credits a paid attempt exactly once; each check is kept and
shown; operator Y sees none of operator X's attempts; the other ISP gets 404."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import TestCase
from django.urls import reverse

from conftest import in_scope
from netbill.accounting.models import JournalEntry
from netbill.core.models import AuditLog
from netbill.core.testing.state import capture_events, nothing_changes
from netbill.payments.gateways import MODULES
from netbill.payments.models import (
    GatewayCallback,
    GatewayCheck,
    GatewayTransaction,
    Payment,
    PaymentGateway,
)

from .gateway_page_helpers import gateway_rows, mark_paid, sandbox_gateway

pytestmark = pytest.mark.django_db

SECRET = "S3cret-App-Value-9f2c"
PASSWORD = "Pa55-Word-Value-77ab"


def edit_url(provider):
    return reverse("payments:gateway_edit", kwargs={"provider": provider})


def bkash_data(**overrides):
    return {
        "display_name": "bKash",
        "is_sandbox": "1",
        "is_active": "on",
        "sort_order": "2",
        "cred_username": "merchant-user",
        "cred_password": PASSWORD,
        "cred_app_key": "app-key-1",
        "cred_app_secret": SECRET,
        **overrides,
    }


def bkash(isp):
    with in_scope(isp.tenant):
        return PaymentGateway.objects.get(tenant=isp.tenant, provider="bkash")


def raw_credentials(gateway) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT credentials FROM {PaymentGateway._meta.db_table} WHERE id = %s",
            [gateway.pk],
        )
        return cursor.fetchone()[0]


#
# Settings → Payment Gateways
#


def test_list_shows_every_provider_configured_or_not(client, isp):
    sandbox_gateway(isp)
    client.force_login(isp.ga)
    response = client.get(reverse("payments:gateway_list"))
    assert response.status_code == 200
    rows = {row["provider"]: row for row in response.context["rows"]}
    assert set(rows) == set(MODULES)
    assert rows["sandbox"]["gateway"].is_active is True
    assert rows["bkash"]["gateway"] is None
    body = response.content.decode()
    assert 'data-provider="bkash"' in body
    assert 'data-badge="active"' in body and 'data-badge="sandbox"' in body
    assert edit_url("nagad") in body


def test_configure_stores_secrets_encrypted_and_never_shows_them(client, isp):
    client.force_login(isp.ga)
    assert client.get(edit_url("bkash")).status_code == 200
    with capture_events(["gateway.configured"]) as seen:
        response = client.post(edit_url("bkash"), bkash_data())
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == reverse("payments:gateway_list")
    gateway = bkash(isp)
    assert (gateway.is_active, gateway.is_sandbox, gateway.sort_order) == (True, True, 2)
    assert gateway.get_credentials() == {
        "username": "merchant-user",
        "password": PASSWORD,
        "app_key": "app-key-1",
        "app_secret": SECRET,
    }
    stored = raw_credentials(gateway)
    assert SECRET not in stored and PASSWORD not in stored and "merchant-user" not in stored
    assert [name for name, _payload in seen] == ["gateway.configured"]
    # The page shows the plain fields back, never a secret.
    body = client.get(edit_url("bkash")).content.decode()
    assert "merchant-user" in body and "app-key-1" in body
    assert SECRET not in body and PASSWORD not in body
    assert 'type="password" name="cred_app_secret"' in body
    # The audit trail names the changed credentials, never their values.
    with in_scope(isp.tenant):
        entry = AuditLog.objects.get(action="gateway.configured", object_id=str(gateway.pk))
    assert SECRET not in str(entry.after) and PASSWORD not in str(entry.after)
    assert entry.after["credentials_changed"] == ["username", "password", "app_key", "app_secret"]


def test_blank_secret_keeps_the_stored_one(client, isp):
    client.force_login(isp.ga)
    client.post(edit_url("bkash"), bkash_data())
    response = client.post(
        edit_url("bkash"), bkash_data(cred_app_secret="", cred_password="", cred_app_key="k2")
    )
    assert response.status_code == 302
    creds = bkash(isp).get_credentials()
    assert (creds["app_secret"], creds["password"], creds["app_key"]) == (SECRET, PASSWORD, "k2")
    with in_scope(isp.tenant):
        last = AuditLog.objects.filter(action="gateway.configured").order_by("-id").first()
    assert last.after["credentials_changed"] == ["app_key"]


def test_required_credentials_only_when_active(client, isp):
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant, what="active without credentials"):
        response = client.post(edit_url("bkash"), bkash_data(cred_app_secret="", cred_username=""))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"cred_app_secret", "cred_username"}
    # Inactive, it may be saved half set up.
    response = client.post(
        edit_url("bkash"), bkash_data(cred_app_secret="", cred_username="", is_active="")
    )
    assert response.status_code == 302
    assert bkash(isp).is_active is False


def test_several_gateways_active_at_once(client, isp):
    sandbox_gateway(isp)
    client.force_login(isp.ga)
    client.post(edit_url("bkash"), bkash_data())
    with in_scope(isp.tenant):
        active = set(
            PaymentGateway.objects.filter(tenant=isp.tenant, is_active=True).values_list(
                "provider", flat=True
            )
        )
    assert active == {"sandbox", "bkash"}


def test_unknown_provider_is_404_and_operators_are_refused(client, isp):
    client.force_login(isp.ga)
    assert client.get(edit_url("paypal")).status_code == 404
    client.force_login(isp.user_x)
    with nothing_changes(isp.tenant, what="operator edits a gateway"):
        assert client.post(edit_url("bkash"), bkash_data()).status_code == 403


def test_other_isp_configures_only_its_own(client, isp, other_isp):
    client.force_login(isp.ga)
    client.post(edit_url("bkash"), bkash_data())
    client.force_login(other_isp.ga)
    body = client.get(edit_url("bkash")).content.decode()
    assert "merchant-user" not in body
    response = client.post(edit_url("bkash"), bkash_data(cred_app_secret="other-secret"))
    assert response.status_code == 302
    assert bkash(isp).get_credentials()["app_secret"] == SECRET
    with in_scope(other_isp.tenant):
        theirs = PaymentGateway.objects.get(tenant=other_isp.tenant, provider="bkash")
    assert theirs.get_credentials()["app_secret"] == "other-secret"


#
# Verify Payments
#


@pytest.fixture
def rows(isp):
    return gateway_rows(isp)


def listed(client, query=""):
    response = client.get(reverse("payments:gateway_txn_list") + query)
    assert response.status_code == 200
    return [row.record.pk for row in response.context["table"].paginated_rows]


def test_waiting_attempts_newest_first_and_all(client, isp, rows):
    client.force_login(isp.ga)
    assert listed(client) == [rows.txn_y.pk, rows.txn_x.pk]
    GatewayTransaction._base_manager.filter(pk=rows.txn_y.pk).update(status="succeeded")
    assert listed(client) == [rows.txn_x.pk]
    assert listed(client, "?status=all") == [rows.txn_y.pk, rows.txn_x.pk]
    assert listed(client, "?status=succeeded") == [rows.txn_y.pk]
    assert listed(client, f"?status=all&q={rows.customer_y.username}") == [rows.txn_y.pk]
    assert listed(client, f"?gateway={rows.gateway.pk}") == [rows.txn_x.pk]
    assert listed(client, "?created_from=2001-01-01&created_to=2001-01-02") == []
    body = client.get(reverse("payments:gateway_txn_list")).content.decode()
    assert f'data-verify="{rows.txn_x.pk}"' in body
    assert reverse("payments:gateway_txn_verify", args=[rows.txn_x.pk]) in body


def test_operator_y_sees_only_its_customers_attempts(client, isp, rows):
    client.force_login(isp.user_y)
    assert listed(client, "?status=all") == [rows.txn_y.pk]
    for name in ("payments:gateway_txn", "payments:gateway_txn_verify"):
        url = reverse(name, args=[rows.txn_x.pk])
        with nothing_changes(isp.tenant, what=name):
            response = client.post(url) if name.endswith("verify") else client.get(url)
        assert response.status_code == 404


def test_verify_credits_a_paid_attempt_once(client, isp, rows):
    mark_paid(rows.txn_x)
    client.force_login(isp.ga)
    url = reverse("payments:gateway_txn_verify", args=[rows.txn_x.pk])
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, {"next": reverse("payments:gateway_txn_list")})
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:gateway_txn_list")
    with in_scope(isp.tenant):
        txn = GatewayTransaction.objects.get(pk=rows.txn_x.pk)
        assert txn.status == "succeeded" and txn.gateway_txn_id == "SBX1"
        payment = txn.payment
        assert (payment.amount, payment.method) == (Decimal("100.00"), "gateway")
        checks = list(GatewayCheck.objects.filter(txn=txn, trigger="manual"))
        assert [(c.status, c.by_id) for c in checks] == [("succeeded", isp.ga.pk)]
    # Again: nothing more is credited; the button is gone.
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url)
    with in_scope(isp.tenant):
        assert Payment.objects.filter(customer=rows.customer_x).count() == 1
        assert JournalEntry.objects.filter(source="payment", source_id=payment.pk).count() == 1
    page = client.get(txn.get_absolute_url())
    body = page.content.decode()
    assert 'id="verify-button"' not in body
    assert payment.receipt_number in body
    assert 'id="refund-link"' in body  # the Sandbox refunds


def test_verify_of_an_unpaid_attempt_keeps_it_pending_and_records_the_check(client, isp, rows):
    client.force_login(isp.ga)
    response = client.post(
        reverse("payments:gateway_txn_verify", args=[rows.txn_x.pk]), follow=True
    )
    assert response.status_code == 200
    with in_scope(isp.tenant):
        txn = GatewayTransaction.objects.get(pk=rows.txn_x.pk)
        assert txn.status == "pending" and txn.payment_id is None
        assert txn.checks.filter(trigger="manual").count() == 1
    body = response.content.decode()
    assert "The customer has not paid yet." in body  # the message and the check row


def test_transaction_page_shows_checks_and_callbacks(client, isp, rows):
    with in_scope(isp.tenant):
        GatewayCallback.objects.create(
            tenant=isp.tenant,
            gateway=rows.gateway,
            txn=rows.txn_x,
            kind="return",
            accepted=False,
            reason="The sandbox return's signature does not match.",
            remote_ip="203.0.113.9",
        )
    client.force_login(isp.ga)
    response = client.get(rows.txn_x.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert "Checkout created." in body  # the start check
    assert "203.0.113.9" in body and "signature does not match" in body
    assert 'id="verify-button"' in body
    assert 'id="refund-link"' not in body  # not paid


def test_refund_reverses_the_payment(client, isp, rows):
    mark_paid(rows.txn_x)
    client.force_login(isp.ga)
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("payments:gateway_txn_verify", args=[rows.txn_x.pk]))
    url = reverse("payments:gateway_txn_refund", args=[rows.txn_x.pk])
    assert client.get(url).status_code == 200
    with nothing_changes(isp.tenant, what="refund without a reason"):
        assert client.post(url, {"reason": ""}).status_code == 200
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, {"reason": "Customer paid twice"})
    assert response.status_code == 302
    with in_scope(isp.tenant):
        txn = GatewayTransaction.objects.get(pk=rows.txn_x.pk)
        assert (txn.status, txn.refunded_amount) == ("refunded", Decimal("100.00"))
        assert txn.payment.status == "reversed"
        assert txn.payment.reversal_reason == "Customer paid twice"


def test_refund_needs_payments_reverse(client, isp, rows):
    mark_paid(rows.txn_x)
    client.force_login(isp.ga)
    with in_scope(isp.tenant), TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("payments:gateway_txn_verify", args=[rows.txn_x.pk]))
    client.force_login(isp.user_x)
    body = client.get(rows.txn_x.get_absolute_url()).content.decode()
    assert 'id="refund-link"' not in body
    url = reverse("payments:gateway_txn_refund", args=[rows.txn_x.pk])
    with nothing_changes(isp.tenant, what="operator refunds"):
        assert client.post(url, {"reason": "x"}).status_code == 403


def test_menu_items(client, isp):
    client.force_login(isp.ga)
    body = client.get(reverse("payments:gateway_list")).content.decode()
    assert reverse("payments:gateway_txn_list") in body
    client.force_login(isp.user_x)
    body = client.get(reverse("payments:gateway_txn_list")).content.decode()
    assert reverse("payments:gateway_list") not in body


def test_verify_buttons_carry_the_csrf_token(isp, rows):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(isp.ga)
    body = client.get(reverse("payments:gateway_txn_list")).content.decode()
    form_start = body.index(
        f'action="{reverse("payments:gateway_txn_verify", args=[rows.txn_x.pk])}"'
    )
    form = body[form_start : body.index("</form>", form_start)]
    assert 'name="csrfmiddlewaretoken"' in form
    token = form.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        reverse("payments:gateway_txn_verify", args=[rows.txn_x.pk]),
        {"csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_verify_never_redirects_off_site(client, isp, rows):
    client.force_login(isp.ga)
    url = reverse("payments:gateway_txn_verify", args=[rows.txn_x.pk])
    response = client.post(url, {"next": "https://evil.example/steal"})
    assert response["Location"] == rows.txn_x.get_absolute_url()


def test_edit_page_gives_the_addresses_for_the_merchant_panel(client, isp):
    client.force_login(isp.ga)
    html = client.get(reverse("payments:gateway_edit", args=["sslcommerz"])).content.decode()
    slug = isp.tenant.slug
    assert f"http://testserver/pay/{slug}/gw/sslcommerz/return/" in html
    assert f"http://testserver/pay/{slug}/gw/sslcommerz/ipn/" in html
