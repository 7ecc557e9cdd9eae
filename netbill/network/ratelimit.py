"""Mikrotik-Rate-Limit: our own parser, validator and formatter.

The RADIUS attribute (and a PPP profile's rate-limit) has up to six positional parts
(radius-mikrotik.md §2.1):

    rx-rate[/tx-rate] [rx-burst-rate[/tx-burst-rate] [rx-burst-threshold[/tx-burst-threshold]
    [rx-burst-time[/tx-burst-time] [priority] [rx-rate-min[/tx-rate-min]]]]]

rx and tx are seen from the router: rx is the customer's upload, tx the download. A
rate is whole bits per second with an optional k (1 000), M (1 000 000) or G suffix;
an omitted tx value equals rx. Burst times are whole seconds (an "s" suffix is
accepted). Priority is 1 (highest) to 8, and the minimum rates (limit-at) must not
exceed the rates. A part can only be given when every part before it is.

`parse()` returns a `RateLimit` or raises `RateLimitError` with a message fit for the
user; `str(rate_limit)` writes the canonical form, and `parse(str(x)) == x` always.
"""

import re
from dataclasses import dataclass, fields

from django.utils.translation import gettext as _

__all__ = ["Pair", "RateLimit", "RateLimitError", "format_rate", "normalize", "parse"]

UNITS = {"": 1, "k": 1_000, "K": 1_000, "M": 1_000_000, "G": 1_000_000_000}
# Sanity bounds: no access link is faster than 1 Tbit/s; a burst longer than a day is a typo.
MAX_RATE = 1_000_000_000_000
MAX_BURST_TIME = 86_400

# ASCII digits only: \d would also accept other scripts' digits, which RouterOS does not.
_RATE = re.compile(r"([0-9]+)([kKMG]?)")
_SECONDS = re.compile(r"([0-9]+)s?")


class RateLimitError(ValueError):
    """The text is not a valid Mikrotik-Rate-Limit; the message says why."""


@dataclass(frozen=True)
class Pair:
    """One rx/tx value: rates in bits per second, burst times in seconds."""

    rx: int
    tx: int


@dataclass(frozen=True)
class RateLimit:
    """A parsed rate limit. Parts after the last given one are None."""

    rate: Pair
    burst_rate: Pair | None = None
    burst_threshold: Pair | None = None
    burst_time: Pair | None = None
    priority: int | None = None
    rate_min: Pair | None = None

    def __post_init__(self):
        given = [getattr(self, f.name) is not None for f in fields(self)]
        if given != sorted(given, reverse=True):
            raise RateLimitError(_("A part of a rate limit needs every part before it."))

    def __str__(self) -> str:
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                break
            if f.name == "priority":
                parts.append(str(value))
            elif f.name == "burst_time":
                parts.append(f"{value.rx}/{value.tx}")
            else:
                parts.append(f"{format_rate(value.rx)}/{format_rate(value.tx)}")
        return " ".join(parts)

    @property
    def download(self) -> int:
        """The customer's download rate (tx), in bits per second; 0 means unlimited."""
        return self.rate.tx

    @property
    def upload(self) -> int:
        """The customer's upload rate (rx), in bits per second; 0 means unlimited."""
        return self.rate.rx


def format_rate(bits: int) -> str:
    """512000 → "512k", 10000000 → "10M", 1500 → "1500": the largest exact unit."""
    for suffix, factor in (("G", 1_000_000_000), ("M", 1_000_000), ("k", 1_000)):
        if bits and bits % factor == 0:
            return f"{bits // factor}{suffix}"
    return str(bits)


def _rate(token: str) -> int:
    match = _RATE.fullmatch(token)
    if not match:
        hint = _(" (M is megabits; a lower-case m is not a unit)") if token.endswith("m") else ""
        raise RateLimitError(
            _(
                "“%(token)s” is not a rate: write whole bits per second with an optional "
                "k, M or G, e.g. 512k or 10M%(hint)s."
            )
            % {"token": token, "hint": hint}
        )
    value = int(match.group(1)) * UNITS[match.group(2)]
    if value > MAX_RATE:
        raise RateLimitError(_("“%(token)s” is faster than 1 Tbit/s.") % {"token": token})
    return value


def _seconds(token: str) -> int:
    match = _SECONDS.fullmatch(token)
    if not match:
        raise RateLimitError(
            _("“%(token)s” is not a burst time: write whole seconds, e.g. 16 or 16s.")
            % {"token": token}
        )
    value = int(match.group(1))
    if value > MAX_BURST_TIME:
        raise RateLimitError(_("A burst time of “%(token)s” is over a day.") % {"token": token})
    return value


def _pair(token: str, convert) -> Pair:
    pieces = token.split("/")
    if len(pieces) > 2 or not all(pieces):
        raise RateLimitError(
            _("“%(token)s” must be one value or rx/tx (two values around one /).")
            % {"token": token}
        )
    rx = convert(pieces[0])
    tx = convert(pieces[1]) if len(pieces) == 2 else rx
    return Pair(rx, tx)


def _priority(token: str) -> int:
    if not re.fullmatch(r"[1-8]", token):
        raise RateLimitError(
            _("The priority “%(token)s” must be a whole number from 1 (highest) to 8.")
            % {"token": token}
        )
    return int(token)


def parse(text: str) -> RateLimit:
    """Parse a Mikrotik-Rate-Limit string, or raise RateLimitError saying what is wrong."""
    tokens = (text or "").split()
    if not tokens:
        raise RateLimitError(_("Enter a rate limit, e.g. 10M/10M."))
    if len(tokens) > 6:
        raise RateLimitError(
            _(
                "A rate limit has at most six parts (rate, burst rate, burst threshold, "
                "burst time, priority, minimum rate); this one has %(count)s."
            )
            % {"count": len(tokens)}
        )
    converters = (_rate, _rate, _rate, _seconds, None, _rate)
    values = []
    for index, token in enumerate(tokens):
        if index == 4:
            values.append(_priority(token))
        else:
            values.append(_pair(token, converters[index]))
    limit = RateLimit(*values)
    if limit.rate_min is not None:
        for side in ("rx", "tx"):
            rate, floor = getattr(limit.rate, side), getattr(limit.rate_min, side)
            # A rate of 0 is unlimited: any minimum fits under it.
            if rate and floor > rate:
                raise RateLimitError(
                    _("The minimum rate %(min)s exceeds the rate %(rate)s.")
                    % {
                        "min": f"{format_rate(limit.rate_min.rx)}/{format_rate(limit.rate_min.tx)}",
                        "rate": f"{format_rate(limit.rate.rx)}/{format_rate(limit.rate.tx)}",
                    }
                )
    return limit


def normalize(text: str) -> str:
    """The canonical form of a rate limit ("5M" → "5M/5M"); raises RateLimitError."""
    return str(parse(text))
