"""network.services.routers: add/edit, Test Connection, the status check and its task,
Configure for RADIUS. Routers are the RouterOS simulator or local sockets on 127.0.0.1."""

import pytest
from django.db import connection
from django_scopes import scope

from conftest import in_scope
from netbill.core import events
from netbill.core.exceptions import BusinessRuleError
from netbill.core.models import AuditLog
from netbill.core.testing.people import fresh_user
from netbill.network.choices import RouterStatusChoices as Status
from netbill.network.models import Router, VPNAccount
from netbill.network.routeros import RouterClient
from netbill.network.services import routers as services
from netbill.network.services.routers import ConfigChange, radius_plan
from netbill.network.tasks import router_refresh_status_all_task, router_refresh_status_task

from .router_helpers import (
    API_PASSWORD,
    RADIUS_SECRET,
    closed_port,
    make_router,
    point_at,
    running_simulator,
    silent_router,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sim():
    with running_simulator(identity="Mirpur Core CCR", board_name="CCR2004-16G-2S+") as s:
        yield s


@pytest.fixture
def fast(settings):
    settings.NETBILL_ROUTEROS_CONNECT_TIMEOUT = 1.0
    settings.NETBILL_ROUTEROS_READ_TIMEOUT = 1.0


@pytest.fixture
def seen():
    """Router events published (after commit) during the test."""
    names = ("router.created", "router.updated", "router.status_changed", "router.down")
    got = []

    def record(event, **payload):
        got.append((event, payload))

    for name in names:
        events.subscribe(name, record)
    yield got
    for name in names:
        events.unsubscribe(name, record)


def vpn_account(isp, name="tunnel-1", address="10.255.0.10"):
    with in_scope(isp.tenant):
        return VPNAccount.objects.create(
            tenant=isp.tenant,
            name=name,
            tunnel_address=address,
            private_key="cHJpdmF0ZS1rZXktcGxhY2Vob2xkZXItMzItYnl0ZXM=",
            public_key="cHVibGljLWtleS1wbGFjZWhvbGRlci0zMi1ieXRlcyE=",
        )


def audit_entries(isp, action):
    with in_scope(isp.tenant):
        return list(AuditLog.objects.filter(action=action).order_by("pk"))


#
# Add and edit
#


def test_create_stores_encrypted_secrets_and_audits_without_them(
    isp, django_capture_on_commit_callbacks, seen
):
    with django_capture_on_commit_callbacks(execute=True):
        router = make_router(
            by=isp.ga, name="Mirpur Core", host=" 10.0.0.1 ", api_port=8728, location="Mirpur"
        )
    with in_scope(isp.tenant):
        router = Router.objects.get(pk=router.pk)
    assert (router.host, router.api_port, router.coa_port) == ("10.0.0.1", 8728, 3799)
    assert (router.api_password, router.radius_secret) == (API_PASSWORD, RADIUS_SECRET)
    assert router.status == Status.UNKNOWN
    [entry] = audit_entries(isp, "router.created")
    assert entry.after["name"] == "Mirpur Core"
    assert API_PASSWORD not in str(entry.after) and RADIUS_SECRET not in str(entry.after)
    assert "api_password" not in entry.after and "radius_secret" not in entry.after
    assert seen == [("router.created", {"tenant_id": isp.tenant.pk, "router_id": router.pk})]


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"host": "bad host!"}, "host"),
        ({"host": ""}, "host"),
        ({"host": "300.1.1.1"}, "host"),
        ({"api_port": 0}, "api_port"),
        ({"coa_port": 70000}, "coa_port"),
        ({"api_username": ""}, "api_username"),
        ({"api_password": ""}, "api_password"),
        ({"radius_secret": ""}, "radius_secret"),
        ({"name": ""}, "name"),
    ],
)
def test_create_refuses_bad_input_with_the_field(isp, fields, error_field):
    with pytest.raises(BusinessRuleError) as caught:
        make_router(by=isp.ga, **fields)
    assert error_field in caught.value.message_dict
    with in_scope(isp.tenant):
        assert not Router.objects.exists()


