"""`Simulator`: the server, its state and its faults, run in a background thread or in the
foreground (the command line)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import ssl
import threading
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .codec import Request
from .faults import Faults
from .runtime import RouterInfo, version_tuple
from .server import DEFAULT_MAX_WORD, Server
from .state import State

if TYPE_CHECKING:
    import librouteros

    from .client import RawClient

log = logging.getLogger("tools.routeros_sim")
SECRET_ARGS = frozenset({"password", "secret", "ipsec-secret"})
EMPTY_SINCE = (7, 18)  # RouterOS sends !empty from 7.18 on


class Simulator:
    """A simulated MikroTik router speaking the RouterOS API on 127.0.0.1."""

    def __init__(
        self,
        username: str = "admin",
        password: str = "",
        *,
        state_file: str | os.PathLike[str] | None = None,
        empty_mode: bool | None = None,
        ros_version: str = "7.16.2",
        host: str = "127.0.0.1",
        port: int = 0,
        identity: str | None = None,
        board_name: str = "RB4011iGS+",
        stream_interval: float = 1.0,
        group: str = "full",
        max_word: int = DEFAULT_MAX_WORD,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.username = username
        self.password = password
        self._empty_mode = (
            version_tuple(ros_version) >= EMPTY_SINCE if empty_mode is None else empty_mode
        )
        self.ros_version = ros_version
        self._stream_interval = stream_interval
        self.max_word = max_word
        self.ssl_context = ssl_context  # API-SSL when set (see tools.routeros_sim.tls)
        self._bind_host = host
        self._bind_port = port
        self.state = State(
            state_file,
            info=RouterInfo(version=ros_version, board_name=board_name),
            identity=identity,
        )
        self.state.ensure_user(username, password, group)
        self.faults = Faults()
        if self.state.file_faults:
            self.faults.load(self.state.file_faults)
        self.command_log: list[tuple[str, dict[str, str]]] = []
        self.requests: list[Request] = []
        self._server: Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    # -- address --------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return self._server.host if self._server is not None else self._bind_host

    @property
    def port(self) -> int:
        """The bound port (a free one was picked when `port` was 0)."""
        return self._server.port if self._server is not None else self._bind_port

    @property
    def running(self) -> bool:
        return self._loop is not None and self._server is not None

    @property
    def empty_mode(self) -> bool:
        """Whether ``print`` with no rows answers ``!empty`` before ``!done`` (7.18+)."""
        return self._empty_mode

    @empty_mode.setter
    def empty_mode(self, value: bool) -> None:
        self._empty_mode = value
        if self._server is not None:
            self._server.engine.empty_mode = value

    @property
    def stream_interval(self) -> float:
        """Seconds between the replies of a stream (monitor-traffic, ping)."""
        return self._stream_interval

    @stream_interval.setter
    def stream_interval(self, value: float) -> None:
        self._stream_interval = value
        if self._server is not None:
            self._server.engine.stream_interval = value

    # -- running ----------------------------------------------------------------------------

    def _record(self, request: Request) -> None:
        self.requests.append(request)
        self.command_log.append((request.command, dict(request.args)))
        if log.isEnabledFor(logging.DEBUG):
            shown = {k: "***" if k in SECRET_ARGS else v for k, v in request.args.items()}
            log.debug("%s %s tag=%s query=%s", request.command, shown, request.tag, request.queries)

    async def serve(self, ready: Callable[[Simulator], None] | None = None) -> None:
        """Serve until `shutdown` (or `stop`) is called."""
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        server = Server(
            self.state,
            self.faults,
            empty_mode=self.empty_mode,
            stream_interval=self.stream_interval,
            record=self._record,
            max_word=self.max_word,
        )
        await server.start(self._bind_host, self._bind_port, self.ssl_context)
        self._server = server
        # A restarted simulator comes back on the same port, as a rebooted router would.
        self._bind_port = server.port
        try:
            if ready is not None:
                ready(self)
            await self._stopping.wait()
        finally:
            await server.close()
            self._server = None
            self._loop = None

    def shutdown(self) -> None:
        """Ask `serve` to return (safe from any thread)."""
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None:
            loop.call_soon_threadsafe(stopping.set)

    def start(self, timeout: float = 10.0) -> Simulator:
        """Serve from a background thread; returns once the port is bound."""
        if self._thread is not None and self._thread.is_alive():
            return self
        ready = threading.Event()
        failure: list[BaseException] = []

        def main() -> None:
            try:
                asyncio.run(self.serve(lambda _: ready.set()))
            except BaseException as exc:  # reported to the caller of start()
                failure.append(exc)
                ready.set()

        self._thread = threading.Thread(target=main, name="routeros-sim", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise TimeoutError("the RouterOS simulator did not start")
        if failure:
            raise failure[0]
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Close every connection and the listening socket; wait for the thread."""
        self.shutdown()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run(self, ready: Callable[[Simulator], None] | None = None) -> None:
        """Serve in the foreground until SIGINT or SIGTERM (the command line)."""

        async def main() -> None:
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, self.shutdown)
            await self.serve(ready)

        asyncio.run(main())

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _call(self, fn: Callable[[], Any]) -> None:
        """Run `fn` on the server's loop and wait for it."""
        loop = self._loop
        if loop is None:
            fn()
            return
        done = threading.Event()

        def wrapped() -> None:
            try:
                fn()
            finally:
                done.set()

        loop.call_soon_threadsafe(wrapped)
        done.wait(5.0)

    # -- router actions -----------------------------------------------------------------------

    def disconnect_all(self) -> None:
        """Drop every client connection (the listening socket stays open)."""
        self._call(lambda: self._server.disconnect_all() if self._server else None)

    def reboot(self) -> None:
        """Drop every connection; uptime, counters, sessions and the log start over."""
        self._call(lambda: self._server.reboot() if self._server else self.state.reboot())

    @property
    def connection_count(self) -> int:
        return len(self._server.connections) if self._server is not None else 0

    # -- for assertions -------------------------------------------------------------------

    def commands(self, command: str | None = None) -> list[dict[str, str]]:
        """The arguments of every received `command` (all commands' when None)."""
        return [args for name, args in list(self.command_log) if command in (None, name)]

    def connect(self, timeout: float = 5.0, **kwargs: Any) -> librouteros.Api:
        """A logged-in librouteros connection to this simulator."""
        import librouteros

        return librouteros.connect(
            self.host, self.username, self.password, port=self.port, timeout=timeout, **kwargs
        )

    def client(self, login: bool = True, timeout: float = 5.0) -> RawClient:
        """A `RawClient` connected (and by default logged in) to this simulator."""
        from .client import RawClient

        client = RawClient(self.host, self.port, timeout=timeout)
        if login:
            replies = client.login(self.username, self.password)
            if replies[-1].kind != "!done" or any(r.kind == "!trap" for r in replies):
                client.close()
                raise ConnectionError(f"login refused: {replies}")
        return client
