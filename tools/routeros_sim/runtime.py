"""Values a real router makes up as it runs: uptime, load, counters, rates, clock.

They are functions of time since boot, deterministic given that time, and monotonic where
a real router's are (byte and packet counters only grow until reset or reboot).
"""

from __future__ import annotations

import ipaddress
import math
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .menus import Row
    from .state import State

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def version_tuple(version: str) -> tuple[int, ...]:
    """``"7.16.2"`` → (7, 16, 2); anything after the numbers is ignored."""
    parts: list[int] = []
    for piece in version.split(" ")[0].split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def format_duration(seconds: float) -> str:
    """RouterOS API durations: ``1w2d3h4m5s``; zero parts are left out; ``0s`` for zero."""
    total = int(seconds)
    out = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, total = divmod(total, size)
        if amount:
            out.append(f"{amount}{unit}")
    return "".join(out) or "0s"


def iso_dates(version: str) -> bool:
    """RouterOS 7.10 moved dates from ``jan/02/2024`` to ``2024-01-02``."""
    return version_tuple(version) >= (7, 10)


def format_date(moment: datetime, version: str) -> str:
    if iso_dates(version):
        return moment.strftime("%Y-%m-%d")
    return f"{MONTHS[moment.month - 1]}/{moment.day:02d}/{moment.year}"


def format_log_time(moment: datetime, today: datetime, version: str) -> str:
    """Log times: ``HH:MM:SS`` for today, with the date before it otherwise."""
    clock = moment.strftime("%H:%M:%S")
    if moment.date() == today.date():
        return clock
    if iso_dates(version):
        return f"{moment.strftime('%Y-%m-%d')} {clock}"
    return f"{MONTHS[moment.month - 1]}/{moment.day:02d} {clock}"


@dataclass(frozen=True)
class RouterInfo:
    """What /system/resource and /system/routerboard report."""

    version: str = "7.16.2"
    board_name: str = "RB4011iGS+"
    architecture_name: str = "arm"
    cpu: str = "ARMv7"
    cpu_count: int = 4
    cpu_frequency: int = 1400
    total_memory: int = 1024 * 1024 * 1024
    total_hdd_space: int = 512 * 1024 * 1024
    build_time: str = "2024-12-17 11:40:13"
    factory_software: str = "7.1.5"


def _wave(seconds: float, period: float, phase: float = 0.0) -> float:
    """0..1, smooth, deterministic."""
    return 0.5 + 0.5 * math.sin(2 * math.pi * seconds / period + phase)


