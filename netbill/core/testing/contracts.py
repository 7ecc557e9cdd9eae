"""NetBox-style contract tests: declare a page or endpoint, inherit its tests.

Every panel page and API endpoint is tried five ways:

anonymous            panel: redirect to the login page; API: 401. Nothing changes.
without_permission   the allowed user with `permission` switched off (or `denied`): 403.
with_permission      the allowed user: 200/302/201 and exactly the declared change.
other_subtree        a user who holds the code but whose operator subtree does not
                     contain the object: 404 (lists: sees only its own subtree).
other_tenant         the other ISP's user: 404 (lists: sees only its own rows). Nothing
                     changes in either ISP.

"Nothing changes" is `state.nothing_changes`: every row of every netbill table the ISP
owns is identical before and after, and no on-commit work (events, tasks) was queued.

A contract is a plain pytest class using the `client` and `isp` fixtures from the root
conftest (`other_isp` and `platform_admin` are fetched only by the tests that need them):

    class TestOperatorEdit(EditViewContract):
        url_name = "accounts:operator_edit"
        permission = "operators.edit"
        other_subtree_user = "user_y"

        def target(self, isp):
            return isp.op_x

        def form_data(self, isp): ...
        def expected(self, isp): ...

People are named by their attribute on the ISP namespace ("ga", "user_x", "sales"…),
by "platform_admin", or given as a callable `isp -> user`. A scenario that does not
apply must be declared in `not_applicable` with the reason; it is then not generated.
"""

import importlib
import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.db import models
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.html import escape
from django_scopes import scope

from netbill.core.models import AuditLog
from netbill.core.permissions import BY_CODE, can

from .people import api_token_for, fresh_user, set_codes
from .state import capture_events, model_values, nothing_changes

__all__ = [
    "body_text",
    "APIActionContract",
    "APICreateContract",
    "APIDetailContract",
    "APIListContract",
    "APIUpdateContract",
    "ActionViewContract",
    "CreateViewContract",
    "DetailViewContract",
    "EditViewContract",
    "ListViewContract",
    "PageContract",
    "REGISTRY",
    "assert_login_redirect",
    "import_contract_modules",
    "leak_markers",
]

REFUSALS = (403, 404)
SCENARIO_TESTS = {
    "anonymous": "test_anonymous",
    "without_permission": "test_without_permission",
    "other_subtree": "test_other_subtree",
    "other_tenant": "test_other_tenant",
}

# Every concrete contract (class name starting with "Test"), for the coverage tests.
REGISTRY: list[type] = []


def import_contract_modules(directory, package: str) -> list[type]:
    """REGISTRY once every `test_*contracts.py` module of `directory` (the Python package
    `package`) is imported: each area keeps its contracts in a module of its own, and a
    coverage test must see them all whichever file pytest was asked to run."""
    for path in sorted(Path(directory).glob("test_*contracts.py")):
        importlib.import_module(f"{package}.{path.stem}")
    return REGISTRY


#
# Helpers
#


def assert_login_redirect(response, url: str) -> None:
    assert response.status_code == 302, f"anonymous {url}: {response.status_code}, not 302"
    location = urlparse(response["Location"])
    assert location.path == resolve_url(settings.LOGIN_URL), response["Location"]
    assert parse_qs(location.query).get("next") == [url], response["Location"]


def leak_markers(isp) -> list[str]:
    """Strings that only `isp`'s data contains: its name and its users' mobiles."""
    User = type(isp.ga)  # noqa: N806
    mobiles = User._base_manager.filter(tenant=isp.tenant).exclude(mobile=None)
    return [isp.tenant.name, *mobiles.values_list("mobile", flat=True)]


def body_text(response) -> str:
    """What a response sends, as text: a page, or a streamed download (csv exports)."""
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
        # The crawler may read it again: keep what was read.
        response.streaming_content = [data]
        return data.decode(errors="replace")
    return response.content.decode(errors="replace")


