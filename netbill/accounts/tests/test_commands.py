"""manage.py create_tenant."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from conftest import PASSWORD, in_scope
from netbill.accounts.choices import OperatorKindChoices as Kind
from netbill.accounts.choices import UserRoleChoices as Role
from netbill.accounts.models import Operator, User
from netbill.core.models import AuditLog
from netbill.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


def _run(*extra, password=PASSWORD):
    args = ["--name", "Echo Net", "--slug", "echo", "--admin-username", "echo-admin"]
    if password is not None:
        args += ["--admin-password", password]
    out = StringIO()
    call_command("create_tenant", *args, *extra, stdout=out)
    return out.getvalue()


def test_create_tenant(client):
    out = _run("--admin-mobile", "01811600001", "--admin-name", "Echo Boss")
    tenant = Tenant.objects.get(slug="echo")
    assert out == f"Created ISP Echo Net (id {tenant.pk}, slug echo); Group Admin echo-admin.\n"
    admin = User.objects.get(username="echo-admin")
    with in_scope(tenant):
        root = Operator.objects.get()
        actions = list(AuditLog.objects.order_by("id").values_list("action", "actor_repr"))
    assert (root.kind, root.name, root.path) == (Kind.ROOT, "Echo Net", f"/{root.pk}/")
    assert (admin.role, admin.tenant_id, admin.operator_id, admin.name, admin.mobile) == (
        Role.GROUP_ADMIN,
        tenant.pk,
        root.pk,
        "Echo Boss",
        "+8801811600001",
    )
    assert actions == [("tenant.created", "system"), ("user.created", "system")]
    response = client.post("/login/", {"username": "echo-admin", "password": PASSWORD})
    assert response.status_code == 302


def test_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("NETBILL_ADMIN_PASSWORD", "From-env-pass-42")
    _run(password=None)
    assert User.objects.get(username="echo-admin").check_password("From-env-pass-42")


def test_password_is_asked_for_on_a_terminal(monkeypatch):
    monkeypatch.delenv("NETBILL_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("os.isatty", lambda fd: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: "Typed-pass-77")
    _run(password=None)
    assert User.objects.get(username="echo-admin").check_password("Typed-pass-77")


def test_no_password_without_a_terminal_is_an_error(monkeypatch):
    monkeypatch.delenv("NETBILL_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("os.isatty", lambda fd: False)
    with pytest.raises(CommandError) as exc:
        _run(password=None)
    assert str(exc.value) == "Give --admin-password or set NETBILL_ADMIN_PASSWORD."
    assert not Tenant.objects.filter(slug="echo").exists()


def test_duplicate_slug_is_a_command_error(isp):
    tenants = Tenant.objects.count()
    with pytest.raises(CommandError) as exc:
        call_command(
            "create_tenant",
            "--name",
            "Alpha Again",
            "--slug",
            "alpha",
            "--admin-username",
            "alpha-two",
            "--admin-password",
            PASSWORD,
            stdout=StringIO(),
        )
    assert str(exc.value) == "This short name is taken."
    assert Tenant.objects.count() == tenants
    assert not User.objects.filter(username="alpha-two").exists()


@pytest.mark.parametrize(
    ("extra", "password", "message"),
    [
        (["--admin-mobile", "12345"], PASSWORD, "Enter a valid mobile number."),
        ([], "12345678", "This password is entirely numeric."),
        (["--slug", "not a slug"], PASSWORD, "Enter a valid “slug”"),
    ],
)
def test_invalid_input_is_a_command_error_and_saves_nothing(extra, password, message):
    with pytest.raises(CommandError) as exc:
        _run(*extra, password=password)
    assert message in str(exc.value)
    assert Tenant.objects.count() == 0
    assert User.objects.count() == 0


def test_duplicate_admin_username_is_a_command_error(isp):
    tenants = Tenant.objects.count()
    with pytest.raises(CommandError) as exc:
        call_command(
            "create_tenant",
            "--name",
            "Foxtrot",
            "--slug",
            "foxtrot",
            "--admin-username",
            "A-GA",
            "--admin-password",
            PASSWORD,
            stdout=StringIO(),
        )
    assert str(exc.value) == "This username is taken."
    assert Tenant.objects.count() == tenants
