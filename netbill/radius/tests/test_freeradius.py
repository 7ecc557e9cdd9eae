"""A real FreeRADIUS with our configuration, driven by radclient (issue 4, item 7).

Rows are committed (transactional_db) before FreeRADIUS starts: it reads its clients at
startup and runs its own queries on its own connections.
"""

import pytest
from django_scopes import scopes_disabled

from conftest import in_scope
from netbill.radius.models import NAS, RadiusAccounting, RadiusPostAuth
from netbill.radius.services import radius_group_upsert, radius_user_upsert
from netbill.tenancy.models import Tenant

from .mschapv2 import mschapv2_attributes

ALPHA_NAS, ALPHA_SECRET = "127.0.0.1", "alpha-secret"
BETA_NAS, BETA_SECRET = "127.0.0.2", "beta-secret"
UNKNOWN_NAS = "127.0.0.3"


@pytest.fixture
def isps(transactional_db):
    """Two ISPs, each with one NAS, a package group, the suspended group and users."""
    alpha = Tenant.objects.create(name="Alpha Net", slug="alpha")
    beta = Tenant.objects.create(name="Beta Net", slug="beta")
    for tenant, nas, secret in ((alpha, ALPHA_NAS, ALPHA_SECRET), (beta, BETA_NAS, BETA_SECRET)):
        with in_scope(tenant):
            NAS.objects.create(
                tenant=tenant, name=nas, short_name=f"{tenant.slug}-test", secret=secret
            )
            package = radius_group_upsert(
                tenant=tenant,
                name="pkg-10m",
                replies={
                    "Mikrotik-Rate-Limit": "5M/10M 8M/15M 4M/8M 16/16 8 2M/4M",
                    "Framed-Pool": f"{tenant.slug}-customers",
                    "Acct-Interim-Interval": "300",
                },
            )
            suspended = radius_group_upsert(
                tenant=tenant,
                name="suspended",
                replies={"Framed-Pool": "pool_suspended", "Mikrotik-Rate-Limit": "256k/256k"},
            )
            radius_user_upsert(
                tenant=tenant,
                username="rahim",
                password=f"{tenant.slug}-pw",
                groupname=package,
                simultaneous_use=1,
            )
            radius_user_upsert(
                tenant=tenant, username="karim", password="karim-pw", groupname=suspended
            )
            radius_user_upsert(
                tenant=tenant,
                username="jamal",
                password="jamal-pw",
                groupname=package,
                disabled=True,
            )
    return alpha, beta


def login(server, username, password, *, nas=ALPHA_NAS, secret=ALPHA_SECRET, **kwargs):
    return server.auth(
        {"User-Name": username, "User-Password": password, "NAS-IP-Address": nas},
        secret=secret,
        source=nas,
        **kwargs,
    )


def test_active_user_is_accepted_with_its_package_rate_and_pool(freeradius, isps):
    server = freeradius()
    reply = login(server, "rahim", "alpha-pw")
    assert reply.code == "Access-Accept", reply.output
    assert reply.attributes["Mikrotik-Rate-Limit"] == "5M/10M 8M/15M 4M/8M 16/16 8 2M/4M"
    assert reply.attributes["Framed-Pool"] == "alpha-customers"
    assert reply.attributes["Acct-Interim-Interval"] == "300"


def test_chap_and_mschapv1_logins_are_accepted(freeradius, isps):
    server = freeradius()
    chap = server.auth({"User-Name": "rahim", "CHAP-Password": "alpha-pw"}, secret=ALPHA_SECRET)
    assert chap.code == "Access-Accept", chap.output
    # radclient turns MS-CHAP-Password into an MS-CHAP challenge and response.
    mschap = server.auth(
        {"User-Name": "rahim", "MS-CHAP-Password": "alpha-pw"}, secret=ALPHA_SECRET
    )
    assert mschap.code == "Access-Accept", mschap.output
    assert mschap.attributes["Framed-Pool"] == "alpha-customers"
    wrong = server.auth({"User-Name": "rahim", "MS-CHAP-Password": "nope"}, secret=ALPHA_SECRET)
    assert wrong.code == "Access-Reject"


