"""Every router page and endpoint under its contract (netbill.core.testing.contracts):
anonymous, without the permission, with it, and from another ISP.

Routers belong to the whole ISP (no operator owns one), so the "other subtree" scenario
does not apply: whoever holds routers.view or routers.manage reaches every router of its
ISP, and no router of another. NOC users hold both codes by default; operators neither.

Routers point at a closed local port (Test Connection answers "refused" at once) unless
a contract needs a live router, in which case it gets a RouterOS simulator.
"""

import pytest
from django.db import connection
from django.urls import reverse

from conftest import in_scope
from netbill.core.testing.contracts import (
    ActionViewContract,
    APIActionContract,
    APICreateContract,
    APIDetailContract,
    APIListContract,
    APIUpdateContract,
    CreateViewContract,
    DetailViewContract,
    EditViewContract,
    ListViewContract,
)
from netbill.core.testing.state import nothing_changes
from netbill.network.choices import RouterStatusChoices as Status
from netbill.network.models import Router
from netbill.network.tests.router_helpers import (
    API_PASSWORD,
    API_USER,
    RADIUS_SECRET,
    closed_port,
    make_router,
    running_simulator,
)

pytestmark = pytest.mark.django_db

TENANT_WIDE = "routers belong to the whole ISP, not to an operator's subtree"


def routers_of(isp):
    return Router.objects.filter(tenant=isp.tenant)


class _Routers:
    """Two routers per ISP; `isp.router` is the target."""

    not_applicable = {"other_subtree": TENANT_WIDE}

    def prepare(self, isp):
        isp.router = make_router(by=isp.ga, name="Mirpur Core", location="Mirpur-10")
        isp.router2 = make_router(by=isp.ga, name="Uttara Edge")

    def target(self, isp):
        return isp.router


class _Simulated(_Routers):
    """The target router answers: it is a RouterOS simulator on 127.0.0.1."""

    @pytest.fixture(autouse=True)
    def _simulator(self):
        with running_simulator() as sim:
            self.sim = sim
            yield

    def prepare(self, isp):
        super().prepare(isp)
        Router.objects.filter(pk=isp.router.pk).update(host=self.sim.host, api_port=self.sim.port)
        isp.router.refresh_from_db()


#
# Panel pages
#


class TestRouterList(_Routers, ListViewContract):
    url_name = "network:router_list"
    permission = "routers.view"

    def target(self, isp):
        return None  # a list

    def expected_rows(self, isp):
        return routers_of(isp)

    def check_page(self, response, isp):
        body = response.content.decode()
        assert 'data-status="unknown"' in body
        assert reverse("network:router_add") in body

    def test_noc_user_sees_routers(self, client, isp):
        self.ready(isp)
        client.force_login(isp.noc)
        response = client.get(self.url_for(isp))
        assert response.status_code == 200
        with in_scope(isp.tenant):
            assert self.listed(response) == set(routers_of(isp).values_list("pk", flat=True))

    def test_operators_have_no_router_pages(self, client, isp):
        self.ready(isp)
        for user in (isp.user_x, isp.user_x1, isp.manager_x, isp.sales, isp.cards):
            client.force_login(user)
            assert client.get(self.url_for(isp)).status_code == 403, user

    def test_a_viewer_without_manage_gets_no_create_button(self, client, isp):
        from netbill.core.testing.people import set_codes

        self.ready(isp)
        client.force_login(set_codes(isp.ga, revoke=["routers.manage"]))
        body = client.get(self.url_for(isp)).content.decode()
        assert reverse("network:router_add") not in body


class TestRouterDetail(_Routers, DetailViewContract):
    url_name = "network:router"
    permission = "routers.view"

    def check_page(self, response, isp):
        body = response.content.decode()
        # Secrets never reach the page, not even in a widget.
        assert API_PASSWORD not in body and RADIUS_SECRET not in body
        assert reverse("network:router_test_connection", args=[isp.router.pk]) in body
        assert reverse("network:router_configure_radius", args=[isp.router.pk]) in body


