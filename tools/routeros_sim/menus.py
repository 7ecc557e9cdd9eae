"""The menus the simulator knows: their fields, defaults, validation and default rows.

A `Menu` is either a table (rows with ``*HEX`` ids, ``add``/``set``/``remove``) or a
single-row settings menu (``print`` gives one row without ``.id``; ``set`` takes no id).
Every value is a string; booleans are stored and printed as ``true``/``false``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from . import errors, runtime

if TYPE_CHECKING:
    from .state import State

Row = dict[str, str]


class Kind(Enum):
    TEXT = "text"
    BOOL = "bool"
    INT = "int"
    IP = "ip"  # an IPv4 or IPv6 address
    ENUM = "enum"  # one of `choices`
    SET = "set"  # comma-separated subset of `choices`
    REF = "ref"  # the key (name) of a row of `ref`, or one of `choices`
    IP_OR_REF = "ip-or-ref"  # an address, or the key of a row of `ref`
    RANGES = "ranges"  # a-b,c,d/24


TRUE_WORDS = frozenset({"yes", "true"})
FALSE_WORDS = frozenset({"no", "false"})


def to_bool(value: str) -> str | None:
    """``yes``/``true`` → ``true``, ``no``/``false`` → ``false``, else None."""
    lowered = value.strip().lower()
    if lowered in TRUE_WORDS:
        return "true"
    if lowered in FALSE_WORDS:
        return "false"
    return None


def stringify(value: object) -> str:
    """Python values from tests → RouterOS strings (True → "true", 5 → "5")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def parse_ranges(value: str) -> list[tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]]:
    """``10.0.0.2-10.0.0.254,10.1.0.0/24`` → [(first, last), …]; ValueError if malformed."""
    spans = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            raise ValueError("empty range")
        if "-" in part:
            low, high = (ipaddress.IPv4Address(p.strip()) for p in part.split("-", 1))
        elif "/" in part:
            net = ipaddress.IPv4Network(part, strict=False)
            low, high = net.network_address, net.broadcast_address
        else:
            low = high = ipaddress.IPv4Address(part)
        if high < low:
            raise ValueError("range ends before it starts")
        spans.append((low, high))
    return spans


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind = Kind.TEXT
    default: str | None = None  # value a new row gets; None: absent until set
    read_only: bool = False
    hidden: bool = False  # stored but never printed (e.g. /user password)
    required: bool = False
    choices: frozenset[str] = frozenset()
    ref: str | None = None  # menu path for REF / IP_OR_REF

    def normalize(self, state: State, value: str) -> str:
        """Validate `value` for this field; return the stored form or raise ApiError."""
        kind = self.kind
        if kind is Kind.TEXT:
            return value
        if kind is Kind.BOOL:
            flag = to_bool(value)
            if flag is None:
                raise errors.invalid_value(self.name)
            return flag
        if kind is Kind.INT:
            if not value.strip().isdigit():
                raise errors.invalid_value(self.name)
            return str(int(value))
        if kind is Kind.IP:
            if value == "" or is_ip(value):
                return value
            raise errors.invalid_value(self.name)
        if kind is Kind.ENUM:
            if value in self.choices:
                return value
            raise errors.no_match(self.name)
        if kind is Kind.SET:
            items = [item.strip() for item in value.split(",") if item.strip()]
            if all(item in self.choices for item in items):
                return ",".join(items)
            raise errors.no_match(self.name)
        if kind is Kind.REF:
            if value in self.choices or state.has_key(self.ref or "", value):
                return value
            raise errors.no_match(self.name)
        if kind is Kind.IP_OR_REF:
            if value == "" or is_ip(value) or state.has_key(self.ref or "", value):
                return value
            raise errors.no_match(self.name)
        if kind is Kind.RANGES:
            try:
                parse_ranges(value)
            except ValueError as exc:
                raise errors.invalid_value(self.name) from exc
            return value
        raise AssertionError(kind)  # pragma: no cover


def F(name: str, kind: Kind = Kind.TEXT, default: str | None = None, **kw: object) -> Field:  # noqa: N802
    """Shorthand for a `Field`; `choices` may be given as any iterable of strings."""
    choices = kw.pop("choices", ())
    return Field(name, kind, default, choices=frozenset(choices), **kw)  # type: ignore[arg-type]


