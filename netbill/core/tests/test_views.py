"""core.views: every panel view names a known permission code, and the check runs around
the whole view, so a subclass cannot skip it."""

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.views.generic import TemplateView

from conftest import in_scope
from netbill.accounts.models import Operator
from netbill.core.exceptions import BusinessRuleError
from netbill.core.views import (
    BaseView,
    ObjectActionView,
    ObjectView,
    add_service_error,
    object_or_404,
)

rf = RequestFactory()


def _get(view, user, path="/probe/", **kwargs):
    request = rf.get(path)
    request.user = user
    return view(request, **kwargs)


#
# Defining a view
#


def test_a_view_without_permission_required_is_refused_when_defined():
    with pytest.raises(ImproperlyConfigured, match="NoCode must set permission_required"):

        class NoCode(BaseView):
            pass


def test_a_view_with_an_empty_code_is_refused():
    with pytest.raises(ImproperlyConfigured, match="must set permission_required"):

        class EmptyCode(BaseView):
            permission_required = ""


def test_a_view_with_an_unknown_code_is_refused_when_defined():
    with pytest.raises(ImproperlyConfigured, match="unknown permission code 'customers.nuke'"):

        class Unknown(BaseView):
            permission_required = "customers.nuke"


def test_a_subclass_cannot_drop_its_parents_code():
    class Parent(BaseView):
        permission_required = "editCompany"

    with pytest.raises(ImproperlyConfigured):

        class Child(Parent):
            permission_required = None


def test_the_generic_views_check_their_subclasses_too():
    with pytest.raises(ImproperlyConfigured):

        class List(ObjectView):
            model = Operator


def test_only_an_explicitly_abstract_view_may_omit_the_code():
    class Abstract(BaseView):
        abstract = True

    # `abstract` is not inherited: the first concrete subclass must name its code.
    with pytest.raises(ImproperlyConfigured):

        class Concrete(Abstract):
            pass


#
# The check at request time
#


class Sneaky(BaseView):
    """Overrides dispatch and get: the check must still run first."""

    permission_required = "editCompany"

    def dispatch(self, request, *args, **kwargs):
        return HttpResponse("sneaked past")

    def get(self, request, *args, **kwargs):
        return HttpResponse("sneaked past")


class Page(BaseView, TemplateView):
    permission_required = "dashboard.view"


def test_overriding_dispatch_does_not_skip_the_check(isp):
    view = Sneaky.as_view()
    with pytest.raises(PermissionDenied):
        _get(view, isp.user_x)  # an operator has no editCompany
    response = _get(view, isp.ga)
    assert response.status_code == 200
    assert response.content == b"sneaked past"


def test_anonymous_is_sent_to_the_login_page(db):
    response = _get(Sneaky.as_view(), AnonymousUser(), path="/settings/x/?a=1")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/settings/x/%3Fa%3D1"


def test_an_inactive_user_is_denied(isp):
    isp.ga.is_active = False
    with pytest.raises(PermissionDenied):
        _get(Sneaky.as_view(), isp.ga)


def test_a_user_of_another_role_is_denied_with_403_through_the_stack(isp, client):
    client.force_login(isp.noc)
    response = client.get("/settings/company/")
    assert response.status_code == 403
    client.force_login(isp.manager_x)
    assert client.get("/operators/").status_code == 403


def test_the_wrapped_view_exposes_its_class_and_code():
    view = Sneaky.as_view()
    assert view.view_class is Sneaky
    assert view.permission_required == "editCompany"


def test_the_panel_follows_the_user_and_the_url(isp, client):
    client.force_login(isp.noc)
    assert client.get("/admin/noc/").context["panel"] == "noc"
    # A NOC user stays in its own panel on the other pages it may open.
    assert client.get("/operators/").status_code == 403
    with in_scope(isp.tenant):
        from netbill.accounts import services

        services.user_set_permissions(
            user=isp.noc, by=isp.ga, codes={"monitoring.view", "operators.view"}
        )
    assert client.get("/operators/").context["panel"] == "noc"
    client.force_login(isp.ga)
    assert client.get("/operators/").context["panel"] == "main"
    assert client.get("/admin/noc/").context["panel"] == "noc"


#
# Object views: out of reach is 404
#


class OperatorProbe(ObjectView):
    permission_required = "operators.view"
    model = Operator

    def get(self, request, *args, **kwargs):
        return HttpResponse(self.get_object().name)


def test_object_view_shows_an_object_in_reach(isp):
    with in_scope(isp.tenant):
        response = _get(OperatorProbe.as_view(), isp.user_x, pk=isp.sub_x1.pk)
    assert response.content == b"Alpha Net X1"


@pytest.mark.parametrize("target", ["op_y", "root"])
def test_object_view_answers_404_outside_the_subtree(isp, target):
    with in_scope(isp.tenant), pytest.raises(Http404):
        _get(OperatorProbe.as_view(), isp.user_x, pk=getattr(isp, target).pk)


def test_object_view_answers_404_for_another_tenants_object(isp, other_isp):
    # Even with the scope of the other tenant active, restrict() keeps to the user's own.
    with in_scope(other_isp.tenant), pytest.raises(Http404):
        _get(OperatorProbe.as_view(), isp.ga, pk=other_isp.op_x.pk)
    with in_scope(isp.tenant), pytest.raises(Http404):
        _get(OperatorProbe.as_view(), isp.ga, pk=other_isp.op_x.pk)


def test_object_view_needs_a_model(isp):
    class NoModel(ObjectView):
        permission_required = "operators.view"

        def get(self, request, *args, **kwargs):
            return HttpResponse(self.get_object().name)

    with in_scope(isp.tenant), pytest.raises(ImproperlyConfigured, match="needs a model"):
        _get(NoModel.as_view(), isp.ga, pk=isp.op_x.pk)


def test_action_view_accepts_post_only(isp):
    class Ping(ObjectActionView):
        permission_required = "operators.view"
        model = Operator

        def perform(self, obj):
            return None

    request = rf.get("/")
    request.user = isp.ga
    assert Ping.as_view()(request, pk=isp.op_x.pk).status_code == 405


def test_object_or_404(isp, other_isp):
    with in_scope(isp.tenant):
        qs = Operator.objects.all()
        assert object_or_404(qs, isp.user_x, "operators.view", pk=isp.sub_x1.pk) == isp.sub_x1
        with pytest.raises(Http404):
            object_or_404(qs, isp.user_x, "operators.view", pk=isp.op_y.pk)
        with pytest.raises(Http404):
            object_or_404(qs, isp.manager_x, "operators.view", pk=isp.op_x.pk)


#
# Service errors on forms
#


class _NameForm(forms.Form):
    name = forms.CharField()
    login = forms.CharField()


def test_add_service_error_puts_field_errors_on_their_fields():
    form = _NameForm(data={"name": "a", "login": "b"})
    assert form.is_valid()
    add_service_error(
        form,
        BusinessRuleError({"name": ["Taken."], "username": ["Bad."], "other": ["Hm."]}),
        {"username": "login"},
    )
    assert form.errors == {"name": ["Taken."], "login": ["Bad."], "__all__": ["Hm."]}


def test_add_service_error_without_fields_goes_on_top():
    form = _NameForm(data={"name": "a", "login": "b"})
    assert form.is_valid()
    add_service_error(form, BusinessRuleError("Not allowed."))
    assert form.errors == {"__all__": ["Not allowed."]}
