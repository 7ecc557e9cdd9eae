"""The asyncio TCP server: sessions, login, tags, streams, ``/cancel`` and faults.

One `Connection` per client. Before login only ``/login`` is accepted (anything else gets
``!fatal not logged in`` and the connection closes). After login every command runs in its
own task, so tagged commands interleave as on a real router; replies are written one whole
sentence at a time and carry the command's ``.tag``.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
import struct
from collections.abc import Callable
from datetime import datetime

from . import codec
from .codec import Request
from .engine import Engine, Outcome, Sentence, Session
from .errors import INTERRUPTED, ApiError
from .faults import FaultRule, Faults
from .state import State

LOGIN_FAILED = "invalid user name or password (6)"
DEFAULT_MAX_WORD = 64 * 1024 * 1024


def encode(words: list[str]) -> bytes:
    return codec.encode_sentence(words)


def sentence_words(sentence: Sentence, tag: str | None) -> list[str]:
    kind, attrs = sentence
    return codec.reply(kind, attrs, tag)


def trap_words(error: ApiError, tag: str | None) -> list[str]:
    attrs = [("message", error.message)]
    if error.category is not None:
        attrs.insert(0, ("category", str(error.category)))
    return codec.reply("!trap", attrs, tag)


def address_allowed(peer: str, allowed: str) -> bool:
    """/ip/service ``address`` (available-from): empty allows everyone."""
    if not allowed.strip():
        return True
    try:
        ip = ipaddress.ip_address(peer)
    except ValueError:
        return False
    for item in allowed.split(","):
        try:
            if ip in ipaddress.ip_network(item.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


class Server:
    def __init__(
        self,
        state: State,
        faults: Faults,
        *,
        empty_mode: bool,
        stream_interval: float,
        record: Callable[[Request], None],
        max_word: int = DEFAULT_MAX_WORD,
    ) -> None:
        self.state = state
        self.faults = faults
        self.engine = Engine(state, empty_mode=empty_mode, stream_interval=stream_interval)
        self.record = record
        self.max_word = max_word
        self.connections: set[Connection] = set()
        self._server: asyncio.Server | None = None
        self.host = ""
        self.port = 0

    async def start(self, host: str, port: int, ssl_context: ssl.SSLContext | None = None) -> None:
        self._server = await asyncio.start_server(self._accept, host, port, ssl=ssl_context)
        sockname = self._server.sockets[0].getsockname()
        self.host, self.port = sockname[0], sockname[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for connection in list(self.connections):
            connection.abort()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
        self._server = None

    def disconnect_all(self) -> None:
        for connection in list(self.connections):
            connection.abort()

    def reboot(self) -> None:
        for connection in list(self.connections):
            connection.session.logged_in = False  # a rebooting router logs no logouts
            connection.abort()
        self.state.reboot()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = Connection(self, reader, writer)
        self.connections.add(connection)
        try:
            await connection.run()
        finally:
            self.connections.discard(connection)


class Connection:
    def __init__(
        self, server: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.state = server.state
        self.faults = server.faults
        self.reader = reader
        self.writer = writer
        peer = writer.get_extra_info("peername") or ("", 0)
        self.session = Session(peer=str(peer[0]))
        self.running: list[tuple[str | None, asyncio.Task[None]]] = []
        self.finished: set[asyncio.Task[None]] = set()  # running, but !done already sent
        self.closed = False

    # -- lifecycle ------------------------------------------------------------------------

    def _service_refuses(self) -> bool:
        if self.faults.api_disabled:
            return True
        service = self.state.find("/ip/service", "api")
        if service is None:
            return False
        if service.get("disabled") == "true":
            return True
        return not address_allowed(self.session.peer, service.get("address", ""))

    async def run(self) -> None:
        if self._service_refuses():
            self.abort(reset=True)
            return
        try:
            while not self.closed:
                words = await codec.read_sentence(self.reader, self.server.max_word)
                if not words:
                    continue  # an empty sentence is ignored
                request = codec.parse_request(words)
                self.server.record(request)
                if not self.session.logged_in:
                    await self._before_login(request)
                    continue
                task = asyncio.create_task(self._execute(request))
                self.running.append((request.tag, task))
                task.add_done_callback(self._forget)
        except (asyncio.IncompleteReadError, ConnectionError, codec.ProtocolError):
            pass
        except asyncio.CancelledError:
            raise
        finally:
            self._teardown()

    def _forget(self, task: asyncio.Task[None]) -> None:
        self.running = [(tag, t) for tag, t in self.running if t is not task]
        self.finished.discard(task)

    def _teardown(self) -> None:
        for _, task in list(self.running):
            task.cancel()
        self.running.clear()
        if self.session.logged_in:
            self.session.logged_in = False
            self.state.log(
                f"user {self.session.user} logged out from {self.session.peer} via api",
                "system,info,account",
            )
        self.abort()

    def abort(self, reset: bool = False) -> None:
        """Close the connection now; with `reset`, send a TCP RST instead of a FIN."""
        if self.closed:
            return
        self.closed = True
        if reset:
            sock = self.writer.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.writer.transport.abort()
        else:
            self.writer.close()
        for _, task in list(self.running):
            task.cancel()

    # -- writing ----------------------------------------------------------------------------

    def send(self, *sentences: list[str]) -> None:
        if self.closed or self.writer.is_closing():
            return
        self.writer.write(b"".join(encode(words) for words in sentences))
        if any(words[0] == "!done" for words in sentences):
            task = asyncio.current_task()
            if task is not None:
                self.finished.add(task)  # type: ignore[arg-type]

    async def flush(self) -> None:
        if self.closed or self.writer.is_closing():
            return
        try:
            await self.writer.drain()
        except ConnectionError:
            self.abort()

    async def fatal(self, message: str) -> None:
        self.send(["!fatal", message])
        await self.flush()
        self.abort()

    # -- login ------------------------------------------------------------------------------

    async def _before_login(self, request: Request) -> None:
        if request.command != "/login":
            await self.fatal("not logged in")
            return
        answered, drop = await self._apply_faults(request)
        if answered:
            return
        name = request.args.get("name", "")
        password = request.args.get("password")
        user = self.state.find("/user", name) if name else None
        accepted = (
            user is not None
            and password is not None
            and user.get("disabled") != "true"
            and user.get("password", "") == password
            and address_allowed(self.session.peer, user.get("address", ""))
            and not self.faults.reject_login
        )
        if not accepted or user is None:
            self.state.log(
                f"login failure for user {name} from {self.session.peer} via api",
                "system,error,critical",
            )
            reply = [trap_words(ApiError(LOGIN_FAILED), request.tag), self._done(request)]
        else:
            self.session.logged_in = True
            self.session.user = name
            self.session.group = user.get("group", "full")
            now = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
            with contextlib.suppress(ApiError):
                self.state.set("/user", name, {"last-logged-in": now})
            self.state.log(
                f"user {name} logged in from {self.session.peer} via api", "system,info,account"
            )
            reply = [self._done(request)]
        if drop is not None:
            await self._send_part(reply, drop)
            return
        self.send(*reply)
        await self.flush()

    @staticmethod
    def _done(request: Request) -> list[str]:
        return ["!done", *([f".tag={request.tag}"] if request.tag is not None else [])]

    # -- commands ---------------------------------------------------------------------------

    async def _apply_faults(self, request: Request) -> tuple[bool, FaultRule | None]:
        """Sleep for a delay rule, then apply the first fatal/trap/drop rule. Returns
        whether the command has been answered, and the drop rule to apply to its reply."""
        delay = self.faults.take(request.command, ("delay",))
        if delay is not None and delay.seconds > 0:
            await asyncio.sleep(delay.seconds)
        rule = self.faults.take(request.command, ("fatal", "trap", "drop"))
        if rule is None or rule.kind == "drop":
            return False, rule
        if rule.kind == "fatal":
            await self.fatal(rule.message)
        else:
            error = ApiError(rule.message, rule.category)
            self.send(trap_words(error, request.tag), self._done(request))
            await self.flush()
        return True, None

    async def _execute(self, request: Request) -> None:
        tag = request.tag
        try:
            if request.command == "/quit":
                await self.fatal("session terminated on request")
                return
            if request.command == "/cancel":
                self._cancel(request)
                await self.flush()
                return
            answered, drop = await self._apply_faults(request)
            if answered:
                return
            try:
                outcome = self.server.engine.run(request, self.session)
            except ApiError as error:
                reply = [trap_words(error, tag), self._done(request)]
                if drop is not None:
                    await self._send_part(reply, drop)
                    return
                self.send(*reply)
                await self.flush()
                return
            if drop is not None:
                await self._drop(outcome, drop, tag)
                return
            await self._answer(outcome, request)
        except asyncio.CancelledError:
            pass
        except ConnectionError:
            self.abort()

    async def _answer(self, outcome: Outcome, request: Request) -> None:
        tag = request.tag
        try:
            self.send(*(sentence_words(s, tag) for s in outcome.sentences))
            await self.flush()
            if outcome.stream is not None:
                try:
                    async for sentence in outcome.stream:
                        self.send(sentence_words(sentence, tag))
                        await self.flush()
                except ApiError as error:
                    self.send(trap_words(error, tag))
                self.send(self._done(request))
                await self.flush()
        finally:
            if outcome.on_close is not None:
                outcome.on_close()
        if outcome.reboot:
            self.server.reboot()

    async def _drop(self, outcome: Outcome, rule: FaultRule, tag: str | None) -> None:
        sentences = list(outcome.sentences)
        if outcome.stream is not None:
            with contextlib.suppress(StopAsyncIteration):
                sentences.append(await anext(outcome.stream))
            if outcome.on_close is not None:
                outcome.on_close()
        await self._send_part([sentence_words(s, tag) for s in sentences], rule)

    async def _send_part(self, reply: list[list[str]], rule: FaultRule) -> None:
        """Send the start of `reply` (by default half its first sentence), then close."""
        data = b"".join(encode(words) for words in reply)
        first = len(encode(reply[0])) if reply else 0
        cut = rule.after_bytes if rule.after_bytes is not None else max(1, first // 2)
        if not self.closed and not self.writer.is_closing():
            self.writer.write(data[: min(cut, max(0, len(data) - 1))])
            await self.flush()
        self.abort()

    def _cancel(self, request: Request) -> None:
        """``/cancel [=tag=T]``: stop the command tagged T (or every running command)."""
        target = request.args.get("tag")
        me = asyncio.current_task()
        victims = [
            (tag, task)
            for tag, task in self.running
            if task is not me
            and not task.done()
            and task not in self.finished
            and (target is None or tag == target)
        ]
        for tag, task in victims:
            task.cancel()
            self.send(trap_words(ApiError("interrupted", INTERRUPTED), tag))
        self.send(self._done(request))
        for tag, _ in victims:
            self.send(["!done", *([f".tag={tag}"] if tag is not None else [])])
