"""State: persistence, thread safety, the raw editing hooks and the command log."""

import json
import threading

import pytest

from tools.routeros_sim import Simulator, State
from tools.routeros_sim.errors import ApiError


def test_persistence_round_trip(tmp_path):
    path = tmp_path / "router.json"
    with Simulator("admin", "pw", state_file=path) as sim:
        api = sim.connect()
        api.path("ppp", "secret").add(name="alice", password="12345")
        api.path("system", "identity").update(name="nas-1")
        api.close()
        sim.state.ppp_connect("alice", "10.0.0.2")
        sim.state.log("only in memory")
    data = json.loads(path.read_text())
    assert data["format"] == "netbill-routeros-sim/1"
    assert "/ppp/active" not in data["menus"]  # runtime tables are not saved
    assert "/log" not in data["menus"]
    assert all(row.get("dynamic") != "true" for row in data["menus"]["/interface"])

    with Simulator("admin", "pw", state_file=path) as sim:
        secret = sim.state.find("/ppp/secret", "alice")
        assert (secret[".id"], secret["password"]) == ("*1", "12345")
        assert sim.state.settings_row("/system/identity")["name"] == "nas-1"
        assert sim.state["/ppp/active"] == []
        # ids carry on after a restart, never reused
        assert sim.state.add("/ppp/secret", name="bob") == "*2"


def test_saves_are_atomic_renames(tmp_path, monkeypatch):
    path = tmp_path / "router.json"
    state = State(path)
    import os

    calls = []
    real_replace = os.replace

    def spy(src, dst):
        calls.append((os.path.dirname(src), os.path.basename(dst)))
        real_replace(src, dst)

    monkeypatch.setattr("tools.routeros_sim.state.os.replace", spy)
    state.add("/ppp/secret", name="alice")
    assert calls == [(str(tmp_path), "router.json")]
    assert [p.name for p in tmp_path.iterdir()] == ["router.json"]  # no temporary left over


def test_command_line_credentials_override_the_file(tmp_path):
    path = tmp_path / "router.json"
    Simulator("admin", "old", state_file=path)
    with Simulator("admin", "new", state_file=path) as sim:
        sim.connect().close()
        assert [row["name"] for row in sim.state["/user"]] == ["admin"]


def test_unknown_menus_in_the_file_are_ignored(tmp_path):
    path = tmp_path / "router.json"
    path.write_text(
        json.dumps(
            {
                "menus": {
                    "/no/such/menu": [{"x": 1}],
                    "/ppp/secret": [{".id": "*5", "name": "a", "limit-bytes-in": 0}],
                },
                "next_ids": {"/ppp/secret": 6},
            }
        )
    )
    state = State(path)
    assert state["/ppp/secret"] == [{".id": "*5", "name": "a", "limit-bytes-in": "0"}]
    assert state.find("/ppp/profile", "default") is not None  # missing menus get defaults
    assert state.add("/ppp/secret", name="b") == "*6"


def test_edit_and_snapshot(sim):
    with sim.state.edit() as menus:
        menus["/ppp/secret"].append({".id": "*50", "name": "raw", "password": "x"})
    snapshot = sim.state.snapshot()
    snapshot["/ppp/secret"][0]["name"] = "changed in the copy only"
    with sim.client() as client:
        assert client.call("/ppp/secret/print", "=.proplist=.id,name") == [
            {".id": "*50", "name": "raw"}
        ]


def test_reset_returns_to_factory_defaults(sim):
    sim.state.add("/ppp/secret", name="alice")
    sim.state.reset()
    assert sim.state["/ppp/secret"] == []
    assert [row["name"] for row in sim.state["/ppp/profile"]] == ["default", "default-encryption"]


def test_command_log_records_what_was_received(sim):
    with sim.client() as client:
        client.talk("/ppp/secret/add", "=name=alice", "=password=pw", tag="7")
        client.talk("/ppp/secret/print", "?name=alice")
    assert sim.command_log[0][0] == "/login"
    assert sim.command_log[1:] == [
        ("/ppp/secret/add", {"name": "alice", "password": "pw"}),
        ("/ppp/secret/print", {}),
    ]
    assert sim.requests[1].tag == "7"
    assert sim.requests[2].queries == ["name=alice"]
    assert sim.commands("/ppp/secret/add") == [{"name": "alice", "password": "pw"}]


def test_concurrent_writers_from_threads_and_api(sim):
    errors: list[BaseException] = []

    def from_test_thread(n: int) -> None:
        try:
            for i in range(25):
                sim.state.add("/ppp/secret", name=f"t{n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def from_api(n: int) -> None:
        try:
            with sim.client() as client:
                for i in range(25):
                    client.call("/ppp/secret/add", f"=name=a{n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=from_test_thread, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=from_api, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    rows = sim.state["/ppp/secret"]
    assert len(rows) == 200
    assert len({row[".id"] for row in rows}) == 200


def test_state_without_a_running_server():
    state = State()
    row_id = state.add("/ip/pool", {"name": "p", "ranges": "10.0.0.1-10.0.0.5"})
    state.set("/ip/pool", row_id, comment="c")
    assert state.get("/ip/pool", "p")["comment"] == "c"
    state.remove("/ip/pool", "p")
    with pytest.raises(ApiError):
        state.remove("/ip/pool", "p")
