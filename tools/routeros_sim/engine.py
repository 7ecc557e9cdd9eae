"""Command semantics: what each API command does to the state and what it answers.

`Engine.run` turns a parsed request into an `Outcome`: the reply sentences (``!re`` rows,
``!empty``, the final ``!done``) or a stream (``print follow``, ``listen``,
``monitor-traffic`` without ``once``, ``/ping``) that the server relays until it ends or is
cancelled. Failures raise `ApiError`, which the server answers with ``!trap`` + ``!done``.
Session commands (``/login``, ``/quit``, ``/cancel``) are the server's business.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from . import errors
from .codec import Request
from .errors import ApiError
from .menus import DIRECTORIES, MENUS, Menu, Row, to_bool
from .query import Test, compile_query
from .runtime import parse_duration, traffic_sample
from .state import State

Attrs = list[tuple[str, str]]
Sentence = tuple[str, Attrs]  # ("!re", [("name", "x"), …])

PRINT_ARGS = frozenset(
    {
        ".proplist",
        "count-only",
        "detail",
        "without-paging",
        "terse",
        "stats",
        "stats-detail",
        "brief",
        "follow",
        "follow-only",
        "from",
        "interval",
        "value-list",
        "show-ids",
        "as-value",
    }
)
ID_ARGS = (".id", "numbers", "number")
WRITE_VERBS = frozenset(
    {
        "add",
        "set",
        "remove",
        "enable",
        "disable",
        "unset",
        "comment",
        "reset-counters",
        "reset-counters-all",
        "reboot",
    }
)
LOG_LEVELS = ("info", "warning", "error", "debug")  # /log/info =message=…


@dataclass
class Session:
    """Who is talking: set by the server at login."""

    user: str = ""
    group: str = "full"
    peer: str = "127.0.0.1"
    logged_in: bool = False


@dataclass
class Outcome:
    sentences: list[Sentence] = field(default_factory=list)
    stream: AsyncIterator[Sentence] | None = None  # relayed after `sentences`, then !done
    on_close: Callable[[], None] | None = None  # called when the stream ends or is cancelled
    reboot: bool = False  # the server reboots the router after answering


def done(*attrs: tuple[str, str]) -> Sentence:
    return ("!done", list(attrs))


def row_attrs(row: Row, proplist: list[str] | None) -> Attrs:
    if proplist is None:
        return list(row.items())
    return [(name, row[name]) for name in row if name in proplist]


def flag(value: str | None) -> bool:
    """Whether a flag argument (``=once=``, ``=once=yes``) is on."""
    return value is not None and to_bool(value) != "false"


class Engine:
    def __init__(self, state: State, *, empty_mode: bool, stream_interval: float) -> None:
        self.state = state
        self.empty_mode = empty_mode
        self.stream_interval = stream_interval

    # -- dispatch ---------------------------------------------------------------------------

    def run(self, request: Request, session: Session) -> Outcome:
        command = request.command
        if command == "/ping":
            return self.ping(request)
        if command == "/system/reboot":
            self._check_write(session)
            self.state.log(f"system rebooted by {session.user}", "system,info")
            return Outcome([done()], reboot=True)
        if command == "/login":
            return Outcome([done()])
        menu, verb = self.resolve(command)
        if request.extra:
            raise errors.unknown_parameter()
        if verb in WRITE_VERBS:
            self._check_write(session)
        handler = self._handler(menu, verb)
        if handler is None:
            raise errors.no_such_command()
        return handler(menu, request, session)

    @staticmethod
    def resolve(command: str) -> tuple[Menu, str]:
        """``/ppp/secret/print`` → (the /ppp/secret menu, "print"); RouterOS's errors for
        unknown paths ("no such command prefix") and verbs ("no such command")."""
        if not command.startswith("/"):
            raise errors.no_such_command_prefix()
        prefix, _, verb = command.rpartition("/")
        menu = MENUS.get(prefix)
        if menu is not None and verb:
            return menu, verb
        if prefix == "" or prefix in DIRECTORIES or menu is not None:
            raise errors.no_such_command()
        raise errors.no_such_command_prefix()

    def _handler(self, menu: Menu, verb: str) -> Callable[[Menu, Request, Session], Outcome] | None:
        table = menu.table and menu.virtual is None
        if verb == "print":
            return self.print
        if verb == "listen":
            return self.listen
        if verb == "get":
            return self.get
        if verb == "set" and menu.can_set and menu.virtual is None:
            return self.set
        if verb == "add" and table and menu.can_add:
            return self.add
        if verb == "remove" and table and menu.can_remove:
            return self.remove
        if verb in ("enable", "disable") and table and menu.can_set and menu.has_disabled:
            return self.enable if verb == "enable" else self.disable
        if verb == "unset" and menu.can_set and menu.virtual is None:
            return self.unset
        if verb == "comment" and table and menu.can_set and menu.field("comment"):
            return self.comment
        if verb in menu.commands:
            return {
                "monitor-traffic": self.monitor_traffic,
                "reset-counters": self.reset_counters,
                "reset-counters-all": self.reset_counters,
                **dict.fromkeys(LOG_LEVELS, self.log_line),
            }.get(verb)
        return None

    @staticmethod
    def _check_write(session: Session) -> None:
        if session.group == "read":
            raise ApiError("not enough permissions (9)")

    def _log_change(self, menu: Menu, rows: list[Row], verb: str, session: Session) -> None:
        for row in rows or [{}]:
            name = row.get(menu.key) if menu.key else None
            label = f"{menu.noun} <{name}>" if name else menu.noun
            self.state.log(f"{label} {verb} by {session.user}", "system,info")

    def _ids(self, menu: Menu, request: Request) -> list[str]:
        spec = next((request.args[k] for k in ID_ARGS if k in request.args), None)
        if spec is None:
            raise errors.missing("numbers")
        return self.state.resolve(menu.path, spec)

    def _rows(self, menu: Menu, ids: list[str]) -> list[Row]:
        live = self.state.menus.get(menu.path, [])
        return [row for row in live if row.get(".id") in ids]

    @staticmethod
    def _values(menu: Menu, request: Request, skip: tuple[str, ...] = ID_ARGS) -> dict[str, str]:
        values = {k: v for k, v in request.args.items() if k not in skip}
        for name in values:
            field_ = menu.field(name)
            if field_ is None or field_.read_only:
                raise errors.unknown_parameter()
        return values

    # -- print, get, listen -----------------------------------------------------------------

    @staticmethod
    def _proplist(request: Request) -> list[str] | None:
        value = request.args.get(".proplist", request.api_attrs.get("proplist"))
        if value is None:
            return None
        return [name.strip() for name in value.split(",") if name.strip()]

    def print(self, menu: Menu, request: Request, session: Session) -> Outcome:
        for name in request.args:
            if name not in PRINT_ARGS:
                raise errors.unknown_parameter()
        test = compile_query(request.queries)
        proplist = self._proplist(request)
        args = request.args
        with self.state.lock:
            rows = self.state.print_rows(menu.path)
            if "from" in args and menu.table:
                wanted = set(self.state.resolve(menu.path, args["from"]))
                rows = [row for row in rows if row.get(".id") in wanted]
            rows = [row for row in rows if test(row)]
            if flag(args.get("count-only")):
                return Outcome([done(("ret", str(len(rows))))])
            follow_only = flag(args.get("follow-only"))
            if follow_only or flag(args.get("follow")):
                return self._follow(menu, test, proplist, [] if follow_only else rows)
        if "interval" in args:
            return self._reprint(menu, request, test, proplist, args["interval"])
        sentences: list[Sentence] = [("!re", row_attrs(row, proplist)) for row in rows]
        if not rows and self.empty_mode:
            sentences.append(("!empty", []))
        sentences.append(done())
        return Outcome(sentences)

    def listen(self, menu: Menu, request: Request, session: Session) -> Outcome:
        return self._follow(menu, compile_query(request.queries), self._proplist(request), [])

    def _follow(
        self, menu: Menu, test: Test, proplist: list[str] | None, initial: list[Row]
    ) -> Outcome:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[Row, bool]] = asyncio.Queue()

        def listener(path: str, row: Row, dead: bool) -> None:
            if path == menu.path:
                with contextlib.suppress(RuntimeError):  # the loop has stopped
                    loop.call_soon_threadsafe(queue.put_nowait, (row, dead))

        unsubscribe = self.state.subscribe(listener)

        async def stream() -> AsyncIterator[Sentence]:
            for row in initial:
                yield ("!re", row_attrs(row, proplist))
            while True:
                row, dead = await queue.get()
                if dead:
                    yield ("!re", list(row.items()))
                elif test(row):
                    yield ("!re", row_attrs(row, proplist))

        return Outcome(stream=stream(), on_close=unsubscribe)

    def _reprint(
        self, menu: Menu, request: Request, test: Test, proplist: list[str] | None, interval: str
    ) -> Outcome:
        try:
            seconds = max(parse_duration(interval), 0.01)
        except ValueError:
            raise errors.invalid_value("interval") from None

        async def stream() -> AsyncIterator[Sentence]:
            while True:
                for row in self.state.print_rows(menu.path):
                    if test(row):
                        yield ("!re", row_attrs(row, proplist))
                await asyncio.sleep(seconds)

        return Outcome(stream=stream())

    def get(self, menu: Menu, request: Request, session: Session) -> Outcome:
        name = request.args.get("value-name")
        if name is None:
            raise errors.missing("value-name")
        if menu.settings:
            rows = self.state.print_rows(menu.path)
        else:
            ids = self._ids(menu, request)
            rows = [row for row in self.state.print_rows(menu.path) if row.get(".id") in ids]
        if not rows:
            raise errors.no_such_item()
        row = rows[0]
        if name not in row:
            if menu.field(name) is None and name != ".id":
                raise errors.invalid_value("value-name")
            return Outcome([done()])
        return Outcome([done(("ret", row[name]))])

    # -- writes ---------------------------------------------------------------------------

    def add(self, menu: Menu, request: Request, session: Session) -> Outcome:
        values = self._values(menu, request, skip=("place-before", "copy-from"))
        if any(k in request.args for k in ID_ARGS):
            raise errors.unknown_parameter()
        with self.state.lock:
            new_id = self.state.add(menu.path, values)
            row = self.state.find(menu.path, new_id) or {}
            self._log_change(menu, [row], "added", session)
        return Outcome([done(("ret", new_id))])

    def set(self, menu: Menu, request: Request, session: Session) -> Outcome:
        with self.state.lock:
            if menu.settings:
                values = self._values(menu, request, skip=())
                self.state.set(menu.path, None, values)
                self._log_change(menu, [], "changed", session)
                return Outcome([done()])
            ids = self._ids(menu, request)
            values = self._values(menu, request)
            rows = self._rows(menu, ids)
            self.state.update_rows(menu, rows, self.state.normalize(menu, values))
            self._log_change(menu, rows, "changed", session)
        return Outcome([done()])

    def _set_flag(self, menu: Menu, request: Request, session: Session, value: str) -> Outcome:
        with self.state.lock:
            rows = self._rows(menu, self._ids(menu, request))
            self.state.update_rows(menu, rows, {"disabled": value})
            verb = "disabled" if value == "true" else "enabled"
            self._log_change(menu, rows, verb, session)
        return Outcome([done()])

    def enable(self, menu: Menu, request: Request, session: Session) -> Outcome:
        return self._set_flag(menu, request, session, "false")

    def disable(self, menu: Menu, request: Request, session: Session) -> Outcome:
        return self._set_flag(menu, request, session, "true")

    def comment(self, menu: Menu, request: Request, session: Session) -> Outcome:
        with self.state.lock:
            rows = self._rows(menu, self._ids(menu, request))
            self.state.update_rows(menu, rows, {"comment": request.args.get("comment", "")})
            self._log_change(menu, rows, "changed", session)
        return Outcome([done()])

    def unset(self, menu: Menu, request: Request, session: Session) -> Outcome:
        names = [n for n in request.args.get("value-name", "").split(",") if n]
        if not names:
            raise errors.missing("value-name")
        with self.state.lock:
            if menu.settings:
                self.state.unset(menu.path, None, names)
            else:
                for row_id in self._ids(menu, request):
                    self.state.unset(menu.path, row_id, names)
            self._log_change(menu, [], "changed", session)
        return Outcome([done()])

    def remove(self, menu: Menu, request: Request, session: Session) -> Outcome:
        with self.state.lock:
            ids = self._ids(menu, request)
            doomed = self.state.remove_rows(menu, ids)
            if menu.persistent:
                self._log_change(menu, doomed, "removed", session)
        return Outcome([done()])

    # -- menu-specific commands -----------------------------------------------------------

    def reset_counters(self, menu: Menu, request: Request, session: Session) -> Outcome:
        if request.command.endswith("-all"):
            ids = [row[".id"] for row in self.state.rows(menu.path)]
        else:
            ids = self._ids(menu, request)
        self.state.reset_counters(ids)
        return Outcome([done()])

    def log_line(self, menu: Menu, request: Request, session: Session) -> Outcome:
        level = request.command.rpartition("/")[2]
        self.state.log(request.args.get("message", ""), f"script,{level}")
        return Outcome([done()])

    def monitor_traffic(self, menu: Menu, request: Request, session: Session) -> Outcome:
        spec = request.args.get("interface")
        if not spec:
            raise errors.missing("interface")
        names = [name.strip() for name in spec.split(",") if name.strip()]
        for name in names:
            if not self.state.has_key("/interface", name):
                raise errors.no_match("interface")
        proplist = self._proplist(request)

        def samples() -> list[Sentence]:
            now = time.monotonic()
            out = []
            for name in names:
                row = self.state.find("/interface", name)
                if row is not None:
                    out.append(("!re", row_attrs(traffic_sample(row, now), proplist)))
            return out

        if flag(request.args.get("once")):
            return Outcome([*samples(), done()])
        duration = self._duration(request.args.get("duration"))

        async def stream() -> AsyncIterator[Sentence]:
            started = time.monotonic()
            while True:
                for sentence in samples():
                    yield sentence
                if duration is not None and time.monotonic() - started >= duration:
                    return
                await asyncio.sleep(self.stream_interval)

        return Outcome(stream=stream())

    @staticmethod
    def _duration(value: str | None) -> float | None:
        if value is None:
            return None
        try:
            return parse_duration(value)
        except ValueError:
            raise errors.invalid_value("duration") from None

    def ping(self, request: Request) -> Outcome:
        address = request.args.get("address")
        if not address:
            raise errors.missing("address")
        for name in request.args:
            if name not in (
                "address",
                "count",
                "interval",
                "size",
                "ttl",
                "src-address",
                "interface",
                "routing-table",
                "vrf",
                "do-not-fragment",
            ):
                raise errors.unknown_parameter()
        try:
            count = int(request.args["count"]) if "count" in request.args else None
        except ValueError:
            raise errors.invalid_value("count") from None
        interval = self._duration(request.args.get("interval"))
        interval = self.stream_interval if interval is None else interval
        size = request.args.get("size", "56")
        try:
            unreachable = ipaddress.ip_address(address) in ipaddress.ip_network("192.0.2.0/24")
        except ValueError:
            raise errors.invalid_value("address") from None

        async def stream() -> AsyncIterator[Sentence]:
            sent = received = 0
            seq = 0
            while count is None or seq < count:
                sent += 1
                attrs: Attrs = [("seq", str(seq)), ("host", address)]
                if unreachable:
                    attrs.append(("status", "timeout"))
                else:
                    received += 1
                    attrs += [("size", size), ("ttl", "64"), ("time", f"{1 + seq % 3}ms")]
                attrs += [
                    ("sent", str(sent)),
                    ("received", str(received)),
                    ("packet-loss", str(100 * (sent - received) // sent)),
                ]
                if received:
                    attrs += [("min-rtt", "1ms"), ("avg-rtt", "2ms"), ("max-rtt", "3ms")]
                yield ("!re", attrs)
                seq += 1
                if count is None or seq < count:
                    await asyncio.sleep(interval)

        return Outcome(stream=stream())
