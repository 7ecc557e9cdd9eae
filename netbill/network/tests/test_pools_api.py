"""/api/v1/ip-pools/ and /api/v1/pppoe-profiles/: the panel's rules over the API (the
protected pool, validation, scoped pool choices). Contracts: tests/test_network_pool_contracts.py.
"""

import pytest
from django.urls import reverse

from conftest import in_scope
from netbill.core.testing.state import nothing_changes
from netbill.network.models import IPPool, PPPoEProfile

from .pool_helpers import make_pool, make_profile

pytestmark = pytest.mark.django_db


def suspended(isp):
    with in_scope(isp.tenant):
        return IPPool.objects.get(is_protected=True)


def detail(pool):
    return reverse("api:ip-pool-detail", args=[pool.pk])


def test_the_protected_pool_cannot_be_deleted_or_renamed_over_the_api(client, isp):
    pool = suspended(isp)
    client.force_login(isp.noc)
    with nothing_changes(isp.tenant):
        deleted = client.delete(detail(pool))
        renamed = client.patch(detail(pool), {"name": "x"}, content_type="application/json")
        kind = client.patch(detail(pool), {"kind": "normal"}, content_type="application/json")
    assert (deleted.status_code, deleted.json()) == (
        400,
        {
            "non_field_errors": [
                "The pool “suspended-users” is protected: it cannot be deleted, because "
                "RADIUS sends suspended customers to it."
            ]
        },
    )
    assert (renamed.status_code, renamed.json()) == (
        400,
        {
            "name": [
                "The pool “suspended-users” is protected: it cannot be renamed, because RADIUS "
                "sends suspended customers to it by name."
            ]
        },
    )
    assert kind.json() == {
        "kind": ["The pool “suspended-users” is protected: its kind cannot change."]
    }
    # is_protected is read-only: a normal pool cannot be made protected either.
    spare = make_pool(by=isp.ga)
    response = client.patch(detail(spare), {"is_protected": True}, content_type="application/json")
    assert response.status_code == 200 and response.json()["is_protected"] is False


def test_malformed_pools_are_400_with_the_reason(client, isp):
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant):
        response = client.post(
            reverse("api:ip-pool-list"),
            {"family": 4, "name": "x", "subnet": "10.0.0.5/24", "ranges": "10.9.0.1"},
            content_type="application/json",
        )
    assert response.status_code == 400
    assert response.json() == {
        "subnet": ["10.0.0.5/24 is not a network address; did you mean 10.0.0.0/24?"]
    }


def test_the_family_is_fixed_once_made(client, isp):
    pool = make_pool(by=isp.ga)
    client.force_login(isp.ga)
    response = client.patch(detail(pool), {"family": 6}, content_type="application/json")
    assert response.status_code == 200 and response.json()["family"] == 4


def test_a_pool_in_use_is_not_deleted(client, isp):
    pool = make_pool(by=isp.ga, name="busy")
    make_profile(by=isp.ga, ipv4_pool=pool, name="5 Mbps")
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant):
        response = client.delete(detail(pool))
    assert response.status_code == 400
    assert "used by the PPPoE profile(s) “5 Mbps”" in response.json()["non_field_errors"][0]


def test_the_family_filter(client, isp):
    v6 = make_pool(by=isp.ga, family=6)
    client.force_login(isp.ga)
    results = client.get(reverse("api:ip-pool-list") + "?family=6").json()["results"]
    assert [p["id"] for p in results] == [v6.pk]


def test_profiles_name_only_own_pools_of_the_right_family(client, isp, other_isp):
    v4 = make_pool(by=isp.ga)
    v6 = make_pool(by=isp.ga, family=6)
    theirs = make_pool(by=other_isp.ga)
    client.force_login(isp.ga)
    for data, field in (
        ({"ipv4_pool": theirs.pk}, "ipv4_pool"),
        ({"ipv4_pool": v6.pk}, "ipv4_pool"),
        ({"ipv4_pool": v4.pk, "ipv6_pool": v4.pk}, "ipv6_pool"),
    ):
        with nothing_changes(isp.tenant, other_isp.tenant):
            response = client.post(
                reverse("api:pppoe-profile-list"),
                {"name": "Sneaky", **data},
                content_type="application/json",
            )
        assert response.status_code == 400
        assert list(response.json()) == [field]
        assert "does not exist" in response.json()[field][0]


def test_a_bad_rate_limit_is_400(client, isp):
    pool = make_pool(by=isp.ga)
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant):
        response = client.post(
            reverse("api:pppoe-profile-list"),
            {"name": "X", "ipv4_pool": pool.pk, "rate_limit": "5M/5M/5M"},
            content_type="application/json",
        )
    assert response.json() == {
        "rate_limit": ["“5M/5M/5M” must be one value or rx/tx (two values around one /)."]
    }
    with in_scope(isp.tenant):
        assert not PPPoEProfile.objects.exists()
