"""Tenant scoping cannot be forgotten (STYLE.md, "Tenant scoping that cannot be forgotten").

1. Every model is tenant-owned or on the reviewed allowlist `core.GLOBAL_MODELS`.
2. Every tenant-owned model's default manager refuses to run outside a scope and
   filters to exactly one tenant inside one.
3. A scope is entered (or bypassed) only in reviewed places of the source tree.
"""

import ast
from collections import Counter
from pathlib import Path

import pytest
from django.apps import apps
from django_scopes import ScopeError, scope, scopes_disabled

from conftest import in_scope
from netbill.accounts.models import Operator
from netbill.core import GLOBAL_MODELS
from netbill.core.audit import audit_record
from netbill.core.models import AuditLog, TenantOwnedModel

SOURCE = Path(__file__).resolve().parents[2]  # the `netbill` package


def tenant_owned_models():
    return [m for m in apps.get_models() if issubclass(m, TenantOwnedModel)]


#
# Every model is tenant-owned or reviewed
#


def test_every_model_is_tenant_owned_or_on_the_reviewed_allowlist():
    unreviewed = sorted(
        m._meta.label_lower
        for m in apps.get_models()
        if not issubclass(m, TenantOwnedModel) and m._meta.label_lower not in GLOBAL_MODELS
    )
    assert unreviewed == [], (
        "These models are neither TenantOwnedModel nor in netbill.core.GLOBAL_MODELS; "
        "make them tenant-owned or add them to the allowlist with a reason (reviewed in PRs)."
    )


def test_allowlist_has_no_stale_entries():
    installed = {m._meta.label_lower for m in apps.get_models()}
    assert sorted(set(GLOBAL_MODELS) - installed) == []


def test_allowlist_holds_no_tenant_owned_model():
    owned = {m._meta.label_lower for m in tenant_owned_models()}
    assert sorted(owned & set(GLOBAL_MODELS)) == []


def test_every_allowlist_entry_says_why():
    assert [label for label, why in GLOBAL_MODELS.items() if len(why.strip()) < 10] == []


def test_the_tenant_owned_models_known_today():
    # A guard on the guard: if this list shrank, a model lost its scoping.
    assert {m._meta.label_lower for m in tenant_owned_models()} >= {
        "core.auditlog",
        "accounts.operator",
        "accounts.permissionoverride",
        "accounts.salesnote",
    }


@pytest.mark.parametrize("model", tenant_owned_models(), ids=lambda m: m._meta.label_lower)
def test_tenant_field_is_a_non_null_indexed_foreign_key_to_the_tenant(model):
    field = model._meta.get_field("tenant")
    assert field.null is False
    assert field.db_index is True
    assert field.related_model._meta.label_lower == "tenancy.tenant"


#
# Scoped managers
#


@pytest.mark.parametrize("model", tenant_owned_models(), ids=lambda m: m._meta.label_lower)
def test_default_manager_refuses_to_query_outside_a_scope(db, model):
    manager = model._default_manager
    with pytest.raises(ScopeError):
        list(manager.all())
    with pytest.raises(ScopeError):
        manager.filter(pk=1)
    with pytest.raises(ScopeError):
        manager.count()


@pytest.mark.parametrize("model", tenant_owned_models(), ids=lambda m: m._meta.label_lower)
def test_default_manager_filters_to_the_scoped_tenant(isp, other_isp, model):
    with in_scope(isp.tenant):
        in_alpha = list(model._default_manager.values_list("tenant_id", flat=True))
    with in_scope(other_isp.tenant):
        in_beta = list(model._default_manager.values_list("tenant_id", flat=True))
    base = model._base_manager
    assert len(in_alpha) == base.filter(tenant=isp.tenant).count()
    assert len(in_beta) == base.filter(tenant=other_isp.tenant).count()
    assert set(in_alpha) <= {isp.tenant.pk}
    assert set(in_beta) <= {other_isp.tenant.pk}


