"""The RouterOS API adapter: the only module that talks to MikroTik routers.

Built on librouteros (GPL-2.0-or-later, hence the project's AGPL), with four rules that
the library does not give on its own:

* **Values are strings.** librouteros turns "12345" into 12345 and "true" into True (a
  PPP password "12345" came back as an int). Our protocol keeps every word exactly as
  the router sent it, so callers compare strings in RouterOS's own spelling.
* **Explicit timeouts.** One for the TCP connect, one for every read, so that an
  unreachable router answers within 5 s instead of hanging a request or a worker.
* **One connection per use.** `RouterClient` is a context manager: log in, run the
  commands, close. librouteros has no tags, so commands never share a connection.
* **Our exceptions, with the router's own words.** Every failure is a `RouterError`
  subclass carrying the message RouterOS (or the socket) gave.

RouterOS 6.43+ and 7.x are supported (plain login; the MD5 challenge of older
versions is refused with a clear message). 7.18+ sends `!empty` before `!done` when a
print has no rows; librouteros skips it, and the tests check it against the simulator.

Passwords never reach a log: librouteros logs every word it sends (the login sentence
included) at DEBUG, so our protocol does its own logging, with secrets masked.

    with RouterClient("10.0.0.1", 8728, "netbill", password) as ros:
        info = ros.system_info()
        secrets = ros.print("/ppp/secret", where={"name": "rahim"}, proplist=["name"])
        ros.set("/ppp/aaa", {"use-radius": "yes"})
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ipaddress
import logging
import socket
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from librouteros.api import Api
from librouteros.connections import SocketTransport
from librouteros.exceptions import (
    ConnectionClosed,
    FatalError,
    LibRouterosError,
    MultiTrapError,
    TrapError,
)
from librouteros.protocol import ApiProtocol, encode_sentence

log = logging.getLogger(__name__)

__all__ = [
    "RouterApiDisabled",
    "RouterAuthFailed",
    "RouterClient",
    "RouterConnectionLost",
    "RouterError",
    "RouterFatal",
    "RouterInfo",
    "RouterRefused",
    "RouterTimeout",
    "RouterTrap",
    "is_true",
]

# Keys whose values are masked wherever a sentence is logged or described.
SECRET_KEYS = frozenset({"password", "secret", "passphrase", "private-key", "preshared-key"})
MASK = "********"

# Reads use UTF-8: RouterOS 7 stores identities and comments as UTF-8.
ENCODING = "utf-8"


#
# Exceptions
#


class RouterError(Exception):
    """Any failure to talk to a router; `message` is the router's (or the socket's) text.

    `kind` names the failure for people and the API: timeout, refused, auth,
    api_disabled, trap, fatal, lost or error.
    """

    kind = "error"

    def __init__(self, message: str):
        self.message = str(message)
        super().__init__(self.message)


class RouterTimeout(RouterError):
    """No answer in time: the address is unreachable, or the router never replied."""

    kind = "timeout"


class RouterRefused(RouterError):
    """Nothing listens on that port: wrong port, or the API service is off."""

    kind = "refused"


class RouterAuthFailed(RouterError):
    """The router refused the API username or password."""

    kind = "auth"


class RouterApiDisabled(RouterError):
    """The connection was accepted and then closed (or reset) without a reply: the API
    service is disabled, or its `available-from` list does not include us."""

    kind = "api_disabled"


class RouterTrap(RouterError):
    """A command failed: RouterOS answered `!trap` (message, optional category 0–7)."""

    kind = "trap"

    def __init__(self, message: str, category: str | None = None):
        super().__init__(message)
        self.category = None if category is None else str(category)


class RouterFatal(RouterError):
    """RouterOS answered `!fatal` and closed the session."""

    kind = "fatal"


class RouterConnectionLost(RouterError):
    """The session broke in the middle of a command."""

    kind = "lost"


#
# Values
#


TRUE_WORDS = frozenset({"true", "yes"})


def is_true(value) -> bool:
    """RouterOS booleans print as true/false (7.x) or yes/no; input takes yes/no."""
    return str(value).strip().lower() in TRUE_WORDS


def as_str(value) -> str:
    """A value in RouterOS's own spelling (for values that did not come off the wire)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def mask(key: str, value: str) -> str:
    return MASK if key.lower() in SECRET_KEYS and value else value


def describe_word(word: str) -> str:
    """A sentence word for a log line: `=password=…` becomes `=password=********`."""
    if word.startswith("=") and word.count("=") >= 2:
        _, key, value = word.split("=", 2)
        return f"={key}={mask(key, value)}"
    return word


def split_word(word: str) -> tuple[str, str]:
    """`=key=value` → (key, value), the value untouched (librouteros would cast it)."""
    _, key, value = word.split("=", 2)
    return key, value


