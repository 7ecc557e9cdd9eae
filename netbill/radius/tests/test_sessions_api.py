"""/api/v1/radius-sessions/ and /api/v1/coa-attempts/: read-only, and only the rows of
customers the caller reaches (customers.view, its ISP and operator subtree)."""

import datetime

import pytest
from django.urls import reverse

from conftest import in_scope
from netbill.core.testing.people import api_token_for, set_codes
from netbill.core.testing.state import nothing_changes
from netbill.customers.tests.helpers import customer_setup, make_customer
from netbill.radius.models import CoAAttempt, RadiusAccounting

pytestmark = pytest.mark.django_db

SESSIONS = "api:radius-session-list"
ATTEMPTS = "api:coa-attempt-list"
T0 = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)


def add_session(isp, username, n, *, start, stop=None, **values):
    with in_scope(isp.tenant):
        return RadiusAccounting.objects.create(
            tenant=isp.tenant,
            session_id=f"sess-{n}",
            unique_id=f"{isp.tenant.slug}-{username}-{n}",
            username=username,
            nas_ip_address="192.0.2.1",
            start_time=start,
            update_time=stop or start,
            stop_time=stop,
            **values,
        )


def add_attempt(isp, username, **values):
    with in_scope(isp.tenant):
        return CoAAttempt.objects.create(
            tenant=isp.tenant,
            username=username,
            nas_address="192.0.2.1",
            kind=values.pop("kind", CoAAttempt.Kind.DISCONNECT),
            outcome=values.pop("outcome", CoAAttempt.Outcome.ACK),
            **values,
        )


@pytest.fixture
def world(isp, other_isp):
    """Alpha: Rahim (operator X) and Karim (operator Y), each with sessions; a radacct
    row of a username that is no customer; Beta: its own "rahim" with a session."""
    setup_x = customer_setup(isp)
    setup_y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.61.0.0/24", label="Y")
    rahim = make_customer(by=isp.ga, setup=setup_x, username="rahim")
    karim = make_customer(by=isp.ga, setup=setup_y, username="karim")
    beta_setup = customer_setup(other_isp)
    make_customer(by=other_isp.ga, setup=beta_setup, username="rahim")
    hour = datetime.timedelta(hours=1)
    rows = {
        "rahim_old": add_session(
            isp,
            "rahim",
            1,
            start=T0 - 5 * hour,
            stop=T0 - 4 * hour,
            session_time=3600,
            terminate_cause="User-Request",
        ),
        "rahim_open": add_session(
            isp,
            "rahim",
            2,
            start=T0 - hour,
            input_octets=6_000_000_000,
            output_octets=9_000_000_000,
            framed_ip_address="10.60.0.9",
            calling_station_id="AA:BB:CC:DD:EE:01",
        ),
        "karim_open": add_session(isp, "karim", 3, start=T0 - 2 * hour),
        "stranger": add_session(isp, "not-a-customer", 4, start=T0 - hour),
        "beta_rahim": add_session(other_isp, "rahim", 5, start=T0 - hour),
    }
    attempts = {
        "rahim": add_attempt(isp, "rahim", reason="suspended"),
        "karim": add_attempt(isp, "karim", kind=CoAAttempt.Kind.COA, outcome="nak"),
        "beta_rahim": add_attempt(other_isp, "rahim"),
    }
    return rahim, karim, rows, attempts


def ids(client, url, headers=None):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_the_group_admin_sees_its_customers_sessions_only(client, isp, world):
    _rahim, _karim, rows, _attempts = world
    client.force_login(isp.ga)
    response = client.get(reverse(SESSIONS))
    listed = {row["id"]: row for row in response.json()["results"]}
    # Not Beta's "rahim", not a username that is no customer of Alpha.
    assert set(listed) == {rows[k].pk for k in ("rahim_old", "rahim_open", "karim_open")}
    row = listed[rows["rahim_open"].pk]
    started = T0 - datetime.timedelta(hours=1)
    assert datetime.datetime.fromisoformat(row.pop("start_time")) == started
    assert datetime.datetime.fromisoformat(row.pop("update_time")) == started
    assert row == {
        "id": rows["rahim_open"].pk,
        "session_id": "sess-2",
        "username": "rahim",
        "nas_ip_address": "192.0.2.1",
        "stop_time": None,
        "session_time": None,
        "input_octets": 6_000_000_000,
        "output_octets": 9_000_000_000,
        "framed_ip_address": "10.60.0.9",
        "calling_station_id": "AA:BB:CC:DD:EE:01",
        "terminate_cause": None,
    }
    # Newest first.
    assert [row["id"] for row in response.json()["results"]] == [
        rows["rahim_open"].pk,
        rows["karim_open"].pk,
        rows["rahim_old"].pk,
    ]


