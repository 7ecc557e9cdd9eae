"""Resolve `Authorization: Api-Key <prefix>.<secret>` before the tenant scope is entered.

The tenant comes from the key's user, exactly as it comes from the session user for
the panel, so the scope middleware treats both alike.
"""

from django.http import JsonResponse

from .services import api_key_resolve

HEADER_PREFIX = "api-key "


class ApiKeyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.lower().startswith(HEADER_PREFIX):
            key = api_key_resolve(header[len(HEADER_PREFIX) :].strip())
            if key is None:
                return JsonResponse({"detail": "Invalid or revoked API key."}, status=401)
            request.user = key.user
            request.api_key = key
            # API keys never ride on a session cookie (and so never on CSRF).
            request._dont_enforce_csrf_checks = True
        return self.get_response(request)
