"""Fault injection: make the simulated router slow, broken or unreachable on purpose.

Rules match a command by its path:

* ``None`` or ``"*"``: every command except ``/login``, ``/quit`` and ``/cancel``
  (name ``"/login"`` explicitly to slow down or break the login);
* a pattern with ``*``/``?``/``[``: shell-style match (``"/ppp/*/add"``);
* otherwise the exact command (``"/ppp/secret/add"``) or a menu and everything under it
  (``"/ppp/secret"`` matches ``/ppp/secret/print``, ``/ppp/secret/add``…).

Each rule fires `times` times (None: until cleared). For a command, the first matching
``delay`` rule sleeps first; then the first matching ``fatal``, ``drop`` or ``trap`` rule (in
the order they were added) replaces the normal reply.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

FaultKind = Literal["delay", "trap", "fatal", "drop"]
SESSION_COMMANDS = frozenset({"/login", "/quit", "/cancel"})


@dataclass
class FaultRule:
    kind: FaultKind
    command: str | None = None
    seconds: float = 0.0  # delay
    message: str = ""  # trap, fatal
    category: int | None = None  # trap
    after_bytes: int | None = None  # drop: bytes of the reply sent before closing
    times: int | None = None  # remaining firings; None = unlimited
    fired: int = field(default=0)

    def matches(self, command: str) -> bool:
        pattern = self.command
        if pattern is None or pattern == "*":
            return command not in SESSION_COMMANDS
        if any(ch in pattern for ch in "*?["):
            return fnmatch.fnmatchcase(command, pattern)
        base = pattern.rstrip("/")
        return command == base or command.startswith(base + "/")


RULE_DEFAULTS = asdict(FaultRule("delay"))


class Faults:
    """The fault rules and switches of one simulator (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self.api_disabled = False  # close every new connection at once, no reply
        self.reject_login = False  # every login fails, even with the right password

    # -- adding rules -------------------------------------------------------------------

    def _add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def delay(
        self, command: str | None = None, seconds: float = 1.0, *, times: int | None = None
    ) -> FaultRule:
        """Wait `seconds` before answering `command` (None: any command)."""
        return self._add(FaultRule("delay", command, seconds=seconds, times=times))

    def trap(
        self,
        command: str | None = None,
        message: str = "failure: simulated fault",
        *,
        category: int | None = None,
        times: int | None = None,
    ) -> FaultRule:
        """Answer `command` with ``!trap =message=…`` then ``!done``; nothing is changed."""
        return self._add(
            FaultRule("trap", command, message=message, category=category, times=times)
        )

    def fatal(
        self,
        command: str | None = None,
        message: str = "simulated fatal error",
        *,
        times: int | None = None,
    ) -> FaultRule:
        """Answer `command` with ``!fatal`` and close the connection; nothing is changed."""
        return self._add(FaultRule("fatal", command, message=message, times=times))

    def drop(
        self,
        command: str | None = None,
        *,
        after_bytes: int | None = None,
        times: int | None = None,
    ) -> FaultRule:
        """Run `command`, send only part of its reply (by default, half of the first
        sentence), then close the connection."""
        return self._add(FaultRule("drop", command, after_bytes=after_bytes, times=times))

    def clear(self) -> None:
        """Remove every rule and switch."""
        with self._lock:
            self._rules.clear()
            self.api_disabled = False
            self.reject_login = False

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    # -- used by the server -------------------------------------------------------------

    def take(self, command: str, kinds: tuple[FaultKind, ...]) -> FaultRule | None:
        """The first live rule of one of `kinds` matching `command`, counted as fired."""
        with self._lock:
            for rule in self._rules:
                if rule.kind in kinds and rule.matches(command):
                    if rule.times is not None and rule.fired >= rule.times:
                        continue
                    rule.fired += 1
                    return rule
        return None

    # -- configuration from a file or the command line --------------------------------

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "api_disabled": self.api_disabled,
                "reject_login": self.reject_login,
                "rules": [
                    {
                        k: v
                        for k, v in asdict(rule).items()
                        if k == "kind" or (k != "fired" and v != RULE_DEFAULTS[k])
                    }
                    for rule in self._rules
                ],
            }

    def load(self, data: dict[str, Any]) -> None:
        """Add the rules and switches of a ``"faults"`` section::

        {"api_disabled": false, "reject_login": false,
         "rules": [{"kind": "delay", "command": "/ppp/secret/add", "seconds": 2},
                   {"kind": "trap", "command": "*", "message": "failure: busy"}]}
        """
        self.api_disabled = bool(data.get("api_disabled", self.api_disabled))
        self.reject_login = bool(data.get("reject_login", self.reject_login))
        for item in data.get("rules", ()):
            item = dict(item)
            kind = item.pop("kind")
            if kind not in ("delay", "trap", "fatal", "drop"):
                raise ValueError(f"unknown fault kind {kind!r}")
            item.pop("fired", None)
            self._add(FaultRule(kind, **item))
