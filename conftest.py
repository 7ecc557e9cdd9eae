"""Shared fixtures: two ISPs with a full operator tree and one user per role.

Tests run outside any tenant scope, like a request before the middleware: use
`in_scope(tenant)` (or the `scoped` fixture) for direct ORM work. Log users in with
`client.force_login(user)`; django-axes needs a real request for `client.login`.
"""

import os
import shutil
import zlib
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from django_scopes import scope

# `routeros_sim` and `routeros_sim_factory`: our RouterOS API simulator on a free port.
# `freeradius`: a real FreeRADIUS with our configuration, against the test database.
pytest_plugins = [
    "tools.routeros_sim.pytest_plugin",
    "netbill.radius.testing",
    "netbill.radius.fake_nas",  # `fake_nas`: a pyrad CoA/Disconnect listener
]

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
PASSWORD = "Test-pass-1234"


def require(available: bool, what: str) -> None:
    """Skip a test whose service is missing, or fail it when REQUIRE_SERVICES=1 (CI)."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but is not available.")
    pytest.skip(f"{what} is not available on this machine.")


@pytest.fixture
def chromium_path():
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    require(os.path.exists(path), "Chromium (apt-get install chromium)")
    return path


@contextmanager
def in_scope(tenant):
    with scope(tenant=tenant.pk if hasattr(tenant, "pk") else tenant):
        yield


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def build_isp(name: str, slug: str, prefix: str) -> SimpleNamespace:
    """One ISP: Group Admin, operators X and Y, sub-operator X1 under X, and one user of
    every other role. Usernames carry `prefix` so two ISPs never clash."""
    from django.test import TestCase

    from netbill.accounts import services
    from netbill.accounts.choices import OperatorKindChoices as Kind
    from netbill.accounts.choices import UserRoleChoices as Role
    from netbill.accounts.models import User

    seq = zlib.crc32(prefix.encode()) % 1000  # stable across runs (hash() is salted)
    mobile = iter(f"0171{seq:03d}{i:04d}" for i in range(1, 100))
    # What follows "tenant.created" runs as after a real commit (the test transaction
    # never commits): the ISP gets its protected suspended-users pool, like a real one.
    with TestCase.captureOnCommitCallbacks(execute=True):
        tenant, ga = services.tenant_onboard(
            name=name,
            slug=slug,
            admin_username=f"{prefix}-ga",
            admin_password=PASSWORD,
            admin_mobile=next(mobile),
            by=None,
        )
    with in_scope(tenant):
        op_x = services.operator_create(
            by=ga,
            kind=Kind.OPERATOR,
            parent=None,
            name=f"{name} X",
            username=f"{prefix}-opx",
            password=PASSWORD,
            mobile=next(mobile),
        )
        op_y = services.operator_create(
            by=ga,
            kind=Kind.OPERATOR,
            parent=None,
            name=f"{name} Y",
            username=f"{prefix}-opy",
            password=PASSWORD,
            mobile=next(mobile),
        )
        sub_x1 = services.operator_create(
            by=ga,
            kind=Kind.SUB_OPERATOR,
            parent=op_x,
            name=f"{name} X1",
            username=f"{prefix}-subx1",
            password=PASSWORD,
            mobile=next(mobile),
        )
        staff = {}
        for role, node, username in (
            (Role.MANAGER, op_x, "mgrx"),
            (Role.MANAGER, op_y, "mgry"),
            (Role.NOC, None, "noc"),
            (Role.SALES_MANAGER, None, "sales"),
            (Role.CARD_DISTRIBUTOR, op_x, "cards"),
        ):
            staff[username] = services.staff_user_create(
                by=ga,
                role=role,
                operator=node,
                username=f"{prefix}-{username}",
                password=PASSWORD,
                name=username,
                mobile=next(mobile),
            )
        users = {u.username: u for u in User.objects.filter(tenant=tenant)}
    return SimpleNamespace(
        tenant=tenant,
        ga=ga,
        root=ga.operator,
        op_x=op_x,
        op_y=op_y,
        sub_x1=sub_x1,
        user_x=users[f"{prefix}-opx"],
        user_y=users[f"{prefix}-opy"],
        user_x1=users[f"{prefix}-subx1"],
        manager_x=staff["mgrx"],
        manager_y=staff["mgry"],
        noc=staff["noc"],
        sales=staff["sales"],
        cards=staff["cards"],
    )


@pytest.fixture
def isp(db):
    """The ISP under test ("Alpha Net")."""
    return build_isp("Alpha Net", "alpha", "a")


@pytest.fixture
def other_isp(db):
    """Another ISP on the same platform ("Beta Net"): must never see or touch Alpha."""
    return build_isp("Beta Net", "beta", "b")


@pytest.fixture
def platform_admin(db):
    from netbill.accounts.choices import UserRoleChoices as Role
    from netbill.accounts.models import User

    return User.objects.create_user(
        username="platform", password=PASSWORD, role=Role.PLATFORM_ADMIN
    )


@pytest.fixture
def fresh():
    """Reload a user from the database (permission codes are cached per instance)."""
    from netbill.accounts.models import User

    def _fresh(user):
        return User.objects.select_related("operator", "tenant").get(pk=user.pk)

    return _fresh
