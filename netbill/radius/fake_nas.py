"""pytest plugin: a fake NAS that receives CoA-Request and Disconnect-Request (registered
in the root conftest.py).

It stands in for RouterOS's `/radius incoming` (spec §4 point 8): a pyrad server on
127.0.0.1 (or another loopback address), on a free high UDP port, in a thread. It keeps
every packet it accepts and answers as the test says:

    def test_rate_change(fake_nas):
        router = make_router(by=isp.ga, host=fake_nas.host, coa_port=fake_nas.port)
        fake_nas.answer(coa="nak", error_cause=503)   # and Disconnect-ACK (the default)
        ...
        assert fake_nas.received[0].code == "CoA-Request"
        assert fake_nas.received[0].attributes["Mikrotik-Rate-Limit"] == "…"

Replies: "ack", "nak" (with Error-Cause `error_cause`) or "silence" (no answer: the
sender times out). Packets signed with another secret fail pyrad's Request
Authenticator check and are dropped unanswered, as a router would.
"""

from __future__ import annotations

import logging
import select
import socket
import threading
from dataclasses import dataclass, field

import pytest
from pyrad import packet
from pyrad.server import RemoteHost, Server, ServerPacketError

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
# pyrad's hosts key for "any client" (a lookup key, not a bind address).
ANY_CLIENT = "0.0.0.0"  # noqa: S104
REPLIES = ("ack", "nak", "silence")
CODE_NAMES = {
    packet.CoARequest: "CoA-Request",
    packet.DisconnectRequest: "Disconnect-Request",
}


def _free_udp_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class ReceivedPacket:
    """A request the fake NAS accepted: "CoA-Request" or "Disconnect-Request", its
    attributes as text (several values of one attribute joined by ", "), the sender."""

    code: str
    attributes: dict[str, str] = field(default_factory=dict)
    source: tuple[str, int] | None = None


class FakeNAS(Server):
    """A CoA listener with a configurable answer per request type."""

    def __init__(self, *, secret: str, host: str = LOOPBACK):
        from .coa import radius_dictionary

        self.host = host
        self.port = _free_udp_port(host)
        super().__init__(
            addresses=[host],
            coaport=self.port,
            # Any source address: the client may bind NETBILL_RADIUS_ADDRESS or not.
            hosts={ANY_CLIENT: RemoteHost(ANY_CLIENT, secret.encode(), "netbill")},
            dict=radius_dictionary(),
            auth_enabled=False,
            acct_enabled=False,
            coa_enabled=True,
        )
        self.received: list[ReceivedPacket] = []
        self.replies = {"coa": "ack", "disconnect": "ack"}
        self.error_cause = 503
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-nas", daemon=True)

    @property
    def secret(self) -> str:
        return self.hosts[ANY_CLIENT].secret.decode()

    @secret.setter
    def secret(self, value: str) -> None:
        self.hosts[ANY_CLIENT].secret = value.encode()

    def answer(
        self, *, coa: str | None = None, disconnect: str | None = None, error_cause=None
    ) -> None:
        """Set how the next requests are answered ("ack", "nak" or "silence")."""
        for kind, reply in (("coa", coa), ("disconnect", disconnect)):
            if reply is not None:
                if reply not in REPLIES:
                    raise ValueError(f"reply must be one of {REPLIES}, not {reply!r}")
                self.replies[kind] = reply
        if error_cause is not None:
            self.error_cause = error_cause

    def codes(self) -> list[str]:
        return [p.code for p in self.received]

    # Server

    def start(self) -> FakeNAS:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for sock in self.coafds:
            sock.close()

    def _serve(self) -> None:
        # pyrad's Run() never returns; this loop wakes up to notice stop().
        while not self._stop.is_set():
            ready, _, _ = select.select(self.coafds, [], [], 0.1)
            for sock in ready:
                try:
                    self._ProcessInput(sock)
                except (ServerPacketError, packet.PacketError) as exc:
                    log.info("Fake NAS dropped a packet: %s", exc)
                except OSError:
                    return

    def HandleCoaPacket(self, pkt):
        self._handle(pkt, "coa", packet.CoANAK)

    def HandleDisconnectPacket(self, pkt):
        self._handle(pkt, "disconnect", packet.DisconnectNAK)

    def _handle(self, pkt, kind: str, nak_code: int) -> None:
        attributes = {}
        # pyrad's keys() names the attributes; iterating the packet yields raw codes.
        for key in pkt.keys():  # noqa: SIM118
            if isinstance(key, str):
                attributes[key] = ", ".join(str(v) for v in pkt[key])
        self.received.append(
            ReceivedPacket(code=CODE_NAMES[pkt.code], attributes=attributes, source=pkt.source)
        )
        reply_kind = self.replies[kind]
        if reply_kind == "silence":
            return
        reply = self.CreateReplyPacket(pkt)
        if reply_kind == "nak":
            reply.code = nak_code
            reply["Error-Cause"] = int(self.error_cause)
        self.SendReplyPacket(pkt.fd, reply)


def _default_secret() -> str:
    # The secret every test router gets from the network app's builders.
    from netbill.network.tests.router_helpers import RADIUS_SECRET

    return RADIUS_SECRET


@pytest.fixture
def fake_nas_factory():
    """Start fake NASes: `fake_nas_factory(host="127.0.0.2", secret=...)`; all are
    stopped after the test."""
    started: list[FakeNAS] = []

    def factory(*, host: str = LOOPBACK, secret: str | None = None) -> FakeNAS:
        nas = FakeNAS(secret=secret or _default_secret(), host=host).start()
        started.append(nas)
        return nas

    yield factory
    for nas in started:
        nas.stop()


@pytest.fixture
def fake_nas(fake_nas_factory, settings):
    """One fake NAS on 127.0.0.1 (the test routers' RADIUS secret), and a short CoA
    timeout without retries so that "silence" costs half a second."""
    settings.NETBILL_COA_TIMEOUT = 0.5
    settings.NETBILL_COA_RETRIES = 0
    return fake_nas_factory()