def test_mschapv2_login_is_accepted_and_a_wrong_password_rejected(freeradius, isps):
    server = freeradius()
    reply = server.auth(mschapv2_attributes("rahim", "alpha-pw"), secret=ALPHA_SECRET)
    assert reply.code == "Access-Accept", reply.output
    assert "MS-CHAP2-Success" in reply.attributes
    assert reply.attributes["Mikrotik-Rate-Limit"] == "5M/10M 8M/15M 4M/8M 16/16 8 2M/4M"
    wrong = server.auth(mschapv2_attributes("rahim", "beta-pw"), secret=ALPHA_SECRET)
    assert wrong.code == "Access-Reject"


def test_wrong_password_and_unknown_user_are_rejected(freeradius, isps):
    server = freeradius()
    assert login(server, "rahim", "wrong").code == "Access-Reject"
    assert login(server, "nobody", "alpha-pw").code == "Access-Reject"


def test_suspended_user_is_accepted_into_the_suspended_pool(freeradius, isps):
    server = freeradius()
    reply = login(server, "karim", "karim-pw")
    assert reply.code == "Access-Accept", reply.output
    assert reply.attributes["Framed-Pool"] == "pool_suspended"
    assert reply.attributes["Mikrotik-Rate-Limit"] == "256k/256k"


def test_disabled_user_is_rejected_even_with_the_right_password(freeradius, isps):
    server = freeradius()
    assert login(server, "jamal", "jamal-pw").code == "Access-Reject"


def test_a_username_only_works_through_its_own_isps_nas(freeradius, isps):
    server = freeradius()
    # Alpha's rahim, through Beta's router: rejected (Beta's rahim has another password).
    stray = login(server, "rahim", "alpha-pw", nas=BETA_NAS, secret=BETA_SECRET)
    assert stray.code == "Access-Reject", stray.output
    # Beta's own rahim gets Beta's pool: the same username is a different customer.
    own = login(server, "rahim", "beta-pw", nas=BETA_NAS, secret=BETA_SECRET)
    assert own.code == "Access-Accept", own.output
    assert own.attributes["Framed-Pool"] == "beta-customers"


def test_a_nas_not_in_the_nas_table_gets_no_answer(freeradius, isps):
    server = freeradius()
    reply = login(
        server, "rahim", "alpha-pw", nas=UNKNOWN_NAS, secret=ALPHA_SECRET, timeout=0.5, retries=1
    )
    assert "Sent Access-Request" in reply.output
    assert reply.code is None, reply.output
    assert f"unknown client {UNKNOWN_NAS}" in server.log()


