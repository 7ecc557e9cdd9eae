"""A minimal blocking RouterOS API client for tests: raw words in, raw sentences out.

It can say what librouteros cannot (tags, interleaved commands, ``/cancel``, queries with
``?#``, raw bytes) and shows exactly what the router sent (no casting of values)::

    with RawClient(sim.host, sim.port) as client:
        client.login("admin", "secret")
        replies = client.talk("/ppp/secret/print", "?name=alice")
        replies[0].attrs["password"]   # always a str
"""

from __future__ import annotations

import socket
from collections import deque
from types import TracebackType

from .codec import Reply, SentenceDecoder, encode_sentence, parse_reply


class ConnectionClosed(ConnectionError):
    """The router closed the connection (EOF)."""


class ApiTrap(Exception):
    def __init__(self, replies: list[Reply]) -> None:
        trap = next(r for r in replies if r.kind == "!trap")
        super().__init__(trap.attrs.get("message", ""))
        self.replies = replies
        self.message = trap.attrs.get("message", "")
        self.category = trap.attrs.get("category")


class RawClient:
    def __init__(self, host: str, port: int, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self._decoder = SentenceDecoder()
        self._pending: deque[list[str]] = deque()
        self.other: list[Reply] = []  # replies `collect` read for other tags

    def __enter__(self) -> RawClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    # -- raw I/O ----------------------------------------------------------------------------

    def send(self, *words: str) -> None:
        """Send one sentence."""
        self.sock.sendall(encode_sentence(words))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_words(self) -> list[str]:
        """The next sentence as words; ConnectionClosed at EOF."""
        while not self._pending:
            data = self.sock.recv(1 << 20)
            if not data:
                raise ConnectionClosed("connection closed by the router")
            self._pending.extend(self._decoder.feed(data))
        return self._pending.popleft()

    def read(self) -> Reply:
        return parse_reply(self.read_words())

    @property
    def pending_bytes(self) -> int:
        """Bytes received that do not make a whole sentence (e.g. a cut-off reply)."""
        return self._decoder.pending

    # -- conversations -----------------------------------------------------------------------

    def collect(self, tag: str | None = None) -> list[Reply]:
        """Read until the ``!done`` (or ``!fatal``) for `tag`; other tags' replies are kept
        in `other` for later."""
        replies: list[Reply] = []
        while True:
            reply = self.read()
            if reply.kind == "!fatal":
                replies.append(reply)
                return replies
            if reply.tag != tag:
                self.other.append(reply)
                continue
            replies.append(reply)
            if reply.kind == "!done":
                return replies

    def talk(self, *words: str, tag: str | None = None) -> list[Reply]:
        """Send a command (tagged if `tag`), return its replies up to ``!done``."""
        self.send(*words, *([f".tag={tag}"] if tag is not None else []))
        return self.collect(tag)

    def call(self, *words: str) -> list[dict[str, str]]:
        """`talk`, raising ApiTrap on a ``!trap``; returns the ``!re`` rows' attributes,
        plus the ``!done`` attributes (e.g. ``ret``) as a last dict when it has any."""
        replies = self.talk(*words)
        if any(r.kind in ("!trap", "!fatal") for r in replies):
            if replies[-1].kind == "!fatal":
                raise ConnectionClosed(replies[-1].attrs.get("message", ""))
            raise ApiTrap(replies)
        rows = [r.attrs for r in replies if r.kind == "!re"]
        done = replies[-1].attrs
        return [*rows, done] if done else rows

    def login(self, name: str, password: str) -> list[Reply]:
        return self.talk("/login", f"=name={name}", f"=password={password}")
