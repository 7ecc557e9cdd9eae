"""TenantScopeMiddleware: the scope comes from the authenticated user, never a parameter."""

import json

from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory
from django_scopes import get_scope

from netbill.core.context import Actor, current_actor
from netbill.core.middleware import TenantScopeMiddleware, impersonator_id
from netbill.tenancy.models import Tenant

rf = RequestFactory()


def run(user, path="/dashboard/?tenant=999", session=None, ip="198.51.100.7"):
    seen = {}

    def get_response(request):
        seen["scope"] = {k: v for k, v in get_scope().items() if k != "_enabled"}
        seen["enabled"] = get_scope().get("_enabled")
        seen["actor"] = current_actor()
        return HttpResponse("ok")

    request = rf.get(path, REMOTE_ADDR=ip)
    request.user = user
    request.session = session if session is not None else SessionStore()
    request._messages = FallbackStorage(request)
    response = TenantScopeMiddleware(get_response)(request)
    return response, seen


def test_a_tenant_user_runs_in_its_own_tenant_scope(isp, other_isp):
    response, seen = run(isp.user_x, path=f"/dashboard/?tenant={other_isp.tenant.pk}")
    assert response.content == b"ok"
    assert seen["scope"] == {"tenant": isp.tenant.pk}
    assert seen["enabled"] is True
    assert seen["actor"] == Actor(user_id=isp.user_x.pk, impersonator_id=None, ip="198.51.100.7")
    # The scope and the actor end with the request.
    assert get_scope() == {}
    assert current_actor() == Actor()


def test_anonymous_and_platform_admin_run_without_a_tenant(db, platform_admin):
    _response, seen = run(AnonymousUser())
    assert seen["scope"] == {}
    assert seen["actor"] == Actor(user_id=None, ip="198.51.100.7")
    _response, seen = run(platform_admin)
    assert seen["scope"] == {}
    assert seen["actor"] == Actor(user_id=platform_admin.pk, ip="198.51.100.7")


def test_get_access_puts_the_group_admin_on_the_actor(isp):
    session = SessionStore()
    session["hijack_history"] = [str(isp.ga.pk)]
    _response, seen = run(isp.user_x, session=session)
    assert seen["actor"] == Actor(isp.user_x.pk, isp.ga.pk, "198.51.100.7")


def test_impersonator_id():
    request = rf.get("/")
    assert impersonator_id(request) is None
    request.session = {"hijack_history": ["5", "9"]}
    assert impersonator_id(request) == 9
    request.session = {}
    assert impersonator_id(request) is None


def test_a_suspended_tenants_page_request_is_logged_out(isp):
    Tenant.objects.filter(pk=isp.tenant.pk).update(is_active=False)
    isp.user_x.tenant.refresh_from_db()
    response, seen = run(isp.user_x)
    assert seen == {}  # the view never ran
    assert response.status_code == 302
    assert response["Location"] == "/login/"


def test_a_suspended_tenants_api_request_is_refused(isp):
    Tenant.objects.filter(pk=isp.tenant.pk).update(is_active=False)
    isp.user_x.tenant.refresh_from_db()
    response, seen = run(isp.user_x, path="/api/v1/operators/")
    assert seen == {}
    assert response.status_code == 403
    assert json.loads(response.content) == {
        "detail": "This ISP account is suspended. Contact the platform administrator."
    }