#
# librouteros, kept from casting and from logging secrets
#


class _Protocol(ApiProtocol):
    """librouteros's protocol without its DEBUG log of every word (passwords included)."""

    def writeSentence(self, cmd: str, *words: str) -> None:  # noqa: N802 (librouteros)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("<--- %s %s", cmd, " ".join(describe_word(w) for w in words))
        self.transport.write(encode_sentence(cmd, *words, encoding=self.encoding))

    def readSentence(self) -> tuple[str, tuple[str, ...]]:  # noqa: N802 (librouteros)
        sentence = tuple(iter(self.readWord, ""))
        if log.isEnabledFor(logging.DEBUG):
            log.debug("---> %s", " ".join(describe_word(w) for w in sentence))
        if not sentence:
            raise ConnectionClosed("Empty sentence.")
        reply, words = sentence[0], sentence[1:]
        if reply == "!fatal":
            self.transport.close()
            raise FatalError(words[0] if words else "")
        return reply, words


class _Api(Api):
    """Rows as {key: str}: exactly what the router sent."""

    def readSentence(self):  # noqa: N802 (librouteros)
        reply, words = self.protocol.readSentence()
        return reply, dict(split_word(w) for w in words if w.startswith("="))

    def readResponse(self):  # noqa: N802 (librouteros)
        """Sentences up to `!done`. `!empty` (7.18+, a print without rows) carries no
        row; every `!trap` is kept, whatever other words it has."""
        traps: list[TrapError] = []
        rows: list[dict[str, str]] = []
        reply = None
        while reply != "!done":
            reply, words = self.readSentence()
            if reply == "!trap":
                traps.append(TrapError(words.get("message", ""), words.get("category")))
            elif reply in ("!re", "!done") and words:
                rows.append(words)
        if len(traps) > 1:
            raise MultiTrapError(*traps)
        if traps:
            raise traps[0]
        return rows


#
# The client
#


@dataclass(frozen=True)
class RouterInfo:
    """What Test Connection shows: /system/identity and /system/resource."""

    identity: str
    version: str
    board: str
    uptime: str


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


_resolver = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="ros-dns")


def _resolve(host: str, port: int, timeout: float) -> list[tuple]:
    """getaddrinfo with a deadline: the system resolver has none of its own that we set."""
    if _is_ip(host):
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    future = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        return future.result(timeout=timeout)
    except concurrent.futures.TimeoutError as exc:
        raise RouterTimeout(
            _("Looking up %(host)s took longer than %(seconds)g s.")
            % {"host": host, "seconds": timeout}
        ) from exc
    except socket.gaierror as exc:
        raise RouterError(
            _("Cannot resolve %(host)s: %(error)s") % {"host": host, "error": exc.strerror or exc}
        ) from exc