def test_operators_of_two_tenants_are_split_by_the_scope(isp, other_isp):
    with in_scope(isp.tenant):
        alpha = sorted(Operator.objects.values_list("name", flat=True))
    with in_scope(other_isp.tenant):
        beta = sorted(Operator.objects.values_list("name", flat=True))
    assert alpha == ["Alpha Net", "Alpha Net X", "Alpha Net X1", "Alpha Net Y"]
    assert beta == ["Beta Net", "Beta Net X", "Beta Net X1", "Beta Net Y"]
    # Inside Alpha's scope, Beta's operator does not exist, even by primary key.
    with in_scope(isp.tenant), pytest.raises(Operator.DoesNotExist):
        Operator.objects.get(pk=other_isp.op_x.pk)


def test_audit_log_of_two_tenants_is_split_by_the_scope(isp, other_isp):
    with in_scope(isp.tenant):
        audit_record(tenant=isp.tenant, actor=isp.ga, action="test.alpha")
    with in_scope(other_isp.tenant):
        audit_record(tenant=other_isp.tenant, actor=other_isp.ga, action="test.beta")
    with in_scope(isp.tenant):
        alpha = set(AuditLog.objects.values_list("action", flat=True))
        alpha_count = AuditLog.objects.count()
    with in_scope(other_isp.tenant):
        beta = set(AuditLog.objects.values_list("action", flat=True))
    assert "test.alpha" in alpha and "test.beta" not in alpha
    assert "test.beta" in beta and "test.alpha" not in beta
    assert alpha_count == AuditLog._base_manager.filter(tenant=isp.tenant).count()
    with scopes_disabled():
        assert AuditLog.objects.filter(action__startswith="test.").count() == 2


def test_scope_ends_with_its_block(isp):
    with in_scope(isp.tenant):
        assert Operator.objects.count() == 4
    with pytest.raises(ScopeError):
        Operator.objects.count()


def test_a_scope_for_a_missing_tenant_sees_nothing(isp):
    with scope(tenant=10**9):
        assert Operator.objects.count() == 0


#
# Where a scope is entered or bypassed
#

# Calls that enter a scope or step around it.
SCOPE_CALLS = {"scope", "scopes_disabled", "with_scope", "with_scopes_disabled"}

# The reviewed places: (file, enclosing function, call) → number of occurrences.
# STYLE.md allows four: the web/API middleware, TenantTask, the RADIUS/NAS path and
# management commands. Anything else needs a comment saying why and a review here.
REVIEWED_SCOPE_ENTRIES = Counter(
    {
        ("core/middleware.py", "TenantScopeMiddleware.__call__", "scope"): 1,
        ("core/tasks.py", "TenantTask.__call__", "scope"): 1,
        ("demo/management/commands/seed_demo.py", "Command._seed", "scope"): 2,
        # The demo's first router status check runs after the seeding transaction.
        ("demo/management/commands/seed_demo.py", "_check_offline_router", "scope"): 1,
        # tenant_onboard runs before any scope exists (platform admin or CLI): it enters
        # the scope of the tenant it has just created, and says so in a comment.
        ("accounts/services.py", "tenant_onboard", "scope"): 1,
        # Public pages of one ISP (customer portal, payment links, gateway callbacks):
        # the tenant comes from the URL's slug only (tenancy/public.py).
        ("tenancy/public.py", "TenantPublicView.dispatch", "scope"): 1,
        # A management command (`--tenant`, or each tenant in turn).
        ("radius/management/commands/radius_sync_nas.py", "Command.handle", "scope"): 1,
        ("customers/management/commands/radius_rebuild.py", "Command.handle", "scope"): 1,
    }
)

# `_base_manager` ignores the scope. Reviewed uses: each names its tenant itself or
# reads a global model.
REVIEWED_BASE_MANAGER = Counter(
    {
        ("accounts/models.py", "User.permission_codes"): 1,
        ("accounts/backends.py", "inactive_node_above"): 1,
        ("core/audit.py", "_impersonator"): 1,
        # VPN tunnel addresses are one platform-wide namespace (one server for every
        # ISP): allocation must see every ISP's addresses, and the server's
        # configuration lists every ISP's routers (platform level only).
        ("network/queries.py", "vpn_tunnel_addresses_taken"): 1,
        ("network/queries.py", "vpn_peers"): 1,
    }
)

