"""Fault injection: slow, broken and unreachable routers."""

import json
import socket
import time

import librouteros
import pytest
from librouteros.exceptions import ConnectionClosed as LibClosed
from librouteros.exceptions import FatalError, TrapError

from tools.routeros_sim import ConnectionClosed, RawClient, Simulator
from tools.routeros_sim.faults import FaultRule, Faults

from .conftest import ROUTEROS_SIM_PASSWORD, ROUTEROS_SIM_USER


def probe(host, port):
    """What a fresh connection reads first: None when it is reset."""
    try:
        sock = socket.create_connection((host, port), timeout=2)
    except ConnectionError:
        return None
    with sock:
        try:
            return sock.recv(1)
        except ConnectionResetError:
            return None


def kinds(replies):
    return [reply.kind for reply in replies]


def test_delay_for_one_command(sim, client):
    sim.faults.delay("/ppp/secret/print", 0.25)
    started = time.monotonic()
    client.send("/ppp/secret/print", ".tag=slow")
    client.send("/system/identity/print", ".tag=fast")
    assert [(r.kind, r.tag) for r in client.collect("fast")] == [("!re", "fast"), ("!done", "fast")]
    assert [(r.kind, r.tag) for r in client.collect("slow")] == [("!done", "slow")]
    assert time.monotonic() - started >= 0.25


def test_delay_for_any_command_spares_login_unless_named(sim):
    sim.faults.delay(None, 30)
    with sim.client(timeout=5) as client:  # a delayed login would time out here
        client.send("/system/identity/print", ".tag=x")
        client.call("/cancel", "=tag=x")  # /cancel is not delayed either
        assert [(r.kind, r.attrs.get("message")) for r in client.other] == [
            ("!trap", "interrupted")
        ]


def test_slow_login_makes_librouteros_time_out(sim):
    sim.faults.delay("/login", 1.0)
    with pytest.raises((TimeoutError, socket.timeout)):
        librouteros.connect(
            sim.host, ROUTEROS_SIM_USER, ROUTEROS_SIM_PASSWORD, port=sim.port, timeout=0.2
        )


def test_trap_fires_times_then_stops_and_changes_nothing(sim, api):
    sim.faults.trap("/ppp/secret/add", "failure: router busy", category=4, times=1)
    secrets = api.path("ppp", "secret")
    with pytest.raises(TrapError) as excinfo:
        secrets.add(name="alice")
    assert (excinfo.value.message, excinfo.value.category) == ("failure: router busy", 4)
    assert sim.state["/ppp/secret"] == []
    assert secrets.add(name="alice") == "*1"  # the retry works


def test_trap_keeps_the_tag(sim, client):
    sim.faults.trap("/ppp/secret", "failure: busy")
    replies = client.talk("/ppp/secret/print", tag="t")
    assert [(r.kind, r.tag) for r in replies] == [("!trap", "t"), ("!done", "t")]


def test_fatal_closes_the_connection(sim, client):
    sim.faults.fatal("/ppp/secret/add", "out of memory")
    replies = client.talk("/ppp/secret/add", "=name=alice")
    assert [(r.kind, r.attrs) for r in replies] == [("!fatal", {"message": "out of memory"})]
    with pytest.raises((ConnectionClosed, ConnectionResetError)):
        client.read_words()
    assert sim.state["/ppp/secret"] == []


def test_drop_sends_part_of_the_reply_then_closes(sim, client):
    sim.state.add("/ppp/secret", name="alice", comment="x" * 200)
    sim.faults.drop("/ppp/secret/print")
    client.send("/ppp/secret/print")
    with pytest.raises(ConnectionClosed):
        client.read_words()
    assert client.pending_bytes > 0  # half a sentence arrived


def test_drop_after_the_change_was_applied(sim, api):
    """The reply is lost but the router did the work: the caller must not assume either."""
    sim.faults.drop("/ppp/secret/add", after_bytes=3)
    with pytest.raises((LibClosed, ConnectionError)):
        api.path("ppp", "secret").add(name="alice")
    assert sim.state.find("/ppp/secret", "alice") is not None


def test_api_disabled_resets_without_a_reply(sim):
    sim.faults.api_disabled = True
    with pytest.raises((LibClosed, ConnectionError)):
        librouteros.connect(
            sim.host, ROUTEROS_SIM_USER, ROUTEROS_SIM_PASSWORD, port=sim.port, timeout=2
        )
    assert probe(sim.host, sim.port) in (None, b"")  # reset, or EOF: never a reply
    sim.faults.api_disabled = False
    sim.connect().close()


