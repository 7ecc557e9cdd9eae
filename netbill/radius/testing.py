"""pytest plugin: a real FreeRADIUS 3.2 on 127.0.0.1, with our configuration, against the
test database (registered in the root conftest.py).

    def test_login(freeradius, transactional_db):
        ...write nas/radcheck rows (FreeRADIUS must see committed rows)...
        server = freeradius()          # renders the config, starts, waits until ready
        reply = server.auth({"User-Name": "u", "User-Password": "p"}, secret="s")
        assert reply.code == "Access-Accept"

FreeRADIUS reads its clients (the `nas` table) at startup only, so write the NAS rows
before calling the factory. It needs PostgreSQL and the `freeradius`/`radclient`
binaries (apt-get install freeradius freeradius-postgresql freeradius-utils): without
them the test is skipped, or fails under REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import select
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .config import render_config

LOOPBACK = "127.0.0.1"
READY = "Ready to process requests"
START_TIMEOUT = 20.0


def free_udp_port() -> int:
    """A currently free high UDP port on the loopback (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


@dataclass
class RadiusReply:
    """What radclient saw: the reply code ("Access-Accept", "Accounting-Response", or
    None when nothing came back) and the reply's attributes."""

    code: str | None
    attributes: dict[str, str] = field(default_factory=dict)
    output: str = ""


class _Relay(threading.Thread):
    """Forwards UDP between radclient and FreeRADIUS, sending from another loopback
    address (127.0.0.x): radclient cannot choose its source address, and FreeRADIUS
    tells NASes apart by it. RADIUS signatures do not cover addresses, so a relay is
    invisible to both ends."""

    def __init__(self, source_ip: str, target: tuple[str, int]):
        super().__init__(daemon=True)
        self.target = target
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind((LOOPBACK, 0))
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.bind((source_ip, 0))
        self.port = self.front.getsockname()[1]
        self.client = None
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            ready, _w, _x = select.select([self.front, self.back], [], [], 0.1)
            for sock in ready:
                data, addr = sock.recvfrom(4096)
                if sock is self.front:
                    self.client = addr
                    self.back.sendto(data, self.target)
                elif self.client is not None:
                    self.front.sendto(data, self.client)

    def close(self):
        self.stopped.set()
        self.join(timeout=2)
        self.front.close()
        self.back.close()


class FreeRadius:
    """One FreeRADIUS process with our rendered configuration."""

    def __init__(self, directory: Path, database: dict):
        self.directory = directory
        self.auth_port = free_udp_port()
        self.acct_port = free_udp_port()
        self.coa_port = free_udp_port()
        render_config(
            directory,
            database=database,
            listen=LOOPBACK,
            auth_port=self.auth_port,
            acct_port=self.acct_port,
            coa_port=self.coa_port,
        )
        self.log_path = directory / "log" / "stdout.log"
        self.process: subprocess.Popen | None = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self) -> FreeRadius:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our binary, our arguments)
                [
                    shutil.which("freeradius") or "/usr/sbin/freeradius",
                    "-f",
                    "-d",
                    str(self.directory),
                    "-l",
                    "stdout",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while READY not in self.log():
            if self.process.poll() is not None:
                raise RuntimeError(f"FreeRADIUS exited at startup:\n{self.log()[-4000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"FreeRADIUS not ready in {START_TIMEOUT}s:\n{self.log()}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def send(
        self,
        kind: str,
        attributes: dict[str, object],
        *,
        secret: str,
        source: str = LOOPBACK,
        timeout: float = 3.0,
        retries: int = 1,
    ) -> RadiusReply:
        """Send one packet with radclient (`kind`: auth, acct, status) from `source`."""
        port = self.acct_port if kind == "acct" else self.auth_port
        relay = None
        if source != LOOPBACK:
            relay = _Relay(source, (LOOPBACK, port))
            relay.start()
            port = relay.port
        lines = "\n".join(f"{name} = {_value(value)}" for name, value in attributes.items())
        try:
            result = subprocess.run(  # noqa: S603 (our binary, our arguments)
                [
                    shutil.which("radclient") or "/usr/bin/radclient",
                    "-x",
                    "-r",
                    str(retries),
                    "-t",
                    str(timeout),
                    f"{LOOPBACK}:{port}",
                    kind,
                    secret,
                ],
                input=lines,
                capture_output=True,
                text=True,
                timeout=timeout * (retries + 1) + 10,
            )
        finally:
            if relay is not None:
                relay.close()
        return parse_radclient(result.stdout + result.stderr)

    def auth(self, attributes: dict[str, object], **kwargs) -> RadiusReply:
        return self.send("auth", attributes, **kwargs)

    def acct(self, attributes: dict[str, object], **kwargs) -> RadiusReply:
        return self.send("acct", attributes, **kwargs)


def _value(value: object) -> str:
    """An attribute value as radclient reads it: numbers bare, octets as 0x…, text
    quoted."""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_radclient(output: str) -> RadiusReply:
    """The reply code and attributes from `radclient -x` output."""
    code, attributes, in_reply = None, {}, False
    for line in output.splitlines():
        if line.startswith("Received "):
            code, in_reply = line.split()[1], True
        elif in_reply and line.startswith("\t") and " = " in line:
            name, value = line.strip().split(" = ", 1)
            attributes[name] = value.strip('"')
        elif in_reply and not line.startswith("\t"):
            in_reply = False
    return RadiusReply(code=code, attributes=attributes, output=output)


def freeradius_available(connection) -> bool:
    return (
        connection.vendor == "postgresql"
        and shutil.which("freeradius") is not None
        and shutil.which("radclient") is not None
    )


@pytest.fixture
def freeradius(transactional_db, tmp_path):
    """A factory that starts FreeRADIUS against the test database (see the module
    docstring); every server it started is stopped after the test."""
    from django.db import connection

    from conftest import require

    require(
        freeradius_available(connection),
        "FreeRADIUS on PostgreSQL (DATABASE_URL=postgres://…; apt-get install freeradius "
        "freeradius-postgresql freeradius-utils)",
    )
    servers: list[FreeRadius] = []

    def start() -> FreeRadius:
        server = FreeRadius(tmp_path / f"freeradius{len(servers)}", connection.settings_dict)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
