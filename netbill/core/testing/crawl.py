"""Every URL of the project, for the crawlers and the coverage tests.

`iter_routes()` walks the root URLconf; each `Route` knows its name, its view class
(a BaseView's `view_class`, a DRF view's `cls`), its keyword arguments and, for a
viewset, its method → action map. `url_sets(route, tenant)` fills `pk` with every
object of the route's model that `tenant` owns, so a crawler logged in elsewhere can
try each of them.

The allowlists below are reviewed like `core.GLOBAL_MODELS`: every entry says why.
"""

from dataclasses import dataclass

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import scope
from rest_framework.views import APIView

from netbill.core.api import TenantViewSet
from netbill.core.views import BaseView
from netbill.tenancy.public import TenantPublicView

from .state import tenant_rows

__all__ = [
    "NOT_BASE_VIEWS",
    "PK_MODELS",
    "PUBLIC",
    "Route",
    "api_routes",
    "iter_routes",
    "panel_routes",
    "url_sets",
]

# Routes that are neither a BaseView nor a TenantViewSet.
NOT_BASE_VIEWS: dict[str, str] = {
    "home": "only redirects each user to the landing page of its role",
    "accounts:login": "the login form must be reachable without logging in",
    "accounts:logout": "ends the caller's own session; nothing to permit",
    "accounts:password_change": (
        "Django's view behind login_required; it changes only the caller's own password"
    ),
    "hijack:acquire": (
        "django-hijack (Get Access); HIJACK_PERMISSION_CHECK is "
        "accounts.impersonation.may_get_access, tested by the isolation crawler"
    ),
    "hijack:release": "django-hijack: returns to the caller's own account",
    "set_language": "Django's i18n view: stores the language in a cookie",
    "api:api-root": "DRF's router index: lists endpoint URLs, behind IsAuthenticated",
    "api-schema": "drf-spectacular: the OpenAPI schema (public, see PUBLIC)",
    "api-docs": "drf-spectacular: Swagger UI for the schema (public, see PUBLIC)",
    "portal:index": (
        "asks a customer for the ISP's code and redirects to that ISP's portal; it lists "
        "no ISP and reads nothing (public, see PUBLIC)"
    ),
}

# Routes that answer an anonymous visitor with something other than the login page,
# 401 or 403. Nothing in them belongs to a tenant.
PUBLIC: dict[str, str] = {
    "accounts:login": "the login form",
    "accounts:logout": "logging out without a session only sends you to the login page",
    "set_language": "the language switch works before login (the login page has it)",
    "api-schema": (
        "the OpenAPI schema describes endpoints and fields, the same for every ISP; the "
        "code is AGPL, so the API surface is public anyway; it holds no tenant data"
    ),
    "api-docs": "Swagger UI for the public schema; its data calls need a key like any other",
    "portal:index": "the customer portal's entry: type your ISP's code",
}

# Routes with a pk whose view has no `model` attribute.
PK_MODELS: dict[str, str] = {
    "accounts:platform_tenant": "tenancy.Tenant",
    "accounts:platform_tenant_toggle": "tenancy.Tenant",
    "accounts:api_key_revoke": "accounts.ApiKey",
}

# Values for keyword arguments other than pk.
FILLERS = {
    "format": "json",
    "isp": "alpha",
    "provider": "sandbox",
    "reference": "NB0000000000000",
    "signed": "not-a-link",
}


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    callback: object
    kwargs: tuple[str, ...]

    @property
    def view_class(self):
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)

    @property
    def actions(self) -> dict[str, str]:
        """method → viewset action; HEAD (DRF adds it next to GET) is left out."""
        actions = getattr(self.callback, "actions", None) or {}
        return {m: a for m, a in actions.items() if m not in ("head", "options")}

    @property
    def is_api(self) -> bool:
        cls = self.view_class
        return isinstance(cls, type) and issubclass(cls, APIView)

    @property
    def is_panel(self) -> bool:
        cls = self.view_class
        return isinstance(cls, type) and issubclass(cls, BaseView)

    @property
    def is_public(self) -> bool:
        """A public page of one ISP (customer portal, payment links, gateway callbacks):
        the ISP from the URL's slug, its own checks (tests/test_public_pages.py)."""
        cls = self.view_class
        return isinstance(cls, type) and issubclass(cls, TenantPublicView)

    @property
    def is_viewset(self) -> bool:
        cls = self.view_class
        return isinstance(cls, type) and issubclass(cls, TenantViewSet)

    @property
    def methods(self) -> tuple[str, ...]:
        """The HTTP methods worth trying: the viewset's, else GET and POST."""
        if self.actions:
            return tuple(self.actions)
        return ("get", "post")

    @property
    def pk_model(self):
        if "pk" not in self.kwargs:
            return None
        model = getattr(self.view_class, "model", None)
        if model is None and self.name in PK_MODELS:
            model = apps.get_model(PK_MODELS[self.name])
        if model is None:
            raise LookupError(f"{self.name}: add its model to crawl.PK_MODELS")
        return model


def _walk(patterns, prefix="", namespace="", groups=()):
    for pattern in patterns:
        names = tuple(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(
                pattern.url_patterns, prefix + str(pattern.pattern), ns, groups + names
            )
        elif isinstance(pattern, URLPattern):
            if not pattern.name:
                raise LookupError(f"{prefix}{pattern.pattern}: every URL needs a name")
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield Route(name, prefix + str(pattern.pattern), pattern.callback, groups + names)


def iter_routes() -> list[Route]:
    """Every URL pattern of the project (format-suffix variants included)."""
    return list(_walk(get_resolver().url_patterns))


def panel_routes(routes) -> list[Route]:
    return [r for r in routes if r.is_panel]


def api_routes(routes) -> list[Route]:
    return [r for r in routes if r.is_viewset]


def url_sets(route: Route, tenant) -> list[tuple[str, object]]:
    """(url, object) for every object of the route's model owned by `tenant`; one
    (url, None) for routes without a pk."""
    extra = {k: FILLERS[k] for k in route.kwargs if k != "pk"}
    unknown = set(route.kwargs) - {"pk"} - set(FILLERS)
    if unknown:
        raise LookupError(f"{route.name}: teach crawl.FILLERS about {sorted(unknown)}")
    model = route.pk_model
    if model is None:
        return [(reverse(route.name, kwargs=extra), None)]
    tenant_id = getattr(tenant, "pk", tenant)
    with scope(tenant=tenant_id):
        objects = list(tenant_rows(model, tenant_id).order_by("pk"))
    assert objects, f"{route.name}: {tenant} owns no {model._meta.label} to crawl with"
    return [(reverse(route.name, kwargs={"pk": o.pk, **extra}), o) for o in objects]