def test_names_are_unique_per_isp_whatever_the_case(isp, other_isp):
    make_router(by=isp.ga, name="Core")
    with pytest.raises(BusinessRuleError) as caught:
        make_router(by=isp.ga, name="CORE")
    assert caught.value.message_dict == {"name": ["A router with this name already exists."]}
    make_router(by=other_isp.ga, name="Core")  # another ISP may use the name


def test_a_host_name_or_ipv6_address_is_accepted(isp):
    assert make_router(by=isp.ga, host="Core.Mirpur.Example").host == "core.mirpur.example"
    assert make_router(by=isp.ga, host="2001:DB8::1").host == "2001:db8::1"


def test_a_vpn_account_gives_its_tunnel_address(isp):
    account = vpn_account(isp)
    router = make_router(by=isp.ga, host="", vpn_account=account)
    assert (router.host, router.vpn_account_id) == ("10.255.0.10", account.pk)


def test_another_isps_vpn_account_is_refused(isp, other_isp):
    theirs = vpn_account(other_isp)
    with pytest.raises(BusinessRuleError) as caught:
        make_router(by=isp.ga, vpn_account=theirs)
    assert "vpn_account" in caught.value.message_dict


def test_operators_may_not_add_routers_and_noc_users_may(isp):
    with pytest.raises(BusinessRuleError):
        make_router(by=isp.user_x)
    assert make_router(by=isp.noc).tenant_id == isp.tenant.pk


def test_update_keeps_blank_secrets_and_records_which_changed(
    isp, django_capture_on_commit_callbacks, seen
):
    router = make_router(by=isp.ga)
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant), django_capture_on_commit_callbacks(execute=True):
        services.router_update(
            router=router,
            by=ga,
            data={"location": "Roof", "api_password": "", "radius_secret": "New-secret-1"},
        )
        router = Router.objects.get(pk=router.pk)
    assert (router.location, router.api_password) == ("Roof", API_PASSWORD)
    assert router.radius_secret == "New-secret-1"
    entry = audit_entries(isp, "router.updated")[-1]
    assert entry.after["secrets_changed"] == ["radius_secret"]
    assert "New-secret-1" not in str(entry.before) + str(entry.after)
    assert [name for name, _ in seen] == ["router.updated"]


def test_update_refuses_status_fields(isp):
    router = make_router(by=isp.ga)
    with in_scope(isp.tenant), pytest.raises(BusinessRuleError):
        services.router_update(router=router, by=fresh_user(isp.ga), data={"status": "online"})


#
# Test Connection
#


def test_test_connection_success_stores_identity_and_status(
    isp, sim, django_capture_on_commit_callbacks, seen
):
    router = point_at(make_router(by=isp.ga), sim)
    with in_scope(isp.tenant), django_capture_on_commit_callbacks(execute=True):
        result = services.router_test_connection(router=router, by=fresh_user(isp.ga))
        saved = Router.objects.get(pk=router.pk)
    assert (result.ok, result.kind, result.label) == (True, "ok", "Connected")
    assert result.info.identity == "Mirpur Core CCR"
    assert result.info.version == f"{sim.ros_version} (stable)"  # as RouterOS prints it
    assert result.info.board == "CCR2004-16G-2S+"
    assert result.info.uptime
    assert (saved.status, saved.identity, saved.board_name) == (
        Status.ONLINE,
        "Mirpur Core CCR",
        "CCR2004-16G-2S+",
    )
    assert saved.ros_version == result.info.version and saved.uptime and saved.last_error == ""
    assert saved.last_checked_at is not None
    [entry] = audit_entries(isp, "router.connection_tested")
    assert (entry.before, entry.after["status"]) == ({"status": "unknown"}, "online")
    assert [(n, p["old"], p["new"]) for n, p in seen if n == "router.status_changed"] == [
        ("router.status_changed", "unknown", "online")
    ]
    assert not [n for n, _ in seen if n == "router.down"]


def _failing(kind, sim):
    """Arrange `sim` (or a local socket) to fail as `kind`; returns (host, port, cleanup)."""
    if kind == "timeout":
        sim.faults.delay("/login", seconds=3)
    elif kind == "api_disabled":
        sim.faults.api_disabled = True
    elif kind == "refused":
        return closed_port()
    return sim.port


