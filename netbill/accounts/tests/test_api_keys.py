"""API keys: made once, stored hashed, sent as `Authorization: Api-Key <prefix>.<secret>`,
acting with their user's permissions and tenant."""

import hashlib
import json

import pytest
from django.test import Client

from conftest import in_scope
from netbill.accounts import services
from netbill.accounts.models import ApiKey, Operator, User
from netbill.core.exceptions import BusinessRuleError, OutOfReach
from netbill.tenancy.services import tenant_set_active

from .factories import audit_entries

pytestmark = pytest.mark.django_db

INVALID = {"detail": "Invalid or revoked API key."}


def _make_key(user, name="Integration"):
    with in_scope(user.tenant):
        return services.api_key_create(by=user, name=name)


def _auth(token):
    return {"HTTP_AUTHORIZATION": f"Api-Key {token}"}


def _ids(response):
    return [row["id"] for row in response.json()["results"]]


#
# The service
#


def test_api_key_create_returns_the_token_once_and_stores_a_hash(isp):
    key, token = _make_key(isp.ga)
    prefix, _dot, secret = token.partition(".")
    assert prefix == key.prefix
    assert len(prefix) == 8
    assert len(secret) >= 40
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in json.dumps([stored.name, stored.prefix, stored.key_hash])
    assert (stored.user_id, stored.name, stored.revoked_at, stored.last_used_at) == (
        isp.ga.pk,
        "Integration",
        None,
        None,
    )
    (entry,) = audit_entries(isp.tenant, action="api_key.created")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        isp.ga.pk,
        "accounts.apikey",
        str(key.pk),
    )
    assert entry.after == {"name": "Integration", "prefix": prefix}
    assert secret not in json.dumps(entry.after)


def test_two_keys_never_share_a_prefix_or_token(isp):
    tokens = {_make_key(isp.ga)[1] for _ in range(5)}
    assert len(tokens) == 5
    assert ApiKey.objects.values("prefix").distinct().count() == 5


@pytest.mark.parametrize("who", ["manager_x", "noc", "sales", "cards", "user_x1"])
def test_api_key_create_needs_the_permission(isp, who):
    with pytest.raises(BusinessRuleError) as exc:
        _make_key(getattr(isp, who))
    assert exc.value.code == "forbidden"
    assert ApiKey.objects.count() == 0
    assert audit_entries(isp.tenant, action="api_key.created") == []


def test_api_key_resolve(isp):
    key, token = _make_key(isp.user_x)
    assert services.api_key_resolve(token).pk == key.pk
    assert ApiKey.objects.get(pk=key.pk).last_used_at is not None
    prefix = token.partition(".")[0]
    for bad in ("", "garbage", prefix, f"{prefix}.", f"{prefix}.wrong", f"nope.{token}"):
        assert services.api_key_resolve(bad) is None


def test_revoke_own_key(isp):
    key, token = _make_key(isp.user_x)
    with in_scope(isp.tenant):
        services.api_key_revoke(key=key, by=isp.user_x)
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert services.api_key_resolve(token) is None
    (entry,) = audit_entries(isp.tenant, action="api_key.revoked")
    assert (entry.actor_id, entry.object_id) == (isp.user_x.pk, str(key.pk))


def test_nobody_revokes_another_users_key(isp):
    key, token = _make_key(isp.user_x)
    with in_scope(isp.tenant), pytest.raises(OutOfReach):
        services.api_key_revoke(key=key, by=isp.ga)
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None
    assert services.api_key_resolve(token).pk == key.pk
    assert audit_entries(isp.tenant, action="api_key.revoked") == []


#
# The header
#


def test_key_authenticates_api_requests(isp, client):
    key, token = _make_key(isp.ga)
    response = client.get("/api/v1/operators/", **_auth(token))
    assert response.status_code == 200
    assert set(_ids(response)) == {isp.op_x.pk, isp.sub_x1.pk, isp.op_y.pk}
    assert ApiKey.objects.get(pk=key.pk).last_used_at is not None


def test_key_acts_with_its_users_reach(isp, client):
    _key, token = _make_key(isp.user_x)
    assert _ids(client.get("/api/v1/operators/", **_auth(token))) == [isp.op_x.pk, isp.sub_x1.pk]
    assert client.get(f"/api/v1/operators/{isp.op_y.pk}/", **_auth(token)).status_code == 404
    assert "balance" in client.get(f"/api/v1/operators/{isp.op_x.pk}/", **_auth(token)).json()


