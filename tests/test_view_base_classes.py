"""Every page is a BaseView and every endpoint a TenantViewSet (NetBox's pattern), so
the permission check and the tenant/subtree restriction cannot be forgotten. The few
exceptions are listed, with a reason, in `netbill.core.testing.crawl.NOT_BASE_VIEWS`."""

import importlib
import inspect
import pkgutil

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

import netbill
from netbill.core.api import CodePermission, TenantViewSet
from netbill.core.permissions import BY_CODE
from netbill.core.testing.crawl import NOT_BASE_VIEWS, iter_routes
from netbill.core.views import BaseView, RestrictedQuerysetMixin


def view_modules():
    """Every netbill module that holds views or viewsets."""
    names = []
    for info in pkgutil.walk_packages(netbill.__path__, "netbill."):
        leaf = info.name.rsplit(".", 1)[-1]
        if leaf == "views" or info.name.endswith(".api.views"):
            names.append(info.name)
    return [importlib.import_module(name) for name in names]


def project_subclasses(base):
    """All subclasses of `base` defined in netbill's own (non-test) modules."""
    view_modules()
    found, todo = set(), [base]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return {
        c
        for c in found
        if c.__module__.startswith("netbill.")
        and ".tests" not in c.__module__
        and ".testing" not in c.__module__
    }


def is_abstract(cls) -> bool:
    return bool(cls.__dict__.get("abstract"))


def test_every_route_is_guarded_by_a_base_class_or_allowlisted():
    unguarded = []
    for route in iter_routes():
        cls = route.view_class
        if route.name in NOT_BASE_VIEWS:
            continue
        if route.is_panel:
            # The callback is BaseView's guard around the view, not the bare view.
            assert route.callback.permission_required == cls.permission_required, route.name
            assert not is_abstract(cls), f"{route.name} routes an abstract view"
        elif route.is_viewset:
            assert CodePermission in cls.permission_classes, route.name
        elif route.is_public:
            # One ISP's public pages (tests/test_public_pages.py pins the list).
            assert route.name.startswith(("portal:", "payments_public:")), route.name
        else:
            unguarded.append(f"{route.name} → {cls or route.callback}")
    assert unguarded == [], "views that skip BaseView/TenantViewSet"


def test_the_allowlist_is_short_reviewed_and_current():
    routes = {r.name: r for r in iter_routes()}
    assert len(NOT_BASE_VIEWS) <= 12, "the allowlist is meant to stay short"
    for name, reason in NOT_BASE_VIEWS.items():
        assert name in routes, f"{name} is allowlisted but no longer exists"
        assert len(reason) > 20, f"{name}: give a real reason"
        route = routes[name]
        assert not (route.is_panel or route.is_viewset), f"{name} needs no allowlist entry"


def test_every_base_view_names_a_catalog_code():
    views = project_subclasses(BaseView)
    concrete = [v for v in views if not is_abstract(v)]
    assert len(concrete) >= 25  # the walk really found the project's pages
    for view in concrete:
        assert view.permission_required in BY_CODE, view
    routed = {r.view_class for r in iter_routes() if r.is_panel}
    assert routed <= set(concrete)


def test_every_tenant_viewset_maps_each_action_to_a_catalog_code():
    viewsets = project_subclasses(TenantViewSet)
    assert len(viewsets) >= 3
    for viewset in viewsets:
        assert viewset.permission_codes.get("*") in BY_CODE, viewset
        assert set(viewset.permission_codes.values()) <= set(BY_CODE), viewset
    for route in iter_routes():
        if not route.is_viewset:
            continue
        for method, action in route.actions.items():
            view = route.view_class()
            view.action = action
            if action == "create":
                continue  # the code depends on the posted data; the contracts try each kind
            assert view.required_code() in BY_CODE, f"{route.name} {method}"


#
# The base classes refuse what the rules forbid
#


def test_a_view_without_a_catalog_code_cannot_be_defined():
    with pytest.raises(ImproperlyConfigured):
        type("NoCodeView", (BaseView,), {"__module__": __name__})
    with pytest.raises(ImproperlyConfigured):
        type("BadCodeView", (BaseView,), {"__module__": __name__, "permission_required": "x.y"})


def test_a_viewset_cannot_drop_the_code_check():
    with pytest.raises(ImproperlyConfigured):
        type(
            "OpenViewSet",
            (TenantViewSet,),
            {
                "__module__": __name__,
                "permission_classes": [],
                "permission_codes": {"*": "users.view"},
            },
        )
    with pytest.raises(ImproperlyConfigured):
        type(
            "BadCodeViewSet",
            (TenantViewSet,),
            {"__module__": __name__, "permission_codes": {"*": "no.such.code"}},
        )


class _OverridingView(BaseView):
    """A page that overrides dispatch and get: the guard still runs first."""

    permission_required = "operators.view"

    def dispatch(self, request, *args, **kwargs):
        return HttpResponse("reached")

    def get(self, request, *args, **kwargs):
        return HttpResponse("reached")


@pytest.mark.django_db
def test_overriding_dispatch_does_not_skip_the_guard(isp):
    from netbill.core.testing.people import set_codes

    view = _OverridingView.as_view()
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    response = view(request)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    request.user = set_codes(isp.ga, revoke=["operators.view"])
    with pytest.raises(PermissionDenied):
        view(request)
    request.user = isp.ga
    assert view(request).content == b"reached"


def test_restricted_views_keep_restrict_when_they_narrow_the_queryset():
    # A subclass narrows with get_base_queryset; if it overrides get_queryset it must
    # start from super().get_queryset() (the restricted one), or restrict() is gone.
    views = project_subclasses(RestrictedQuerysetMixin) | project_subclasses(TenantViewSet)
    overriding = [v for v in views if "get_queryset" in v.__dict__]
    assert overriding, "the check found no override to look at"
    skipping = [
        v
        for v in overriding
        if "super().get_queryset()" not in inspect.getsource(v.get_queryset)
        and v.__name__ not in RESTRICT_EXCEPTIONS
    ]
    assert skipping == []


# Views whose get_queryset replaces restrict() on purpose.
RESTRICT_EXCEPTIONS = {
    "ApiKeyViewSet": "keys have no tenant column; the caller's own keys are the whole set",
}
