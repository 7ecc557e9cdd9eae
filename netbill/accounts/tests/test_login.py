"""Logging in (username or mobile), argon2, django-axes lockout, logout, password change,
and suspended ISPs. Real logins go through POST /login/: django-axes needs the request."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import override_settings

from conftest import PASSWORD
from netbill.accounts.choices import UserRoleChoices as Role
from netbill.accounts.models import User
from netbill.tenancy.services import tenant_set_active

pytestmark = pytest.mark.django_db

INVALID_LOGIN = (
    "Please enter a correct username and password. Note that both fields may be case-sensitive."
)
SUSPENDED = "This ISP account is suspended. Contact the platform administrator."


def _login(client, username, password=PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password, **extra})


def _session_user_id(client):
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


def _national(e164: str) -> str:
    return "0" + e164[4:]


#
# Username or mobile
#


def test_login_page_renders(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
    assert response.context["form"].fields["username"].label == "Username or mobile"


def test_login_with_username(isp, client):
    response = _login(client, "a-ga")
    assert response.status_code == 302
    assert response.url == "/dashboard/"
    assert _session_user_id(client) == isp.ga.pk
    assert client.get("/dashboard/").status_code == 200
    assert User.objects.get(pk=isp.ga.pk).last_login is not None


def test_login_username_is_case_insensitive(isp, client):
    _login(client, "  A-OPX ")
    assert _session_user_id(client) == isp.user_x.pk


@pytest.mark.parametrize("form", ["national", "plus", "no_plus", "dashed"])
def test_login_with_mobile_in_every_form(isp, client, form):
    e164 = isp.user_x.mobile
    assert e164.startswith("+8801")
    typed = {
        "national": _national(e164),
        "plus": e164,
        "no_plus": e164[1:],
        "dashed": f"{_national(e164)[:5]}-{_national(e164)[5:]}",
    }[form]
    response = _login(client, typed)
    assert response.status_code == 302
    assert _session_user_id(client) == isp.user_x.pk


def test_wrong_password_is_a_form_error(isp, client):
    response = _login(client, "a-ga", "Wrong-pass-1234")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [INVALID_LOGIN]
    assert _session_user_id(client) is None


def test_unknown_user_is_the_same_form_error(isp, client):
    response = _login(client, "nobody")
    assert response.context["form"].non_field_errors() == [INVALID_LOGIN]
    assert _session_user_id(client) is None


def test_inactive_user_cannot_log_in(isp, client):
    User.objects.filter(pk=isp.manager_x.pk).update(is_active=False)
    response = _login(client, "a-mgrx")
    assert response.status_code == 200
    assert _session_user_id(client) is None


def test_login_follows_safe_next(isp, client):
    response = _login(client, "a-ga", next="/operators/")
    assert response.url == "/operators/"
    response = _login(client, "a-opx", next="https://evil.example/")
    assert response.url == "/dashboard/"


def test_platform_admin_and_noc_land_on_their_pages(isp, platform_admin, client, other_isp):
    assert _login(client, "platform").url == "/platform/tenants/"
    client.post("/logout/")
    assert _login(client, "a-noc").url == "/admin/noc/"


def test_logged_in_user_visiting_login_is_sent_on(isp, client):
    client.force_login(isp.ga)
    response = client.get("/login/")
    assert response.status_code == 302
    assert response.url == "/dashboard/"


#
# Password hashing
#


def test_passwords_are_stored_with_argon2(isp):
    argon2 = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    with override_settings(PASSWORD_HASHERS=argon2):
        user = User.objects.get(pk=isp.manager_x.pk)
        user.set_password("Another-pass-5678")
        user.save()
        stored = User.objects.get(pk=user.pk).password
        assert stored.startswith("argon2$argon2id$")
        assert user.check_password("Another-pass-5678")
        assert not user.check_password(PASSWORD)


def test_login_upgrades_an_older_hash_to_argon2(isp, client):
    hashers = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert User.objects.get(pk=isp.ga.pk).password.startswith("md5$")
    with override_settings(PASSWORD_HASHERS=hashers):
        assert _login(client, "a-ga").status_code == 302
    assert User.objects.get(pk=isp.ga.pk).password.startswith("argon2")


#
# Lockout (django-axes, AXES_FAILURE_LIMIT=5)
#


def _fail(client, username, times):
    return [_login(client, username, "Wrong-pass-1234").status_code for _ in range(times)]


def test_sixth_attempt_is_locked_out_even_with_the_right_password(isp, client, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert _fail(client, "a-ga", 4) == [200, 200, 200, 200]
    # The fifth failure reaches the limit: from here on the account is locked.
    assert _fail(client, "a-ga", 1) == [429]
    response = _login(client, "a-ga")
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert _session_user_id(client) is None


def test_fewer_failures_than_the_limit_still_allow_the_right_password(isp, client):
    assert _fail(client, "a-ga", 4) == [200, 200, 200, 200]
    assert _login(client, "a-ga").status_code == 302
    assert _session_user_id(client) == isp.ga.pk


def test_success_resets_the_failure_count(isp, client):
    _fail(client, "a-ga", 4)
    _login(client, "a-ga")
    client.post("/logout/")
    assert _fail(client, "a-ga", 4) == [200, 200, 200, 200]
    assert _login(client, "a-ga").status_code == 302


def test_lockout_is_per_user(isp, client):
    _fail(client, "a-ga", 5)
    assert _login(client, "a-opx").status_code == 302
    assert _session_user_id(client) == isp.user_x.pk


@pytest.mark.parametrize("alias", ["A-GA", " a-ga", "national", "plus"])
def test_lockout_cannot_be_dodged_by_spelling_the_login_differently(isp, client, alias):
    # The same account typed another way (case, spaces, its mobile number) is the same
    # account: the lock must hold, or five more guesses per spelling are free.
    _fail(client, "a-ga", 5)
    typed = {"national": _national(isp.ga.mobile), "plus": isp.ga.mobile}.get(alias, alias)
    response = _login(client, typed)
    assert response.status_code == 429
    assert _session_user_id(client) is None


def test_failures_spread_over_spellings_add_up(isp, client):
    _fail(client, "a-ga", 2)
    _fail(client, "A-GA", 2)
    _fail(client, _national(isp.ga.mobile), 1)
    assert _login(client, "a-ga").status_code == 429
    assert _session_user_id(client) is None


#
# Logout and password change
#


def test_logout(isp, client):
    client.force_login(isp.ga)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response.url == "/login/"
    assert _session_user_id(client) is None
    response = client.get("/operators/")
    assert response.status_code == 302
    assert response.url == "/login/?next=/operators/"


def test_logout_needs_post(isp, client):
    client.force_login(isp.ga)
    assert client.get("/logout/").status_code == 405
    assert _session_user_id(client) == isp.ga.pk


def test_password_change(isp, client):
    client.force_login(isp.user_x)
    assert client.get("/password/").status_code == 200
    response = client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Brand-new-pass-99",
            "new_password2": "Brand-new-pass-99",
        },
    )
    assert response.status_code == 302
    assert response.url == "/"
    user = User.objects.get(pk=isp.user_x.pk)
    assert user.check_password("Brand-new-pass-99")
    assert not user.check_password(PASSWORD)
    # The session survives its own password change.
    assert _session_user_id(client) == isp.user_x.pk
    assert client.get("/password/").status_code == 200
    client.post("/logout/")
    assert _login(client, "a-opx", "Brand-new-pass-99").status_code == 302


def test_password_change_needs_the_old_password(isp, client):
    client.force_login(isp.user_x)
    response = client.post(
        "/password/",
        {
            "old_password": "Wrong-pass-1234",
            "new_password1": "Brand-new-pass-99",
            "new_password2": "Brand-new-pass-99",
        },
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["old_password"]
    assert User.objects.get(pk=isp.user_x.pk).check_password(PASSWORD)


def test_password_change_refuses_a_weak_password(isp, client):
    client.force_login(isp.user_x)
    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["new_password2"]
    assert User.objects.get(pk=isp.user_x.pk).check_password(PASSWORD)


def test_password_change_needs_login(client, db):
    response = client.get("/password/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")


#
# Suspended ISP
#


def _suspend(tenant, by):
    return tenant_set_active(tenant=tenant, by=by, active=False)


def test_suspended_tenant_users_cannot_log_in(isp, other_isp, platform_admin, client):
    _suspend(isp.tenant, platform_admin)
    for username in ("a-ga", "a-opx", _national(isp.user_x.mobile)):
        response = _login(client, username)
        assert response.status_code == 200
        # The right password gets told why; a wrong one learns nothing.
        assert response.context["form"].non_field_errors() == [SUSPENDED]
        assert _session_user_id(client) is None
    response = client.post("/login/", {"username": "a-ga", "password": "wrong-password-1"})
    assert response.context["form"].non_field_errors() == [INVALID_LOGIN]
    # Another ISP is untouched.
    assert _login(client, "b-ga").status_code == 302
    assert _session_user_id(client) == other_isp.ga.pk


def test_suspension_cuts_an_existing_session(isp, platform_admin, client):
    client.force_login(isp.user_x)
    assert client.get("/operators/").status_code == 200
    _suspend(isp.tenant, platform_admin)
    response = client.get("/operators/")
    assert response.status_code == 302
    assert response.url == "/login/"
    assert _session_user_id(client) is None
    page = client.get("/login/")
    assert [str(m) for m in page.context["messages"]] == [SUSPENDED]


def test_suspension_answers_the_api_with_403(isp, platform_admin, client):
    client.force_login(isp.ga)
    assert client.get("/api/v1/operators/").status_code == 200
    _suspend(isp.tenant, platform_admin)
    response = client.get("/api/v1/operators/")
    assert response.status_code == 403
    assert response.json() == {"detail": SUSPENDED}


def test_suspension_leaves_other_tenants_sessions_alone(isp, other_isp, platform_admin, client):
    client.force_login(other_isp.ga)
    _suspend(isp.tenant, platform_admin)
    assert client.get("/operators/").status_code == 200
    assert _session_user_id(client) == other_isp.ga.pk


def test_reinstated_tenant_users_log_in_again(isp, platform_admin, client):
    _suspend(isp.tenant, platform_admin)
    tenant_set_active(tenant=isp.tenant, by=platform_admin, active=True)
    assert _login(client, "a-ga").status_code == 302
    assert _session_user_id(client) == isp.ga.pk


def test_platform_admin_is_never_cut_by_a_suspension(isp, platform_admin, client):
    assert platform_admin.role == Role.PLATFORM_ADMIN
    _suspend(isp.tenant, platform_admin)
    client.force_login(platform_admin)
    assert client.get("/platform/tenants/").status_code == 200


#
# Deactivated operators
#


def _deactivate(isp, node):
    from conftest import in_scope
    from netbill.accounts import services

    with in_scope(isp.tenant):
        services.operator_update(operator=node, by=isp.ga, data={"is_active": False})


def test_nobody_below_a_deactivated_operator_logs_in(isp, client):
    _deactivate(isp, isp.op_x)
    for username in ("a-opx", "a-subx1", "a-mgrx", "a-cards"):
        response = _login(client, username)
        assert response.status_code == 200
        assert response.context["form"].non_field_errors() == [INVALID_LOGIN]
        assert _session_user_id(client) is None
    # Operator Y's people are not affected.
    assert _login(client, "a-mgry").status_code == 302
    assert _session_user_id(client) == isp.manager_y.pk


def test_deactivating_an_operator_ends_sessions_below_it(isp, client):
    client.force_login(isp.manager_x)
    assert client.get("/dashboard/").status_code == 200
    _deactivate(isp, isp.op_x)
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response.url == "/login/?next=/dashboard/"
