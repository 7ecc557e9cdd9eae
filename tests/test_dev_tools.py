"""`make run`'s machinery: beat's schedule and the process supervisor of tools/devrun.py."""

import io
import os
import signal
import subprocess
import sys
import time

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from tools import devrun

#
# ensure_schedule
#


@pytest.mark.django_db
def test_ensure_schedule_creates_the_heartbeat_once():
    call_command("ensure_schedule", stdout=io.StringIO())
    call_command("ensure_schedule", stdout=io.StringIO())

    entry = PeriodicTask.objects.get(task="core.worker_heartbeat")
    assert PeriodicTask.objects.filter(task="core.worker_heartbeat").count() == 1
    assert entry.enabled is True
    assert (entry.interval.every, entry.interval.period) == (60, IntervalSchedule.SECONDS)
    # Runs as soon as beat starts, not one interval later.
    assert entry.start_time is not None


@pytest.mark.django_db
def test_ensure_schedule_repairs_an_edited_entry():
    call_command("ensure_schedule", stdout=io.StringIO())
    hourly = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    PeriodicTask.objects.filter(task="core.worker_heartbeat").update(enabled=False, interval=hourly)

    call_command("ensure_schedule", stdout=io.StringIO())

    entry = PeriodicTask.objects.get(task="core.worker_heartbeat")
    assert entry.enabled is True
    assert (entry.interval.every, entry.interval.period) == (60, IntervalSchedule.SECONDS)


def test_heartbeat_task_is_registered_under_the_scheduled_name():
    from netbill.celery import app

    app.loader.import_default_modules()
    assert "core.worker_heartbeat" in app.tasks


#
# devrun: commands and environment
#


def test_dev_environment_and_commands(tmp_path):
    env = devrun.dev_environ({"PATH": "/usr/bin", "NETBILL_VAR_DIR": str(tmp_path)})
    assert env["NETBILL_DEV"] == "1"
    assert env["DJANGO_SETTINGS_MODULE"] == "netbill.settings"
    assert devrun.var_dir(env) == tmp_path
    assert devrun.var_dir({}) == devrun.ROOT / "var"

    cmds = devrun.service_commands(8123)
    assert cmds["web"][-2:] == ["127.0.0.1:8123", "--noreload"]
    assert cmds["web"][1].endswith("manage.py") and cmds["web"][2] == "runserver"
    assert cmds["worker"][-6:] == ["-A", "netbill", "worker", "--pool=solo", "-l", "info"]
    assert "django_celery_beat.schedulers:DatabaseScheduler" in cmds["beat"]
    assert "--pidfile=" in cmds["beat"]
    # The virtualenv's celery, never one found on PATH.
    assert cmds["worker"][0].startswith(os.path.dirname(sys.executable))

    steps = [argv[2:] for _name, argv in devrun.setup_steps()]
    assert steps == [["migrate", "--noinput"], ["seed_demo"], ["ensure_schedule"]]


#
# devrun: the supervisor
#

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
# Ignores SIGTERM, so only SIGKILL stops it.
STUBBORN = [
    sys.executable,
    "-c",
    "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ready', flush=True); time.sleep(60)",
]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is dead for our purpose.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _wait_ready(proc, marker: str = "ready") -> None:
    assert proc.stdout.readline().strip() == marker


def test_children_get_their_own_process_groups():
    sup = devrun.Supervisor(dict(os.environ), stop_timeout=5)
    try:
        a = sup.start("a", SLEEPER)
        b = sup.start("b", SLEEPER)
        assert os.getpgid(a.pid) == a.pid
        assert os.getpgid(b.pid) == b.pid
        assert os.getpgid(a.pid) != os.getpgrp()
    finally:
        sup.stop_all()
    assert a.returncode is not None and b.returncode is not None


def test_a_dead_child_stops_the_others_and_exits_non_zero():
    sup = devrun.Supervisor(dict(os.environ), stop_timeout=5)
    a = sup.start("a", SLEEPER)
    b = sup.start("b", SLEEPER)
    sup.start("dies", [sys.executable, "-c", "import sys; sys.exit(3)"])

    assert sup.supervise() == 3

    assert not _alive(a.pid) and not _alive(b.pid)


def test_a_child_exiting_cleanly_still_counts_as_a_failure():
    sup = devrun.Supervisor(dict(os.environ), stop_timeout=5)
    a = sup.start("a", SLEEPER)
    sup.start("quits", [sys.executable, "-c", "pass"])

    assert sup.supervise() == 1
    assert not _alive(a.pid)


def test_a_signal_stops_every_child_and_exits_zero():
    sup = devrun.Supervisor(dict(os.environ), stop_timeout=5)
    a = sup.start("a", SLEEPER)
    b = sup.start("b", SLEEPER)
    sup._on_signal(signal.SIGTERM, None)

    assert sup.supervise() == 0
    assert a.returncode == -signal.SIGTERM
    assert b.returncode == -signal.SIGTERM


