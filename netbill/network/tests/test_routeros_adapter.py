"""network.routeros over real TCP: against the RouterOS simulator (tools/routeros_sim) and
local sockets that fail in each way a router can. Nothing leaves 127.0.0.1.

Failures are asserted by exception type and message, never by timing; the timeouts are
shortened where a test would otherwise wait for the defaults.
"""

import logging

import pytest
from django.conf import settings

from netbill.network import routeros
from netbill.network.routeros import (
    RouterApiDisabled,
    RouterAuthFailed,
    RouterClient,
    RouterConnectionLost,
    RouterError,
    RouterFatal,
    RouterRefused,
    RouterTimeout,
    RouterTrap,
)

from .router_helpers import (
    API_PASSWORD,
    API_USER,
    closed_port,
    hanging_up_router,
    running_simulator,
    silent_router,
    unreachable_router,
)

FAST = {"connect_timeout": 1.0, "read_timeout": 1.0}


@pytest.fixture
def sim():
    with running_simulator(identity="Mirpur Core CCR", board_name="CCR2004-16G-2S+") as s:
        yield s


def client_for(sim, **kwargs):
    kwargs = {**FAST, **kwargs}
    return RouterClient(
        sim.host,
        sim.port,
        kwargs.pop("username", API_USER),
        kwargs.pop("password", API_PASSWORD),
        **kwargs,
    )


#
# Talking to a router
#


@pytest.mark.parametrize("version", ["6.49.10", "7.16.2", "7.18.2"])
def test_system_info_on_routeros_6_and_7(version):
    with (
        running_simulator(ros_version=version, identity="Uttara Edge", board_name="hEX") as sim,
        client_for(sim) as ros,
    ):
        info = ros.system_info()
    assert info.identity == "Uttara Edge"
    assert info.version.startswith(version)
    assert info.board == "hEX"
    assert isinstance(info.uptime, str) and info.uptime


def test_values_come_back_as_routeros_strings(sim):
    with client_for(sim) as ros:
        new_id = ros.add(
            "/ppp/secret",
            {"name": "rahim", "password": "12345", "service": "pppoe", "disabled": True},
        )
        rows = ros.print("/ppp/secret", where={"name": "rahim"})
        aaa = ros.get("/ppp/aaa")
    assert new_id.startswith("*")
    [row] = rows
    # librouteros alone would give 12345 (int) and True (bool).
    assert row["password"] == "12345"
    assert row["disabled"] == "true"
    assert row[".id"] == new_id
    assert all(isinstance(v, str) for r in rows + [aaa] for v in r.values())
    assert aaa["accounting"] in ("true", "false")


def test_print_with_where_and_proplist(sim):
    with client_for(sim) as ros:
        for name in ("alice", "bob"):
            ros.add("/ppp/secret", {"name": name, "password": "pw-" + name})
        rows = ros.print("/ppp/secret", where={"name": "bob"}, proplist=["name", "password"])
    assert [{k: v for k, v in r.items() if k != ".id"} for r in rows] == [
        {"name": "bob", "password": "pw-bob"}
    ]


def test_add_set_remove_and_single_row_settings(sim):
    with client_for(sim) as ros:
        item = ros.add("/ppp/secret", {"name": "karim", "password": "x1"})
        ros.set("/ppp/secret", {"password": "x2", "comment": "moved"}, item_id=item)
        ros.set("/ppp/aaa", {"use-radius": "yes", "interim-update": "5m"})
        ros.set("/radius/incoming", {"accept": "yes", "port": "3799"})
        secret = ros.print("/ppp/secret", where={"name": "karim"})[0]
        aaa, incoming = ros.get("/ppp/aaa"), ros.get("/radius/incoming")
        ros.remove("/ppp/secret", item)
        left = ros.print("/ppp/secret", where={"name": "karim"})
    assert (secret["password"], secret["comment"]) == ("x2", "moved")
    assert (aaa["use-radius"], aaa["interim-update"]) == ("true", "5m")
    assert (incoming["accept"], incoming["port"]) == ("true", "3799")
    assert left == []
    commands = [name for name, _args in sim.command_log]
    assert "/ppp/aaa/set" in commands and "/ppp/secret/remove" in commands


def test_empty_replies_of_routeros_7_18(sim):
    """7.18+ answers a print without rows with !empty before !done; the session carries
    on normally afterwards."""
    sim.empty_mode = True
    raw = sim.client()
    try:
        replies = raw.talk("/ppp/secret/print")
    finally:
        raw.close()
    assert [r.kind for r in replies] == ["!empty", "!done"]  # the simulator really says it
    with client_for(sim) as ros:
        assert ros.print("/ppp/secret") == []
        assert ros.print("/ppp/secret", where={"name": "nobody"}) == []
        ros.add("/ppp/secret", {"name": "after-empty", "password": "p"})
        assert [r["name"] for r in ros.print("/ppp/secret")] == ["after-empty"]


def test_one_connection_per_use(sim):
    with client_for(sim) as ros:
        ros.get("/system/identity")
        assert sim.connection_count == 1
    with client_for(sim) as ros:
        ros.get("/system/identity")
    assert sim.commands("/login") == [
        {"name": API_USER, "password": API_PASSWORD},
        {"name": API_USER, "password": API_PASSWORD},
    ]


def test_a_host_name_is_resolved(sim):
    with RouterClient("localhost", sim.port, API_USER, API_PASSWORD, **FAST) as ros:
        assert ros.get("/system/identity")["name"] == "Mirpur Core CCR"


#
# Each way of failing, with its own exception and the router's own words
#


def test_refused():
    port = closed_port()
    with pytest.raises(RouterRefused) as caught:
        RouterClient("127.0.0.1", port, API_USER, API_PASSWORD, **FAST).connect()
    assert caught.value.kind == "refused"
    assert caught.value.message.startswith(f"Connection refused by 127.0.0.1:{port}")