def test_operator_x_never_sees_operator_ys_customers_sessions(client, isp, world):
    _rahim, _karim, rows, attempts = world
    headers = {"Authorization": f"Api-Key {api_token_for(isp.user_x)}"}
    assert ids(client, reverse(SESSIONS), headers) == {
        rows["rahim_old"].pk,
        rows["rahim_open"].pk,
    }
    assert ids(client, f"{reverse(SESSIONS)}?username=karim", headers) == set()
    url = reverse("api:radius-session-detail", args=[rows["karim_open"].pk])
    assert client.get(url, headers=headers).status_code == 404
    assert ids(client, reverse(ATTEMPTS), headers) == {attempts["rahim"].pk}
    url = reverse("api:coa-attempt-detail", args=[attempts["karim"].pk])
    assert client.get(url, headers=headers).status_code == 404
    # Operator Y sees Karim's only.
    client.force_login(isp.user_y)
    assert ids(client, reverse(SESSIONS)) == {rows["karim_open"].pk}


def test_another_isp_sees_none_of_alphas_sessions(client, isp, other_isp, world):
    _rahim, _karim, rows, attempts = world
    for headers in (None, {"Authorization": f"Api-Key {api_token_for(other_isp.ga)}"}):
        if headers is None:
            client.force_login(other_isp.ga)
        else:
            client.logout()
        # Beta's own "rahim" only, although Alpha has a "rahim" too.
        assert ids(client, reverse(SESSIONS), headers) == {rows["beta_rahim"].pk}
        assert ids(client, reverse(ATTEMPTS), headers) == {attempts["beta_rahim"].pk}
        for key in ("rahim_open", "karim_open"):
            url = reverse("api:radius-session-detail", args=[rows[key].pk])
            assert client.get(url, headers=headers).status_code == 404
        url = reverse("api:coa-attempt-detail", args=[attempts["rahim"].pk])
        assert client.get(url, headers=headers).status_code == 404


def test_filters(client, isp, world):
    _rahim, _karim, rows, _attempts = world
    client.force_login(isp.ga)
    base = reverse(SESSIONS)
    assert ids(client, f"{base}?username=rahim") == {rows["rahim_old"].pk, rows["rahim_open"].pk}
    assert ids(client, f"{base}?open=true") == {rows["rahim_open"].pk, rows["karim_open"].pk}
    assert ids(client, f"{base}?open=false") == {rows["rahim_old"].pk}
    # Running at some time in [since, until]: open ones, or stopped after `since`.
    since = (T0 - datetime.timedelta(minutes=90)).isoformat()
    assert ids(client, f"{base}?since={since.replace('+', '%2B')}") == {
        rows["rahim_open"].pk,
        rows["karim_open"].pk,
    }
    until = (T0 - datetime.timedelta(minutes=90)).isoformat().replace("+", "%2B")
    assert ids(client, f"{base}?until={until}") == {rows["rahim_old"].pk, rows["karim_open"].pk}
    early = (T0 - datetime.timedelta(hours=6)).isoformat().replace("+", "%2B")
    late = (T0 - datetime.timedelta(hours=3)).isoformat().replace("+", "%2B")
    assert ids(client, f"{base}?since={early}&until={late}") == {rows["rahim_old"].pk}
    assert client.get(f"{base}?since=yesterday").status_code == 400
    attempts = reverse(ATTEMPTS)
    assert len(ids(client, f"{attempts}?outcome=nak")) == 1
    assert len(ids(client, f"{attempts}?kind=disconnect&username=rahim")) == 1


def test_sessions_are_read_only(client, isp, world):
    _rahim, _karim, rows, attempts = world
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant, what="writing to a read-only endpoint"):
        for url in (reverse(SESSIONS), reverse(ATTEMPTS)):
            assert client.post(url, {}, content_type="application/json").status_code == 405
        for url in (
            reverse("api:radius-session-detail", args=[rows["rahim_open"].pk]),
            reverse("api:coa-attempt-detail", args=[attempts["rahim"].pk]),
        ):
            for method in ("post", "put", "patch", "delete"):
                response = getattr(client, method)(url, {}, content_type="application/json")
                assert response.status_code == 405, (method, url)


def test_sessions_need_customers_view(client, isp, world):
    _rahim, _karim, rows, _attempts = world
    user = set_codes(isp.ga, revoke=["customers.view"])
    client.force_login(user)
    assert client.get(reverse(SESSIONS)).status_code == 403
    url = reverse("api:radius-session-detail", args=[rows["rahim_open"].pk])
    assert client.get(url).status_code == 403
    client.force_login(isp.sales)  # no customers.view by role
    assert client.get(reverse(ATTEMPTS)).status_code == 403


def test_noc_sees_every_customers_sessions(client, isp, world):
    _rahim, _karim, rows, _attempts = world
    client.force_login(isp.noc)
    assert ids(client, reverse(SESSIONS)) == {
        rows[k].pk for k in ("rahim_old", "rahim_open", "karim_open")
    }


def test_the_session_list_is_fresh_per_request(client, isp, world):
    """A customer added after a first request is seen by the next one (the subquery is
    built per request, never cached at import)."""
    _rahim, _karim, rows, _attempts = world
    client.force_login(isp.ga)
    before = ids(client, reverse(SESSIONS))
    setup = customer_setup(isp, pool_subnet="10.63.0.0/24", label="Late")
    make_customer(by=isp.ga, setup=setup, username="not-a-customer")
    assert ids(client, reverse(SESSIONS)) == before | {rows["stranger"].pk}