def assert_no_leak(response, isp, what: str) -> None:
    body = body_text(response)
    found = [m for m in leak_markers(isp) if m and m in body]
    assert not found, f"{what}: the response shows {isp.tenant.name}'s data: {found}"


def _pks(objects) -> set:
    return {o.pk for o in objects}


def _normalise(values: dict) -> dict:
    return {k: (v.pk if isinstance(v, models.Model) else v) for k, v in values.items()}


def _reload(obj):
    return type(obj)._base_manager.get(pk=obj.pk)


def _tenant_id_of(obj):
    if obj is None:
        return None
    if obj._meta.label == "tenancy.Tenant":
        return obj.pk
    return getattr(obj, "tenant_id", None)


def _audit_ids(tenant_id, action) -> list[tuple[int, str]]:
    with scope(tenant=tenant_id):
        return list(
            AuditLog.objects.filter(tenant_id=tenant_id, action=action).values_list(
                "pk", "object_id"
            )
        )


def _form_errors(response) -> str:
    context = getattr(response, "context", None)
    form = context.get("form") if context is not None else None
    return form.errors.as_json() if form is not None else response.content[:2000]


#
# The base
#


class Contract:
    url_name: str = ""
    permission: str = ""
    allowed = "ga"
    denied = None  # default: the allowed user with `permission` switched off
    other_subtree_user = None
    other_tenant_user = "ga"
    # Scenario → why it does not apply. Required instead of a silent gap.
    not_applicable: dict[str, str] = {}
    api = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for scenario, reason in cls.not_applicable.items():
            if scenario not in SCENARIO_TESTS or not str(reason).strip():
                raise TypeError(f"{cls.__name__}.not_applicable[{scenario!r}] needs a reason.")
            setattr(cls, SCENARIO_TESTS[scenario], None)
        if cls.__name__.startswith("Test"):
            if cls.permission not in BY_CODE:
                raise TypeError(f"{cls.__name__}: unknown permission {cls.permission!r}.")
            REGISTRY.append(cls)

    # Declarations a contract overrides

    def target(self, isp):
        """The object the URL points at (None for list and create pages)."""
        return None

    def url_kwargs(self, target) -> dict:
        return {} if target is None else {"pk": target.pk}

    # Resolution

    def prepare(self, isp):
        """Extra rows this contract needs in an ISP (runs in its scope, once per ISP)."""

    def ready(self, isp):
        flag = f"_contract_prepared_{type(self).__name__}"
        if not getattr(isp, flag, False):
            setattr(isp, flag, True)
            with scope(tenant=isp.tenant.pk):
                self.prepare(isp)
        return isp

    def url_for(self, isp) -> str:
        self.ready(isp)
        return reverse(self.url_name, kwargs=self.url_kwargs(self.target(isp)))

    def person(self, spec, isp, request):
        if callable(spec):
            return fresh_user(spec(isp))
        if spec == "platform_admin":
            return request.getfixturevalue("platform_admin")
        return fresh_user(getattr(isp, spec))

    def allowed_user(self, isp, request):
        self.ready(isp)
        user = self.person(self.allowed, isp, request)
        assert can(user, self.permission), f"{user} should hold {self.permission}"
        target = self.target(isp)
        if _tenant_id_of(target) is not None and target._meta.label != "tenancy.Tenant":
            with scope(tenant=user.tenant_id):
                assert can(user, self.permission, target), f"{user} should reach {target}"
        return user

    def denied_user(self, isp, request):
        self.ready(isp)
        if self.denied is not None:
            user = self.person(self.denied, isp, request)
        else:
            user = set_codes(self.person(self.allowed, isp, request), revoke=[self.permission])
        assert not can(user, self.permission), f"{user} still holds {self.permission}"
        return user

    def outsider(self, isp, request):
        """A user who holds the code but not the target (another operator's subtree)."""
        if self.other_subtree_user is None:
            pytest.fail(
                f"{type(self).__name__}: set other_subtree_user, or declare "
                "not_applicable['other_subtree'] with the reason."
            )
        self.ready(isp)
        user = self.person(self.other_subtree_user, isp, request)
        if self.permission not in user.permission_codes:
            user = set_codes(user, grant=[self.permission])
        assert can(user, self.permission), f"{user} cannot be given {self.permission}"
        target = self.target(isp)
        if target is not None:
            with scope(tenant=isp.tenant.pk):
                assert not can(user, self.permission, target), f"{user} reaches {target}"
        return user

    def stranger(self, isp, request):
        """The other ISP (prepared like ours) and its user; ours is prepared first."""
        self.ready(isp)
        other_isp = self.ready(request.getfixturevalue("other_isp"))
        return other_isp, self.person(self.other_tenant_user, other_isp, request)

    # Requests

    def send(self, client, method, url, data=None, headers=None):
        if self.api:
            if method == "get":
                return client.get(url, headers=headers)
            body = json.dumps(data if data is not None else {})
            return getattr(client, method)(
                url, data=body, content_type="application/json", headers=headers
            )
        if method == "get":
            return client.get(url, headers=headers)
        return client.post(url, data or {}, headers=headers)

    def refuse(self, client, user, isp, methods, status, what, *, tenants=None, headers=None):
        """Send every method as `user`; each answers `status` and nothing changes."""
        if user is not None:
            client.force_login(user)
        url = self.url_for(isp)
        with nothing_changes(*(tenants or [isp.tenant]), what=what):
            for method in methods:
                response = self.send(client, method, url, self.data_for(method, isp), headers)
                if status == "login":
                    assert_login_redirect(response, url)
                else:
                    assert response.status_code == status, (
                        f"{what}: {method.upper()} {url} answered {response.status_code}, "
                        f"expected {status}: {_form_errors(response)}"
                    )

    def data_for(self, method, isp):
        return None


