"""`make run`: the demo platform on one machine, with no server to install.

Migrates the database (an SQLite file under var/ unless DATABASE_URL says otherwise),
seeds the demo ISP, makes sure celery beat's schedule exists, then runs four children:
the RouterOS simulator (the demo ISP's router "Mirpur Core CCR", on 127.0.0.1:18728, its
state in var/routeros-sim.json), the web server, a Celery worker and celery beat (broker:
kombu's SQLAlchemy transport on an SQLite file, unless CELERY_BROKER_URL says otherwise).
Each child runs in its own process group, so that stopping one also stops whatever it
started.

Ctrl-C (SIGINT), SIGTERM or SIGHUP stops all children (SIGTERM, then SIGKILL after
STOP_TIMEOUT seconds; a second Ctrl-C kills at once) and exits 0. If any child dies,
the others are stopped and devrun exits non-zero.

    python -m tools.devrun          (PORT=8001 to move the web server,
                                     NETBILL_DEMO_ROUTER_PORT=18800 the simulator)
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STOP_TIMEOUT = 10.0
POLL = 0.2
DEMO_PASSWORD = "netbill-demo"
# The demo router (seed_demo reads the same variable, so the two always agree).
ROUTER_PORT_ENV = "NETBILL_DEMO_ROUTER_PORT"
ROUTER_PORT = 18728
ROUTER_USER = "netbill"
ROUTER_START_TIMEOUT = 15.0


def say(message: str) -> None:
    print(f"[devrun] {message}", flush=True)


def dev_environ(base: dict[str, str] | None = None) -> dict[str, str]:
    """The children's environment: development defaults switched on."""
    env = dict(os.environ if base is None else base)
    env["NETBILL_DEV"] = "1"
    env.setdefault("DJANGO_SETTINGS_MODULE", "netbill.settings")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def var_dir(env: dict[str, str]) -> Path:
    """Where the SQLite files live; settings.py reads the same variable."""
    return Path(env.get("NETBILL_VAR_DIR") or ROOT / "var")


def celery_command() -> list[str]:
    """The virtualenv's own celery (the script beside this interpreter)."""
    script = Path(sys.executable).with_name("celery")
    return [str(script)] if script.exists() else [sys.executable, "-m", "celery"]


def manage(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *args]


def setup_steps() -> list[tuple[str, list[str]]]:
    return [
        ("migrate", manage("migrate", "--noinput")),
        ("seed_demo", manage("seed_demo")),
        ("ensure_schedule", manage("ensure_schedule")),
    ]


def router_port(env: dict[str, str]) -> int:
    return int(env.get(ROUTER_PORT_ENV) or ROUTER_PORT)


def router_command(env: dict[str, str]) -> list[str]:
    """The RouterOS simulator behind the demo router "Mirpur Core CCR"."""
    return [
        sys.executable,
        "-m",
        "tools.routeros_sim",
        "--port",
        str(router_port(env)),
        "--state",
        str(var_dir(env) / "routeros-sim.json"),
        "--user",
        ROUTER_USER,
        "--password",
        DEMO_PASSWORD,  # the demo's own, printed with the logins
        "--identity",
        "Mirpur Core CCR",
        "--board-name",
        "CCR2004-16G-2S+",
    ]


