"""What the platform's RouterOS adapter will do: librouteros 4.2.2 against the simulator."""

import librouteros
import pytest
from librouteros.exceptions import ConnectionClosed, FatalError, TrapError
from librouteros.query import Key

from .conftest import ROUTEROS_SIM_PASSWORD


def test_connect_and_read_system_resource(sim, api):
    (row,) = api("/system/resource/print")
    assert row["board-name"] == "RB4011iGS+"
    assert row["version"] == "7.16.2 (stable)"
    assert row["architecture-name"] == "arm"
    for key in (
        "uptime",
        "cpu-load",
        "cpu-count",
        "free-memory",
        "total-memory",
        "free-hdd-space",
        "total-hdd-space",
    ):
        assert key in row
    assert row["free-memory"] < row["total-memory"]  # ints after librouteros's casting


def test_ros_version_and_board_are_configurable(routeros_sim_factory):
    sim = routeros_sim_factory(ros_version="6.49.17", board_name="CCR2004-1G-12S+2XS")
    api = sim.connect()
    (row,) = api.path("system", "resource")
    assert row["version"] == "6.49.17 (stable)"
    assert row["board-name"] == "CCR2004-1G-12S+2XS"
    api.close()


def test_wrong_password_raises_trap(sim):
    with pytest.raises(TrapError) as excinfo:
        librouteros.connect(sim.host, "admin", "wrong", port=sim.port, timeout=5)
    assert excinfo.value.message == "invalid user name or password (6)"


def test_token_login_is_refused_like_a_current_router(sim):
    with pytest.raises(TrapError):
        librouteros.connect(
            sim.host,
            "admin",
            ROUTEROS_SIM_PASSWORD,
            port=sim.port,
            timeout=5,
            login_method=librouteros.login.token,
        )


def test_secret_lifecycle_with_path(sim, api):
    secrets = api.path("ppp", "secret")
    secret_id = secrets.add(
        name="alice",
        password="12345",
        service="pppoe",
        profile="default",
        comment="customer 1001",
    )
    assert secret_id == "*1"
    (row,) = tuple(secrets)
    assert row["name"] == "alice"
    assert row["password"] == 12345  # librouteros casts; the wire sends "12345"
    assert row["disabled"] is False
    assert sim.state.find("/ppp/secret", "alice")["password"] == "12345"

    secrets.update(**{".id": secret_id, "password": "s3cret", "disabled": True})
    row = sim.state.find("/ppp/secret", "alice")
    assert (row["password"], row["disabled"]) == ("s3cret", "true")

    secrets.remove(secret_id)
    assert tuple(secrets) == ()
    assert sim.commands("/ppp/secret/remove") == [{".id": "*1"}]


def test_select_where(api):
    secrets = api.path("ppp", "secret")
    for name, service in (("a", "pppoe"), ("b", "pppoe"), ("c", "l2tp"), ("d", "sstp")):
        secrets.add(name=name, service=service)
    name, service = Key("name"), Key("service")
    assert [r["name"] for r in secrets.select(name).where(service == "pppoe")] == ["a", "b"]
    assert [r["name"] for r in secrets.select(name).where(service != "pppoe")] == ["c", "d"]
    assert [r["name"] for r in secrets.select(name).where(name.In("a", "d", "zz"))] == ["a", "d"]
    assert [r["name"] for r in secrets.select(name).where(name > "b")] == ["c", "d"]
    selected = list(secrets.select(name, service).where(Key("disabled") == False))  # noqa: E712
    assert selected[0] == {"name": "a", "service": "pppoe"}
    assert len(selected) == 4


def test_remove_several_ids_at_once(sim, api):
    secrets = api.path("ppp", "secret")
    ids = [secrets.add(name=f"u{n}") for n in range(4)]
    secrets.remove(ids[0], ids[2])
    assert [row["name"] for row in secrets] == ["u1", "u3"]


def test_remove_is_all_or_nothing(sim, api):
    secrets = api.path("ppp", "secret")
    first = secrets.add(name="keep")
    with pytest.raises(TrapError, match="no such item"):
        secrets.remove(first, "*77")
    assert [row["name"] for row in secrets] == ["keep"]


def test_errors_are_trap_errors_with_routeros_wording(api):
    secrets = api.path("ppp", "secret")
    secrets.add(name="alice")
    with pytest.raises(TrapError) as excinfo:
        secrets.add(name="alice")
    assert excinfo.value.message == "failure: secret with the same name already exists"
    with pytest.raises(TrapError, match="input does not match any value of profile"):
        secrets.add(name="bob", profile="gold")
    with pytest.raises(TrapError, match="no such item"):
        secrets.update(**{".id": "*99", "comment": "x"})
    with pytest.raises(TrapError, match="no such command prefix"):
        tuple(api("/ppp/nothing/print"))
    with pytest.raises(TrapError, match="no such command$"):
        tuple(api("/ppp/secret/frobnicate"))


def test_profile_then_secret_that_uses_it(api):
    api.path("ip", "pool").add(name="pool-gold", ranges="10.20.0.2-10.20.0.254")
    profiles = api.path("ppp", "profile")
    profiles.add(
        **{
            "name": "gold",
            "local-address": "10.20.0.1",
            "remote-address": "pool-gold",
            "rate-limit": "10M/20M",
            "only-one": "yes",
        }
    )
    with pytest.raises(TrapError, match="input does not match any value of remote-address"):
        profiles.add(**{"name": "silver", "remote-address": "pool-missing"})
    api.path("ppp", "secret").add(name="alice", profile="gold")
    (row,) = api.path("ppp", "secret").select(Key("profile")).where(Key("name") == "alice")
    assert row == {"profile": "gold"}


def test_raw_command_call_and_count_only(api):
    api.path("ppp", "secret").add(name="a")
    api.path("ppp", "secret").add(name="b")
    assert tuple(api("/ppp/secret/print", **{"count-only": ""})) == ({"ret": 2},)


def test_monitor_traffic_once_through_librouteros(api):
    (row,) = api("/interface/monitor-traffic", interface="ether1", once=True)
    assert row["name"] == "ether1"
    assert row["rx-bits-per-second"] > 0


def test_empty_mode_is_handled_by_librouteros(routeros_sim_factory):
    sim = routeros_sim_factory(ros_version="7.18.2")
    api = sim.connect()
    assert tuple(api.path("ppp", "secret")) == ()
    api.close()


def test_fatal_closes_the_librouteros_connection(sim, api):
    sim.faults.fatal("/ppp/secret/print", "out of memory")
    with pytest.raises(FatalError, match="out of memory"):
        tuple(api.path("ppp", "secret"))


def test_quit(api):
    with pytest.raises(FatalError, match="session terminated on request"):
        tuple(api("/quit"))


def test_read_only_user_cannot_write(routeros_sim_factory):
    sim = routeros_sim_factory(group="read")
    api = sim.connect()
    assert tuple(api.path("ppp", "secret")) == ()
    with pytest.raises(TrapError, match=r"not enough permissions \(9\)"):
        api.path("ppp", "secret").add(name="x")
    api.close()


def test_disconnect_all_is_seen_as_a_closed_connection(sim, api):
    sim.disconnect_all()
    with pytest.raises((ConnectionClosed, ConnectionError, OSError)):
        tuple(api.path("ppp", "secret"))
