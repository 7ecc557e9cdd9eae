"""The menus: defaults, settings menus, runtime values, side effects, log lines."""

import time

import pytest

from tools.routeros_sim import ApiError, ApiTrap
from tools.routeros_sim.runtime import parse_duration


def rows(client, menu, *words):
    return client.call(f"{menu}/print", *words)


# -- settings menus ---------------------------------------------------------------------------


def test_identity_print_and_set(client, sim):
    assert rows(client, "/system/identity") == [{"name": "MikroTik"}]
    client.call("/system/identity/set", "=name=core-router-1")
    assert rows(client, "/system/identity") == [{"name": "core-router-1"}]
    assert "system identity changed by admin" in sim.state.log_messages()


def test_identity_from_the_constructor(routeros_sim_factory):
    sim = routeros_sim_factory(identity="mirpur-nas")
    with sim.client() as client:
        assert rows(client, "/system/identity") == [{"name": "mirpur-nas"}]


@pytest.mark.parametrize(
    ("menu", "expected"),
    [
        (
            "/ppp/aaa",
            {
                "use-radius": "false",
                "accounting": "true",
                "interim-update": "0s",
            },
        ),
        ("/radius/incoming", {"accept": "false", "port": "3799"}),
    ],
)
def test_settings_menus_print_one_row_without_id(client, menu, expected):
    (row,) = rows(client, menu)
    assert ".id" not in row
    assert {k: row[k] for k in expected} == expected


def test_settings_menus_set_without_id(client):
    client.call("/ppp/aaa/set", "=use-radius=yes", "=interim-update=5m")
    (row,) = rows(client, "/ppp/aaa")
    assert (row["use-radius"], row["interim-update"]) == ("true", "5m")
    client.call("/radius/incoming/set", "=accept=yes", "=port=1700")
    assert rows(client, "/radius/incoming", "=.proplist=accept,port") == [
        {"accept": "true", "port": "1700"}
    ]
    with pytest.raises(ApiTrap, match="unknown parameter"):
        client.call("/ppp/aaa/set", "=.id=*1", "=use-radius=no")
    with pytest.raises(ApiTrap, match="no such command"):
        client.call("/ppp/aaa/add", "=use-radius=no")


def test_system_resource_uptime_grows(client, sim):
    (before,) = rows(client, "/system/resource")
    assert parse_duration(before["uptime"]) < 10
    with sim.state.lock:
        sim.state.boot_monotonic -= 8 * 86400 + 3725  # as if the router had run that long
    (after,) = rows(client, "/system/resource")
    assert after["uptime"].startswith("1w1d1h2m")
    assert 8 * 86400 + 3725 <= parse_duration(after["uptime"]) < 8 * 86400 + 3735
    assert 0 <= int(after["cpu-load"]) <= 100
    assert int(after["write-sect-total"]) > int(before["write-sect-total"])
    with pytest.raises(ApiTrap, match="no such command"):
        client.call("/system/resource/set", "=cpu-load=5")


def test_get_reads_one_value(client):
    client.call("/ppp/secret/add", "=name=alice", "=password=pw1")
    assert client.call("/ppp/secret/get", "=number=alice", "=value-name=password") == [
        {"ret": "pw1"}
    ]
    assert client.call("/system/identity/get", "=value-name=name") == [{"ret": "MikroTik"}]


# -- interfaces ---------------------------------------------------------------------------------


def test_interfaces_and_counters_grow(client):
    names = [row["name"] for row in rows(client, "/interface")]
    assert names == ["ether1", "ether2", "ether3", "ether4", "ether5"]
    (first,) = rows(client, "/interface", "?name=ether1")
    time.sleep(0.01)
    (second,) = rows(client, "/interface", "?name=ether1")
    for key in ("rx-byte", "tx-byte", "rx-packet", "tx-packet"):
        assert int(second[key]) >= int(first[key])
    assert int(second["rx-byte"]) > int(first["rx-byte"])
    (down,) = rows(client, "/interface", "?name=ether5")
    assert down["running"] == "false"
    assert down["rx-byte"] == "0"