def service_commands(port: int, env: dict[str, str] | None = None) -> dict[str, list[str]]:
    """The children, in start order: the router first, so the web server and the first
    status check find it up."""
    celery = celery_command()
    return {
        "router": router_command(env if env is not None else dev_environ()),
        "web": manage("runserver", f"127.0.0.1:{port}", "--noreload"),
        "worker": [*celery, "-A", "netbill", "worker", "--pool=solo", "-l", "info"],
        "beat": [
            *celery,
            "-A",
            "netbill",
            "beat",
            "-l",
            "info",
            "-S",
            "django_celery_beat.schedulers:DatabaseScheduler",
            "--pidfile=",
        ],
    }


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class Supervisor:
    """Runs children in their own process groups and stops them all together."""

    def __init__(self, env: dict[str, str], *, stop_timeout: float = STOP_TIMEOUT):
        self.env = env
        self.stop_timeout = stop_timeout
        self.children: dict[str, subprocess.Popen] = {}
        self.signals: list[int] = []

    # Signals only record what happened; the loops below act on it.
    def _on_signal(self, signum, frame) -> None:
        self.signals.append(signum)

    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    @property
    def stopping(self) -> bool:
        return bool(self.signals)

    def run_step(self, name: str, argv: list[str]) -> tuple[int, str]:
        """Run one setup command to the end (in our own process group, like a shell);
        returns its exit code and what it printed (also shown as it was)."""
        say(f"{name}: {' '.join(argv[1:] if argv[0] == sys.executable else argv)}")
        with tempfile.TemporaryFile(mode="w+") as out:
            proc = subprocess.Popen(
                argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, text=True
            )
            code = self._wait_step(proc)
            out.seek(0)
            printed = out.read()
        sys.stdout.write(printed)
        sys.stdout.flush()
        return code, printed

    def _wait_step(self, proc: subprocess.Popen) -> int:
        while True:
            try:
                return proc.wait(timeout=POLL)
            except subprocess.TimeoutExpired:
                if self.stopping:
                    proc.terminate()
                    try:
                        return proc.wait(timeout=self.stop_timeout)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        return proc.wait()

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        # process_group=0: the child leads a new group (its pgid is its pid), so a Ctrl-C
        # on the terminal reaches only devrun, which then stops every child in order.
        proc = subprocess.Popen(argv, cwd=ROOT, env=self.env, process_group=0)
        self.children[name] = proc
        say(f"started {name} (pid {proc.pid})")
        return proc

    def _signal_group(self, proc: subprocess.Popen, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)

    def stop_all(self) -> None:
        """SIGTERM to every child's group; SIGKILL to what is left after the timeout."""
        signals_before = len(self.signals)
        for proc in self.children.values():
            if proc.poll() is None:
                self._signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        while time.monotonic() < deadline and any(p.poll() is None for p in self.children.values()):
            if len(self.signals) > signals_before:
                break  # asked again while stopping: do not wait any longer
            time.sleep(POLL / 2)
        for name, proc in self.children.items():
            if proc.poll() is None:
                say(f"{name} did not stop in time: killing it")
            # Also sweeps anything the child started in its group and left behind.
            self._signal_group(proc, signal.SIGKILL)
            proc.wait()

    def wait_for_port(self, name: str, port: int, timeout: float) -> int | None:
        """Wait until child `name` listens on `port`: None once it does, else an exit code
        (the child died, or never listened) after the others were stopped."""
        proc = self.children[name]
        deadline = time.monotonic() + timeout
        while not port_open(port):
            code = proc.poll()
            if self.stopping:
                self.stop_all()
                return 0
            if code is not None or time.monotonic() > deadline:
                say(
                    f"{name} exited with code {code}"
                    if code is not None
                    else f"{name} did not listen on port {port} within {timeout:g} s"
                )
                self.stop_all()
                return code if code else 1
            time.sleep(POLL / 2)
        return None

    def supervise(self, port: int | None = None, banner: str = "") -> int:
        """Wait until a signal (→ 0) or a child's death (→ its code, never 0). Once the
        web port answers, print `banner` (the demo logins) where it is seen."""
        announced = port is None
        while True:
            if self.stopping:
                say(f"stopping ({signal.Signals(self.signals[0]).name})")
                self.stop_all()
                return 0
            for name, proc in self.children.items():
                code = proc.poll()
                if code is not None:
                    say(f"{name} exited with code {code}: stopping the others")
                    self.stop_all()
                    return code if code > 0 else 1
            if not announced and port_open(port):
                announced = True
                sys.stdout.write(banner)
                say(
                    f"netbill is up on http://127.0.0.1:{port}/ "
                    f"(demo password {DEMO_PASSWORD}); Ctrl-C stops it"
                )
            time.sleep(POLL)


def main() -> int:
    env = dev_environ()
    port = int(env.get("PORT") or 8000)
    if port_open(port):
        say(f"127.0.0.1:{port} is already in use: stop what runs there, or set PORT=")
        return 1
    env[ROUTER_PORT_ENV] = str(router_port(env))
    if port_open(router_port(env)):
        say(
            f"127.0.0.1:{router_port(env)} (the demo router) is already in use: stop what "
            f"runs there, or set {ROUTER_PORT_ENV}="
        )
        return 1
    var_dir(env).mkdir(parents=True, exist_ok=True)
    sup = Supervisor(env)
    sup.install_signal_handlers()
    logins = ""
    for name, argv in setup_steps():
        code, printed = sup.run_step(name, argv)
        if sup.stopping:
            return 0
        if code != 0:
            say(f"{name} failed with code {code}")
            return code if code > 0 else 1
        if name == "seed_demo":
            # Shown again once the server is up, below the workers' start-up banners.
            logins = printed[printed.find("Demo logins") :] if "Demo logins" in printed else ""
    for name, argv in service_commands(port, env).items():
        sup.start(name, argv)
        if name == "router":
            code = sup.wait_for_port(name, router_port(env), ROUTER_START_TIMEOUT)
            if code is not None:
                return code
            say(
                f'demo router "Mirpur Core CCR" (RouterOS simulator) on '
                f"127.0.0.1:{router_port(env)}, API user {ROUTER_USER}"
            )
    return sup.supervise(port, banner=logins)


if __name__ == "__main__":
    sys.exit(main())