class TestRouterCreate(CreateViewContract):
    url_name = "network:router_add"
    permission = "routers.manage"
    model = Router
    audit_action = "router.created"
    events = ("router.created",)
    not_applicable = {"other_subtree": TENANT_WIDE}

    def form_data(self, isp):
        return {
            "name": "Gulshan POP",
            "host": "10.20.30.1",
            "api_port": "8729",
            "use_ssl": "on",
            "api_username": "billing",
            "api_password": "Api-pass-9876",
            "radius_secret": "Rad-secret-4321",
            "coa_port": "1700",
            "location": "Gulshan-1",
        }

    def created_lookup(self, isp):
        return {"name": "Gulshan POP"}

    def expected(self, isp):
        return {
            "host": "10.20.30.1",
            "api_port": 8729,
            "use_ssl": True,
            "api_username": "billing",
            "api_password": "Api-pass-9876",
            "radius_secret": "Rad-secret-4321",
            "coa_port": 1700,
            "vpn_account": None,
            "location": "Gulshan-1",
            "is_active": True,
            "status": Status.UNKNOWN,
        }

    def success_url(self, isp, obj):
        return obj.get_absolute_url()

    def after_write(self, isp, obj, response):
        # Encrypted at rest: the column holds a Fernet token, never the password.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT api_password, radius_secret FROM {Router._meta.db_table} WHERE id = %s",
                [obj.pk],
            )
            stored_password, stored_secret = cursor.fetchone()
        assert "Api-pass-9876" not in stored_password and stored_password.startswith("gAAAA")
        assert "Rad-secret-4321" not in stored_secret

    def test_noc_user_adds_routers(self, client, isp):
        client.force_login(isp.noc)
        assert client.post(self.url_for(isp), self.form_data(isp)).status_code == 302
        with in_scope(isp.tenant):
            assert Router.objects.filter(name="Gulshan POP").exists()

    def test_bad_input_is_refused_with_the_reason(self, client, isp):
        client.force_login(isp.ga)
        data = {**self.form_data(isp), "host": "not a host!", "api_port": "70000"}
        with nothing_changes(isp.tenant, what="invalid router"):
            response = client.post(self.url_for(isp), data)
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert set(errors) == {"host", "api_port"}


class TestRouterEdit(_Routers, EditViewContract):
    url_name = "network:router_edit"
    permission = "routers.manage"
    audit_action = "router.updated"
    events = ("router.updated",)

    def form_data(self, isp):
        # Blank password and secret: the stored ones are kept.
        return {
            "name": "Mirpur Core CCR",
            "host": "core.mirpur.example",
            "api_port": "8728",
            "api_username": "netbill2",
            "api_password": "",
            "radius_secret": "",
            "coa_port": "3799",
            "location": "Mirpur-10, rack 2",
            "is_active": "on",
        }

    def expected(self, isp):
        return {
            "name": "Mirpur Core CCR",
            "host": "core.mirpur.example",
            "api_username": "netbill2",
            "api_password": API_PASSWORD,
            "radius_secret": RADIUS_SECRET,
            "location": "Mirpur-10, rack 2",
            "is_active": True,
        }

    def success_url(self, isp, obj):
        return obj.get_absolute_url()

    def test_a_new_password_replaces_the_old_and_stays_out_of_the_log(self, client, isp):
        from netbill.core.models import AuditLog

        self.ready(isp)
        client.force_login(isp.ga)
        data = {**self.form_data(isp), "api_password": "Brand-new-pass-1"}
        assert client.post(self.url_for(isp), data).status_code == 302
        with in_scope(isp.tenant):
            assert Router.objects.get(pk=isp.router.pk).api_password == "Brand-new-pass-1"
            entry = AuditLog.objects.filter(action="router.updated").latest("pk")
        assert entry.after["secrets_changed"] == ["api_password"]
        assert "Brand-new-pass-1" not in str(entry.before) + str(entry.after)

    def test_the_form_never_shows_the_stored_secrets(self, client, isp):
        self.ready(isp)
        client.force_login(isp.ga)
        body = client.get(self.url_for(isp)).content.decode()
        assert API_PASSWORD not in body and RADIUS_SECRET not in body