#
# Panel pages
#


class ViewContract(Contract):
    methods: tuple[str, ...] = ("get",)

    def form_data(self, isp) -> dict:
        return {}

    def data_for(self, method, isp):
        return self.form_data(isp) if method == "post" else None

    def test_anonymous(self, client, isp):
        self.refuse(client, None, isp, self.methods, "login", "anonymous")

    def test_without_permission(self, client, isp, request):
        user = self.denied_user(isp, request)
        self.refuse(client, user, isp, self.methods, 403, "without permission")


class ListViewContract(ViewContract):
    """A list page. `expected_rows(isp)` is exactly what the allowed user sees;
    `other_subtree_rows(isp)` what `other_subtree_user`, confined to its own subtree,
    sees; the other ISP's user sees exactly `expected_rows(other_isp)`."""

    other_tenant_status = 200

    def expected_rows(self, isp):
        raise NotImplementedError

    def other_subtree_rows(self, isp):
        raise NotImplementedError

    def listed(self, response) -> set:
        table = response.context["table"]
        return {row.record.pk for row in table.paginated_rows}

    def check_page(self, response, isp):
        """Extra checks on the allowed user's page."""

    def check_rows(self, client, user, isp, rows_isp, what, rows_of, headers=None):
        """GET the list as `user` (nothing changes) and compare with `rows_of(rows_isp)`."""
        url = self.url_for(isp)
        if user is not None:
            client.force_login(user)
        with nothing_changes(isp.tenant, what=what):
            response = client.get(url, headers=headers)
        assert response.status_code == 200, f"{what}: {response.status_code}"
        with scope(tenant=rows_isp.tenant.pk):
            listed = self.listed(response)
            wanted = _pks(rows_of(rows_isp))
        assert listed == wanted, f"{what}: listed {sorted(listed)}, expected {sorted(wanted)}"
        return response

    def test_with_permission(self, client, isp, request):
        user = self.allowed_user(isp, request)
        with scope(tenant=isp.tenant.pk):
            assert list(self.expected_rows(isp)), "a list contract needs an expected row"
        response = self.check_rows(client, user, isp, isp, "with permission", self.expected_rows)
        self.check_page(response, isp)

    def test_other_subtree(self, client, isp, request):
        user = self.subtree_person(isp, request)
        with scope(tenant=isp.tenant.pk):
            part, everything = _pks(self.other_subtree_rows(isp)), _pks(self.expected_rows(isp))
        assert everything - part, "the other subtree must miss some of the allowed rows"
        self.check_rows(client, user, isp, isp, "other subtree", self.other_subtree_rows)

    def subtree_person(self, isp, request):
        if self.other_subtree_user is None:
            pytest.fail(
                f"{type(self).__name__}: set other_subtree_user, or declare "
                "not_applicable['other_subtree'] with the reason."
            )
        self.ready(isp)
        user = self.person(self.other_subtree_user, isp, request)
        if self.permission not in user.permission_codes:
            user = set_codes(user, grant=[self.permission])
        assert can(user, self.permission)
        return user

    def test_other_tenant(self, client, isp, request):
        other_isp, user = self.stranger(isp, request)
        if self.other_tenant_status in REFUSALS:
            self.refuse(
                client,
                user,
                isp,
                self.methods,
                self.other_tenant_status,
                "other tenant",
                tenants=[isp.tenant, other_isp.tenant],
            )
            return
        response = self.check_rows(client, user, isp, other_isp, "other tenant", self.expected_rows)
        assert_no_leak(response, isp, "other tenant")


