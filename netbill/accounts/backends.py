"""Log in with a username or a mobile number (01711…, +8801711…, 8801711…)."""

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from netbill.core.phone import try_normalize_mobile

from .models import Operator, User


def inactive_node_above(user) -> bool:
    """Whether the user's operator node, or any node above it, is deactivated."""
    if not user.operator_id:
        return False
    path = user.operator.path
    ancestors = [
        f"/{'/'.join(path.strip('/').split('/')[: i + 1])}/"
        for i in range(path.strip("/").count("/") + 1)
    ]
    # Read before any tenant scope exists (this is the login itself); the filter names
    # the user's own tenant explicitly.
    return Operator._base_manager.filter(
        tenant_id=user.tenant_id, path__in=ancestors, is_active=False
    ).exists()


def matching_users(login: str) -> list[User]:
    """At most two users whose username (any case) or mobile number (any form) is `login`."""
    query = Q(username__iexact=login.strip())
    mobile = try_normalize_mobile(login)
    if mobile:
        query |= Q(mobile=mobile)
    return list(User.objects.select_related("tenant").filter(query)[:2])


def lockout_username(request, credentials=None) -> str | None:
    """The name django-axes counts failed logins under (AXES_USERNAME_CALLABLE).

    One account is one counter however its login is typed: otherwise "A-GA", "a-ga" and
    each way of writing the mobile number would each get their own five guesses.
    """
    login = (credentials or {}).get("username")
    if login is None and request is not None:
        login = getattr(request, "POST", {}).get("username")
    login = (login or "").strip()
    if not login:
        return None
    users = matching_users(login)
    if len(users) == 1:
        return users[0].username.lower()
    return try_normalize_mobile(login) or login.lower()


class UsernameOrMobileBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        users = matching_users(username)
        if len(users) != 1:
            # Run the hasher anyway so that timing does not reveal unknown usernames.
            User().set_password(password)
            return None
        user = users[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user):
        """Inactive users, users of a suspended ISP and users below a deactivated operator
        cannot log in."""
        if not super().user_can_authenticate(user):
            return False
        if user.tenant_id is None:
            return True
        return user.tenant.is_active and not inactive_node_above(user)

    def get_user(self, user_id):
        user = User.objects.select_related("tenant", "operator").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate_session(user) else None

    @staticmethod
    def user_can_authenticate_session(user):
        # A suspended tenant's sessions are cut by the middleware, with a message; a
        # session below a deactivated operator simply ends.
        return user.is_active and not inactive_node_above(user)