def test_key_acts_with_its_users_permissions(isp, client):
    _key, token = _make_key(isp.user_x)
    with in_scope(isp.tenant):
        before = Operator.objects.count()
    response = client.post(
        "/api/v1/operators/",
        {
            "kind": "operator",
            "name": "Via key",
            "username": "via-key",
            "password": "Test-pass-1234",
            "mobile": "01811300001",
        },
        content_type="application/json",
        **_auth(token),
    )
    assert response.status_code == 403
    with in_scope(isp.tenant):
        assert Operator.objects.count() == before
    assert not User.objects.filter(username="via-key").exists()


def test_key_acts_in_its_users_tenant(isp, other_isp, client):
    _key, token = _make_key(other_isp.ga)
    response = client.get("/api/v1/operators/", **_auth(token))
    assert set(_ids(response)) == {other_isp.op_x.pk, other_isp.sub_x1.pk, other_isp.op_y.pk}
    assert client.get(f"/api/v1/operators/{isp.op_x.pk}/", **_auth(token)).status_code == 404


def test_key_writes_are_audited_as_its_user(isp, client):
    _key, token = _make_key(isp.user_x)
    response = client.patch(
        f"/api/v1/operators/{isp.sub_x1.pk}/",
        {"address": "From a script"},
        content_type="application/json",
        **_auth(token),
    )
    assert response.status_code == 200
    (entry,) = audit_entries(isp.tenant, action="operator.updated")
    assert (entry.actor_id, entry.impersonator_id) == (isp.user_x.pk, None)


def test_key_needs_no_csrf_token(isp):
    _key, token = _make_key(isp.ga)
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/api/v1/api-keys/", {"name": "From CI"}, content_type="application/json", **_auth(token)
    )
    assert response.status_code == 201
    assert ApiKey.objects.filter(user=isp.ga, name="From CI").count() == 1