def _unverified_tls() -> ssl.SSLContext:
    # Routers serve api-ssl with self-signed certificates and we keep no CA per router
    # yet, so the channel is encrypted but the certificate is not verified.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class RouterClient:
    """One logged-in RouterOS API session, used as a context manager.

    Timeouts default to settings.NETBILL_ROUTEROS_CONNECT_TIMEOUT and
    NETBILL_ROUTEROS_READ_TIMEOUT. The password is kept only for the login and never
    appears in repr, logs or exception messages.
    """

    def __init__(
        self,
        host: str,
        port: int = 8728,
        username: str = "",
        password: str = "",
        *,
        use_ssl: bool = False,
        ssl_context: ssl.SSLContext | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        total_timeout: float | None = None,
    ):
        self.host = str(host).strip()
        self.port = int(port)
        self.username = username
        self._password = password
        self.use_ssl = use_ssl
        self.ssl_context = ssl_context
        if connect_timeout is None:
            connect_timeout = settings.NETBILL_ROUTEROS_CONNECT_TIMEOUT
        if read_timeout is None:
            read_timeout = settings.NETBILL_ROUTEROS_READ_TIMEOUT
        self.connect_timeout = float(connect_timeout)
        self.read_timeout = float(read_timeout)
        # An overall budget for the whole session (connect, login, commands), so that a
        # router answering slowly but within each read timeout cannot hold a request.
        self.total_timeout = None if total_timeout is None else float(total_timeout)
        self._deadline: float | None = None
        self._sock: socket.socket | None = None
        self._api: _Api | None = None

    @classmethod
    def for_router(cls, router, **kwargs) -> RouterClient:
        """A client for a saved `network.Router`."""
        return cls(
            router.host,
            router.api_port,
            router.api_username,
            router.api_password or "",
            use_ssl=router.use_ssl,
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"<RouterClient {self.username}@{self.where}>"

    @property
    def where(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    # Session

    def __enter__(self) -> RouterClient:
        self.connect()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def connect(self) -> None:
        if self.total_timeout is not None:
            self._deadline = time.monotonic() + self.total_timeout
        sock = self._open_socket()
        try:
            self._sock = sock
            if self.use_ssl:
                self._arm()
                sock = self._sock = self._wrap_tls(sock)
            api = _Api(protocol=_Protocol(transport=SocketTransport(sock), encoding=ENCODING))
            self._arm()
            self._login(api)
        except BaseException:
            sock.close()
            raise
        self._api = api
        log.info("RouterOS API: logged in to %s as %s", self.where, self.username)

    def close(self) -> None:
        api, self._api, self._sock = self._api, None, None
        if api is not None:
            with contextlib.suppress(OSError):
                api.close()

    def _arm(self) -> None:
        """Give the next read what is left of the overall budget (at most read_timeout)."""
        if self._deadline is None or self._sock is None:
            return
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise RouterTimeout(
                _("%(where)s did not finish answering within %(seconds)g s.")
                % {"where": self.where, "seconds": self.total_timeout}
            )
        self._sock.settimeout(min(self.read_timeout, remaining))

    def _open_socket(self) -> socket.socket:
        if not self.host:
            raise RouterError(_("No router address."))
        error: Exception | None = None
        for family, kind, proto, _name, address in _resolve(
            self.host, self.port, self.connect_timeout
        ):
            sock = socket.socket(family, kind, proto)
            connect_timeout = self.connect_timeout
            if self._deadline is not None:
                connect_timeout = max(
                    0.001, min(connect_timeout, self._deadline - time.monotonic())
                )
            sock.settimeout(connect_timeout)
            try:
                sock.connect(address)
            except TimeoutError as exc:
                sock.close()
                error = RouterTimeout(
                    _(
                        "No answer from %(where)s within %(seconds)g s: the address is "
                        "unreachable or filtered."
                    )
                    % {"where": self.where, "seconds": self.connect_timeout}
                )
                error.__cause__ = exc
            except ConnectionRefusedError as exc:
                sock.close()
                error = RouterRefused(
                    _(
                        "Connection refused by %(where)s: nothing listens on port %(port)s "
                        "(is the %(service)s service enabled on this port?)."
                    )
                    % {
                        "where": self.where,
                        "port": self.port,
                        "service": "api-ssl" if self.use_ssl else "api",
                    }
                )
                error.__cause__ = exc
            except (ConnectionResetError, ConnectionAbortedError) as exc:
                sock.close()
                error = RouterApiDisabled(
                    _(
                        "%(where)s reset the connection without a reply: the API service is "
                        "disabled, or its 'available-from' list does not include this server."
                    )
                    % {"where": self.where}
                )
                error.__cause__ = exc
            except OSError as exc:
                sock.close()
                error = RouterError(
                    _("Cannot reach %(where)s: %(error)s.")
                    % {"where": self.where, "error": exc.strerror or exc}
                )
                error.__cause__ = exc
            else:
                sock.settimeout(self.read_timeout)
                return sock
        raise error or RouterError(_("Cannot reach %(where)s.") % {"where": self.where})

    def _wrap_tls(self, sock: socket.socket) -> socket.socket:
        context = self.ssl_context or _unverified_tls()
        try:
            server_name = None if _is_ip(self.host) else self.host
            return context.wrap_socket(sock, server_hostname=server_name)
        except TimeoutError as exc:
            raise RouterTimeout(
                _("%(where)s did not complete the TLS handshake within %(seconds)g s.")
                % {"where": self.where, "seconds": self.read_timeout}
            ) from exc
        except (ConnectionError, ssl.SSLEOFError) as exc:
            raise RouterApiDisabled(
                _(
                    "%(where)s closed the connection during the TLS handshake: the api-ssl "
                    "service is disabled or does not accept this address."
                )
                % {"where": self.where}
            ) from exc
        except ssl.SSLError as exc:
            reason = exc.reason or exc
            raise RouterError(
                _("TLS handshake with %(where)s failed: %(error)s.")
                % {"where": self.where, "error": reason}
            ) from exc

    def _login(self, api: _Api) -> None:
        try:
            reply = tuple(api("/login", name=self.username, password=self._password))
        except TrapError as exc:
            raise RouterAuthFailed(_trap_message(exc)) from exc
        except MultiTrapError as exc:
            raise RouterAuthFailed(str(exc)) from exc
        except FatalError as exc:
            raise RouterFatal(str(exc) or _("The router ended the session.")) from exc
        except TimeoutError as exc:
            raise RouterTimeout(
                _(
                    "%(where)s accepted the connection but did not answer the login within "
                    "%(seconds)g s."
                )
                % {"where": self.where, "seconds": self.read_timeout}
            ) from exc
        except (ConnectionClosed, ConnectionError) as exc:
            raise RouterApiDisabled(
                _(
                    "%(where)s accepted the connection and closed it without a reply: the API "
                    "service is disabled, or its 'available-from' list does not include this "
                    "server."
                )
                % {"where": self.where}
            ) from exc
        except (OSError, LibRouterosError, UnicodeError) as exc:
            raise RouterError(
                _("Login to %(where)s failed: %(error)s") % {"where": self.where, "error": exc}
            ) from exc
        if any("ret" in row for row in reply):
            # Before 6.43 /login answers with an MD5 challenge instead of logging in.
            raise RouterError(_("This RouterOS is older than 6.43; upgrade it to use the API."))

    # Commands

    def command(self, cmd: str, words: Iterable[str] = ()) -> list[dict[str, str]]:
        """Run one command with raw API words; the rows it returned (all values str)."""
        if self._api is None:
            raise RouterError(_("Not connected: use RouterClient as a context manager."))
        self._arm()
        try:
            return [
                {key: as_str(value) for key, value in row.items()}
                for row in self._api.rawCmd(cmd, *words)
            ]
        except TrapError as exc:
            raise RouterTrap(_trap_message(exc), exc.category) from exc
        except MultiTrapError as exc:
            first = exc.traps[0] if exc.traps else None
            raise RouterTrap(str(exc), getattr(first, "category", None)) from exc
        except FatalError as exc:
            self._api = None
            raise RouterFatal(str(exc) or _("The router ended the session.")) from exc
        except TimeoutError as exc:
            self._api = None
            raise RouterTimeout(
                _("%(where)s did not answer %(command)s within %(seconds)g s.")
                % {"where": self.where, "command": cmd, "seconds": self.read_timeout}
            ) from exc
        except (ConnectionClosed, OSError) as exc:
            self._api = None
            raise RouterConnectionLost(
                _("The connection to %(where)s broke during %(command)s: %(error)s")
                % {"where": self.where, "command": cmd, "error": exc}
            ) from exc
        except (LibRouterosError, UnicodeError) as exc:
            self._api = None
            raise RouterError(
                _("%(command)s on %(where)s failed: %(error)s")
                % {"command": cmd, "where": self.where, "error": exc}
            ) from exc

    def print(
        self,
        menu: str,
        *,
        where: Mapping[str, str] | None = None,
        proplist: Iterable[str] | None = None,
    ) -> list[dict[str, str]]:
        """`<menu>/print`, optionally only rows whose keys equal `where` (all must match)
        and only the `proplist` keys (plus whatever RouterOS always adds, e.g. .id)."""
        words = []
        if proplist:
            words.append(f"=.proplist={','.join(proplist)}")
        for key, value in (where or {}).items():
            words.append(f"?{key}={as_str(value)}")
        return self.command(f"{_menu(menu)}/print", words)

    def add(self, menu: str, values: Mapping[str, object]) -> str:
        """`<menu>/add`; the new item's id (`*1A`), or "" when RouterOS returns none."""
        rows = self.command(f"{_menu(menu)}/add", _value_words(values))
        return next((row["ret"] for row in rows if "ret" in row), "")

    def set(self, menu: str, values: Mapping[str, object], item_id: str | None = None) -> None:
        """`<menu>/set`: on one item (`item_id`, an id or a name), or on a single-row
        settings menu such as /ppp/aaa or /radius/incoming when `item_id` is None."""
        words = _value_words(values)
        if item_id is not None:
            words.insert(0, f"=.id={item_id}")
        self.command(f"{_menu(menu)}/set", words)

    def remove(self, menu: str, *item_ids: str) -> None:
        if item_ids:
            self.command(f"{_menu(menu)}/remove", [f"=.id={','.join(item_ids)}"])

    def get(self, menu: str) -> dict[str, str]:
        """The one row of a settings menu (/system/identity, /ppp/aaa…), or {}."""
        rows = self.print(menu)
        return rows[0] if rows else {}

    def system_info(self) -> RouterInfo:
        identity = self.get("/system/identity")
        resource = self.get("/system/resource")
        return RouterInfo(
            identity=identity.get("name", ""),
            version=resource.get("version", ""),
            board=resource.get("board-name", ""),
            uptime=resource.get("uptime", ""),
        )


def _menu(menu: str) -> str:
    """ "/ppp/secret", "ppp/secret" or "/ppp secret" → "/ppp/secret"."""
    parts = [p for p in menu.replace(" ", "/").split("/") if p]
    return "/" + "/".join(parts)


def _value_words(values: Mapping[str, object]) -> list[str]:
    words = []
    for key, value in values.items():
        if value is True:
            value = "yes"
        elif value is False:
            value = "no"
        words.append(f"={key}={as_str(value)}")
    return words


def _trap_message(exc: TrapError) -> str:
    return str(exc.message).replace("\r\n", ", ").strip() or _("The router refused the command.")