# Outside the four places, a scope entry must carry a comment just above it.
NEEDS_COMMENT = {"accounts/services.py", "tenancy/public.py"}


def _source_files():
    for path in sorted(SOURCE.rglob("*.py")):
        rel = path.relative_to(SOURCE).as_posix()
        parts = rel.split("/")
        if "tests" in parts or rel.startswith("core/testing/"):
            continue
        yield rel, path


class _Finder(ast.NodeVisitor):
    def __init__(self):
        self.stack: list[str] = []
        self.calls: list[tuple[str, str, int]] = []
        self.base_managers: list[tuple[str, int]] = []
        self.aliases: list[tuple[str, int]] = []

    def _named(self, node):
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _named  # noqa: N815

    def visit_Call(self, node):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in SCOPE_CALLS:
            self.calls.append((".".join(self.stack), name, node.lineno))
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr == "_base_manager":
            self.base_managers.append((".".join(self.stack), node.lineno))
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        if (node.module or "").startswith("django_scopes"):
            for alias in node.names:
                # A renamed import (or the state module) would hide a scope entry from
                # this test.
                if alias.asname or node.module != "django_scopes":
                    self.aliases.append((alias.name, node.lineno))
        self.generic_visit(node)


def _scan():
    entries, base_managers, aliases, lines = Counter(), Counter(), [], {}
    for rel, path in _source_files():
        text = path.read_text()
        finder = _Finder()
        finder.visit(ast.parse(text, filename=rel))
        for where, name, lineno in finder.calls:
            entries[(rel, where, name)] += 1
            lines.setdefault(rel, []).append(lineno)
        for where, _lineno in finder.base_managers:
            base_managers[(rel, where)] += 1
        aliases += [(rel, name, lineno) for name, lineno in finder.aliases]
    return entries, base_managers, aliases, lines


def test_scope_is_entered_only_in_reviewed_places():
    entries, _base, _aliases, _lines = _scan()
    assert dict(entries) == dict(REVIEWED_SCOPE_ENTRIES), (
        "A tenant scope is entered (or disabled) somewhere new, or a reviewed place went "
        "away. Scopes are entered in the middleware, TenantTask, the RADIUS path and "
        "management commands only (STYLE.md); review the change and update this list."
    )


def test_base_manager_is_used_only_in_reviewed_places():
    _entries, base_managers, _aliases, _lines = _scan()
    assert dict(base_managers) == dict(REVIEWED_BASE_MANAGER)


def test_django_scopes_is_never_imported_under_another_name():
    _entries, _base, aliases, _lines = _scan()
    assert aliases == []


def test_scope_entries_outside_the_four_places_carry_a_comment():
    _entries, _base, _aliases, lines = _scan()
    missing = []
    for rel in NEEDS_COMMENT:
        text = (SOURCE / rel).read_text().splitlines()
        for lineno in lines.get(rel, []):
            above = text[max(0, lineno - 4) : lineno - 1]
            if not any(line.strip().startswith("#") for line in above):
                missing.append(f"{rel}:{lineno}")
    assert missing == []


def test_the_scanner_finds_every_form_of_scope_entry():
    # The scanner itself must not miss a call written another way.
    sample = (
        "import django_scopes\n"
        "from django_scopes import scope as s\n"
        "class A:\n"
        "    def f(self):\n"
        "        with django_scopes.scope(tenant=1): pass\n"
        "        with scopes_disabled(): pass\n"
        "        M.objects.with_scopes_disabled().all()\n"
        "        M._base_manager.all()\n"
    )
    finder = _Finder()
    finder.visit(ast.parse(sample))
    assert finder.calls == [
        ("A.f", "scope", 5),
        ("A.f", "scopes_disabled", 6),
        ("A.f", "with_scopes_disabled", 7),
    ]
    assert finder.base_managers == [("A.f", 8)]
    assert finder.aliases == [("scope", 2)]