def test_disabled_interface_counters_stop_and_reset_counters(client):
    client.call("/interface/disable", "=numbers=ether2")
    (a,) = rows(client, "/interface", "?name=ether2")
    time.sleep(0.01)
    (b,) = rows(client, "/interface", "?name=ether2")
    assert a["rx-byte"] == b["rx-byte"]
    assert a["disabled"] == "true"
    (traffic,) = client.call("/interface/monitor-traffic", "=interface=ether2", "=once=")
    assert traffic["rx-bits-per-second"] == "0"
    client.call("/interface/enable", "=numbers=ether2")
    client.call("/interface/reset-counters", "=numbers=ether2")
    (c,) = rows(client, "/interface", "?name=ether2")
    assert int(c["rx-byte"]) < int(b["rx-byte"]) or int(b["rx-byte"]) == 0
    with pytest.raises(ApiTrap, match="no such command"):
        client.call("/interface/add", "=name=x")


def test_monitor_traffic_unknown_interface(client):
    with pytest.raises(ApiTrap, match="input does not match any value of interface"):
        client.call("/interface/monitor-traffic", "=interface=ether9", "=once=")


# -- PPP ------------------------------------------------------------------------------------------


def test_default_profiles(client):
    profiles = rows(client, "/ppp/profile", "=.proplist=.id,name,default,use-encryption")
    assert profiles == [
        {".id": "*0", "name": "default", "use-encryption": "default", "default": "true"},
        {
            ".id": "*FFFFFFFE",
            "name": "default-encryption",
            "use-encryption": "yes",
            "default": "true",
        },
    ]


def test_secret_profile_reference_is_checked_on_set_too(client):
    client.call("/ppp/secret/add", "=name=alice")
    with pytest.raises(ApiTrap, match="input does not match any value of profile"):
        client.call("/ppp/secret/set", "=numbers=alice", "=profile=gold")


def test_rename_into_an_existing_name_fails(client):
    client.call("/ppp/secret/add", "=name=alice")
    client.call("/ppp/secret/add", "=name=bob")
    with pytest.raises(ApiTrap, match="secret with the same name already exists"):
        client.call("/ppp/secret/set", "=numbers=bob", "=name=alice")


def test_numbers_take_names_ids_and_comma_lists(client, sim):
    for name in ("a", "b", "c", "d"):
        client.call("/ppp/secret/add", f"=name={name}")
    client.call("/ppp/secret/disable", "=numbers=a,*2")
    client.call("/ppp/secret/comment", "=numbers=c,d", "=comment=vip")
    client.call("/ppp/secret/unset", "=numbers=d", "=value-name=comment")
    state = {row["name"]: row for row in sim.state["/ppp/secret"]}
    assert [state[n]["disabled"] for n in "abcd"] == ["true", "true", "false", "false"]
    assert state["c"]["comment"] == "vip"
    assert "comment" not in state["d"]
    client.call("/ppp/secret/remove", "=numbers=a,b")
    assert [row["name"] for row in sim.state["/ppp/secret"]] == ["c", "d"]


def test_active_sessions_and_disconnect(client, sim):
    client.call("/ppp/secret/add", "=name=alice", "=service=pppoe")
    session_id = sim.state.ppp_connect("alice", "10.20.0.5", **{"caller-id": "AA:BB:CC:00:11:22"})
    (active,) = rows(client, "/ppp/active")
    assert active[".id"] == session_id
    assert (active["name"], active["address"], active["service"]) == ("alice", "10.20.0.5", "pppoe")
    assert "uptime" in active and "login-time" not in active
    dynamic = rows(client, "/interface", "?dynamic=yes", "=.proplist=name,type")
    assert dynamic == [{"name": "<pppoe-alice>", "type": "pppoe-in"}]

    client.call("/ppp/active/remove", "=numbers=alice")
    assert rows(client, "/ppp/active") == []
    assert rows(client, "/interface", "?dynamic=yes") == []
    assert "alice logged out" in sim.state.log_messages()
    assert sim.state.find("/ppp/secret", "alice")["last-disconnect-reason"] == (
        "administrative-reset"
    )
    with pytest.raises(ApiTrap, match="no such command"):
        client.call("/ppp/active/set", "=numbers=alice", "=address=1.1.1.1")


