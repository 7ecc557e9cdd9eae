"""The tenant-isolation crawler: every URL of the project, tried by the wrong people.

* Beta's Group Admin (with a session, then with an API key) GETs and POSTs every URL,
  with every pk of Alpha's objects: a URL naming an Alpha object answers 403, 404 or
  405; no answer shows Alpha's data; no Alpha row changes.
* An anonymous visitor gets the login page, 401 or 403 everywhere except the reviewed
  `crawl.PUBLIC` allowlist, whose pages are checked for what they are.
* The platform admin (no tenant) gets 403 on every ISP page and endpoint.

The URL list comes from the resolver, so a new page is crawled without anyone adding it.
"""

import re
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from conftest import in_scope
from netbill.accounts import services
from netbill.accounts.models import Operator, User
from netbill.billing.tests.helpers import add_billing_rows
from netbill.catalog.tests.helpers import add_catalog_rows
from netbill.core.testing.contracts import body_text, leak_markers
from netbill.core.testing.crawl import NOT_BASE_VIEWS, PUBLIC, iter_routes, url_sets
from netbill.core.testing.people import api_token_for, fresh_user
from netbill.core.testing.state import assert_same_state, tenant_state
from netbill.customers.tests.helpers import add_customer_settings_rows
from netbill.network.tests.pool_helpers import add_network_rows
from netbill.network.tests.router_helpers import make_router
from netbill.payments.tests.helpers import add_payment_rows

pytestmark = pytest.mark.django_db

API_METHODS = ("get", "post", "put", "patch", "delete")


def login_path():
    return resolve_url(settings.LOGIN_URL)


def send(client, method, url, data=None, headers=None):
    if url.startswith("/api/"):
        return getattr(client, method)(
            url, data or {}, content_type="application/json", headers=headers
        )
    if method == "get":
        return client.get(url, headers=headers)
    return getattr(client, method)(url, data or {}, headers=headers)


def methods_for(route):
    return API_METHODS if route.name.startswith("api:") else ("get", "post")


@pytest.fixture
def alpha(isp):
    """Alpha with a bit of everything: keys, notes, money, an audit trail."""
    with in_scope(isp.tenant):
        ga = fresh_user(isp.ga)
        services.api_key_create(by=ga, name="alpha ga key")
        services.api_key_create(by=fresh_user(isp.user_x), name="alpha x key")
        services.sales_note_add(by=fresh_user(isp.sales), operator=isp.op_x, body="Alpha secret")
        services.operator_set_credit_limit(operator=isp.op_y, by=ga, amount=Decimal("4242.42"))
        Operator.objects.filter(pk=isp.op_x.pk).update(balance=Decimal("5151.51"))
    # A router on a closed local port: every router URL has a pk to try, and a POST that
    # reached it would only be refused at once (nothing leaves this machine).
    make_router(by=isp.ga, name="Alpha secret router")
    # A pool, a PPPoE profile and a VPN account (the protected pool exists already).
    add_network_rows(isp, "Alpha secret")
    # One row of every catalog model (VAT, billing profile, packages).
    add_catalog_rows(isp, "Alpha secret")
    # A zone, a custom field and the mandatory attributes row.
    add_customer_settings_rows(isp, "Alpha secret")
    # Bills (one paid), a bill run, a payment, an operator deposit and their entries.
    add_billing_rows(isp, "Alpha secret")
    # Gateway transactions (one paid, one pending), a payment link, a card batch with a
    # card, the suspension portal's settings.
    add_payment_rows(isp, "Alpha secret")
    return isp


def alpha_markers(isp):
    markers = leak_markers(isp)
    with in_scope(isp.tenant):
        markers += list(User.objects.filter(tenant=isp.tenant).values_list("username", flat=True))
    return markers + ["Alpha secret", "4242.42", "4,242.42", "5151.51", "5,151.51"]


def leaked(body: str, markers) -> list[str]:
    found = []
    for marker in markers:
        # Usernames are short ("a-ga"): match them as whole words only.
        if re.search(rf"(?<![\w-]){re.escape(marker)}(?![\w-])", body):
            found.append(marker)
    return found


#
# Another ISP's Group Admin
#


def crawl_as_other_tenant(client, alpha, login, headers=None):
    """Yield (what, response) for every URL × method; assert Alpha unchanged each time."""
    markers = alpha_markers(alpha)
    for route in iter_routes():
        if headers is not None and not route.name.startswith("api"):
            continue  # API keys are for the API only
        if route.is_public:
            continue  # one ISP's public pages: tests/test_public_pages.py
        for url, obj in url_sets(route, alpha.tenant):
            for method in methods_for(route):
                login()
                before = tenant_state(alpha.tenant)
                data = {"user_pk": obj.pk} if route.name == "hijack:acquire" and obj else None
                response = send(client, method, url, data, headers)
                what = f"{method.upper()} {url} ({route.name})"
                assert_same_state(before, tenant_state(alpha.tenant), what)
                body = body_text(response)
                assert not leaked(body, markers), f"{what} shows Alpha's data"
                yield route, obj, what, response


def check_other_tenant_answers(crawl):
    seen = 0
    for _route, obj, what, response in crawl:
        seen += 1
        if obj is not None:
            assert response.status_code in (403, 404, 405), (
                f"{what} answered {response.status_code} for Alpha's {obj!r}"
            )
        else:
            assert response.status_code < 500
    return seen