def RO(name: str, default: str | None = None, kind: Kind = Kind.TEXT) -> Field:  # noqa: N802
    return Field(name, kind, default, read_only=True)


def BOOL(name: str, default: str | None = "false", read_only: bool = False) -> Field:  # noqa: N802
    return Field(name, Kind.BOOL, default, read_only=read_only)


ComputeFn = Callable[["State", Row, float], Mapping[str, str]]
RowsFn = Callable[["State", float], list[Row]]


@dataclass(frozen=True)
class Menu:
    path: str
    noun: str  # for log lines: "ppp secret <alice> added by admin"
    fields: tuple[Field, ...]
    key: str | None = "name"  # field that names a row (lookups by name, uniqueness)
    duplicate: str = "failure: item with this name already exists"
    unique: tuple[str, ...] = ()  # several fields that must be unique together
    unique_message: str = "failure: already have such entry"
    settings: bool = False  # single row, no .id
    can_add: bool = True
    can_remove: bool = True
    can_set: bool = True
    persistent: bool = True  # saved to the state file (runtime menus are not)
    auto_name: str | None = None  # "queue" → queue1, queue2… when add has no name
    commands: frozenset[str] = frozenset()  # extra commands handled by the engine
    compute: ComputeFn | None = None  # extra read-only values at print time
    virtual: RowsFn | None = None  # rows built at print time (nothing stored)
    undeletable: Mapping[str, str] = field(default_factory=dict)  # key value → trap message

    def field(self, name: str) -> Field | None:
        for item in self.fields:
            if item.name == name:
                return item
        return None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.fields)

    @property
    def writable(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if not f.read_only)

    @property
    def has_disabled(self) -> bool:
        return self.field("disabled") is not None

    @property
    def table(self) -> bool:
        return not self.settings

    def defaults(self) -> Row:
        return {f.name: f.default for f in self.fields if f.default is not None}


PPP_SERVICES = ("any", "async", "l2tp", "ovpn", "pppoe", "pptp", "sstp")
YES_NO_DEFAULT = ("default", "yes", "no")
RADIUS_SERVICES = ("ppp", "login", "hotspot", "wireless", "dhcp", "ipsec", "dot1x")


