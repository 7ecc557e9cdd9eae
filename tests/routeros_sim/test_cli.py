"""`python -m tools.routeros_sim` as a real process: start, serve, SIGTERM, restart."""

import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import librouteros
import pytest
from librouteros.exceptions import TrapError

from tools.routeros_sim.__main__ import apply_faults, parse_args
from tools.routeros_sim.faults import Faults

from .conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"routeros_sim listening on ([\d.]+):(\d+)")


def start(*args: str) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tools.routeros_sim", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        if ready:
            line = proc.stdout.readline()
            match = READY.search(line)
            if match:
                return proc, int(match.group(2))
        if proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"simulator did not start: {proc.stderr.read()}")


def stop(proc: subprocess.Popen) -> float:
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:  # pragma: no cover - the failure being tested
        proc.kill()
        raise
    finally:
        proc.stdout.close()
        proc.stderr.close()
    return time.monotonic() - started


def test_serve_stop_restart_keeps_the_secrets(tmp_path):
    state = tmp_path / "router1.json"
    port = free_port()
    proc, bound = start("--port", str(port), "--state", str(state), "--password", "pw")
    try:
        assert bound == port
        api = librouteros.connect("127.0.0.1", "admin", "pw", port=port, timeout=5)
        api.path("ppp", "secret").add(name="alice", password="12345")
        # An open connection must not keep the process from stopping.
        elapsed = stop(proc)
        api.close()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert elapsed < 3
    assert state.exists()

    proc, _ = start("--port", str(port), "--state", str(state), "--password", "pw")
    try:
        api = librouteros.connect("127.0.0.1", "admin", "pw", port=port, timeout=5)
        names = [(row["name"], str(row["password"])) for row in api.path("ppp", "secret")]
        assert names == [("alice", "12345")]
        api.close()
    finally:
        stop(proc)
    assert proc.returncode == 0


def test_port_zero_options_and_faults_from_flags(tmp_path):
    proc, port = start(
        "--port",
        "0",
        "--user",
        "noc",
        "--password",
        "x",
        "--identity",
        "mirpur-nas",
        "--ros-version",
        "7.19.1",
        "--trap",
        "/ppp/secret/add=failure: busy",
    )
    try:
        api = librouteros.connect("127.0.0.1", "noc", "x", port=port, timeout=5)
        assert [row["name"] for row in api.path("system", "identity")] == ["mirpur-nas"]
        assert tuple(api.path("ppp", "secret")) == ()  # !empty (7.19) handled
        with pytest.raises(TrapError, match="failure: busy"):
            api.path("ppp", "secret").add(name="a")
        api.close()
    finally:
        stop(proc)
    assert proc.returncode == 0


def test_bad_arguments_exit_2():
    result = subprocess.run(
        [sys.executable, "-m", "tools.routeros_sim", "--trap", "no-equals-sign"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 2
    assert "COMMAND=VALUE" in result.stderr


def test_port_in_use_exits_1(sim):
    result = subprocess.run(
        [sys.executable, "-m", "tools.routeros_sim", "--port", str(sim.port)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 1
    assert "cannot listen" in result.stderr


def test_fault_flags_parse():
    faults = Faults()
    apply_faults(
        faults,
        parse_args(
            [
                "--delay",
                "1.5",
                "--delay",
                "/ppp/secret/add=2",
                "--trap",
                "*=failure: busy",
                "--fatal",
                "/system/resource/print=boom",
                "--drop",
                "/ppp/secret/print",
                "--api-disabled",
                "--reject-login",
            ]
        ),
    )
    data = faults.to_dict()
    assert data["api_disabled"] is True
    assert data["reject_login"] is True
    assert data["rules"] == [
        {"kind": "delay", "seconds": 1.5},
        {"kind": "delay", "command": "/ppp/secret/add", "seconds": 2.0},
        {"kind": "trap", "message": "failure: busy"},
        {"kind": "fatal", "command": "/system/resource/print", "message": "boom"},
        {"kind": "drop", "command": "/ppp/secret/print"},
    ]