class TestRouterAddTestConnection(ActionViewContract):
    """Test Connection on the add form: the typed values, nothing saved."""

    url_name = "network:router_add_test"
    permission = "routers.manage"
    success_status = 200
    other_tenant_status = 200  # it tests the caller's own typed values
    not_applicable = {"other_subtree": "it names no router: only the typed values"}

    def form_data(self, isp):
        return {
            "host": "127.0.0.1",
            "api_port": str(closed_port()),
            "api_username": API_USER,
            "api_password": API_PASSWORD,
        }

    def written_object(self, isp, target):
        return isp.tenant

    def expected(self, isp):
        return {}

    def after_write(self, isp, obj, response):
        body = response.content.decode()
        assert 'data-result="refused"' in body and "Connection refused" in body


class TestRouterEditTestConnection(_Routers, ActionViewContract):
    """Test Connection on the edit form: typed values, the stored password if blank."""

    url_name = "network:router_edit_test"
    permission = "routers.manage"
    success_status = 200

    def form_data(self, isp):
        return {
            "host": "127.0.0.1",
            "api_port": str(closed_port()),
            "api_username": API_USER,
            "api_password": "",
        }

    def expected(self, isp):
        # Nothing is saved: the status is the one before.
        return {"status": Status.UNKNOWN, "last_checked_at": None, "last_error": ""}

    def after_write(self, isp, obj, response):
        assert 'data-result="refused"' in response.content.decode()


class TestRouterTestConnection(_Routers, ActionViewContract):
    """Test Connection on a saved router: the answer becomes its status."""

    url_name = "network:router_test_connection"
    permission = "routers.manage"
    audit_action = "router.connection_tested"
    events = ("router.status_changed", "router.down")

    def prepare(self, isp):
        super().prepare(isp)
        # It was online: the refused login takes it offline, and announces it once.
        Router.objects.filter(pk=isp.router.pk).update(status=Status.ONLINE)

    def expected(self, isp):
        return {"status": Status.OFFLINE, "identity": ""}

    def success_url(self, isp, obj):
        return obj.get_absolute_url()

    def after_write(self, isp, obj, response):
        assert obj.last_error.startswith("Connection refused: ")
        assert obj.last_checked_at is not None


class TestRouterConfigureRadius(_Simulated, ActionViewContract):
    url_name = "network:router_configure_radius"
    permission = "routers.manage"
    audit_action = "router.radius_configured"
    events = ("router.radius_configured",)

    def expected(self, isp):
        return {"name": "Mirpur Core"}

    def success_url(self, isp, obj):
        return obj.get_absolute_url()

    def after_write(self, isp, obj, response):
        radius = [r for r in self.sim.state.rows("/radius") if r.get("comment") == "netbill"]
        assert len(radius) == 1 and radius[0]["secret"] == RADIUS_SECRET


#
# API
#


class TestRouterAPIList(_Routers, APIListContract):
    url_name = "api:router-list"
    permission = "routers.view"

    def target(self, isp):
        return None  # a list

    def expected_rows(self, isp):
        return routers_of(isp)

    def check_page(self, response, isp):
        for item in response.json()["results"]:
            assert "api_password" not in item and "radius_secret" not in item
            assert item["status"] == Status.UNKNOWN


class TestRouterAPIDetail(_Routers, APIDetailContract):
    url_name = "api:router-detail"
    permission = "routers.view"

    def expected_data(self, isp):
        return {"name": "Mirpur Core", "host": "127.0.0.1", "status": "unknown"}

    def check_page(self, response, isp):
        assert API_PASSWORD not in response.content.decode()