def test_a_child_ignoring_sigterm_is_killed_after_the_timeout():
    sup = devrun.Supervisor(dict(os.environ), stop_timeout=1)
    proc = subprocess.Popen(
        STUBBORN, stdout=subprocess.PIPE, text=True, process_group=0, cwd=devrun.ROOT
    )
    sup.children["stubborn"] = proc
    _wait_ready(proc)
    started = time.monotonic()

    sup.stop_all()

    assert proc.returncode == -signal.SIGKILL
    assert 0.9 <= time.monotonic() - started < 10


def test_grandchildren_left_in_the_group_are_swept():
    # The child starts a grandchild (same process group) and exits at once.
    code = (
        "import subprocess, sys; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        "print(p.pid, flush=True)"
    )
    sup = devrun.Supervisor(dict(os.environ), stop_timeout=2)
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, process_group=0
    )
    sup.children["parent"] = proc
    grandchild = int(proc.stdout.readline())
    proc.wait()
    assert _alive(grandchild)

    sup.stop_all()

    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_a_failing_setup_step_returns_its_code():
    sup = devrun.Supervisor(dict(os.environ), stop_timeout=2)
    assert sup.run_step("ok", [sys.executable, "-c", "print('hello')"]) == (0, "hello\n")
    assert sup.run_step("bad", [sys.executable, "-c", "import sys; sys.exit(4)"]) == (4, "")


def test_devrun_refuses_a_busy_port_before_doing_anything(monkeypatch, tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        monkeypatch.setenv("PORT", str(port))
        monkeypatch.setenv("NETBILL_VAR_DIR", str(tmp_path / "var"))

        assert devrun.main() == 1

    assert not (tmp_path / "var").exists()  # nothing migrated, nothing started


#
# devrun: the demo router (the RouterOS simulator, a fourth child)
#


def test_the_router_starts_first_with_the_demo_login(tmp_path):
    env = devrun.dev_environ(
        {"NETBILL_VAR_DIR": str(tmp_path), "NETBILL_DEMO_ROUTER_PORT": "18999"}
    )
    cmds = devrun.service_commands(8123, env)
    assert list(cmds) == ["router", "web", "worker", "beat"]
    argv = cmds["router"]
    assert argv[:3] == [sys.executable, "-m", "tools.routeros_sim"]
    options = dict(zip(argv[3::2], argv[4::2], strict=True))
    assert options["--port"] == "18999"
    assert options["--state"] == str(tmp_path / "routeros-sim.json")
    assert (options["--user"], options["--password"]) == ("netbill", devrun.DEMO_PASSWORD)
    assert options["--identity"] == "Mirpur Core CCR"
    assert devrun.router_port({}) == 18728


def test_the_router_child_answers_test_connection_and_stops(tmp_path):
    import socket

    from netbill.network.routeros import RouterClient

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = devrun.dev_environ(
        {**os.environ, "NETBILL_VAR_DIR": str(tmp_path), "NETBILL_DEMO_ROUTER_PORT": str(port)}
    )
    sup = devrun.Supervisor(env, stop_timeout=5)
    try:
        proc = sup.start("router", devrun.router_command(env))
        assert sup.wait_for_port("router", port, timeout=15) is None
        client = RouterClient(
            "127.0.0.1", port, devrun.ROUTER_USER, devrun.DEMO_PASSWORD, read_timeout=3
        )
        with client as ros:
            info = ros.system_info()
        assert (info.identity, info.board) == ("Mirpur Core CCR", "CCR2004-16G-2S+")
    finally:
        sup.stop_all()
    assert proc.returncode is not None and not _alive(proc.pid)
    assert (tmp_path / "routeros-sim.json").exists()  # its state survives a restart


def test_a_router_that_never_listens_stops_everything(tmp_path):
    from netbill.network.tests.router_helpers import closed_port

    sup = devrun.Supervisor(dict(os.environ), stop_timeout=2)
    sup.start("router", [sys.executable, "-c", "import sys; sys.exit(5)"])
    other = sup.start("web", SLEEPER)
    assert sup.wait_for_port("router", closed_port(), timeout=5) == 5
    assert not _alive(other.pid)


def test_devrun_refuses_a_busy_router_port(monkeypatch, tmp_path):
    import socket

    with socket.socket() as busy, socket.socket() as free:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        free.bind(("127.0.0.1", 0))
        monkeypatch.setenv("PORT", str(free.getsockname()[1]))
        monkeypatch.setenv("NETBILL_DEMO_ROUTER_PORT", str(busy.getsockname()[1]))
        monkeypatch.setenv("NETBILL_VAR_DIR", str(tmp_path / "var"))

        assert devrun.main() == 1

    assert not (tmp_path / "var").exists()