def test_accounting_start_interim_stop_make_one_row_with_64_bit_octets(freeradius, isps):
    alpha, _beta = isps
    server = freeradius()
    session = {
        "User-Name": "rahim",
        "Acct-Session-Id": "81a00001",
        "NAS-IP-Address": ALPHA_NAS,
        "NAS-Port-Id": "pppoe-rahim",
        "Framed-IP-Address": "100.64.0.10",
        "Calling-Station-Id": "AA:BB:CC:DD:EE:FF",
    }
    start = server.acct(
        {**session, "Acct-Status-Type": "Start", "Event-Timestamp": 1764115200},
        secret=ALPHA_SECRET,
    )
    assert start.code == "Accounting-Response", start.output
    interim = server.acct(
        {
            **session,
            "Acct-Status-Type": "Interim-Update",
            "Event-Timestamp": 1764115500,
            "Acct-Session-Time": 300,
            "Acct-Input-Octets": 5_000_000,
            "Acct-Input-Gigawords": 1,
            "Acct-Output-Octets": 7,
            "Acct-Output-Gigawords": 2,
        },
        secret=ALPHA_SECRET,
    )
    assert interim.code == "Accounting-Response", interim.output
    with in_scope(alpha):
        row = RadiusAccounting.objects.get()
    assert row.stop_time is None
    assert row.input_octets == 2**32 + 5_000_000  # 4,299,967,296
    assert row.output_octets == 2 * 2**32 + 7
    assert row.interval == 300

    stop = server.acct(
        {
            **session,
            "Acct-Status-Type": "Stop",
            "Event-Timestamp": 1764115800,
            "Acct-Session-Time": 600,
            "Acct-Input-Octets": 6_000_000,
            "Acct-Input-Gigawords": 3,
            "Acct-Output-Octets": 9_000_000,
            "Acct-Terminate-Cause": "User-Request",
        },
        secret=ALPHA_SECRET,
    )
    assert stop.code == "Accounting-Response", stop.output
    with scopes_disabled():  # the row must be Alpha's, and the only one anywhere
        rows = list(RadiusAccounting.objects.all())
    assert len(rows) == 1
    row = rows[0]
    assert row.tenant_id == alpha.pk
    assert (row.username, row.session_id, row.nas_port_id) == ("rahim", "81a00001", "pppoe-rahim")
    assert row.nas_ip_address == ALPHA_NAS
    assert row.framed_ip_address == "100.64.0.10"
    assert row.calling_station_id == "AA:BB:CC:DD:EE:FF"
    assert row.start_time.timestamp() == 1764115200
    assert row.stop_time.timestamp() == 1764115800
    assert row.session_time == 600
    assert row.input_octets == 3 * 2**32 + 6_000_000
    assert row.output_octets == 9_000_000
    assert row.terminate_cause == "User-Request"


def test_post_auth_log_records_outcomes_but_never_a_password(freeradius, isps):
    alpha, beta = isps
    server = freeradius()
    assert login(server, "rahim", "alpha-pw").code == "Access-Accept"
    assert login(server, "rahim", "secret-guess-123").code == "Access-Reject"
    assert login(server, "rahim", "beta-pw", nas=BETA_NAS, secret=BETA_SECRET).code == (
        "Access-Accept"
    )
    fields = {f.column for f in RadiusPostAuth._meta.get_fields() if hasattr(f, "column")}
    assert "pass" not in fields
    with in_scope(alpha):
        alpha_log = list(RadiusPostAuth.objects.order_by("id").values_list("username", "reply"))
    with in_scope(beta):
        beta_log = list(RadiusPostAuth.objects.values_list("username", "reply"))
    assert alpha_log == [("rahim", "Access-Accept"), ("rahim", "Access-Reject")]
    assert beta_log == [("rahim", "Access-Accept")]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM radpostauth")
        stored = repr(cursor.fetchall())
    assert "alpha-pw" not in stored and "secret-guess-123" not in stored


def test_simultaneous_use_rejects_a_second_session_until_the_first_stops(freeradius, isps):
    server = freeradius()
    session = {"User-Name": "rahim", "Acct-Session-Id": "s-1", "NAS-IP-Address": ALPHA_NAS}
    assert server.acct({**session, "Acct-Status-Type": "Start"}, secret=ALPHA_SECRET).code == (
        "Accounting-Response"
    )
    second = login(server, "rahim", "alpha-pw")
    assert second.code == "Access-Reject", second.output
    # Beta's rahim is another customer: Alpha's open session does not count for it.
    assert login(server, "rahim", "beta-pw", nas=BETA_NAS, secret=BETA_SECRET).code == (
        "Access-Accept"
    )
    assert server.acct({**session, "Acct-Status-Type": "Stop"}, secret=ALPHA_SECRET).code == (
        "Accounting-Response"
    )
    assert login(server, "rahim", "alpha-pw").code == "Access-Accept"