def test_other_tenant_group_admin_reaches_nothing_of_alpha(client, alpha, other_isp):
    beta = fresh_user(other_isp.ga)
    seen = check_other_tenant_answers(
        crawl_as_other_tenant(client, alpha, lambda: client.force_login(beta))
    )
    assert seen > 200  # every route × every Alpha object × every method


def test_other_tenant_api_key_reaches_nothing_of_alpha(client, alpha, other_isp):
    token = api_token_for(other_isp.ga)
    headers = {"Authorization": f"Api-Key {token}"}
    seen = check_other_tenant_answers(
        crawl_as_other_tenant(client, alpha, client.logout, headers=headers)
    )
    assert seen > 50


def test_the_crawler_catches_a_leaky_page(client, alpha, other_isp, settings):
    """Control: with deliberately broken views mounted, the same crawl fails."""
    settings.ROOT_URLCONF = "netbill.core.testing.tests.broken"
    beta = fresh_user(other_isp.ga)
    crawl = crawl_as_other_tenant(client, alpha, lambda: client.force_login(beta))
    with pytest.raises(AssertionError, match=r"\(broken:"):
        check_other_tenant_answers(crawl)


def test_get_access_never_crosses_tenants(client, alpha, other_isp):
    """Beta's Group Admin may Get Access to its own operators, never to Alpha's users."""
    beta = fresh_user(other_isp.ga)
    url = reverse("hijack:acquire")
    with in_scope(alpha.tenant):
        targets = list(User.objects.filter(tenant=alpha.tenant))
    for target in targets:
        client.force_login(beta)
        before = tenant_state(alpha.tenant)
        assert client.post(url, {"user_pk": target.pk}).status_code == 403
        assert int(client.session["_auth_user_id"]) == beta.pk
        assert_same_state(before, tenant_state(alpha.tenant), f"Get Access to {target}")
    # The control: the same request for Beta's own operator works.
    client.force_login(beta)
    assert client.post(url, {"user_pk": other_isp.user_x.pk}).status_code == 302
    assert int(client.session["_auth_user_id"]) == other_isp.user_x.pk


#
# Anonymous visitors
#


def test_anonymous_reaches_only_the_public_pages(client, alpha):
    login = login_path()
    before = tenant_state(alpha.tenant)
    seen = 0
    for route in iter_routes():
        # One ISP's public pages answer visitors by design (their own login, signed
        # links, gateway callbacks): tests/test_public_pages.py checks them.
        if route.name in PUBLIC or route.is_public:
            continue
        for url, _obj in url_sets(route, alpha.tenant):
            for method in methods_for(route):
                data = {"user_pk": alpha.user_x.pk} if route.name == "hijack:acquire" else None
                response = send(client, method, url, data)
                seen += 1
                what = f"anonymous {method.upper()} {url} ({route.name})"
                if (route.name, method, response.status_code) == ("hijack:acquire", "get", 400):
                    continue  # django-hijack wants a POSTed user_pk before anything else
                if response.status_code == 302:
                    assert urlparse(response["Location"]).path == login, what
                else:
                    assert response.status_code in (401, 403), f"{what}: {response.status_code}"
    assert_same_state(before, tenant_state(alpha.tenant), "anonymous crawl")
    assert seen > 150


def test_the_public_allowlist_is_reviewed():
    names = {r.name for r in iter_routes()}
    assert set(PUBLIC) <= names, "PUBLIC names a URL that no longer exists"
    assert all(reason.strip() for reason in PUBLIC.values())
    assert set(PUBLIC) <= set(NOT_BASE_VIEWS), "a public page cannot be a permission-coded view"


def test_public_pages_are_what_they_claim(client, alpha):
    markers = alpha_markers(alpha)
    login = client.get(reverse("accounts:login"))
    assert login.status_code == 200 and "password" in login.content.decode()
    assert client.get(reverse("accounts:logout")).status_code == 405
    logout = client.post(reverse("accounts:logout"))
    assert (logout.status_code, logout["Location"]) == (302, login_path())
    language = client.post(reverse("set_language"), {"language": "bn", "next": "/login/"})
    assert (language.status_code, language["Location"]) == (302, "/login/")
    schema = client.get(reverse("api-schema"))
    assert schema.status_code == 200
    assert b"/api/v1/operators/" in schema.content
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 200
    for response in (login, schema, docs):
        assert not leaked(body_text(response), markers)


#
# The platform admin works above the ISPs, never inside one
#


def test_platform_admin_sees_no_isp_page_or_endpoint(client, alpha, platform_admin):
    before = tenant_state(alpha.tenant)
    client.force_login(platform_admin)
    seen = 0
    for route in iter_routes():
        if route.name in NOT_BASE_VIEWS or route.name.startswith("accounts:platform"):
            continue
        if route.is_public:
            continue  # one ISP's public pages answer anyone: tests/test_public_pages.py
        for url, _obj in url_sets(route, alpha.tenant):
            for method in methods_for(route):
                response = send(client, method, url)
                seen += 1
                assert response.status_code == 403, (
                    f"platform admin {method.upper()} {url}: {response.status_code}"
                )
    assert_same_state(before, tenant_state(alpha.tenant), "platform admin crawl")
    assert seen > 150
    # Nor may it enter an ISP through Get Access.
    assert client.post(reverse("hijack:acquire"), {"user_pk": alpha.ga.pk}).status_code == 403