def test_pools_and_used(client):
    client.call("/ip/pool/add", "=name=overflow", "=ranges=10.99.0.2-10.99.0.9")
    client.call(
        "/ip/pool/add",
        "=name=main",
        "=ranges=10.20.0.2-10.20.0.254,10.21.0.0/24",
        "=next-pool=overflow",
    )
    with pytest.raises(ApiTrap, match="input does not match any value of next-pool"):
        client.call("/ip/pool/add", "=name=x", "=ranges=10.0.0.1", "=next-pool=ghost")
    with pytest.raises(ApiTrap, match="invalid value for argument ranges"):
        client.call("/ip/pool/add", "=name=bad", "=ranges=10.0.0.9-10.0.0.1")
    (main,) = rows(client, "/ip/pool", "?name=main")
    assert main["ranges"] == "10.20.0.2-10.20.0.254,10.21.0.0/24"
    assert main["next-pool"] == "overflow"


def test_pool_used_lists_session_addresses(client, sim):
    client.call("/ip/pool/add", "=name=main", "=ranges=10.20.0.2-10.20.0.254")
    sim.state.ppp_connect("alice", "10.20.0.7")
    sim.state.ppp_connect("bob", "192.168.200.3")
    assert rows(client, "/ip/pool/used", "=.proplist=pool,address,info") == [
        {"pool": "main", "address": "10.20.0.7", "info": "alice"}
    ]


# -- hotspot, RADIUS, netwatch, queues, address lists ----------------------------------------


def test_hotspot_users(client, sim):
    client.call("/ip/hotspot/user/add", "=name=guest1", "=password=123", "=limit-uptime=1h")
    with pytest.raises(ApiTrap, match="already have user with this name for this server"):
        client.call("/ip/hotspot/user/add", "=name=guest1")
    with pytest.raises(ApiTrap, match="input does not match any value of profile"):
        client.call("/ip/hotspot/user/add", "=name=guest2", "=profile=vip")
    (user,) = rows(client, "/ip/hotspot/user")
    assert (user["server"], user["profile"], user["bytes-in"]) == ("all", "default", "0")
    sim.state.hotspot_login("guest1", "10.5.50.10")
    (active,) = rows(client, "/ip/hotspot/active")
    assert active["user"] == "guest1"
    client.call("/ip/hotspot/active/remove", f"=.id={active['.id']}")
    assert rows(client, "/ip/hotspot/active") == []


def test_radius_rows(client, sim):
    ret = client.call(
        "/radius/add",
        "=service=ppp,hotspot",
        "=address=10.0.0.10",
        "=secret=s3cr3t",
        "=timeout=1100ms",
        "=src-address=10.0.0.1",
        "=comment=netbill",
    )
    radius_id = ret[-1]["ret"]
    (row,) = rows(client, "/radius")
    assert row == {
        ".id": radius_id,
        "service": "ppp,hotspot",
        "called-id": "",
        "domain": "",
        "address": "10.0.0.10",
        "protocol": "udp",
        "secret": "s3cr3t",
        "authentication-port": "1812",
        "accounting-port": "1813",
        "timeout": "1100ms",
        "accounting-backup": "false",
        "realm": "",
        "src-address": "10.0.0.1",
        "certificate": "none",
        "require-message-auth": "true",
        "disabled": "false",
        "comment": "netbill",
    }
    with pytest.raises(ApiTrap, match="input does not match any value of service"):
        client.call("/radius/add", "=service=ppp,telepathy", "=address=10.0.0.11")
    client.call("/radius/set", f"=.id={radius_id}", "=authentication-port=11812")
    assert sim.state.get("/radius", radius_id)["authentication-port"] == "11812"
    client.call("/radius/remove", f"=.id={radius_id}")
    assert rows(client, "/radius") == []


