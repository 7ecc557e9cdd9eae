"""Test shortcuts for users: reload them, switch single permission codes on or off.

These write `PermissionOverride` rows directly. The service (`user_set_permissions`)
refuses to change a Group Admin's own codes, but "the same Group Admin minus this one
code" is the sharpest no-permission case a contract can try. accounts is reached
through the app registry: core is below accounts and must not import it.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils.module_loading import import_string
from django_scopes import scope

__all__ = ["api_token_for", "fresh_user", "set_codes"]


def fresh_user(user):
    """The user reloaded (permission codes are cached per instance)."""
    return get_user_model()._base_manager.select_related("operator", "tenant").get(pk=user.pk)


def set_codes(user, *, grant=(), revoke=()):
    """Switch `grant` on and `revoke` off for `user`; returns the reloaded user."""
    override = apps.get_model("accounts", "PermissionOverride")
    with scope(tenant=user.tenant_id):
        for code, granted in [(c, True) for c in grant] + [(c, False) for c in revoke]:
            override.objects.update_or_create(
                tenant_id=user.tenant_id, user=user, code=code, defaults={"granted": granted}
            )
    return fresh_user(user)


def api_token_for(user) -> str:
    """A fresh API key token for `user` (through the service, so it is a real key)."""
    create = import_string("netbill.accounts.services.api_key_create")
    with scope(tenant=user.tenant_id):
        _key, token = create(by=fresh_user(user), name="contract test")
    return token
