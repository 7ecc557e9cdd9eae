"""Issue item 9: a NOC user reaches no financial page, endpoint or figure.

The NOC user is given every code its role may ever hold (`grantable_codes(Role.NOC)`),
the operators carry distinctive sentinel amounts (also written into the activity log
by real services), and every URL of the project, panel and API, list and detail, is
fetched as that user. A control crawl as the Group Admin proves the sentinels would be
spotted if they leaked.
"""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import PASSWORD, in_scope
from netbill.accounts import services
from netbill.accounts.choices import OperatorKindChoices as Kind
from netbill.accounts.choices import UserRoleChoices as Role
from netbill.accounts.models import Operator
from netbill.accounts.roles import grantable_codes
from netbill.billing.tests.helpers import add_billing_rows
from netbill.catalog.tests.helpers import add_catalog_rows
from netbill.core.menu import _items as menu_items
from netbill.core.permissions import FINANCIAL_CODES
from netbill.core.testing.contracts import body_text
from netbill.core.testing.crawl import iter_routes, url_sets
from netbill.core.testing.people import fresh_user
from netbill.customers.tests.helpers import add_customer_settings_rows
from netbill.network.tests.pool_helpers import add_network_rows
from netbill.network.tests.router_helpers import make_router
from netbill.payments.tests.helpers import add_payment_rows

pytestmark = pytest.mark.django_db

CREDIT = Decimal("97531.86")
BALANCE = Decimal("86420.13")


def variants(amount: Decimal) -> list[str]:
    """How an amount may be written: 97531.86, 97,531.86, 97.531,86, 97531,86, 97 531.86."""
    plain, grouped = f"{amount}", f"{amount:,}"
    return [
        plain,
        grouped,
        plain.replace(".", ","),
        grouped.replace(",", "_").replace(".", ",").replace("_", "."),
        grouped.replace(",", " "),
        grouped.replace(",", "\u00a0"),
        plain.split(".")[0],  # any rounding of it
    ]


SENTINELS = variants(CREDIT) + variants(BALANCE)


def sentinels_in(body: str) -> list[str]:
    return [s for s in SENTINELS if re.search(rf"(?<!\d){re.escape(s)}(?!\d)", body)]


@pytest.fixture
def noc(isp):
    """Alpha's NOC user with every code a NOC user can hold, and money everywhere."""
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        services.user_set_permissions(
            user=fresh_user(isp.noc), by=ga, codes=set(grantable_codes(Role.NOC))
        )
        # Through the services, so that the activity log carries the figures too.
        services.operator_set_credit_limit(operator=isp.op_y, by=ga, amount=CREDIT)
        services.operator_create(
            by=ga,
            kind=Kind.OPERATOR,
            parent=None,
            name="Sentinel Link",
            username="sentinel-op",
            password=PASSWORD,
            credit_limit=CREDIT,
        )
        # One operator carries the figures, so that dashboard totals equal them too.
        Operator.objects.exclude(kind=Kind.ROOT).update(credit_limit=0, balance=0)
        Operator.objects.filter(pk=isp.op_y.pk).update(credit_limit=CREDIT, balance=BALANCE)
        services.api_key_create(by=ga, name="ga key")  # so that key URLs have a pk to try
    # A router on a closed local port: router URLs get a pk, and the crawl's POSTs
    # (Test Connection, Configure for RADIUS) are refused at once, on this machine.
    make_router(by=isp.ga)
    add_network_rows(isp)  # a pool, a PPPoE profile and a VPN account to crawl
    # One row of every catalog model; package prices carry the sentinel (also written
    # into the activity log by the services).
    add_catalog_rows(isp, price=str(CREDIT))
    # A zone, a custom field and the mandatory attributes row.
    add_customer_settings_rows(isp, price=str(CREDIT))
    # Bills, a bill run, a payment and a deposit: their pages must stay shut too.
    add_billing_rows(isp)
    add_payment_rows(isp, "Sentinel")  # gateways, links, cards: shut to NOC users too
    user = fresh_user(isp.noc)
    assert user.permission_codes == grantable_codes(Role.NOC)
    assert not user.permission_codes & FINANCIAL_CODES
    return user


def required_codes(route) -> dict[str, str]:
    """HTTP method → the catalog code the route demands for it."""
    cls = route.view_class
    if route.is_panel:
        return dict.fromkeys(("get", "post"), cls.permission_required)
    if route.is_viewset:
        codes = cls.permission_codes
        return {m: codes.get(action, codes.get("*")) for m, action in route.actions.items()}
    return {}


