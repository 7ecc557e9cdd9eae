"""Builders for router tests, and local sockets that misbehave in each way a router can.

Nothing here sends traffic off this machine: "unreachable" routers are 127.0.0.1 on a
closed port (refused), a listening socket that never answers (timeout), or one that
accepts and hangs up at once (API service disabled).
"""

import itertools
import socket
import struct
import threading
from contextlib import contextmanager

from django_scopes import scope

from netbill.core.testing.people import fresh_user

from ..services.routers import router_create

API_USER = "netbill"
API_PASSWORD = "Router-pass-1234"
RADIUS_SECRET = "Radius-secret-5678"

_seq = itertools.count(1)


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_router(*, by, host="127.0.0.1", api_port=None, **fields):
    """A router made through the service (by default unreachable: a closed local port)."""
    n = next(_seq)
    values = {
        "name": f"Router {n}",
        "host": host,
        "api_port": api_port if api_port is not None else closed_port(),
        "api_username": API_USER,
        "api_password": API_PASSWORD,
        "radius_secret": RADIUS_SECRET,
        "location": f"POP {n}",
    }
    values.update(fields)
    user = fresh_user(by)
    with scope(tenant=user.tenant_id):
        return router_create(by=user, **values)


class _Server:
    """A local TCP listener whose behaviour on each connection is `handle(conn)`."""

    def __init__(self, handle):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.handle = handle
        self.connections: list[socket.socket] = []
        self.received = bytearray()
        # Connections open at once, now and at most (a silent router's callers wait in
        # parallel or one by one).
        self.open_now = 0
        self.open_max = 0
        self._count = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _addr = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(conn)
            self.handle(self, conn)

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        for conn in self.connections:
            conn.close()
        self.sock.close()


def _never_answer(server, conn):
    """Keep the connection open and read whatever comes, answering nothing."""
    conn.settimeout(0.2)
    with server._count:
        server.open_now += 1
        server.open_max = max(server.open_max, server.open_now)

    def closed():
        with server._count:
            server.open_now -= 1

    def drain():
        while not server._stop.is_set():
            try:
                data = conn.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return closed()
            if not data:
                return closed()
            server.received += data

    threading.Thread(target=drain, daemon=True).start()


def _hang_up(server, conn):
    """Accept, then close at once (RouterOS with the api service off or out of reach of
    its available-from list)."""
    conn.close()


def _reset(server, conn):
    """Accept, then reset the connection (RST instead of FIN)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


@contextmanager
def silent_router():
    """A port that accepts connections and never replies (the login times out)."""
    server = _Server(_never_answer)
    try:
        yield server
    finally:
        server.close()


@contextmanager
def hanging_up_router(reset: bool = False):
    """A port that accepts connections and closes them without a reply."""
    server = _Server(_reset if reset else _hang_up)
    try:
        yield server
    finally:
        server.close()


@contextmanager
def unreachable_router():
    """A port whose connects time out, like an address that drops packets: a listener
    with a full accept queue (backlog 0, one connection held), so further SYNs are
    dropped by the kernel. Nothing leaves this machine."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    held = socket.create_connection(("127.0.0.1", port), timeout=2)
    try:
        yield port
    finally:
        held.close()
        listener.close()


@contextmanager
def running_simulator(**kwargs):
    """A RouterOS simulator on 127.0.0.1 with our API login, stopped afterwards."""
    from tools.routeros_sim import Simulator

    kwargs.setdefault("username", API_USER)
    kwargs.setdefault("password", API_PASSWORD)
    sim = Simulator(**kwargs)
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def point_at(router, sim, **fields):
    """Aim a saved router at the simulator (a direct update: no audit, no event)."""
    from ..models import Router

    with scope(tenant=router.tenant_id):
        Router.objects.filter(pk=router.pk).update(host=sim.host, api_port=sim.port, **fields)
        router.refresh_from_db()
    return router
