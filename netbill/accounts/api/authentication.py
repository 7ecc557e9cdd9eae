from rest_framework.authentication import BaseAuthentication


class ApiKeyAuthentication(BaseAuthentication):
    """DRF's view of the key that ApiKeyMiddleware already resolved."""

    def authenticate(self, request):
        key = getattr(request._request, "api_key", None)
        if key is None:
            return None
        return (key.user, key)

    def authenticate_header(self, request):
        return "Api-Key"