class PageContract(ViewContract):
    """A page that is neither a list nor one object (dashboards): `check_page(response,
    isp, user)` checks the figures the user must see; other subtrees and tenants see
    their own."""

    def check_page(self, response, isp, user):
        raise NotImplementedError

    def get_page(self, client, user, isp, what):
        url = self.url_for(isp)
        client.force_login(user)
        with nothing_changes(isp.tenant, what=what):
            response = client.get(url)
        assert response.status_code == 200, f"{what}: {response.status_code}"
        return response

    def test_with_permission(self, client, isp, request):
        user = self.allowed_user(isp, request)
        response = self.get_page(client, user, isp, "with permission")
        with scope(tenant=isp.tenant.pk):
            self.check_page(response, isp, user)

    def test_other_subtree(self, client, isp, request):
        user = ListViewContract.subtree_person(self, isp, request)
        response = self.get_page(client, user, isp, "other subtree")
        with scope(tenant=isp.tenant.pk):
            self.check_page(response, isp, user)

    def test_other_tenant(self, client, isp, request):
        other_isp, user = self.stranger(isp, request)
        response = self.get_page(client, user, isp, "other tenant")
        assert_no_leak(response, isp, "other tenant")
        with scope(tenant=other_isp.tenant.pk):
            self.check_page(response, other_isp, user)


class DetailViewContract(ViewContract):
    other_tenant_status = 404

    def check_page(self, response, isp):
        """Extra checks on the allowed user's page."""

    def test_with_permission(self, client, isp, request):
        user = self.allowed_user(isp, request)
        client.force_login(user)
        target = self.target(isp)
        with nothing_changes(isp.tenant, what="with permission"):
            response = client.get(self.url_for(isp))
        assert response.status_code == 200
        if response.context is not None and "object" in response.context:
            assert response.context["object"] == target
        assert escape(str(target)) in response.content.decode()
        self.check_page(response, isp)

    def test_other_subtree(self, client, isp, request):
        user = self.outsider(isp, request)
        self.refuse(client, user, isp, self.methods, 404, "other subtree")

    def test_other_tenant(self, client, isp, request):
        other_isp, user = self.stranger(isp, request)
        self.refuse(
            client,
            user,
            isp,
            self.methods,
            self.other_tenant_status,
            "other tenant",
            tenants=[isp.tenant, other_isp.tenant],
        )