def _menus() -> list[Menu]:
    return [
        Menu(
            "/system/identity",
            "system identity",
            (F("name", default="MikroTik"),),
            key=None,
            settings=True,
        ),
        Menu(
            "/system/resource",
            "system resource",
            (),
            key=None,
            settings=True,
            can_set=False,
            persistent=False,
            virtual=runtime.resource_rows,
        ),
        Menu(
            "/system/routerboard",
            "routerboard",
            (
                BOOL("routerboard", "true", read_only=True),
                RO("board-name"),
                RO("model"),
                RO("serial-number", "HF4091N7XYZ"),
                RO("firmware-type", "al2"),
                RO("factory-firmware", "7.1.5"),
                RO("current-firmware"),
                RO("upgrade-firmware"),
            ),
            key=None,
            settings=True,
            can_set=False,
            compute=runtime.routerboard_compute,
        ),
        Menu(
            "/system/clock",
            "clock",
            (F("time-zone-name", default="Asia/Dhaka"), BOOL("time-zone-autodetect", "false")),
            key=None,
            settings=True,
            persistent=True,
            compute=runtime.clock_compute,
        ),
        Menu(
            "/user",
            "user",
            (
                F("name", required=True),
                F("group", Kind.ENUM, "full", choices=("read", "write", "full")),
                F("address", default=""),
                RO("last-logged-in"),
                F("password", default="", hidden=True),
                BOOL("disabled"),
                F("comment"),
            ),
            duplicate="failure: user with the same name already exists",
        ),
        Menu(
            "/ip/service",
            "ip service",
            (
                F("name", required=True),
                F("port", Kind.INT, required=True),
                F("address", default=""),
                F("certificate"),
                F("vrf", default="main"),
                F("max-sessions", Kind.INT, "20"),
                BOOL("invalid", read_only=True),
                BOOL("disabled"),
            ),
            can_add=False,
            can_remove=False,
        ),
        Menu(
            "/interface",
            "interface",
            (
                F("name", required=True),
                RO("default-name"),
                RO("type", "ether"),
                F("mtu", default="1500"),
                RO("actual-mtu", "1500"),
                F("l2mtu", default="1568"),
                RO("mac-address"),
                RO("last-link-up-time"),
                RO("link-downs", "0"),
                BOOL("running", "true", read_only=True),
                BOOL("slave", read_only=True),
                BOOL("dynamic", read_only=True),
                BOOL("disabled"),
                F("comment"),
            ),
            can_add=False,
            can_remove=False,
            commands=frozenset({"monitor-traffic", "reset-counters", "reset-counters-all"}),
            compute=runtime.interface_compute,
        ),
        Menu(
            "/ip/address",
            "address",
            (
                F("address", required=True),
                RO("network"),
                F("interface", Kind.REF, required=True, ref="/interface"),
                RO("actual-interface"),
                BOOL("invalid", read_only=True),
                BOOL("dynamic", read_only=True),
                BOOL("disabled"),
                F("comment"),
            ),
            key=None,
            unique=("address", "interface"),
            compute=runtime.address_compute,
        ),
        Menu(
            "/ppp/secret",
            "ppp secret",
            (
                F("name", required=True),
                F("service", Kind.ENUM, "any", choices=PPP_SERVICES),
                F("caller-id", default=""),
                F("password", default=""),
                F("profile", Kind.REF, "default", ref="/ppp/profile"),
                F("local-address", Kind.IP),
                F("remote-address", Kind.IP),
                F("remote-ipv6-prefix"),
                F("routes", default=""),
                F("ipv6-routes", default=""),
                F("limit-bytes-in", Kind.INT, "0"),
                F("limit-bytes-out", Kind.INT, "0"),
                RO("last-logged-out", "1970-01-01 00:00:00"),
                RO("last-caller-id"),
                RO("last-disconnect-reason"),
                BOOL("disabled"),
                F("comment"),
            ),
            duplicate="failure: secret with the same name already exists",
        ),
        Menu(
            "/ppp/profile",
            "ppp profile",
            (
                F("name", required=True),
                F("local-address", Kind.IP_OR_REF, ref="/ip/pool"),
                F("remote-address", Kind.IP_OR_REF, ref="/ip/pool"),
                F("bridge"),
                F("bridge-learning", Kind.ENUM, "default", choices=YES_NO_DEFAULT),
                F("dns-server"),
                F("wins-server"),
                F("use-mpls", Kind.ENUM, "default", choices=(*YES_NO_DEFAULT, "required")),
                F("use-compression", Kind.ENUM, "default", choices=YES_NO_DEFAULT),
                F(
                    "use-encryption",
                    Kind.ENUM,
                    "default",
                    choices=(*YES_NO_DEFAULT, "required"),
                ),
                F("only-one", Kind.ENUM, "default", choices=YES_NO_DEFAULT),
                F("change-tcp-mss", Kind.ENUM, "default", choices=YES_NO_DEFAULT),
                F("use-upnp", Kind.ENUM, "default", choices=YES_NO_DEFAULT),
                F("address-list", default=""),
                F("rate-limit"),
                F("session-timeout"),
                F("idle-timeout"),
                F("parent-queue"),
                F("queue-type"),
                F("incoming-filter"),
                F("outgoing-filter"),
                F("on-up", default=""),
                F("on-down", default=""),
                BOOL("default", read_only=True),
                F("comment"),
            ),
            undeletable={
                "default": "failure: cannot remove default profile",
                "default-encryption": "failure: cannot remove default profile",
            },
        ),
        Menu(
            "/ppp/active",
            "ppp active connection",
            (
                RO("name"),
                RO("service", "pppoe"),
                RO("caller-id", ""),
                RO("address"),
                RO("uptime"),
                RO("encoding", ""),
                RO("session-id"),
                RO("limit-bytes-in", "0"),
                RO("limit-bytes-out", "0"),
                BOOL("radius", read_only=True),
                F("login-time", hidden=True),
            ),
            can_add=False,
            can_set=False,
            persistent=False,
            compute=runtime.uptime_compute,
        ),
        Menu(
            "/ppp/aaa",
            "ppp aaa",
            (
                BOOL("use-radius"),
                BOOL("accounting", "true"),
                F("interim-update", default="0s"),
                BOOL("use-circuit-id-in-nas-port-id"),
                BOOL("enable-ipv6-accounting"),
            ),
            key=None,
            settings=True,
        ),
        Menu(
            "/interface/pppoe-server/server",
            "pppoe server",
            (
                F("service-name", required=True),
                F("interface", Kind.REF, required=True, ref="/interface"),
                F("max-mtu", default="auto"),
                F("max-mru", default="auto"),
                F("mrru", default="disabled"),
                F("authentication", default="pap,chap,mschap1,mschap2"),
                F("keepalive-timeout", default="10"),
                BOOL("one-session-per-host"),
                F("max-sessions", default="unlimited"),
                F("pado-delay", default="0"),
                F("default-profile", Kind.REF, "default", ref="/ppp/profile"),
                BOOL("invalid", read_only=True),
                BOOL("disabled", "true"),
            ),
            key="service-name",
        ),
        *(
            Menu(
                f"/interface/{kind}-server/server",
                f"{kind} server",
                (
                    BOOL("enabled"),
                    F("default-profile", Kind.REF, "default-encryption", ref="/ppp/profile"),
                    F("authentication", default="mschap1,mschap2"),
                    F("max-mtu", default="1450"),
                    F("max-mru", default="1450"),
                    *extra,
                ),
                key=None,
                settings=True,
            )
            for kind, extra in (
                (
                    "l2tp",
                    (
                        F("use-ipsec", Kind.ENUM, "no", choices=("no", "yes", "required")),
                        F("ipsec-secret", default=""),
                    ),
                ),
                ("sstp", (F("certificate", default="none"), F("port", Kind.INT, "443"))),
                ("ovpn", (F("certificate", default="none"), F("port", Kind.INT, "1194"))),
                ("pptp", ()),
            )
        ),
        Menu(
            "/ip/pool",
            "ip pool",
            (
                F("name", required=True),
                F("ranges", Kind.RANGES, required=True),
                F("next-pool", Kind.REF, "none", ref="/ip/pool", choices=("none",)),
                F("comment"),
            ),
        ),
        Menu(
            "/ip/pool/used",
            "ip pool used",
            (),
            key=None,
            can_add=False,
            can_set=False,
            can_remove=False,
            persistent=False,
            virtual=runtime.pool_used_rows,
        ),
        Menu(
            "/ip/hotspot",
            "hotspot",
            (
                F("name", required=True),
                F("interface", Kind.REF, required=True, ref="/interface"),
                F("address-pool", Kind.REF, "none", ref="/ip/pool", choices=("none",)),
                F("profile", default="default"),
                F("idle-timeout", default="5m"),
                F("keepalive-timeout", default="none"),
                F("addresses-per-mac", default="2"),
                BOOL("invalid", read_only=True),
                BOOL("disabled"),
            ),
        ),
        Menu(
            "/ip/hotspot/user/profile",
            "hotspot user profile",
            (
                F("name", required=True),
                F("address-pool", Kind.REF, "none", ref="/ip/pool", choices=("none",)),
                F("shared-users", default="1"),
                F("rate-limit"),
                F("session-timeout"),
                F("idle-timeout", default="none"),
                F("keepalive-timeout", default="2m"),
                F("status-autorefresh", default="1m"),
                F("address-list", default=""),
                F("on-login", default=""),
                F("on-logout", default=""),
                BOOL("default", read_only=True),
                F("comment"),
            ),
            undeletable={"default": "failure: cannot remove default profile"},
        ),
        Menu(
            "/ip/hotspot/user",
            "hotspot user",
            (
                F("server", Kind.REF, "all", ref="/ip/hotspot", choices=("all",)),
                F("name", required=True),
                F("password", default=""),
                F("profile", Kind.REF, "default", ref="/ip/hotspot/user/profile"),
                F("mac-address"),
                F("address"),
                F("email"),
                F("routes"),
                F("limit-uptime", default="0s"),
                F("limit-bytes-in", Kind.INT, "0"),
                F("limit-bytes-out", Kind.INT, "0"),
                F("limit-bytes-total", Kind.INT, "0"),
                RO("uptime", "0s"),
                RO("bytes-in", "0"),
                RO("bytes-out", "0"),
                RO("packets-in", "0"),
                RO("packets-out", "0"),
                BOOL("dynamic", read_only=True),
                BOOL("disabled"),
                F("comment"),
            ),
            key="name",
            duplicate="failure: already have user with this name for this server",
            unique=("server", "name"),
            unique_message="failure: already have user with this name for this server",
        ),
        Menu(
            "/ip/hotspot/active",
            "hotspot active",
            (
                RO("server", "hotspot1"),
                RO("user"),
                RO("domain", ""),
                RO("address"),
                RO("mac-address"),
                RO("login-by", "http-chap"),
                RO("uptime"),
                RO("idle-time", "0s"),
                RO("session-time-left"),
                RO("bytes-in", "0"),
                RO("bytes-out", "0"),
                RO("packets-in", "0"),
                RO("packets-out", "0"),
                BOOL("radius", read_only=True),
                F("login-time", hidden=True),
            ),
            key="user",
            can_add=False,
            can_set=False,
            persistent=False,
            compute=runtime.uptime_compute,
        ),
        Menu(
            "/radius",
            "radius server",
            (
                F("service", Kind.SET, "", choices=RADIUS_SERVICES),
                F("called-id", default=""),
                F("domain", default=""),
                F("address", Kind.IP, required=True),
                F("protocol", Kind.ENUM, "udp", choices=("udp", "radsec")),
                F("secret", default=""),
                F("authentication-port", Kind.INT, "1812"),
                F("accounting-port", Kind.INT, "1813"),
                F("timeout", default="300ms"),
                BOOL("accounting-backup"),
                F("realm", default=""),
                F("src-address", Kind.IP, "0.0.0.0"),
                F("certificate", default="none"),
                BOOL("require-message-auth", "true"),
                BOOL("disabled"),
                F("comment"),
            ),
            key=None,
        ),
        Menu(
            "/radius/incoming",
            "radius incoming",
            (BOOL("accept"), F("port", Kind.INT, "3799"), F("vrf", default="main")),
            key=None,
            settings=True,
        ),
        Menu(
            "/log",
            "log",
            (RO("time"), RO("topics"), RO("message")),
            key=None,
            can_add=False,
            can_set=False,
            can_remove=False,
            persistent=False,
            commands=frozenset({"info", "warning", "error", "debug"}),
        ),
        Menu(
            "/tool/netwatch",
            "netwatch",
            (
                F("name"),
                F("host", Kind.IP, required=True),
                F("type", Kind.ENUM, "simple", choices=("simple", "icmp", "tcp-conn", "http-get")),
                F("interval", default="1m"),
                F("timeout", default="1s"),
                F("up-script", default=""),
                F("down-script", default=""),
                F("test-script", default=""),
                RO("status", "unknown"),
                RO("since"),
                RO("done-tests", "0"),
                RO("failed-tests", "0"),
                BOOL("disabled"),
                F("comment"),
            ),
            key=None,
        ),
        Menu(
            "/queue/simple",
            "simple queue",
            (
                F("name"),
                F("target", required=True),
                F("parent", default="none"),
                F("packet-marks", default=""),
                F("priority", default="8/8"),
                F("queue", default="default-small/default-small"),
                F("limit-at", default="0/0"),
                F("max-limit", default="0/0"),
                F("burst-limit", default="0/0"),
                F("burst-threshold", default="0/0"),
                F("burst-time", default="0s/0s"),
                RO("bucket-size", "0.1/0.1"),
                RO("rate", "0/0"),
                RO("packet-rate", "0/0"),
                RO("bytes", "0/0"),
                RO("packets", "0/0"),
                BOOL("invalid", read_only=True),
                BOOL("dynamic", read_only=True),
                BOOL("disabled"),
                F("comment"),
            ),
            auto_name="queue",
        ),
        Menu(
            "/ip/firewall/address-list",
            "address list entry",
            (
                F("list", required=True),
                F("address", required=True),
                F("timeout"),
                RO("creation-time"),
                BOOL("dynamic", read_only=True),
                BOOL("disabled"),
                F("comment"),
            ),
            key=None,
            unique=("list", "address"),
        ),
    ]


MENUS: dict[str, Menu] = {menu.path: menu for menu in _menus()}

# Folders that hold menus but are not menus themselves ("/ppp", "/ip/firewall"…): a
# command under them is "no such command" rather than "no such command prefix".
DIRECTORIES: frozenset[str] = frozenset(
    "/".join(path.split("/")[:depth]) or "/"
    for path in MENUS
    for depth in range(1, path.count("/") + 1)
)

# Commands that stand alone (not "<menu>/<verb>").
STANDALONE = frozenset({"/login", "/quit", "/cancel", "/ping", "/system/reboot"})