def test_log_print_and_script_logging(client, sim):
    client.call("/log/info", "=message=hello")
    client.call("/log/warning", "=message=careful")
    lines = rows(client, "/log", "?topics=script,warning")
    assert [line["message"] for line in lines] == ["careful"]
    assert set(lines[0]) == {".id", "time", "topics", "message"}
    with pytest.raises(ApiTrap, match="no such command"):
        client.call("/log/remove", "=numbers=*1")


def test_netwatch(client, sim):
    ret = client.call("/tool/netwatch/add", "=host=10.0.0.1", "=interval=30s")
    netwatch_id = ret[-1]["ret"]
    (row,) = rows(client, "/tool/netwatch")
    assert (row["status"], row["interval"]) == ("unknown", "30s")
    sim.state.set("/tool/netwatch", netwatch_id, status="down", since="2025-01-06 10:00:00")
    (row,) = rows(client, "/tool/netwatch", "?status=down")
    assert row["since"] == "2025-01-06 10:00:00"
    with pytest.raises(ApiTrap, match="unknown parameter"):
        client.call("/tool/netwatch/set", f"=.id={netwatch_id}", "=status=up")


def test_simple_queue_auto_name_and_address_list_uniqueness(client):
    client.call("/queue/simple/add", "=target=10.20.0.5/32", "=max-limit=5M/10M")
    client.call("/queue/simple/add", "=target=10.20.0.6/32")
    assert [row["name"] for row in rows(client, "/queue/simple")] == ["queue1", "queue2"]
    client.call("/ip/firewall/address-list/add", "=list=suspended", "=address=10.20.0.5")
    with pytest.raises(ApiTrap, match="failure: already have such entry"):
        client.call("/ip/firewall/address-list/add", "=list=suspended", "=address=10.20.0.5")
    client.call("/ip/firewall/address-list/add", "=list=expired", "=address=10.20.0.5")
    assert len(rows(client, "/ip/firewall/address-list")) == 2
    (entry,) = rows(client, "/ip/firewall/address-list", "?list=suspended")
    assert entry["creation-time"]


def test_api_writes_are_logged_with_the_user(client, sim):
    client.call("/ppp/secret/add", "=name=alice")
    client.call("/ppp/secret/set", "=numbers=alice", "=comment=x")
    client.call("/ppp/secret/remove", "=numbers=alice")
    messages = sim.state.log_messages()
    assert "ppp secret <alice> added by admin" in messages
    assert "ppp secret <alice> changed by admin" in messages
    assert "ppp secret <alice> removed by admin" in messages


def test_reboot_keeps_config_and_forgets_sessions(sim):
    sim.state.add("/ppp/secret", name="alice")
    sim.state.ppp_connect("alice", "10.0.0.2")
    with sim.client() as client:
        client.send("/system/reboot")
        assert client.read().kind == "!done"
        with pytest.raises(ConnectionError):
            client.read_words()
    assert sim.state["/ppp/active"] == []
    assert sim.state.find("/ppp/secret", "alice") is not None
    assert sim.state.log_messages() == ["router rebooted"]
    with sim.client() as client:
        (resource,) = client.call("/system/resource/print", "=.proplist=uptime")
        assert parse_duration(resource["uptime"]) < 10


def test_state_api_validates_like_the_router(sim):
    with pytest.raises(ApiError, match="input does not match any value of profile"):
        sim.state.add("/ppp/secret", name="x", profile="nope")
    with pytest.raises(ApiError, match="unknown parameter"):
        sim.state.add("/ppp/secret", name="x", colour="blue")
    with pytest.raises(ApiError, match="no such item"):
        sim.state.get("/ppp/secret", "ghost")
    assert sim.state.add("/ppp/secret", name="x", disabled=True) == "*1"
    assert sim.state.get("/ppp/secret", "x")["disabled"] == "true"