@pytest.mark.parametrize(
    ("kind", "label", "message_start"),
    [
        ("timeout", "Timed out", "127.0.0.1:"),
        ("refused", "Connection refused", "Connection refused by 127.0.0.1:"),
        ("auth", "Wrong username or password", "invalid user name or password (6)"),
        ("api_disabled", "API service disabled", "127.0.0.1:"),
    ],
)
def test_test_connection_reports_each_failure(isp, sim, fast, kind, label, message_start):
    router = point_at(make_router(by=isp.ga), sim)
    port = _failing(kind, sim)
    with in_scope(isp.tenant):
        Router.objects.filter(pk=router.pk).update(api_port=port)
        if kind == "auth":
            Router.objects.filter(pk=router.pk).update(api_username="intruder")
        router.refresh_from_db()
        result = services.router_test_connection(router=router, by=fresh_user(isp.ga))
        saved = Router.objects.get(pk=router.pk)
    assert (result.ok, result.kind, result.label) == (False, kind, label)
    assert result.message.startswith(message_start)
    assert saved.status == Status.OFFLINE
    assert saved.last_error == f"{label}: {result.message}"[:255]


def test_test_connection_times_out_on_a_silent_port(isp, fast):
    with silent_router() as server:
        router = make_router(by=isp.ga, api_port=server.port)
        with in_scope(isp.tenant):
            result = services.router_test_connection(router=router, by=fresh_user(isp.ga))
    assert result.kind == "timeout"


def test_probe_tests_typed_values_and_saves_nothing(isp, sim):
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        result = services.router_probe(
            by=ga,
            host=sim.host,
            api_port=sim.port,
            use_ssl=False,
            api_username=sim.username,
            api_password=sim.password,
        )
        assert not Router.objects.exists()
    assert result.ok and result.info.identity == "Mirpur Core CCR"


def test_probe_needs_the_manage_code(isp, sim):
    with in_scope(isp.tenant), pytest.raises(BusinessRuleError):
        services.router_probe(
            by=fresh_user(isp.user_x),
            host=sim.host,
            api_port=sim.port,
            use_ssl=False,
            api_username="x",
            api_password="y",
        )


@pytest.mark.django_db(transaction=True)
def test_no_network_io_inside_a_database_transaction(isp, sim, monkeypatch):
    """The router is asked first; the answer is written afterwards, in a short transaction."""
    atomic_during_io = []
    real_connect = RouterClient.connect

    def watching_connect(self):
        atomic_during_io.append(connection.in_atomic_block)
        return real_connect(self)

    monkeypatch.setattr(RouterClient, "connect", watching_connect)
    router = point_at(make_router(by=isp.ga), sim)
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        services.router_test_connection(router=router, by=ga)
        services.router_refresh_status(router=router)
        services.router_configure_radius(router=router, by=ga)
    assert atomic_during_io == [False, False, False]


#
# The periodic status check
#


def test_status_goes_offline_when_the_router_stops_and_down_is_announced_once(
    isp, sim, fast, django_capture_on_commit_callbacks, seen
):
    router = point_at(make_router(by=isp.ga), sim)
    with django_capture_on_commit_callbacks(execute=True):
        assert router_refresh_status_task.delay(tenant_id=isp.tenant.pk).get() == {
            "online": 1,
            "offline": 0,
        }
    with in_scope(isp.tenant):
        assert Router.objects.get(pk=router.pk).status == Status.ONLINE
    sim.stop()
    for _ in range(2):  # two checks while it is down: one router.down
        with django_capture_on_commit_callbacks(execute=True):
            router_refresh_status_task.delay(tenant_id=isp.tenant.pk)
    with in_scope(isp.tenant):
        saved = Router.objects.get(pk=router.pk)
    assert saved.status == Status.OFFLINE
    assert saved.last_error.startswith("Connection refused: ")
    downs = [payload for name, payload in seen if name == "router.down"]
    assert downs == [
        {"tenant_id": isp.tenant.pk, "router_id": router.pk, "error": saved.last_error}
    ]
    changes = [(p["old"], p["new"]) for n, p in seen if n == "router.status_changed"]
    assert changes == [("unknown", "online"), ("online", "offline")]
    # The periodic check is not a person's action: nothing in the activity log.
    assert audit_entries(isp, "router.connection_tested") == []
    sim.start()  # comes back on the same port
    router_refresh_status_task.delay(tenant_id=isp.tenant.pk)
    with in_scope(isp.tenant):
        assert Router.objects.get(pk=router.pk).status == Status.ONLINE


