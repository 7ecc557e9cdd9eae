"""Enter the tenant scope of the authenticated user for the rest of the request.

This is one of the four places where a scope is entered (STYLE.md). The tenant always
comes from the authenticated user, never from a parameter. Anonymous requests and
platform admins run with no tenant scope: any tenant-owned query raises ScopeError.
"""

from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from .context import Actor, acting


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def impersonator_id(request) -> int | None:
    """The user who opened this panel through Get Access, if any (django-hijack)."""
    session = getattr(request, "session", None)
    history = session.get("hijack_history", []) if session is not None else []
    return int(history[-1]) if history else None


class TenantScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.tenant_id is not None:
            if not user.tenant.is_active:
                return self._tenant_suspended(request)
            actor = Actor(
                user_id=user.pk, impersonator_id=impersonator_id(request), ip=_client_ip(request)
            )
            # Times are stored in UTC and shown in the ISP's own zone (Asia/Dhaka by default).
            timezone.activate(user.tenant.zone)
            try:
                with acting(actor), scope(tenant=user.tenant_id):
                    return self.get_response(request)
            finally:
                timezone.deactivate()
        actor = Actor(user_id=user.pk if user.is_authenticated else None, ip=_client_ip(request))
        with acting(actor):
            return self.get_response(request)

    def _tenant_suspended(self, request):
        message = _("This ISP account is suspended. Contact the platform administrator.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=403)
        logout(request)
        messages.error(request, message)
        return redirect("accounts:login")