class _WriteMixin:
    """The permitted write: status, exact values, one audit entry, the events."""

    success_status = 302
    audit_action: str | None = None
    events: tuple[str, ...] = ()

    def expected(self, isp) -> dict:
        """Field → value the written object must have afterwards (exactly)."""
        raise NotImplementedError

    def written_object(self, isp, target):
        """The object the write changed: by default the target, reloaded."""
        return _reload(target)

    def audit_object(self, isp, obj):
        """The object the audit entry names."""
        return obj

    def success_url(self, isp, obj) -> str | None:
        return None

    def after_write(self, isp, obj, response):
        """Extra checks after the permitted write (runs in the ISP's scope)."""

    def audit_tenant_id(self, isp, obj):
        return _tenant_id_of(obj) or isp.tenant.pk

    def audit_before(self, isp):
        return _audit_ids(isp.tenant.pk, self.audit_action) if self.audit_action else []

    def check_written(self, isp, obj, response, audit_before, seen):
        expected = _normalise(self.expected(isp))
        with scope(tenant=isp.tenant.pk):
            actual = model_values(obj, expected)
        assert actual == expected, f"after the write: {actual}, expected {expected}"
        if self.audit_action:
            audited = self.audit_object(isp, obj)
            tenant_id = self.audit_tenant_id(isp, audited)
            before = audit_before if tenant_id == isp.tenant.pk else []
            new = [e for e in _audit_ids(tenant_id, self.audit_action) if e not in before]
            assert [object_id for _pk, object_id in new] == [str(audited.pk)], (
                f"expected one {self.audit_action} audit entry for {audited!r}, got {new}"
            )
        assert [name for name, _payload in seen] == list(self.events), seen
        url = self.success_url(isp, obj)
        if url is not None:
            assert response.status_code == 302 and response["Location"] == url
        with scope(tenant=isp.tenant.pk):
            self.after_write(isp, obj, response)


class EditViewContract(_WriteMixin, ViewContract):
    """A form that changes `target(isp)`: GET shows it, POST `form_data` saves it."""

    methods = ("get", "post")
    other_tenant_status = 404

    def test_with_permission(self, client, isp, request):
        user = self.allowed_user(isp, request)
        client.force_login(user)
        url = self.url_for(isp)
        if "get" in self.methods:
            with nothing_changes(isp.tenant, what="GET with permission"):
                assert client.get(url).status_code == 200
        audit_before = self.audit_before(isp)
        with capture_events(self.events) as seen:
            response = self.send(client, "post", url, self.form_data(isp))
        assert response.status_code == self.success_status, _form_errors(response)
        obj = self.written_object(isp, self.target(isp))
        self.check_written(isp, obj, response, audit_before, seen)

    def test_other_subtree(self, client, isp, request):
        user = self.outsider(isp, request)
        self.refuse(client, user, isp, self.methods, 404, "other subtree")

    def test_other_tenant(self, client, isp, request):
        other_isp, user = self.stranger(isp, request)
        if self.other_tenant_status in REFUSALS:
            self.refuse(
                client,
                user,
                isp,
                self.methods,
                self.other_tenant_status,
                "other tenant",
                tenants=[isp.tenant, other_isp.tenant],
            )
            return
        # The page edits the caller's own tenant: the other ISP changes only itself.
        client.force_login(user)
        with nothing_changes(isp.tenant, what="other tenant", allow_on_commit=True):
            response = self.send(client, "post", self.url_for(isp), self.form_data(isp))
        assert response.status_code == self.other_tenant_status, _form_errors(response)


class ActionViewContract(EditViewContract):
    """A POST-only verb on `target(isp)`; GET answers 405."""

    methods = ("post",)

    def test_get_is_not_allowed(self, client, isp, request):
        client.force_login(self.allowed_user(isp, request))
        with nothing_changes(isp.tenant, what="GET on a POST-only page"):
            assert client.get(self.url_for(isp)).status_code == 405