def test_session_writes_still_need_csrf(isp):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(isp.ga)
    response = strict.post(
        "/api/v1/api-keys/", {"name": "No token"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not ApiKey.objects.filter(name="No token").exists()


@pytest.mark.parametrize(
    "header",
    [
        "Api-Key garbage",
        "Api-Key ",
        "Api-Key deadbeef.not-the-secret",
        "api-key deadbeef.not-the-secret",
    ],
)
def test_garbage_keys_are_401(isp, client, header):
    _make_key(isp.ga)
    response = client.get("/api/v1/operators/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json() == INVALID


def test_revoked_key_is_401(isp, client):
    key, token = _make_key(isp.ga)
    with in_scope(isp.tenant):
        services.api_key_revoke(key=key, by=isp.ga)
    response = client.get("/api/v1/operators/", **_auth(token))
    assert response.status_code == 401
    assert response.json() == INVALID


def test_wrong_secret_for_a_real_prefix_is_401(isp, client):
    key, _token = _make_key(isp.ga)
    response = client.get("/api/v1/operators/", **_auth(f"{key.prefix}.guessed"))
    assert response.status_code == 401
    assert ApiKey.objects.get(pk=key.pk).last_used_at is None


def test_key_of_an_inactive_user_is_401(isp, client):
    _key, token = _make_key(isp.user_x)
    User.objects.filter(pk=isp.user_x.pk).update(is_active=False)
    assert client.get("/api/v1/operators/", **_auth(token)).status_code == 401


def test_key_of_a_suspended_tenant_is_403(isp, other_isp, platform_admin, client):
    _key, token = _make_key(isp.ga)
    _other_key, other_token = _make_key(other_isp.ga)
    tenant_set_active(tenant=isp.tenant, by=platform_admin, active=False)
    response = client.get("/api/v1/operators/", **_auth(token))
    assert response.status_code == 403
    assert response.json() == {
        "detail": "This ISP account is suspended. Contact the platform administrator."
    }
    assert client.get("/api/v1/operators/", **_auth(other_token)).status_code == 200


def test_no_credentials_is_401(isp, client):
    response = client.get("/api/v1/operators/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


#
# /api/v1/api-keys/
#


def test_api_lists_only_the_callers_keys(isp, client):
    mine, _ = _make_key(isp.user_x, "mine")
    _make_key(isp.ga, "the GA's")
    client.force_login(isp.user_x)
    response = client.get("/api/v1/api-keys/")
    assert response.status_code == 200
    assert [(k["id"], k["name"]) for k in response.json()["results"]] == [(mine.pk, "mine")]
    assert "key_hash" not in response.json()["results"][0]
    assert "token" not in response.json()["results"][0]


def test_api_create_shows_the_token_once(isp, client):
    client.force_login(isp.user_x)
    response = client.post(
        "/api/v1/api-keys/", {"name": "Billing"}, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    key = ApiKey.objects.get(pk=body["id"])
    assert (key.user_id, key.name, body["prefix"]) == (isp.user_x.pk, "Billing", key.prefix)
    assert services.api_key_resolve(body["token"]).pk == key.pk
    listed = client.get("/api/v1/api-keys/").json()["results"]
    assert "token" not in listed[0]


def test_api_create_needs_a_name(isp, client):
    client.force_login(isp.user_x)
    response = client.post("/api/v1/api-keys/", {}, content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    assert ApiKey.objects.count() == 0


def test_api_revoke_own_key_and_not_others(isp, client):
    mine, _ = _make_key(isp.user_x)
    theirs, _ = _make_key(isp.ga)
    client.force_login(isp.user_x)
    response = client.post(f"/api/v1/api-keys/{mine.pk}/revoke/")
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert client.post(f"/api/v1/api-keys/{theirs.pk}/revoke/").status_code == 404
    assert ApiKey.objects.get(pk=theirs.pk).revoked_at is None


def test_api_keys_endpoint_needs_the_permission(isp, client):
    client.force_login(isp.noc)
    assert client.get("/api/v1/api-keys/").status_code == 403
    response = client.post("/api/v1/api-keys/", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert ApiKey.objects.count() == 0


#
# Settings → API Keys
#


def test_api_keys_page_creates_and_shows_the_token_once(isp, client):
    client.force_login(isp.user_x)
    assert client.get("/settings/api-keys/").status_code == 200
    response = client.post("/settings/api-keys/", {"name": "Router script"})
    assert response.status_code == 200
    token = response.context["new_token"]
    key = ApiKey.objects.get(user=isp.user_x)
    assert key.name == "Router script"
    assert services.api_key_resolve(token).pk == key.pk
    assert f'<code id="new-api-token">{token}</code>' in response.content.decode()
    again = client.get("/settings/api-keys/")
    assert token not in again.content.decode()
    assert [k.pk for k in again.context["keys"]] == [key.pk]


def test_api_keys_page_revokes_only_own_keys(isp, client):
    mine, _ = _make_key(isp.user_x)
    theirs, _ = _make_key(isp.ga)
    client.force_login(isp.user_x)
    response = client.post(f"/settings/api-keys/{mine.pk}/revoke/")
    assert response.status_code == 302
    assert ApiKey.objects.get(pk=mine.pk).revoked_at is not None
    assert client.post(f"/settings/api-keys/{theirs.pk}/revoke/").status_code == 404
    assert ApiKey.objects.get(pk=theirs.pk).revoked_at is None


def test_api_keys_page_needs_the_permission(isp, client):
    client.force_login(isp.manager_x)
    assert client.get("/settings/api-keys/").status_code == 403
    assert client.post("/settings/api-keys/", {"name": "x"}).status_code == 403
    assert ApiKey.objects.count() == 0


def test_api_revoke_of_a_malformed_id_is_404(isp, client):
    client.force_login(isp.user_x)
    assert client.post("/api/v1/api-keys/abc/revoke/").status_code == 404


def test_revoking_twice_changes_nothing(isp):
    from netbill.core.models import AuditLog

    with in_scope(isp.tenant):
        key, _token = services.api_key_create(by=isp.ga, name="twice")
        services.api_key_revoke(key=key, by=isp.ga)
        first = key.revoked_at
        entries = AuditLog.objects.filter(action="api_key.revoked").count()
        services.api_key_revoke(key=key, by=isp.ga)
        key.refresh_from_db()
        assert key.revoked_at == first
        assert AuditLog.objects.filter(action="api_key.revoked").count() == entries == 1
