"""manage.py radius_config renders deploy/freeradius/ (test_freeradius.py runs the result)."""

from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from netbill.radius.config import ConfigError, radius_db_string, render_config

POSTGRES = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "netbill",
    "USER": "radius",
    "PASSWORD": "p'w\"x",
    "HOST": "db.example",
    "PORT": "5433",
}


def test_renders_every_file_with_ports_and_credentials(tmp_path):
    files = render_config(tmp_path, database=POSTGRES, auth_port=11812, acct_port=11813)
    names = sorted(str(f.relative_to(tmp_path)) for f in files)
    assert names == [
        "mods-config/sql/queries.conf",
        "mods-enabled/always",
        "mods-enabled/auth",
        "mods-enabled/expr",
        "mods-enabled/sql",
        "radiusd.conf",
        "sites-enabled/netbill",
    ]
    site = (tmp_path / "sites-enabled/netbill").read_text()
    assert "port = 11812" in site and "port = 11813" in site
    assert "type = coa" not in site
    sql = (tmp_path / "mods-enabled/sql").read_text()
    assert (
        "radius_db = \"dbname='netbill' host='db.example' port='5433' user='radius' "
        "password='p\\\\'w\\\"x'\"" in sql
    )
    assert (tmp_path / "mods-enabled/sql").stat().st_mode & 0o077 == 0
    assert f"raddbdir = {tmp_path.resolve()}" in (tmp_path / "radiusd.conf").read_text()
    assert "@" not in "".join(f.read_text() for f in files).replace("@abcdef", "")
    assert (tmp_path / "log").is_dir() and (tmp_path / "run").is_dir()


def test_post_auth_query_stores_no_password(tmp_path):
    render_config(tmp_path, database=POSTGRES)
    queries = (tmp_path / "mods-config/sql/queries.conf").read_text()
    post_auth = queries[queries.index("post-auth {") :]
    assert "User-Password" not in post_auth and "pass" not in post_auth.split("(", 2)[1]


def test_coa_port_adds_a_nak_only_listener(tmp_path):
    render_config(tmp_path, database=POSTGRES, coa_port=13799)
    site = (tmp_path / "sites-enabled/netbill").read_text()
    assert "type = coa" in site and "port = 13799" in site


SQLITE = {"ENGINE": "django.db.backends.sqlite3", "NAME": "x.sqlite3"}


@pytest.fixture
def databases(monkeypatch):
    """The command's view of settings.DATABASES (without overriding the real setting)."""
    from netbill.radius.management.commands import radius_config

    monkeypatch.setattr(
        radius_config, "settings", SimpleNamespace(DATABASES={"default": POSTGRES, "lite": SQLITE})
    )


def test_sqlite_is_refused_with_a_clear_message(tmp_path, databases):
    with pytest.raises(ConfigError, match="PostgreSQL"):
        radius_db_string(SQLITE)
    with pytest.raises(CommandError, match="FreeRADIUS needs PostgreSQL"):
        call_command("radius_config", "--out", str(tmp_path / "out"), "--database", "lite")
    assert not (tmp_path / "out").exists()


def test_command_renders_with_the_sites_database(tmp_path, databases):
    call_command(
        "radius_config",
        "--out",
        str(tmp_path),
        "--auth-port",
        "2812",
        "--acct-port",
        "2813",
        "--coa-port",
        "4799",
        stdout=StringIO(),
    )
    assert "dbname='netbill'" in (tmp_path / "mods-enabled/sql").read_text()
    assert "port = 4799" in (tmp_path / "sites-enabled/netbill").read_text()