def test_inactive_routers_are_not_checked(isp, sim):
    router = point_at(make_router(by=isp.ga, is_active=False), sim)
    assert router_refresh_status_task.delay(tenant_id=isp.tenant.pk).get() == {
        "online": 0,
        "offline": 0,
    }
    with in_scope(isp.tenant):
        assert Router.objects.get(pk=router.pk).status == Status.UNKNOWN


def test_the_platform_task_fans_out_to_every_active_isp(isp, other_isp, sim, fast):
    from netbill.tenancy.models import Tenant

    ours = point_at(make_router(by=isp.ga), sim)
    theirs = make_router(by=other_isp.ga)  # a closed port: offline
    assert router_refresh_status_all_task.delay().get() == Tenant.objects.count()
    with scope(tenant=isp.tenant.pk):
        assert Router.objects.get(pk=ours.pk).status == Status.ONLINE
    with scope(tenant=other_isp.tenant.pk):
        assert Router.objects.get(pk=theirs.pk).status == Status.OFFLINE
    # A suspended ISP is skipped.
    Tenant.objects.filter(pk=other_isp.tenant.pk).update(is_active=False)
    with scope(tenant=other_isp.tenant.pk):
        Router.objects.filter(pk=theirs.pk).update(status=Status.UNKNOWN)
    router_refresh_status_all_task.delay()
    with scope(tenant=other_isp.tenant.pk):
        assert Router.objects.get(pk=theirs.pk).status == Status.UNKNOWN


def test_many_routers_are_checked_side_by_side(isp, fast):
    """Ten unreachable routers are waited for together (8 at a time), not one by one:
    the silent router sees several of them connected at once."""
    with silent_router() as server:
        for _ in range(10):
            make_router(by=isp.ga, api_port=server.port)
        router_refresh_status_task.delay(tenant_id=isp.tenant.pk)
    with in_scope(isp.tenant):
        assert set(Router.objects.values_list("status", flat=True)) == {Status.OFFLINE}
    assert server.open_max >= 2


#
# Configure for RADIUS
#


def test_configure_radius_then_nothing_to_change(isp, sim, settings):
    settings.NETBILL_RADIUS_ADDRESS = "10.9.8.7"
    router = point_at(make_router(by=isp.ga, coa_port=3799), sim)
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        first = services.router_configure_radius(router=router, by=ga)
    assert first.changed
    assert [c.menu for c in first.changes] == ["/radius", "/radius/incoming", "/ppp/aaa"]
    [radius] = sim.state.rows("/radius")
    assert radius["address"] == "10.9.8.7"
    assert radius["secret"] == RADIUS_SECRET
    assert set(radius["service"].split(",")) == {"ppp", "hotspot"}
    assert (radius["authentication-port"], radius["accounting-port"]) == ("1812", "1813")
    assert radius["comment"] == "netbill"
    incoming = sim.state.settings_row("/radius/incoming")
    assert (incoming["accept"], incoming["port"]) == ("true", "3799")
    aaa = sim.state.settings_row("/ppp/aaa")
    assert (aaa["use-radius"], aaa["accounting"], aaa["interim-update"]) == (
        "true",
        "true",
        "5m",
    )
    # Secrets are masked wherever the change is described.
    assert first.lines[0].startswith("/radius add address=10.9.8.7 secret=******** ")
    assert all(RADIUS_SECRET not in line for line in first.lines)

    sim.command_log.clear()
    with in_scope(isp.tenant):
        second = services.router_configure_radius(router=router, by=ga)
    assert (second.changed, second.lines) == (False, [])
    assert second.message == "Nothing to change: the router is already configured for RADIUS."
    written = [c for c, _ in sim.command_log if c.endswith(("/add", "/set", "/remove"))]
    assert written == []
    entries = audit_entries(isp, "router.radius_configured")
    assert len(entries) == 2
    assert entries[0].after["changes"] == first.lines
    assert entries[1].after["changes"] == ["nothing to change"]
    assert all(RADIUS_SECRET not in str(e.after) for e in entries)