def test_connect_timeout():
    with unreachable_router() as port, pytest.raises(RouterTimeout) as caught:
        RouterClient("127.0.0.1", port, API_USER, API_PASSWORD, **FAST).connect()
    assert caught.value.kind == "timeout"
    assert "unreachable" in caught.value.message


def test_read_timeout_when_the_router_never_answers():
    with silent_router() as server, pytest.raises(RouterTimeout) as caught:
        RouterClient("127.0.0.1", server.port, API_USER, API_PASSWORD, **FAST).connect()
    assert "did not answer the login" in caught.value.message


def test_the_default_timeouts_answer_within_five_seconds():
    # The promise of issue 3 ("an unreachable router answers within 5 s") rests on these.
    client = RouterClient("127.0.0.1", 8728)
    assert client.connect_timeout < 5 and client.read_timeout < 5
    assert client.connect_timeout == settings.NETBILL_ROUTEROS_CONNECT_TIMEOUT


def test_slow_router_times_out(sim):
    sim.faults.delay("/system/resource", seconds=3)
    with client_for(sim, read_timeout=0.5) as ros, pytest.raises(RouterTimeout) as caught:
        ros.system_info()
    assert "/system/resource/print" in caught.value.message


def test_the_overall_budget_stops_a_router_that_answers_slowly_each_time(sim):
    # Each answer comes within the read timeout, but together they exceed the budget.
    sim.faults.delay("/system/identity", seconds=0.6)
    sim.faults.delay("/system/resource", seconds=0.6)
    client = client_for(sim, read_timeout=1.0, total_timeout=1.0)
    with client as ros, pytest.raises(RouterTimeout) as caught:
        ros.system_info()
    assert "within 1 s" in caught.value.message


def test_slow_login_times_out(sim):
    sim.faults.delay("/login", seconds=3)
    with pytest.raises(RouterTimeout):
        client_for(sim, read_timeout=0.5).connect()


def test_wrong_credentials(sim):
    with pytest.raises(RouterAuthFailed) as caught:
        client_for(sim, password="wrong").connect()
    assert caught.value.kind == "auth"
    assert caught.value.message == "invalid user name or password (6)"


def test_api_service_disabled(sim):
    sim.faults.api_disabled = True
    with pytest.raises(RouterApiDisabled) as caught:
        client_for(sim).connect()
    assert caught.value.kind == "api_disabled"
    assert "available-from" in caught.value.message


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
def test_connection_accepted_then_dropped_is_api_disabled(reset):
    with hanging_up_router(reset=reset) as server, pytest.raises(RouterApiDisabled):
        RouterClient("127.0.0.1", server.port, API_USER, API_PASSWORD, **FAST).connect()


def test_a_trap_carries_the_routers_message_and_category(sim):
    with client_for(sim) as ros:
        ros.add("/ppp/secret", {"name": "dup", "password": "a"})
        with pytest.raises(RouterTrap) as caught:
            ros.add("/ppp/secret", {"name": "dup", "password": "b"})
        # The session is still usable after a trap.
        assert len(ros.print("/ppp/secret")) == 1
    assert caught.value.message == "failure: secret with the same name already exists"


def test_an_injected_trap_keeps_its_category(sim):
    sim.faults.trap("/ppp/aaa/set", "failure: simulated", category=2)
    with client_for(sim) as ros, pytest.raises(RouterTrap) as caught:
        ros.set("/ppp/aaa", {"use-radius": "yes"})
    assert (caught.value.message, caught.value.category) == ("failure: simulated", "2")


def test_fatal(sim):
    sim.faults.fatal("/system/identity", "out of memory")
    with client_for(sim) as ros, pytest.raises(RouterFatal) as caught:
        ros.get("/system/identity")
    assert caught.value.message == "out of memory"


def test_connection_dropped_mid_sentence(sim):
    sim.faults.drop("/system/resource/print", after_bytes=7)
    with client_for(sim) as ros, pytest.raises(RouterConnectionLost) as caught:
        ros.system_info()
    assert "/system/resource/print" in caught.value.message


def test_every_failure_is_a_router_error():
    for cls in (
        RouterTimeout,
        RouterRefused,
        RouterAuthFailed,
        RouterApiDisabled,
        RouterTrap,
        RouterFatal,
        RouterConnectionLost,
    ):
        assert issubclass(cls, RouterError)


def test_tls_against_a_plain_api_port_fails_cleanly(sim):
    with pytest.raises(RouterError) as caught:
        client_for(sim, use_ssl=True).connect()
    assert caught.value.kind in ("api_disabled", "error", "timeout")


#
# The password never reaches a log
#


def test_the_password_is_never_logged(sim, caplog):
    caplog.set_level(logging.DEBUG)
    with client_for(sim) as ros:
        ros.add("/ppp/secret", {"name": "log-me", "password": "Customer-pw-77"})
        ros.print("/ppp/secret")
    with pytest.raises(RouterAuthFailed) as caught:
        client_for(sim, password="Wrong-pw-99").connect()
    text = caplog.text
    assert "<--- /login" in text  # the sentences were logged, with secrets masked
    for secret in (API_PASSWORD, "Customer-pw-77", "Wrong-pw-99"):
        assert secret not in text
        assert secret not in str(caught.value)
    assert API_PASSWORD not in repr(client_for(sim))


def test_describe_word_masks_secrets():
    assert routeros.describe_word("=password=abc") == "=password=********"
    assert routeros.describe_word("=secret=s") == "=secret=********"
    assert routeros.describe_word("=name=abc") == "=name=abc"
    assert routeros.describe_word("?name=x") == "?name=x"