class CreateViewContract(_WriteMixin, ViewContract):
    """A form that creates a `model` row. `target(isp)`, if any, is the node the new row
    hangs under (a parent, an operator): an outsider or the other ISP naming it gets
    `refused_status` (a form error) and nothing is created anywhere."""

    methods = ("get", "post")
    model = None
    refused_status = 200
    other_tenant_status = None  # default: refused_status with a target, else success_status

    def created_lookup(self, isp) -> dict:
        raise NotImplementedError

    def url_kwargs(self, target) -> dict:
        return {}

    def create_data(self, isp):
        return self.form_data(isp)

    def find_created(self, isp, tenant):
        manager = self.model._base_manager
        lookup = self.created_lookup(isp)
        label = self.model._meta.label
        with scope(tenant=tenant.pk):
            if label == "tenancy.Tenant":
                return list(manager.filter(**lookup))
            if label == "accounts.ApiKey":
                return list(manager.filter(user__tenant=tenant, **lookup))
            return list(manager.filter(tenant=tenant, **lookup))

    def check_refused_form(self, response, what):
        if self.refused_status == 200 and not self.api:
            form = response.context["form"]
            assert form.errors, f"{what}: 200 without a form error"

    def test_with_permission(self, client, isp, request):
        user = self.allowed_user(isp, request)
        client.force_login(user)
        url = self.url_for(isp)
        if "get" in self.methods:
            with nothing_changes(isp.tenant, what="GET with permission"):
                assert client.get(url).status_code == 200
        assert self.find_created(isp, isp.tenant) == [], "the row exists before the POST"
        audit_before = self.audit_before(isp)
        with capture_events(self.events) as seen:
            response = self.send(client, "post", url, self.create_data(isp))
        assert response.status_code == self.success_status, _form_errors(response)
        created = self.find_created(isp, isp.tenant)
        assert len(created) == 1, f"expected one new row, found {created}"
        self.check_written(isp, created[0], response, audit_before, seen)

    def test_other_subtree(self, client, isp, request):
        self.ready(isp)
        if self.target(isp) is None:
            pytest.fail(
                f"{type(self).__name__}: without a target there is no subtree to cross; "
                "declare not_applicable['other_subtree'] with the reason."
            )
        user = self.outsider(isp, request)
        client.force_login(user)
        with nothing_changes(isp.tenant, what="other subtree"):
            response = self.send(client, "post", self.url_for(isp), self.create_data(isp))
        assert response.status_code == self.refused_status, _form_errors(response)
        self.check_refused_form(response, "other subtree")

    def test_other_tenant(self, client, isp, request):
        other_isp, user = self.stranger(isp, request)
        client.force_login(user)
        self.ready(isp)
        has_target = self.target(isp) is not None
        status = self.other_tenant_status or (
            self.refused_status if has_target else self.success_status
        )
        url = self.url_for(isp)
        if status in REFUSALS or has_target:
            # Refused, or the other ISP named one of ours: nothing happens anywhere.
            with nothing_changes(isp.tenant, other_isp.tenant, what="other tenant"):
                response = self.send(client, "post", url, self.create_data(isp))
            assert response.status_code == status, _form_errors(response)
            if status == self.refused_status:
                self.check_refused_form(response, "other tenant")
            return
        # A plain create: the other ISP creates in its own tenant, never in ours.
        with nothing_changes(isp.tenant, what="other tenant", allow_on_commit=True):
            response = self.send(client, "post", url, self.create_data(isp))
        assert response.status_code == status, _form_errors(response)
        assert len(self.find_created(isp, other_isp.tenant)) == 1


#
# API endpoints
#


class APIContract(Contract):
    api = True
    method = "get"
    anonymous_status = 401

    @property
    def methods(self):
        return (self.method,)

    def api_data(self, isp):
        return None

    def data_for(self, method, isp):
        return self.api_data(isp)

    def test_anonymous(self, client, isp):
        self.refuse(client, None, isp, self.methods, self.anonymous_status, "anonymous")

    def test_without_permission(self, client, isp, request):
        user = self.denied_user(isp, request)
        self.refuse(client, user, isp, self.methods, 403, "without permission")

    def refuse_other_tenant(self, client, isp, request, status):
        """Refused both with a session and with an API key of the other ISP's user."""
        other_isp, user = self.stranger(isp, request)
        self.refuse(
            client,
            user,
            isp,
            self.methods,
            status,
            "other tenant (session)",
            tenants=[isp.tenant, other_isp.tenant],
        )
        client.logout()
        headers = {"Authorization": f"Api-Key {api_token_for(user)}"}
        # The key's last_used_at moves: compare our ISP only.
        self.refuse(
            client, None, isp, self.methods, status, "other tenant (API key)", headers=headers
        )


