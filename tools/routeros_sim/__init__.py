"""A simulated MikroTik router speaking the real RouterOS API wire protocol (plain or API-SSL).

For the demo (``make run`` points the demo routers at it) and for tests of anything that
talks to routers through librouteros or any other RouterOS API client.

Command line::

    python -m tools.routeros_sim --port 8728 --state var/router1.json \\
        [--host 127.0.0.1] [--user admin --password X] [--empty] [--ros-version 7.16.2]

(see ``python -m tools.routeros_sim --help`` for identity, board name, TLS and fault
flags). It prints ``routeros_sim listening on HOST:PORT`` when ready; SIGTERM stops it.

Python API (stable)
-------------------

``Simulator(username="admin", password="", *, state_file=None, empty_mode=None,
ros_version="7.16.2", host="127.0.0.1", port=0, identity=None, board_name="RB4011iGS+",
stream_interval=1.0, group="full", max_word=64 MiB, ssl_context=None)``
    ``empty_mode=None`` means "as the version does": ``!empty`` from RouterOS 7.18 on.
    ``port=0`` picks a free port; after a stop/start the simulator keeps its port.
    ``group="read"`` makes the API user read-only (writes trap "not enough permissions (9)").
    ``ssl_context`` serves API-SSL; `tools.routeros_sim.tls` makes a throw-away CA and
    server certificate (``make_test_certificates(dir)``, ``server_context(cert, key)``,
    ``client_context(ca_cert)`` for a pinned client).

``sim.start(timeout=10.0) -> Simulator``
    Serve from a background thread (own asyncio loop); returns once listening.
``sim.stop(timeout=10.0) -> None``
    Close the connections and the socket. ``with Simulator(...) as sim:`` does both.
``sim.run(ready=None) -> None``
    Serve in the foreground until SIGINT/SIGTERM (what the command line does).
``sim.host: str``, ``sim.port: int``, ``sim.running: bool``, ``sim.connection_count: int``
``sim.empty_mode: bool``, ``sim.stream_interval: float`` (both settable at run time)
``sim.connect(timeout=5.0, **kwargs) -> librouteros.Api``
    A logged-in librouteros connection.
``sim.client(login=True, timeout=5.0) -> RawClient``
    A raw client (tags, ``/cancel``, raw bytes; replies are `Reply` objects, never cast).
``sim.disconnect_all()``; ``sim.reboot()`` (drops connections; uptime, counters,
    /ppp/active and /log start over; the configuration stays).

``sim.command_log: list[tuple[str, dict[str, str]]]``
    Every command received, in order, as ``(command, args)`` (``/login`` included);
    ``sim.requests: list[Request]`` has the tags and queries too;
    ``sim.commands("/ppp/secret/add") -> list[dict[str, str]]`` filters by command.

``sim.state: State`` (thread-safe; readable and writable while serving)
    ``state["/ppp/secret"]`` or ``state.rows(path)``: copies of the rows (``dict[str, str]``,
    table rows with ``.id``); ``state.find(path, "*1" or name) -> dict | None``;
    ``state.get(path, ref)`` (raises ``ApiError("no such item")``);
    ``state.print_rows(path)``: rows as ``print`` shows them (computed values, no hidden);
    ``state.add(path, {...} or **values) -> "*ID"``; ``state.set(path, ref, {...})``
    (``ref=None`` for settings menus); ``state.remove(path, ref)``;
    ``state.unset(path, ref, [names])`` — validated like the API (raise `ApiError`), but
    read-only fields may be filled, so a test can play the router's part;
    ``state.ppp_connect(name, address="", **values) -> "*ID"`` (a PPP session comes up:
    /ppp/active row, ``<pppoe-NAME>`` dynamic interface, log line);
    ``state.hotspot_login(user, address="", **values)``; ``state.log(message, topics)``;
    ``state.log_messages() -> list[str]``; ``state.snapshot()`` (deep copy of all tables);
    ``with state.edit() as menus:`` raw tables under the lock (saved afterwards);
    ``state.reset()`` (factory defaults); ``state.lock`` (an RLock).

``sim.faults: Faults`` (thread-safe; see `tools.routeros_sim.faults` for matching)
    ``faults.delay(command=None, seconds=1.0, *, times=None)``
    ``faults.trap(command=None, message="failure: simulated fault", *, category=None,
    times=None)`` — nothing is changed, the command answers !trap + !done;
    ``faults.fatal(command=None, message="simulated fatal error", *, times=None)`` —
    !fatal, then the connection closes;
    ``faults.drop(command=None, *, after_bytes=None, times=None)`` — the command *is*
    executed, then half of its first reply sentence is sent and the connection closes;
    ``faults.api_disabled = True`` — new connections are reset at once, no reply (like
    /ip/service api disabled or available-from excluding the client, which the
    simulator also honours); ``faults.reject_login = True`` — every login fails with
    "invalid user name or password (6)"; ``faults.clear()``.
    ``command=None`` (or ``"*"``) means every command but /login, /quit and /cancel; a
    menu path (``"/ppp/secret"``) covers its commands; ``*`` patterns are allowed.

pytest: ``tools.routeros_sim.pytest_plugin`` provides the ``routeros_sim`` and
``routeros_sim_factory`` fixtures (``ROUTEROS_SIM_USER``/``ROUTEROS_SIM_PASSWORD``).

What it speaks
--------------

Framing with all five length forms (first bytes 0xF8+ refused: the connection closes);
``/login =name= =password=`` (6.43+; the MD5 challenge login is refused like on a current
router); before login anything else gets ``!fatal not logged in``; ``/quit`` →
``!fatal session terminated on request``; ``.tag`` echoed on every reply; commands run
concurrently; exactly one ``!done`` per command; ``!trap`` (``=category=`` for missing
commands 0, argument errors 1, interruptions 2) then ``!done``; ``!empty`` mode;
``/cancel [=tag=T]`` (``!trap =category=2 =message=interrupted`` and ``!done`` for T, ``!done``
for the cancel; an unknown tag is not an error). ``print`` with ``.proplist``,
``count-only``, ``from``, ``follow``/``follow-only``/``interval`` and the whole ``?`` query
stack; ``<menu>/listen``; ``add`` (``=ret=*ID``), ``set``, ``remove``, ``enable``,
``disable``, ``unset``, ``comment``, ``get`` with ``.id``/``numbers`` (comma lists of ids,
names or positions). An unknown argument answers "unknown parameter" (RouterOS's API
wording; its console says "expected end of command").

Menus: /system/identity, /system/resource, /system/routerboard, /system/clock, /user,
/ip/service, /interface (+ monitor-traffic, reset-counters), /ip/address, /ppp/secret,
/ppp/profile, /ppp/active, /ppp/aaa, /interface/pppoe-server/server,
/interface/{l2tp,sstp,ovpn,pptp}-server/server, /ip/pool, /ip/pool/used, /ip/hotspot,
/ip/hotspot/user, /ip/hotspot/user/profile, /ip/hotspot/active, /radius,
/radius/incoming, /log (+ info/warning/error/debug), /tool/netwatch, /queue/simple,
/ip/firewall/address-list; commands /ping and /system/reboot.
"""

from .client import ApiTrap, ConnectionClosed, RawClient
from .codec import Reply, Request
from .errors import ApiError
from .faults import FaultRule, Faults
from .simulator import Simulator
from .state import State

__all__ = [
    "ApiError",
    "ApiTrap",
    "ConnectionClosed",
    "FaultRule",
    "Faults",
    "RawClient",
    "Reply",
    "Request",
    "Simulator",
    "State",
]