def resource_rows(state: State, now: float) -> list[Row]:
    info = state.info
    up = now - state.boot_monotonic
    sessions = len(state.menus.get("/ppp/active", ())) + len(
        state.menus.get("/ip/hotspot/active", ())
    )
    load = min(100, int(3 + 9 * _wave(up, 47.0) + sessions // 25))
    used_memory = int(info.total_memory * 0.22) + sessions * 48 * 1024
    used_hdd = int(info.total_hdd_space * 0.09) + len(state.menus.get("/ppp/secret", ())) * 512
    version = info.version if " " in info.version else f"{info.version} (stable)"
    return [
        {
            "uptime": format_duration(up),
            "version": version,
            "build-time": info.build_time,
            "factory-software": info.factory_software,
            "free-memory": str(max(0, info.total_memory - used_memory)),
            "total-memory": str(info.total_memory),
            "cpu": info.cpu,
            "cpu-count": str(info.cpu_count),
            "cpu-frequency": str(info.cpu_frequency),
            "cpu-load": str(load),
            "free-hdd-space": str(max(0, info.total_hdd_space - used_hdd)),
            "total-hdd-space": str(info.total_hdd_space),
            "write-sect-since-reboot": str(int(up) * 3),
            "write-sect-total": str(812_345 + int(up) * 3),
            "bad-blocks": "0",
            "architecture-name": info.architecture_name,
            "board-name": info.board_name,
            "platform": "MikroTik",
        }
    ]


def routerboard_compute(state: State, row: Row, now: float) -> Mapping[str, str]:
    version = version_tuple(state.info.version)
    firmware = ".".join(str(part) for part in version) or state.info.version
    return {
        "board-name": state.info.board_name,
        "model": state.info.board_name,
        "current-firmware": firmware,
        "upgrade-firmware": firmware,
    }


def local_now(zone: str) -> datetime:
    try:
        from zoneinfo import ZoneInfo

        return datetime.now(ZoneInfo(zone))
    except Exception:  # unknown zone or no tz database: fall back to the host's zone
        return datetime.now().astimezone()


def clock_compute(state: State, row: Row, now: float) -> Mapping[str, str]:
    moment = local_now(row.get("time-zone-name", "UTC"))
    offset = moment.strftime("%z")
    return {
        "time": moment.strftime("%H:%M:%S"),
        "date": format_date(moment, state.info.version),
        "gmt-offset": f"{offset[:3]}:{offset[3:]}" if offset else "+00:00",
        "dst-active": "false",
    }


# -- interfaces ---------------------------------------------------------------------------


def interface_rates(name: str) -> tuple[int, int]:
    """Steady (rx, tx) bytes per second for an interface, derived from its name."""
    seed = zlib.crc32(name.encode())
    if name.startswith("<pppoe-") or name.startswith("<"):
        return 20_000 + seed % 400_000, 5_000 + (seed >> 8) % 120_000
    return 1_500_000 + seed % 9_000_000, 400_000 + (seed >> 8) % 3_000_000


RX_PACKET = 900  # average packet sizes used to turn bytes into packets
TX_PACKET = 600


@dataclass
class Counter:
    """Bytes an interface has moved: `rx`/`tx` at `since`, growing while `active`."""

    since: float
    rx: float = 0.0
    tx: float = 0.0
    active: bool = True


def interface_active(row: Row) -> bool:
    return row.get("running", "true") == "true" and row.get("disabled", "false") != "true"


def counter_totals(state: State, row: Row, now: float) -> tuple[int, int]:
    counter = state.counter_for(row)
    rx, tx = counter.rx, counter.tx
    if counter.active:
        rate_rx, rate_tx = interface_rates(row.get("name", ""))
        elapsed = max(0.0, now - counter.since)
        rx += rate_rx * elapsed
        tx += rate_tx * elapsed
    return int(rx), int(tx)


def interface_compute(state: State, row: Row, now: float) -> Mapping[str, str]:
    rx, tx = counter_totals(state, row, now)
    return {
        "rx-byte": str(rx),
        "tx-byte": str(tx),
        "rx-packet": str(rx // RX_PACKET),
        "tx-packet": str(tx // TX_PACKET),
        "rx-drop": "0",
        "tx-drop": "0",
        "tx-queue-drop": "0",
        "rx-error": "0",
        "tx-error": "0",
        "fp-rx-byte": str(rx),
        "fp-tx-byte": str(tx),
        "fp-rx-packet": str(rx // RX_PACKET),
        "fp-tx-packet": str(tx // TX_PACKET),
    }


def traffic_sample(row: Row, now: float) -> dict[str, str]:
    """One /interface/monitor-traffic reply row for `row` at time `now`."""
    if interface_active(row):
        rate_rx, rate_tx = interface_rates(row.get("name", ""))
        wobble = 0.85 + 0.3 * _wave(now, 13.0, float(len(row.get("name", ""))))
        rx_bps, tx_bps = int(rate_rx * 8 * wobble), int(rate_tx * 8 * wobble)
        rx_pps, tx_pps = rx_bps // (8 * RX_PACKET), tx_bps // (8 * TX_PACKET)
    else:
        rx_bps = tx_bps = rx_pps = tx_pps = 0
    return {
        "name": row.get("name", ""),
        "rx-packets-per-second": str(rx_pps),
        "rx-bits-per-second": str(rx_bps),
        "fp-rx-packets-per-second": str(rx_pps),
        "fp-rx-bits-per-second": str(rx_bps),
        "rx-drops-per-second": "0",
        "rx-errors-per-second": "0",
        "tx-packets-per-second": str(tx_pps),
        "tx-bits-per-second": str(tx_bps),
        "fp-tx-packets-per-second": str(tx_pps),
        "fp-tx-bits-per-second": str(tx_bps),
        "tx-drops-per-second": "0",
        "tx-queue-drops-per-second": "0",
        "tx-errors-per-second": "0",
    }


def address_compute(state: State, row: Row, now: float) -> Mapping[str, str]:
    try:
        network = str(ipaddress.ip_interface(row.get("address", "")).network.network_address)
    except ValueError:
        network = ""
    return {"network": network, "actual-interface": row.get("interface", "")}


def uptime_compute(state: State, row: Row, now: float) -> Mapping[str, str]:
    try:
        since = float(row.get("login-time", "") or time.time())
    except ValueError:
        since = time.time()
    return {"uptime": format_duration(max(0.0, time.time() - since))}


def pool_used_rows(state: State, now: float) -> list[Row]:
    """/ip/pool/used: addresses of active sessions that fall inside a pool's ranges."""
    from .menus import parse_ranges  # menus imports this module at load time

    pools = []
    for pool in state.menus.get("/ip/pool", ()):
        try:
            pools.append((pool.get("name", ""), parse_ranges(pool.get("ranges", ""))))
        except ValueError:
            continue
    rows: list[Row] = []
    sessions = [
        (row.get("address", ""), row.get("name", ""), "ppp")
        for row in state.menus.get("/ppp/active", ())
    ] + [
        (row.get("address", ""), row.get("user", ""), "hotspot")
        for row in state.menus.get("/ip/hotspot/active", ())
    ]
    for address, owner_name, owner in sessions:
        try:
            ip = ipaddress.IPv4Address(address)
        except ValueError:
            continue
        for pool_name, spans in pools:
            if any(low <= ip <= high for low, high in spans):
                rows.append(
                    {
                        ".id": f"*{int(ip):X}",
                        "pool": pool_name,
                        "address": address,
                        "owner": owner,
                        "info": owner_name,
                    }
                )
                break
    return rows


DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: str) -> float:
    """``"1m30s"``, ``"500ms"``, ``"2"`` (seconds) → seconds; ValueError if malformed."""
    text = value.strip().lower()
    if not text:
        raise ValueError("empty duration")
    try:
        return float(text)
    except ValueError:
        pass
    total, number = 0.0, ""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdigit() or ch == ".":
            number += ch
            i += 1
            continue
        unit = "ms" if text.startswith("ms", i) else ch
        if unit not in DURATION_UNITS or not number:
            raise ValueError(f"bad duration {value!r}")
        total += float(number) * DURATION_UNITS[unit]
        number = ""
        i += len(unit)
    if number:
        total += float(number)
    return total
