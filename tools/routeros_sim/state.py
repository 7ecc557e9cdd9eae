"""The router's configuration and runtime tables, thread-safe, optionally saved to JSON.

`State` is what ``sim.state`` is. The asyncio server and test code (another thread) both
use it; every method takes `State.lock` (re-entrant). Rows are ``dict[str, str]``; table
rows carry their ``.id`` (``*1``, ``*1A``…); settings menus hold one row without ``.id``.

Writes through `add`/`set`/`remove` are validated the way RouterOS validates API writes
(types, references such as a secret's profile, uniqueness) and raise `ApiError`. Unlike the
API they may also fill read-only fields, so tests can play the router's own part (a PPP
session coming up, a netwatch host going down). `edit()` hands out the raw tables.

With a file path, the persistent menus are written after every change (to a temporary file
in the same directory, then renamed over the old one); runtime menus (/ppp/active, /log…)
and dynamic rows are not saved, as a real router forgets them at reboot.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from . import errors
from .menus import MENUS, Menu, Row, stringify
from .runtime import Counter, RouterInfo, format_log_time, interface_active

FORMAT = "netbill-routeros-sim/1"
LOG_LINES = 1000  # a router's memory log keeps the last 1000 lines

Listener = Callable[[str, Row, bool], None]  # (menu path, printable row, dead)

BUILTIN_IDS = {
    ("/ppp/profile", "default"): "*0",
    ("/ppp/profile", "default-encryption"): "*FFFFFFFE",
    ("/ip/hotspot/user/profile", "default"): "*0",
}

SERVICES = (
    ("telnet", "23"),
    ("ftp", "21"),
    ("www", "80"),
    ("ssh", "22"),
    ("www-ssl", "443"),
    ("api", "8728"),
    ("winbox", "8291"),
    ("api-ssl", "8729"),
)


class State:
    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        info: RouterInfo | None = None,
        identity: str | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.path = Path(path) if path is not None else None
        self.info = info or RouterInfo()
        self.menus: dict[str, list[Row]] = {}
        self.next_ids: dict[str, int] = {}
        self.counters: dict[str, Counter] = {}
        self.boot_monotonic = time.monotonic()
        self.boot_time = time.time()
        self.file_faults: dict[str, Any] | None = None  # "faults" section of the state file
        self._listeners: list[Listener] = []
        self._saving = False
        self.reset()
        self._saving = True
        if self.path is not None and self.path.exists():
            self.load()
        if identity is not None:
            self.settings_row("/system/identity")["name"] = identity
        self.save()

    # -- setup and persistence -----------------------------------------------------------

    def reset(self) -> None:
        """Forget everything: factory defaults (no secrets, pools or RADIUS servers)."""
        with self.lock:
            self.menus = {path: [] for path in MENUS if MENUS[path].virtual is None}
            self.next_ids = {}
            self.counters = {}
            for menu in MENUS.values():
                if menu.settings and menu.virtual is None:
                    self.menus[menu.path] = [menu.defaults()]
            saving, self._saving = self._saving, False
            try:
                self._factory_rows()
            finally:
                self._saving = saving
            self.save()

    def _factory_rows(self) -> None:
        for name, port in SERVICES:
            extra = {"certificate": "none"} if name.endswith("ssl") else {}
            self.add("/ip/service", {"name": name, "port": port, **extra})
        for number in range(1, 6):
            name = f"ether{number}"
            self.add(
                "/interface",
                {
                    "name": name,
                    "default-name": name,
                    "mac-address": f"48:A9:8A:1C:52:{number:02X}",
                    "running": "false" if number == 5 else "true",
                    "last-link-up-time": "" if number == 5 else "2025-01-06 09:14:27",
                },
            )
        self.add("/ppp/profile", {"name": "default", "default": "true"})
        self.add(
            "/ppp/profile",
            {"name": "default-encryption", "use-encryption": "yes", "default": "true"},
        )
        self.add("/ip/hotspot/user/profile", {"name": "default", "default": "true"})
        self.add("/ip/address", {"address": "192.168.88.1/24", "interface": "ether2"})

    def load(self) -> None:
        """Read the state file (missing menus keep their defaults)."""
        if self.path is None:
            return
        with self.lock:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            for path, rows in (data.get("menus") or {}).items():
                menu = MENUS.get(path)
                if menu is None or not menu.persistent or menu.virtual is not None:
                    continue
                self.menus[path] = [{k: stringify(v) for k, v in row.items()} for row in rows]
            for path, value in (data.get("next_ids") or {}).items():
                self.next_ids[path] = int(value)
            self.file_faults = data.get("faults")

    def to_json(self) -> dict[str, Any]:
        with self.lock:
            menus = {
                path: [dict(row) for row in rows if row.get("dynamic") != "true"]
                for path, rows in self.menus.items()
                if MENUS[path].persistent
            }
            data: dict[str, Any] = {
                "format": FORMAT,
                "menus": menus,
                "next_ids": dict(self.next_ids),
            }
            if self.file_faults is not None:
                data["faults"] = self.file_faults
            return data

    def save(self) -> None:
        """Write the state file atomically (no-op without a path)."""
        if self.path is None or not self._saving:
            return
        with self.lock:
            payload = json.dumps(self.to_json(), indent=1, sort_keys=False)
            directory = self.path.parent
            directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=directory)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(payload)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise

    # -- reading ---------------------------------------------------------------------------

    @staticmethod
    def menu(path: str) -> Menu:
        menu = MENUS.get(path)
        if menu is None:
            raise errors.no_such_command_prefix()
        return menu

    def rows(self, path: str) -> list[Row]:
        """Copies of the stored rows of a menu (hidden fields included)."""
        with self.lock:
            return [dict(row) for row in self.menus.get(self.menu(path).path, [])]

    def __getitem__(self, path: str) -> list[Row]:
        return self.rows(path)

    def snapshot(self) -> dict[str, list[Row]]:
        """A deep copy of every stored table."""
        with self.lock:
            return copy.deepcopy(self.menus)

    def settings_row(self, path: str) -> Row:
        """The live row of a settings menu (hold `lock` while changing it)."""
        with self.lock:
            return self.menus[self.menu(path).path][0]

    def _find(self, menu: Menu, ref: str) -> Row | None:
        rows = self.menus.get(menu.path, [])
        if ref.startswith("*"):
            return next((row for row in rows if row.get(".id") == ref.upper()), None)
        if menu.key:
            found = next((row for row in rows if row.get(menu.key) == ref), None)
            if found is not None:
                return found
        return None

    def find(self, path: str, ref: str) -> Row | None:
        """A copy of the row with id ``*X`` or key (name) `ref`, or None."""
        with self.lock:
            row = self._find(self.menu(path), ref)
            return dict(row) if row is not None else None

    def get(self, path: str, ref: str) -> Row:
        """Like `find`, but raises ApiError("no such item") when absent."""
        row = self.find(path, ref)
        if row is None:
            raise errors.no_such_item()
        return row

    def has_key(self, path: str, value: str) -> bool:
        menu = MENUS.get(path)
        if menu is None or not menu.key:
            return False
        with self.lock:
            return any(row.get(menu.key) == value for row in self.menus.get(path, []))

    def resolve(self, path: str, spec: str) -> list[str]:
        """Ids for a ``numbers``/``.id`` value: a comma list of ``*ids``, names, or
        positions. Raises ApiError("no such item") if any of them is unknown."""
        menu = self.menu(path)
        ids: list[str] = []
        with self.lock:
            rows = self.menus.get(menu.path, [])
            for item in (part.strip() for part in spec.split(",")):
                if not item:
                    continue
                row = self._find(menu, item)
                if row is None and item.startswith("*"):
                    try:
                        int(item[1:], 16)
                    except ValueError:
                        raise errors.ApiError("invalid internal item number") from None
                if row is None and item.isdigit() and int(item) < len(rows):
                    row = rows[int(item)]
                if row is None:
                    raise errors.no_such_item()
                if row[".id"] not in ids:
                    ids.append(row[".id"])
        if not ids:
            raise errors.no_such_item()
        return ids

    def printable(self, menu: Menu, row: Row, now: float | None = None) -> Row:
        """What ``print`` shows for `row`: computed values added, hidden fields removed,
        ``.id`` first, then the menu's field order."""
        now = time.monotonic() if now is None else now
        with self.lock:
            merged = dict(row)
            if menu.compute is not None:
                merged.update(menu.compute(self, row, now))
        hidden = {f.name for f in menu.fields if f.hidden}
        out: Row = {}
        if ".id" in merged and not menu.settings:
            out[".id"] = merged[".id"]
        for name in menu.field_names:
            if name in merged and name not in hidden:
                out[name] = merged[name]
        for name, value in merged.items():
            if name not in out and name not in hidden and name != ".id":
                out[name] = value
        return out

    def print_rows(self, path: str, now: float | None = None) -> list[Row]:
        """Every row as ``print`` shows it."""
        menu = self.menu(path)
        now = time.monotonic() if now is None else now
        with self.lock:
            if menu.virtual is not None:
                return menu.virtual(self, now)
            return [self.printable(menu, row, now) for row in self.menus.get(path, [])]

    # -- writing ---------------------------------------------------------------------------

    def normalize(self, menu: Menu, values: Mapping[str, object]) -> Row:
        out: Row = {}
        for name, raw in values.items():
            field = menu.field(name)
            if field is None:
                raise errors.unknown_parameter()
            out[name] = field.normalize(self, stringify(raw))
        return out

    def _check_unique(self, menu: Menu, row: Row, skip: str | None = None) -> None:
        others = [r for r in self.menus.get(menu.path, []) if r.get(".id") != skip]
        if menu.unique:
            mine = tuple(row.get(name, "") for name in menu.unique)
            if any(tuple(o.get(name, "") for name in menu.unique) == mine for o in others):
                raise errors.ApiError(menu.unique_message)
        elif (
            menu.key
            and row.get(menu.key) is not None
            and any(o.get(menu.key) == row[menu.key] for o in others)
        ):
            raise errors.ApiError(menu.duplicate)

    def _new_id(self, menu: Menu, row: Row) -> str:
        builtin = BUILTIN_IDS.get((menu.path, row.get(menu.key or "", "")))
        if builtin and all(r.get(".id") != builtin for r in self.menus[menu.path]):
            return builtin
        number = self.next_ids.get(menu.path, 1)
        self.next_ids[menu.path] = number + 1
        return f"*{number:X}"

    def add(self, path: str, values: Mapping[str, object] | None = None, **kw: object) -> str:
        """Add a row (validated like an API ``add``); returns its new ``*id``."""
        menu = self.menu(path)
        if menu.settings or menu.virtual is not None:
            raise errors.no_such_command()
        given = {**(values or {}), **kw}
        with self.lock:
            row = {**menu.defaults(), **self.normalize(menu, given)}
            missing = [f.name for f in menu.fields if f.required and not row.get(f.name)]
            if missing:
                raise errors.missing(*missing)
            if menu.auto_name and not row.get("name"):
                taken = {r.get("name") for r in self.menus[path]}
                row["name"] = next(
                    f"{menu.auto_name}{n}"
                    for n in range(1, 1_000_000)
                    if f"{menu.auto_name}{n}" not in taken
                )
            self._check_unique(menu, row)
            self._before_add(menu, row)
            ordered = {name: row[name] for name in menu.field_names if name in row}
            row = {".id": self._new_id(menu, row), **ordered}
            self.menus[path].append(row)
            self._after_add(menu, row)
            self._changed(menu, row)
            return row[".id"]

    def set(
        self,
        path: str,
        ref: str | None = None,
        values: Mapping[str, object] | None = None,
        **kw: object,
    ) -> None:
        """Change a row (`ref` = ``*id`` or name) or a settings menu (`ref` None)."""
        menu = self.menu(path)
        given = {**(values or {}), **kw}
        with self.lock:
            if menu.settings:
                row = self.menus[path][0]
            else:
                if ref is None:
                    raise errors.missing("numbers")
                found = self._find(menu, ref)
                if found is None:
                    raise errors.no_such_item()
                row = found
            self.update_rows(menu, [row], self.normalize(menu, given))

    def update_rows(self, menu: Menu, rows: list[Row], changes: Row) -> None:
        """Apply already-normalised `changes` to live `rows` of `menu`, all or nothing."""
        with self.lock:
            planned = [{**row, **changes} for row in rows]
            for new in planned:
                self._check_unique(menu, new, skip=new.get(".id"))
            now = time.monotonic()
            for row, new in zip(rows, planned, strict=True):
                if menu.path == "/interface":
                    self._fold_counter(row, now)
                row.update(new)
                if menu.path == "/interface":
                    self.counter_for(row).active = interface_active(row)
            for row in rows:
                self._changed(menu, row)

    def unset(self, path: str, ref: str | None, names: list[str]) -> None:
        """Return fields to their default (or to unset when they have none)."""
        menu = self.menu(path)
        with self.lock:
            row = self.menus[path][0] if menu.settings else self._find(menu, ref or "")
            if row is None:
                raise errors.no_such_item()
            for name in names:
                field = menu.field(name)
                if field is None or field.read_only:
                    raise errors.unknown_parameter()
                if field.required:
                    raise errors.ApiError(f"failure: can not unset {name}")
                if field.default is None:
                    row.pop(name, None)
                else:
                    row[name] = field.default
            self._changed(menu, row)

    def remove(self, path: str, ref: str) -> Row:
        """Remove one row (``*id`` or name); returns it."""
        menu = self.menu(path)
        with self.lock:
            row = self._find(menu, ref)
            if row is None:
                raise errors.no_such_item()
            self.remove_rows(menu, [row[".id"]])
            return row

    def remove_rows(self, menu: Menu, ids: list[str]) -> list[Row]:
        """Remove rows by id, all or nothing (ApiError if one cannot be removed)."""
        with self.lock:
            rows = self.menus.get(menu.path, [])
            doomed = [row for row in rows if row.get(".id") in ids]
            for row in doomed:
                message = menu.undeletable.get(row.get(menu.key or "", ""))
                if message and row.get("default", "true") == "true":
                    raise errors.ApiError(message)
            self.menus[menu.path] = [row for row in rows if row.get(".id") not in ids]
            for row in doomed:
                self._after_remove(menu, row)
                self._changed(menu, row, dead=True)
            return doomed

    @contextlib.contextmanager
    def edit(self) -> Iterator[dict[str, list[Row]]]:
        """Raw access under the lock: ``with sim.state.edit() as menus: …``; saved after.

        No validation and no ids are assigned: give new table rows an ``.id`` yourself.
        """
        with self.lock:
            yield self.menus
            self.save()

    # -- hooks: what a router does around some writes ----------------------------------

    def _before_add(self, menu: Menu, row: Row) -> None:
        if menu.path == "/ppp/active":
            row.setdefault("login-time", f"{time.time():.3f}")
            row.setdefault("session-id", f"0x81{len(self.menus[menu.path]) + 1:06X}")
            row.setdefault("encoding", "")
        elif menu.path == "/ip/hotspot/active":
            row.setdefault("login-time", f"{time.time():.3f}")
        elif menu.path == "/ip/firewall/address-list":
            row.setdefault("creation-time", datetime.now().strftime("%Y-%m-%d %H:%M:%S"))

    def _after_add(self, menu: Menu, row: Row) -> None:
        if menu.path == "/ppp/active":
            service = row.get("service", "pppoe")
            if service in ("pppoe", "l2tp", "pptp", "sstp", "ovpn"):
                name = f"<{service}-{row.get('name', '')}>"
                if not self.has_key("/interface", name):
                    self.add(
                        "/interface",
                        {
                            "name": name,
                            "type": f"{service}-in",
                            "mtu": "1480",
                            "actual-mtu": "1480",
                            "dynamic": "true",
                        },
                    )
            self.log(
                f"{row.get('name', '')} logged in, {row.get('address', '')}",
                f"{service},ppp,info,account",
            )
        elif menu.path == "/ip/hotspot/active":
            self.log(
                f"{row.get('user', '')} ({row.get('address', '')}): logged in",
                "hotspot,info,debug",
            )

    def _after_remove(self, menu: Menu, row: Row) -> None:
        if menu.path == "/ppp/active":
            name = f"<{row.get('service', 'pppoe')}-{row.get('name', '')}>"
            interface = self._find(MENUS["/interface"], name)
            if interface is not None:
                self.remove_rows(MENUS["/interface"], [interface[".id"]])
            self.log(
                f"{row.get('name', '')} logged out",
                f"{row.get('service', 'pppoe')},ppp,info,account",
            )
            secret = self._find(MENUS["/ppp/secret"], row.get("name", ""))
            if secret is not None:
                secret["last-logged-out"] = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
                secret["last-caller-id"] = row.get("caller-id", "")
                secret["last-disconnect-reason"] = "administrative-reset"
                self._changed(MENUS["/ppp/secret"], secret)
        elif menu.path == "/ip/hotspot/active":
            self.log(
                f"{row.get('user', '')} ({row.get('address', '')}): logged out: admin reset",
                "hotspot,info,debug",
            )
        elif menu.path == "/interface":
            self.counters.pop(row.get(".id", ""), None)

    def _changed(self, menu: Menu, row: Row, dead: bool = False) -> None:
        if menu.persistent:
            self.save()
        if not self._listeners:
            return
        shown = {".id": row.get(".id", ""), ".dead": "yes"} if dead else self.printable(menu, row)
        for listener in list(self._listeners):
            listener(menu.path, shown, dead)

    # -- listeners (print follow, listen) ------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(menu, row, dead)` after every change; returns an unsubscribe."""
        with self.lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self.lock, contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    # -- runtime -------------------------------------------------------------------------

    def counter_for(self, row: Row) -> Counter:
        key = row.get(".id", row.get("name", ""))
        with self.lock:
            counter = self.counters.get(key)
            if counter is None:
                counter = Counter(since=self.boot_monotonic, active=interface_active(row))
                if row.get("dynamic") == "true":
                    counter.since = time.monotonic()
                self.counters[key] = counter
            return counter

    def _fold_counter(self, row: Row, now: float) -> None:
        from .runtime import counter_totals

        rx, tx = counter_totals(self, row, now)
        counter = self.counter_for(row)
        counter.rx, counter.tx, counter.since = float(rx), float(tx), now

    def reset_counters(self, ids: list[str]) -> None:
        now = time.monotonic()
        with self.lock:
            for row in self.menus["/interface"]:
                if row[".id"] in ids:
                    counter = self.counter_for(row)
                    counter.rx = counter.tx = 0.0
                    counter.since = now

    def log(self, message: str, topics: str = "system,info") -> None:
        """Append a line to /log (the router's memory log, last 1000 lines)."""
        with self.lock:
            now = datetime.now()
            number = self.next_ids.get("/log", 1)
            self.next_ids["/log"] = number + 1
            row = {
                ".id": f"*{number:X}",
                "time": format_log_time(now, now, self.info.version),
                "topics": topics,
                "message": message,
            }
            lines = self.menus["/log"]
            lines.append(row)
            del lines[:-LOG_LINES]
            self._changed(MENUS["/log"], row)

    def log_messages(self) -> list[str]:
        with self.lock:
            return [row["message"] for row in self.menus["/log"]]

    def reboot(self) -> None:
        """Uptime and counters start again; sessions and the memory log are gone."""
        with self.lock:
            self.boot_monotonic = time.monotonic()
            self.boot_time = time.time()
            self.counters.clear()
            self.menus["/ppp/active"] = []
            self.menus["/ip/hotspot/active"] = []
            self.menus["/interface"] = [
                row for row in self.menus["/interface"] if row.get("dynamic") != "true"
            ]
            self.menus["/log"] = []
            self.log("router rebooted")

    # -- conveniences for tests and demos ---------------------------------------------------

    def ensure_user(self, name: str, password: str, group: str = "full") -> None:
        """Create the API user, or reset its password, group and enabled flag."""
        with self.lock:
            if self.has_key("/user", name):
                self.set("/user", name, password=password, group=group, disabled="false")
            else:
                self.add("/user", name=name, password=password, group=group)

    def ppp_connect(self, name: str, address: str = "", **values: object) -> str:
        """A PPP session comes up (as if the customer dialled in): adds /ppp/active."""
        return self.add("/ppp/active", {"name": name, "address": address, **values})

    def hotspot_login(self, user: str, address: str = "", **values: object) -> str:
        return self.add("/ip/hotspot/active", {"user": user, "address": address, **values})