def crawl(client, isp, methods=("get",)):
    """(route, method, url, response) for every URL × own object × method."""
    for route in iter_routes():
        if route.is_public:
            continue  # the customers' own pages, not the panel's
        for url, _obj in url_sets(route, isp.tenant):
            for method in methods:
                if route.actions and method not in route.actions:
                    continue
                response = client.get(url) if method == "get" else client.post(url, {})
                yield route, method, url, response


def test_noc_user_reaches_no_financial_page_endpoint_or_figure(client, isp, noc):
    assert_walled_off_from_money(client, isp, noc)


def test_the_noc_crawl_catches_money_on_a_noc_page(client, isp, noc, settings):
    """Control: with deliberately broken views mounted, the same crawl fails."""
    settings.ROOT_URLCONF = "netbill.core.testing.tests.broken"
    with pytest.raises(AssertionError, match=r"NOC GET /broken/.* shows money"):
        assert_walled_off_from_money(client, isp, noc)


def assert_walled_off_from_money(client, isp, noc):
    client.force_login(noc)
    financial, reached, refused = [], set(), []
    for route, method, url, response in crawl(client, isp, methods=("get", "post")):
        if method == "post" and route.name in ("accounts:logout", "hijack:release"):
            client.force_login(noc)  # those POSTs end the session; keep crawling as NOC
        code = required_codes(route).get(method)
        if code in FINANCIAL_CODES:
            financial.append(url)
            assert response.status_code == 403, f"NOC {method.upper()} {url} (financial {code})"
        body = body_text(response)
        found = sentinels_in(body)
        assert not found, f"NOC {method.upper()} {url} shows money: {found}"
        if method == "get" and response.status_code == 200:
            reached.add(route.name)
        if response.status_code == 403:
            refused.append(url)
    assert financial, "the crawl found no financial view: the check (a) proved nothing"
    # The crawl really saw pages where the money lives, not just doors closed.
    assert {
        "accounts:operator_list",
        "accounts:operator",
        "accounts:activity_log",
        "reports:dashboard",
        "monitoring:noc_dashboard",
        "api:operator-list",
        "api:operator-detail",
    } <= reached


def test_the_sentinels_would_be_seen(client, isp, noc):
    """Control: the Group Admin sees the sentinel figures on the very pages NOC crawled."""
    client.force_login(isp.ga)
    seen = {}
    for route, _method, _url, response in crawl(client, isp):
        found = sentinels_in(body_text(response))
        if found:
            seen[route.name] = found
    for name in (
        "accounts:operator_list",
        "accounts:operator",
        "accounts:activity_log",
        "reports:dashboard",
        "api:operator-list",
        "api:operator-detail",
    ):
        assert name in seen, f"{name}: the Group Admin should see the money there"


def test_noc_user_lands_on_the_noc_panel(client, isp, noc):
    # Through the real login form (django-axes sees a real request).
    response = client.post(
        reverse("accounts:login"), {"username": noc.username, "password": PASSWORD}
    )
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("monitoring:noc_dashboard"),
    )
    assert reverse("monitoring:noc_dashboard") == "/admin/noc/"
    home = client.get(reverse("home"))
    assert (home.status_code, home["Location"]) == (302, "/admin/noc/")
    page = client.get("/admin/noc/")
    assert page.status_code == 200
    assert page.context["panel"] == "noc"
    assert 'class="nb-sidebar flex-shrink-0 nb-noc"' in page.content.decode()
    noc_items = {i.url_name for i in menu_items if i.panel == "noc"}
    shown = {entry["url_name"] for _section, entries in page.context["menu"] for entry in entries}
    assert shown and shown <= noc_items, f"the NOC sidebar shows main-panel items: {shown}"


def test_noc_users_keep_their_layout_on_every_page(client, isp, noc):
    """NOC users work in the NOC panel everywhere; other users only under /admin/noc/."""
    client.force_login(noc)
    page = client.get(reverse("accounts:operator_list"))
    assert page.status_code == 200
    assert page.context["panel"] == "noc"
    assert "nb-noc" in page.content.decode()
    client.force_login(isp.ga)
    page = client.get(reverse("accounts:operator_list"))
    assert page.context["panel"] == "main"
    assert "nb-noc" not in page.content.decode()