def test_configure_radius_changes_only_what_differs(isp, sim, settings):
    settings.NETBILL_RADIUS_ADDRESS = "127.0.0.1"
    # Someone set the router up by hand: our address with an old secret, disabled, and
    # CoA on the old port; /ppp/aaa already right.
    other = sim.state.add("/radius", {"address": "192.0.2.50", "service": "login"})
    ours = sim.state.add(
        "/radius",
        {"address": "127.0.0.1", "secret": "old", "service": "ppp", "disabled": "yes"},
    )
    sim.state.set("/radius/incoming", None, {"accept": "yes", "port": "1700"})
    sim.state.set(
        "/ppp/aaa", None, {"use-radius": "yes", "accounting": "yes", "interim-update": "00:05:00"}
    )
    router = point_at(make_router(by=isp.ga), sim)
    with in_scope(isp.tenant):
        result = services.router_configure_radius(router=router, by=fresh_user(isp.ga))
    assert [(c.menu, c.action, c.item_id) for c in result.changes] == [
        ("/radius", "set", ours),
        ("/radius/incoming", "set", None),
    ]
    assert {k for k, _old, _new in result.changes[0].fields} == {
        "secret",
        "service",
        "comment",
        "disabled",
    }
    assert result.changes[1].fields == (("port", "1700", "3799"),)
    assert sim.state.find("/radius", other)["address"] == "192.0.2.50"  # left alone
    assert sim.state.find("/radius", ours)["disabled"] == "false"


def test_configure_radius_on_an_unreachable_router(isp, fast):
    router = make_router(by=isp.ga)
    with in_scope(isp.tenant), pytest.raises(services.RouterOperationFailed) as caught:
        services.router_configure_radius(router=router, by=fresh_user(isp.ga))
    assert caught.value.kind == "refused"
    assert caught.value.messages[0].startswith("Connection refused: Connection refused by")
    assert audit_entries(isp, "router.radius_configured") == []


def test_configure_radius_stopped_by_a_trap_says_what_was_done(isp, sim):
    sim.faults.trap("/ppp/aaa/set", "failure: not permitted")
    router = point_at(make_router(by=isp.ga), sim)
    with in_scope(isp.tenant), pytest.raises(services.RouterOperationFailed) as caught:
        services.router_configure_radius(router=router, by=fresh_user(isp.ga))
    message = caught.value.messages[0]
    assert message.startswith("Command refused by the router: failure: not permitted")
    assert "Already changed: /radius add" in message
    [entry] = audit_entries(isp, "router.radius_configured")
    assert entry.after["error"].endswith("failure: not permitted")
    assert len(entry.after["changes"]) == 2


def test_configure_radius_needs_the_manage_code(isp, sim):
    router = point_at(make_router(by=isp.ga), sim)
    with in_scope(isp.tenant), pytest.raises(BusinessRuleError):
        services.router_configure_radius(router=router, by=fresh_user(isp.user_x))
    assert sim.command_log == []


#
# The plan itself
#


def test_radius_plan_adopts_an_entry_at_our_address_and_compares_loosely():
    rows = [
        {
            ".id": "*1",
            "address": "127.0.0.1",
            "secret": "s",
            "service": "hotspot,ppp",
            "authentication-port": "1812",
            "accounting-port": "1813",
            "comment": "netbill",
            "disabled": "false",
        }
    ]
    plan = radius_plan(
        radius_rows=rows,
        incoming={"accept": "true", "port": "3799"},
        aaa={"use-radius": "yes", "accounting": "true", "interim-update": "300"},
        address="127.0.0.1",
        secret="s",
        coa_port=3799,
    )
    assert plan == []


def test_radius_plan_describes_changes_with_secrets_masked():
    change = ConfigChange(
        menu="/radius",
        action="set",
        fields=(("secret", "old", "new"), ("service", "ppp", "ppp,hotspot")),
        item_id="*1",
    )
    assert (
        change.describe() == "/radius set secret: ******** → ********; service: ppp → ppp,hotspot"
    )
    assert change.values == {"secret": "new", "service": "ppp,hotspot"}


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("5m", 300),
        ("00:05:00", 300),
        ("300", 300),
        ("1h30m", 5400),
        ("1w2d", 777600),
        ("1d02:00:00", 93600),
        ("0s", 0),
        ("", None),
    ],
)
def test_routeros_durations(text, seconds):
    assert services._seconds(text) == seconds