class TestRouterAPICreate(APICreateContract):
    url_name = "api:router-list"
    permission = "routers.manage"
    allowed = "noc"  # NOC users manage routers by default
    model = Router
    audit_action = "router.created"
    events = ("router.created",)
    not_applicable = {"other_subtree": TENANT_WIDE}

    def api_create_data(self, isp):
        return {
            "name": "Banani POP",
            "host": "banani.example.net",
            "api_username": "billing",
            "api_password": "12345",
            "radius_secret": "Rad-secret-4321",
        }

    def created_lookup(self, isp):
        return {"name": "Banani POP"}

    def expected(self, isp):
        return {
            "host": "banani.example.net",
            "api_port": 8728,
            "use_ssl": False,
            "api_password": "12345",
            "coa_port": 3799,
            "status": Status.UNKNOWN,
        }

    def after_write(self, isp, obj, response):
        super().after_write(isp, obj, response)
        data = response.json()
        assert "api_password" not in data and "radius_secret" not in data

    def test_operators_may_not_add_routers(self, client, isp):
        client.force_login(isp.user_x)
        with nothing_changes(isp.tenant, what="operator adds a router"):
            response = client.post(
                self.url_for(isp), self.api_create_data(isp), content_type="application/json"
            )
        assert response.status_code == 403


class TestRouterAPIPatch(_Routers, APIUpdateContract):
    url_name = "api:router-detail"
    permission = "routers.manage"
    audit_action = "router.updated"
    events = ("router.updated",)

    def api_update_data(self, isp):
        return {"location": "Mirpur-11", "api_password": "", "status": "online"}

    def expected(self, isp):
        # A blank password keeps the stored one; status is read-only.
        return {"location": "Mirpur-11", "api_password": API_PASSWORD, "status": Status.UNKNOWN}


class TestRouterAPIPut(_Routers, APIUpdateContract):
    url_name = "api:router-detail"
    permission = "routers.manage"
    method = "put"
    audit_action = "router.updated"
    events = ("router.updated",)

    def api_update_data(self, isp):
        return {
            "name": "Mirpur Core 2",
            "host": "192.0.2.10",
            "api_port": 8729,
            "use_ssl": True,
            "api_username": "admin2",
            "coa_port": 3799,
            "location": "",
            "is_active": False,
        }

    def expected(self, isp):
        return {
            "name": "Mirpur Core 2",
            "host": "192.0.2.10",
            "api_port": 8729,
            "use_ssl": True,
            "api_username": "admin2",
            "api_password": API_PASSWORD,
            "radius_secret": RADIUS_SECRET,
            "is_active": False,
        }


class TestRouterAPITestConnection(_Routers, APIActionContract):
    url_name = "api:router-test-connection"
    permission = "routers.manage"
    allowed = "noc"
    audit_action = "router.connection_tested"
    events = ("router.status_changed",)

    def expected(self, isp):
        return {"status": Status.OFFLINE}

    def after_write(self, isp, obj, response):
        data = response.json()
        assert (data["ok"], data["kind"], data["label"]) == (False, "refused", "Connection refused")
        assert data["message"].startswith("Connection refused by 127.0.0.1:")
        assert data["router"]["status"] == "offline"


class TestRouterAPIConfigureRadius(_Simulated, APIActionContract):
    url_name = "api:router-configure-radius"
    permission = "routers.manage"
    audit_action = "router.radius_configured"
    events = ("router.radius_configured",)

    def expected(self, isp):
        return {"name": "Mirpur Core"}

    def after_write(self, isp, obj, response):
        data = response.json()
        assert data["ok"] is True and data["changed"] is True
        assert data["changes"][0].startswith("/radius add address=127.0.0.1 secret=******** ")
        assert RADIUS_SECRET not in response.content.decode()
