"""Render deploy/freeradius/ (our FreeRADIUS 3.2 configuration) into a directory.

Templates hold `@name@` placeholders; FreeRADIUS's own `${...}` and `%{...}` pass
through untouched. The database credentials come from a Django DATABASES entry, which
must be PostgreSQL: FreeRADIUS's queries (and ours) are written for it.
"""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "deploy" / "freeradius"
_PLACEHOLDER = re.compile(r"@([a-z_]+)@")

COA_LISTENER = """
	# CoA goes from netbill straight to the routers, never through FreeRADIUS: this
	# listener answers every CoA/Disconnect-Request with a NAK, so a misdirected one
	# fails at once instead of timing out.
	listen {
		type = coa
		ipaddr = @listen@
		port = @coa_port@
	}

	recv-coa {
		reject
	}

	send-coa {
		ok
	}
"""


class ConfigError(Exception):
    """The configuration cannot be rendered (e.g. the database is not PostgreSQL)."""


def _libpq_value(value) -> str:
    # libpq: quote with single quotes, escaping backslash and quote.
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def _radiusd_string(value: str) -> str:
    # Inside a double-quoted FreeRADIUS string: escape backslash and double quote, and
    # keep `$` from being read as a config reference.
    if "${" in value:
        raise ConfigError("Database settings must not contain '${'.")
    return value.replace("\\", "\\\\").replace('"', '\\"')


def radius_db_string(database: dict) -> str:
    """The libpq connection string for a Django DATABASES entry (PostgreSQL only)."""
    engine = database.get("ENGINE", "")
    if "postgresql" not in engine:
        raise ConfigError(
            f"FreeRADIUS needs PostgreSQL, but the database engine is {engine or 'unset'}: "
            "set DATABASE_URL=postgres://… (SQLite is for development only)."
        )
    parts = {
        "dbname": database.get("NAME"),
        "host": database.get("HOST") or "127.0.0.1",
        "port": database.get("PORT") or 5432,
        "user": database.get("USER"),
        "password": database.get("PASSWORD"),
    }
    return " ".join(f"{k}={_libpq_value(v)}" for k, v in parts.items() if v not in (None, ""))


def render_config(
    out: Path,
    *,
    database: dict,
    listen: str = "*",
    auth_port: int = 1812,
    acct_port: int = 1813,
    coa_port: int | None = None,
) -> list[Path]:
    """Write the rendered configuration under `out` (made if missing); returns the files.

    `out` also receives `log/` and `run/`, which FreeRADIUS writes at run time.
    """
    out = Path(out).resolve()
    values = {
        "out": str(out),
        "listen": listen,
        "auth_port": str(int(auth_port)),
        "acct_port": str(int(acct_port)),
        "coa_port": str(int(coa_port)) if coa_port else "",
        "radius_db": _radiusd_string(radius_db_string(database)),
    }
    values["coa_listener"] = (
        _PLACEHOLDER.sub(lambda m: values[m.group(1)], COA_LISTENER) if coa_port else ""
    )

    def substitute(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise ConfigError(f"Unknown placeholder @{name}@ in the FreeRADIUS templates.")
        return values[name]

    written = []
    for source in sorted(TEMPLATES.rglob("*")):
        rel = source.relative_to(TEMPLATES)
        if source.is_dir() or source.name == "README.md":
            continue
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_PLACEHOLDER.sub(substitute, source.read_text()))
        written.append(target)
    for runtime in ("log", "run"):
        (out / runtime).mkdir(parents=True, exist_ok=True)
    # The database password is in mods-enabled/sql: readable by the owner only.
    (out / "mods-enabled" / "sql").chmod(0o600)
    return written