class APIListContract(APIContract):
    expected_rows = ListViewContract.expected_rows
    other_subtree_rows = ListViewContract.other_subtree_rows
    subtree_person = ListViewContract.subtree_person
    check_rows = ListViewContract.check_rows

    def listed(self, response) -> set:
        data = response.json()
        assert data["next"] is None, "the contract expects one page"
        return {item["id"] for item in data["results"]}

    def check_page(self, response, isp):
        """Extra checks on the allowed user's answer."""

    test_with_permission = ListViewContract.test_with_permission
    test_other_subtree = ListViewContract.test_other_subtree

    def test_other_tenant(self, client, isp, request):
        other_isp, user = self.stranger(isp, request)
        response = self.check_rows(
            client, user, isp, other_isp, "other tenant (session)", self.expected_rows
        )
        assert_no_leak(response, isp, "other tenant (session)")
        client.logout()
        headers = {"Authorization": f"Api-Key {api_token_for(user)}"}
        response = self.check_rows(
            client, None, isp, other_isp, "other tenant (API key)", self.expected_rows, headers
        )
        assert_no_leak(response, isp, "other tenant (API key)")


class APIDetailContract(APIContract):
    def expected_data(self, isp) -> dict:
        """Keys of the answer that must have exactly these values."""
        return {}

    def check_page(self, response, isp):
        """Extra checks on the allowed user's answer."""

    def test_with_permission(self, client, isp, request):
        client.force_login(self.allowed_user(isp, request))
        with nothing_changes(isp.tenant, what="with permission"):
            response = client.get(self.url_for(isp))
        assert response.status_code == 200
        data = response.json()
        assert data["id"] == self.target(isp).pk
        expected = self.expected_data(isp)
        assert {k: data.get(k) for k in expected} == expected
        self.check_page(response, isp)

    def test_other_subtree(self, client, isp, request):
        self.refuse(client, self.outsider(isp, request), isp, self.methods, 404, "other subtree")

    def test_other_tenant(self, client, isp, request):
        self.refuse_other_tenant(client, isp, request, 404)


class APIUpdateContract(_WriteMixin, APIContract):
    """PUT/PATCH `api_update_data(isp)` on `target(isp)`."""

    method = "patch"
    success_status = 200

    def api_update_data(self, isp) -> dict:
        raise NotImplementedError

    def api_data(self, isp):
        return self.api_update_data(isp)

    def test_with_permission(self, client, isp, request):
        client.force_login(self.allowed_user(isp, request))
        audit_before = self.audit_before(isp)
        with capture_events(self.events) as seen:
            response = self.send(client, self.method, self.url_for(isp), self.api_data(isp))
        assert response.status_code == self.success_status, response.content[:2000]
        obj = self.written_object(isp, self.target(isp))
        self.check_written(isp, obj, response, audit_before, seen)

    def test_other_subtree(self, client, isp, request):
        self.refuse(client, self.outsider(isp, request), isp, self.methods, 404, "other subtree")

    def test_other_tenant(self, client, isp, request):
        self.refuse_other_tenant(client, isp, request, 404)


class APIActionContract(APIUpdateContract):
    """A POST verb on one object (`@action(detail=True)`)."""

    method = "post"

    def api_update_data(self, isp):
        return {}


class APICreateContract(CreateViewContract):
    """POST `api_create_data(isp)` to a list endpoint: 201, or 400 when it names an
    object beyond the caller's reach."""

    api = True
    method = "post"
    methods = ("post",)
    success_status = 201
    refused_status = 400
    anonymous_status = 401

    def api_create_data(self, isp) -> dict:
        raise NotImplementedError

    def create_data(self, isp):
        return self.api_create_data(isp)

    def data_for(self, method, isp):
        return self.api_create_data(isp)

    test_anonymous = APIContract.test_anonymous
    test_without_permission = APIContract.test_without_permission

    def after_write(self, isp, obj, response):
        assert response.json()["id"] == obj.pk
