"""The PL/pgSQL functions our queries.conf authorizes with (migration radius/0003):
they must return exactly what the separate user and group queries would, for the
tenant of the NAS only."""

import pytest
from django.db import connection

from conftest import in_scope, require
from netbill.radius.models import NAS, RadiusAccounting
from netbill.radius.services import radius_group_upsert, radius_user_upsert
from netbill.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_isps():
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL=postgres://…)")
    tenants = []
    for slug in ("alpha", "beta"):
        tenant = Tenant.objects.create(name=slug.title(), slug=slug)
        with in_scope(tenant):
            NAS.objects.create(
                tenant=tenant,
                name=f"10.0.0.{len(tenants) + 1}",
                short_name=f"{slug}-r1",
                secret="s",
            )
            group = radius_group_upsert(
                tenant=tenant,
                name="pkg-1",
                replies={"Mikrotik-Rate-Limit": f"{slug}-rate", "Framed-Pool": f"{slug}-pool"},
                checks={"NAS-Port-Type": "Ethernet"},
            )
            radius_user_upsert(
                tenant=tenant,
                username="rahim",
                password=f"{slug}-pw",
                groupname=group,
                simultaneous_use=1,
                replies={"Framed-IP-Address": "10.9.9.9", "Framed-Pool": "overridden"},
            )
        tenants.append(tenant)
    return tenants


def call(function, nas, username):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT attribute, op, value FROM {function}(%s, %s)",  # noqa: S608
            [nas, username],
        )
        return cursor.fetchall()


def test_check_items_are_the_users_then_its_groups(two_isps):
    assert call("netbill_radius_check", "alpha-r1", "rahim") == [
        ("Cleartext-Password", ":=", "alpha-pw"),
        ("Simultaneous-Use", ":=", "1"),
        ("NAS-Port-Type", "==", "Ethernet"),
    ]


def test_reply_items_put_the_groups_last_so_that_their_values_win(two_isps):
    assert call("netbill_radius_reply", "beta-r1", "rahim") == [
        ("Framed-IP-Address", ":=", "10.9.9.9"),
        ("Framed-Pool", ":=", "overridden"),
        ("Mikrotik-Rate-Limit", ":=", "beta-rate"),
        ("Framed-Pool", ":=", "beta-pool"),
    ]


def test_an_unknown_nas_or_user_gets_nothing(two_isps):
    assert call("netbill_radius_check", "gamma-r1", "rahim") == []
    assert call("netbill_radius_reply", "alpha-r1", "nobody") == []


def test_open_sessions_are_counted_in_the_nas_tenant_only(two_isps):
    alpha, beta = two_isps
    with in_scope(alpha):
        for n, stopped in ((1, False), (2, False), (3, True)):
            RadiusAccounting.objects.create(
                tenant=alpha,
                session_id=f"s{n}",
                unique_id=f"u{n}",
                username="rahim",
                nas_ip_address="10.0.0.1",
                stop_time="2026-11-01T00:00:00Z" if stopped else None,
            )
    with connection.cursor() as cursor:
        cursor.execute("SELECT netbill_radius_open_sessions(%s, %s)", ["alpha-r1", "rahim"])
        assert cursor.fetchone()[0] == 2
        cursor.execute("SELECT netbill_radius_open_sessions(%s, %s)", ["beta-r1", "rahim"])
        assert cursor.fetchone()[0] == 0
