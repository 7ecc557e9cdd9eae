"""Portal login: the customer's PPPoE username and password, a session of one ISP only,
throttled failures."""

import pytest
from django_scopes import scope

from netbill.customers.models import Customer
from netbill.portal.auth import LOGIN_FAILURE_LIMIT, SESSION_KEY

from .helpers import PASSWORD, log_in, portal_customer, portal_url

pytestmark = pytest.mark.django_db

WRONG = "The username or password is not correct."
LOCKED = "Too many failed attempts. Please try again in 15 minutes."


@pytest.fixture
def rahim(isp):
    customer, _setup = portal_customer(isp)
    return customer


def test_login_opens_the_customers_own_account_with_a_new_session_key(client, isp, rahim):
    client.get(portal_url("login", isp))
    before = client.session.session_key
    response = log_in(client, isp, rahim)
    assert (response.status_code, response["Location"]) == (302, portal_url("home", isp))
    session = client.session
    assert session.session_key != before
    assert session[SESSION_KEY]["tenant"] == isp.tenant.pk
    assert session[SESSION_KEY]["customer"] == rahim.pk
    page = client.get(portal_url("home", isp))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    assert 'id="customer-name">Rahim Uddin' in page.content.decode()


def test_anonymous_is_sent_to_the_login_page_and_back(client, isp, rahim):
    home = portal_url("home", isp)
    response = client.get(home)
    assert response.status_code == 302
    assert response["Location"] == portal_url("login", isp) + "?next=%2Fportal%2Falpha%2F"
    response = client.post(
        portal_url("login", isp),
        {"username": rahim.username, "password": PASSWORD, "next": portal_url("pay", isp)},
    )
    assert response["Location"] == portal_url("pay", isp)


def test_next_never_leaves_the_isps_portal(client, isp, rahim):
    for target in ("https://evil.example/", "//evil.example/", "/portal/beta/", "/payments/"):
        client.post(portal_url("logout", isp))
        response = client.post(
            portal_url("login", isp),
            {"username": rahim.username, "password": PASSWORD, "next": target},
        )
        assert response["Location"] == portal_url("home", isp), target


@pytest.mark.parametrize(
    "username, password",
    [("{username}", "wrong-password"), ("nobody-here", PASSWORD), ("{username}", "")],
)
def test_wrong_credentials_are_refused(client, isp, rahim, username, password):
    response = client.post(
        portal_url("login", isp),
        {"username": username.format(username=rahim.username), "password": password},
    )
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    if password:
        assert WRONG in response.content.decode()
    assert client.get(portal_url("home", isp)).status_code == 302


def test_the_same_username_opens_each_isps_own_customer(client, isp, other_isp, rahim):
    beta, _setup = portal_customer(other_isp, username=rahim.username)
    assert log_in(client, other_isp, beta).status_code == 302
    assert client.session[SESSION_KEY] | {"check": ""} == {
        "tenant": other_isp.tenant.pk,
        "customer": beta.pk,
        "check": "",
    }
    assert log_in(client, isp, rahim).status_code == 302
    assert client.session[SESSION_KEY]["customer"] == rahim.pk


def test_a_disabled_customer_cannot_log_in(client, isp, rahim):
    with scope(tenant=isp.tenant.pk):
        Customer.objects.filter(pk=rahim.pk).update(status="disabled")
    response = log_in(client, isp, rahim)
    assert response.status_code == 200
    assert "This account is disabled. Please contact Alpha Net." in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_suspended_customer_can_log_in_to_pay(client, isp, rahim):
    with scope(tenant=isp.tenant.pk):
        Customer.objects.filter(pk=rahim.pk).update(status="suspended", status_reason="Unpaid bill")
    assert log_in(client, isp, rahim).status_code == 302
    body = client.get(portal_url("home", isp)).content.decode()
    assert 'id="customer-status">Suspended' in body
    assert "Unpaid bill" in body


def test_disabling_or_a_new_password_ends_the_session(client, isp, rahim):
    log_in(client, isp, rahim)
    with scope(tenant=isp.tenant.pk):
        customer = Customer.objects.get(pk=rahim.pk)
        customer.password = "Another-pass-1"
        customer.save(update_fields=["password"])
    assert client.get(portal_url("home", isp)).status_code == 302
    assert SESSION_KEY not in client.session
    log_in(client, isp, rahim, password="Another-pass-1")
    assert client.get(portal_url("home", isp)).status_code == 200
    with scope(tenant=isp.tenant.pk):
        Customer.objects.filter(pk=rahim.pk).update(status="disabled")
    assert client.get(portal_url("home", isp)).status_code == 302


def test_failures_lock_the_username(client, isp, rahim):
    for n in range(LOGIN_FAILURE_LIMIT):
        response = log_in(client, isp, rahim, password=f"guess-{n}", REMOTE_ADDR=f"10.1.0.{n}")
        assert WRONG in response.content.decode()
    # The right password from a fresh address is refused too, with the reason.
    response = log_in(client, isp, rahim, REMOTE_ADDR="10.2.0.1")
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert SESSION_KEY not in client.session


def test_one_failure_short_of_the_limit_still_logs_in(client, isp, rahim):
    for n in range(LOGIN_FAILURE_LIMIT - 1):
        log_in(client, isp, rahim, password=f"guess-{n}")
    assert log_in(client, isp, rahim).status_code == 302


def test_failures_lock_the_address(client, isp, other_isp, rahim):
    beta, _setup = portal_customer(other_isp)
    for n in range(LOGIN_FAILURE_LIMIT):
        client.post(
            portal_url("login", isp),
            {"username": f"guess{n}", "password": "x"},
            REMOTE_ADDR="10.9.9.9",
        )
    response = log_in(client, isp, rahim, REMOTE_ADDR="10.9.9.9")
    assert LOCKED in response.content.decode()
    # Another address is not affected, nor is the same address on another ISP's portal.
    assert log_in(client, other_isp, beta, REMOTE_ADDR="10.9.9.9").status_code == 302
    assert log_in(client, isp, rahim, REMOTE_ADDR="10.9.9.10").status_code == 302


def test_logout_is_a_post_and_rotates_the_session(client, isp, rahim):
    log_in(client, isp, rahim)
    assert client.get(portal_url("logout", isp)).status_code == 405
    assert client.get(portal_url("home", isp)).status_code == 200
    before = client.session.session_key
    response = client.post(portal_url("logout", isp))
    assert (response.status_code, response["Location"]) == (302, portal_url("login", isp))
    assert SESSION_KEY not in client.session
    assert client.session.session_key != before
    assert client.get(portal_url("home", isp)).status_code == 302


def test_a_session_of_one_isp_is_nothing_on_another(client, isp, other_isp, rahim):
    portal_customer(other_isp)
    log_in(client, isp, rahim)
    for name in ("home", "pay", "redeem"):
        response = client.get(portal_url(name, other_isp))
        assert response.status_code == 302, name
        assert response["Location"].startswith(portal_url("login", other_isp)), name
    response = client.get(portal_url("login", other_isp))
    assert response.status_code == 200
    assert "Rahim" not in response.content.decode()
    # Alpha's own portal still works.
    assert client.get(portal_url("home", isp)).status_code == 200


def test_unknown_or_inactive_isp_is_404(client, isp):
    assert client.get("/portal/no-such-isp/login/").status_code == 404
    isp.tenant.is_active = False
    isp.tenant.save(update_fields=["is_active"])
    assert client.get(portal_url("login", isp)).status_code == 404