def test_ip_service_api_disabled_and_available_from(sim, client):
    client.call("/ip/service/set", "=numbers=api", "=address=10.0.0.0/8")
    with pytest.raises((LibClosed, ConnectionError)):
        sim.connect(timeout=2)
    sim.state.set("/ip/service", "api", address="127.0.0.0/8,10.0.0.0/8")
    sim.connect().close()
    sim.state.set("/ip/service", "api", disabled="yes")
    with pytest.raises((LibClosed, ConnectionError)):
        sim.connect(timeout=2)


def test_reject_login_even_with_the_right_password(sim):
    sim.faults.reject_login = True
    with pytest.raises(TrapError, match=r"invalid user name or password \(6\)"):
        sim.connect()
    assert "login failure for user admin from 127.0.0.1 via api" in sim.state.log_messages()
    sim.faults.clear()
    sim.connect().close()


def test_clear_removes_every_rule(sim, client):
    sim.faults.trap("*", "failure: x")
    sim.faults.fatal("/ppp/secret/add")
    sim.faults.clear()
    assert sim.faults.rules == []
    assert kinds(client.talk("/ppp/secret/add", "=name=a")) == ["!done"]


def test_patterns():
    assert FaultRule("trap", None).matches("/ppp/secret/add")
    assert not FaultRule("trap", None).matches("/login")
    assert not FaultRule("trap", "*").matches("/cancel")
    assert FaultRule("trap", "/login").matches("/login")
    assert FaultRule("trap", "/ppp/secret").matches("/ppp/secret/print")
    assert not FaultRule("trap", "/ppp/secret").matches("/ppp/secrets/print")
    assert FaultRule("trap", "/ppp/*/add").matches("/ppp/profile/add")
    assert not FaultRule("trap", "/ppp/*/add").matches("/ppp/profile/set")


def test_faults_round_trip_through_a_dict():
    faults = Faults()
    faults.delay("/ppp/secret/add", 2)
    faults.trap("*", "failure: busy", category=4, times=3)
    faults.reject_login = True
    copy = Faults()
    copy.load(json.loads(json.dumps(faults.to_dict())))
    assert copy.to_dict() == faults.to_dict()
    with pytest.raises(ValueError):
        Faults().load({"rules": [{"kind": "explode"}]})


def test_faults_from_the_state_file(tmp_path):
    path = tmp_path / "router.json"
    Simulator("admin", "pw", state_file=path)  # writes the file
    data = json.loads(path.read_text())
    data["faults"] = {
        "rules": [{"kind": "trap", "command": "/ppp/secret/add", "message": "failure: from file"}]
    }
    path.write_text(json.dumps(data))
    with Simulator("admin", "pw", state_file=path) as sim, sim.client() as client:
        replies = client.talk("/ppp/secret/add", "=name=x")
        assert replies[0].attrs["message"] == "failure: from file"
        sim.state.add("/ppp/secret", name="y")  # a save keeps the file's faults
    assert json.loads(path.read_text())["faults"] == data["faults"]


def test_fatal_through_librouteros(sim, api):
    sim.faults.fatal(None, "simulated crash", times=1)
    with pytest.raises(FatalError, match="simulated crash"):
        tuple(api.path("system", "resource"))


def test_raw_client_sees_eof_on_api_disabled(sim):
    sim.faults.api_disabled = True
    with (
        pytest.raises((ConnectionClosed, ConnectionResetError)),
        RawClient(sim.host, sim.port) as client,
    ):
        client.login(ROUTEROS_SIM_USER, ROUTEROS_SIM_PASSWORD)


def test_drop_on_login(sim):
    sim.faults.drop("/login")
    with pytest.raises((LibClosed, ConnectionError)):
        sim.connect()


def test_the_first_matching_rule_wins(sim, client):
    sim.faults.drop("/ppp/secret/print", times=1)
    sim.faults.trap("/ppp/secret/print", "failure: second")
    with pytest.raises(ConnectionClosed):
        client.talk("/ppp/secret/print")
    with sim.client() as again:
        replies = again.talk("/ppp/secret/print")
        assert replies[0].attrs["message"] == "failure: second"


def test_cancel_a_delayed_command(sim, client):
    sim.faults.delay("/system/resource/print", 5)
    client.send("/system/resource/print", ".tag=slow")
    client.call("/system/identity/print")  # the slow one is now sleeping
    started = time.monotonic()
    replies = client.talk("/cancel", "=tag=slow", tag="c")
    assert [(r.kind, r.tag) for r in client.other + replies] == [
        ("!trap", "slow"),
        ("!done", "c"),
    ]
    assert [(r.kind, r.tag) for r in client.collect("slow")] == [("!done", "slow")]
    assert time.monotonic() - started < 1
