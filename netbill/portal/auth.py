"""Customer login for the portal: a realm of its own, not Django users.

A customer signs in with its PPPoE username and password (Customer.username, unique
within the ISP; Customer.password, kept encrypted). The session then holds, under one
key, the ISP's id, the customer's id and a fingerprint of the password:

- a session of ISP A is worthless on ISP B's portal (the ISP id must match the URL's);
- changing the customer's password, disabling it or deleting it ends the session;
- the session key is rotated at login and at logout (no fixation).

Failed logins are counted in the cache per (ISP, username) and per (ISP, client
address); past LOGIN_FAILURE_LIMIT within LOGIN_WINDOW seconds the login is refused,
even with the right password, until the window ends.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views import View

from netbill.customers.choices import CustomerStatusChoices
from netbill.customers.models import Customer

__all__ = [
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_WINDOW",
    "LoginRefused",
    "PortalLoginRequired",
    "login_check",
    "portal_customer",
    "portal_login",
    "portal_logout",
]

SESSION_KEY = "netbill_portal"
LOGIN_FAILURE_LIMIT = 10
LOGIN_WINDOW = 15 * 60  # seconds
# Compared against when the username is unknown, so both paths take as long.
_NO_PASSWORD = "\x00no-such-customer\x00"


class LoginRefused(Exception):
    """The login failed; `message` is safe to show."""

    def __init__(self, message: str, *, counted: bool = True):
        super().__init__(message)
        self.message = message
        self.counted = counted


#
# Throttling
#


def _throttle_keys(tenant, username: str, ip: str | None) -> list[str]:
    name = hashlib.sha256((username or "").strip().lower().encode()).hexdigest()[:32]
    keys = [f"portal:login:{tenant.pk}:user:{name}"]
    if ip:
        keys.append(f"portal:login:{tenant.pk}:ip:{ip}")
    return keys


def login_locked(tenant, username: str, ip: str | None) -> bool:
    for key in _throttle_keys(tenant, username, ip):
        record = cache.get(key)
        if record and record["n"] >= LOGIN_FAILURE_LIMIT and record["until"] > time.time():
            return True
    return False


def _count_failure(tenant, username: str, ip: str | None) -> None:
    now = time.time()
    for key in _throttle_keys(tenant, username, ip):
        record = cache.get(key)
        if not record or record["until"] <= now:
            record = {"n": 0, "until": now + LOGIN_WINDOW}
        record["n"] += 1
        # The window is fixed from the first failure: later failures do not extend it.
        cache.set(key, record, max(int(record["until"] - now), 1))


def _clear_failures(tenant, username: str) -> None:
    # Only the username's count: one good login must not wipe an address's failures
    # against other accounts.
    cache.delete(_throttle_keys(tenant, username, None)[0])


#
# Login and logout
#


def _fingerprint(customer: Customer) -> str:
    """Changes when the customer's password changes (ends older sessions)."""
    return salted_hmac("netbill.portal.session", str(customer.password or "")).hexdigest()


def login_check(*, tenant, username: str, password: str, ip: str | None) -> Customer:
    """The customer these credentials open, or LoginRefused with the reason to show.
    Suspended customers may log in (they need to pay); disabled ones may not."""
    username = (username or "").strip()
    if login_locked(tenant, username, ip):
        raise LoginRefused(
            _("Too many failed attempts. Please try again in %(minutes)s minutes.")
            % {"minutes": LOGIN_WINDOW // 60},
            counted=False,
        )
    customer = (
        Customer.objects.filter(tenant=tenant, username=username).first() if username else None
    )
    stored = str(customer.password or "") if customer is not None else ""
    matches = hmac.compare_digest(
        (stored or _NO_PASSWORD).encode(), (password or "").encode()
    ) and bool(stored)
    if customer is None or not matches:
        _count_failure(tenant, username, ip)
        raise LoginRefused(_("The username or password is not correct."))
    if customer.status == CustomerStatusChoices.DISABLED:
        raise LoginRefused(
            _("This account is disabled. Please contact %(isp)s.") % {"isp": tenant.name},
            counted=False,
        )
    _clear_failures(tenant, username)
    return customer


def portal_login(request, customer: Customer) -> None:
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "tenant": customer.tenant_id,
        "customer": customer.pk,
        "check": _fingerprint(customer),
    }


def portal_logout(request) -> None:
    if SESSION_KEY in request.session:
        del request.session[SESSION_KEY]
    request.session.cycle_key()


def portal_customer(request, tenant) -> Customer | None:
    """The customer logged in to `tenant`'s portal in this session, if any. A session
    of another ISP, a disabled customer or a changed password count as logged out."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or data.get("tenant") != tenant.pk:
        return None
    customer = (
        Customer.objects.filter(pk=data.get("customer"), tenant=tenant)
        .select_related("tenant", "package__master_package", "billing_profile")
        .first()
    )
    if (
        customer is None
        or customer.status == CustomerStatusChoices.DISABLED
        or not hmac.compare_digest(str(data.get("check", "")), _fingerprint(customer))
    ):
        del request.session[SESSION_KEY]
        return None
    return customer


def login_url(tenant, next_path: str | None = None) -> str:
    url = reverse("portal:login", kwargs={"isp": tenant.slug})
    if next_path:
        url += "?" + urlencode({"next": next_path})
    return url


class PortalLoginRequired(View):
    """A portal page for the logged-in customer (`self.customer`). List it AFTER
    TenantPublicView in the bases, so that it runs inside the ISP's scope:

        class PortalHomeView(TenantPublicView, PortalLoginRequired): ...

    Anybody else is sent to this ISP's login page (and back here afterwards)."""

    customer: Customer

    def dispatch(self, request, *args, **kwargs):
        tenant = getattr(self, "tenant", None)
        if tenant is None:
            raise ImproperlyConfigured(
                f"{type(self).__name__}: list PortalLoginRequired after TenantPublicView."
            )
        customer = portal_customer(request, tenant)
        if customer is None:
            return HttpResponseRedirect(login_url(tenant, request.get_full_path()))
        self.customer = customer
        response = super().dispatch(request, *args, **kwargs)
        # The customer's own account: never kept by a shared cache or the back button.
        add_never_cache_headers(response)
        return response
