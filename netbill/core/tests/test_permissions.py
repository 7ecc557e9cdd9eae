"""core.permissions: can(), in_reach() and restrict() across tenants and subtrees."""

from itertools import count

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import in_scope
from netbill.accounts.choices import OperatorKindChoices as Kind
from netbill.accounts.choices import UserRoleChoices as Role
from netbill.accounts.models import Operator, User
from netbill.core.audit import audit_record
from netbill.core.models import AuditLog
from netbill.core.permissions import (
    ALL_CODES,
    BY_CODE,
    CATALOG,
    FINANCIAL_CODES,
    TENANT_CODES,
    can,
    in_reach,
    is_financial,
    path_of,
    restrict,
)
from netbill.tenancy.models import Tenant

#
# The catalog
#


def test_catalog_codes_are_unique():
    codes = [p.code for p in CATALOG]
    assert len(codes) == len(set(codes)) == len(ALL_CODES)


def test_financial_codes():
    assert {
        "reports.financial",
        "operators.balance",
        "operators.credit_limit",
        "bills.view",
        "bills.edit",
        "payments.view",
        "payments.receive",
        "bills.runs",
        "billing.settings",
        "accounting.view",
        "cards.view",
        "cards.sell",
        "cards.manage",
        "payments.reverse",
        "payments.verify",
        "payment_links.send",
        "gateways.manage",
        # Packages carry master, operator and customer prices.
        "packages.view",
        "packages.manage",
        # A customer's own price.
        "customers.custom_price",
    } == FINANCIAL_CODES
    assert is_financial("bills.view") is True
    assert is_financial("customers.view") is False


def test_tenant_codes_are_all_but_the_platform_code():
    assert {"platform.manage"} == ALL_CODES - TENANT_CODES
    assert BY_CODE["editCompany"].code == "editCompany"


#
# can()
#


def test_can_refuses_anonymous(db):
    assert can(AnonymousUser(), "dashboard.view") is False
    assert can(None, "dashboard.view") is False


def test_can_refuses_an_inactive_user_even_with_the_code(isp, fresh):
    ga = fresh(isp.ga)
    assert can(ga, "editCompany") is True
    User.objects.filter(pk=ga.pk).update(is_active=False)
    ga = fresh(ga)
    assert can(ga, "editCompany") is False
    assert ga.permission_codes == frozenset()


def test_can_refuses_an_inactive_user_whose_codes_are_cached(isp):
    ga = isp.ga
    assert can(ga, "editCompany") is True  # caches permission_codes on the instance
    ga.is_active = False
    assert can(ga, "editCompany") is False


@pytest.mark.parametrize("user", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_can_raises_for_an_unknown_code_whoever_asks(db, user):
    with pytest.raises(KeyError, match="no.such.code"):
        can(user, "no.such.code")


def test_can_raises_for_an_unknown_code_for_a_real_user(isp):
    with pytest.raises(KeyError, match="'customers.delete_all'"):
        can(isp.ga, "customers.delete_all")


def test_can_follows_the_users_codes(isp):
    assert can(isp.ga, "editCompany") is True
    assert can(isp.user_x, "editCompany") is False
    assert can(isp.user_x, "operators.view") is True
    assert can(isp.manager_x, "operators.view") is False
    assert can(isp.noc, "reports.financial") is False
    assert can(isp.ga, "platform.manage") is False


def test_can_with_an_object_needs_the_code_and_the_reach(isp):
    # X reaches its sub-operator, but a manager of X has no operators.view at all.
    assert can(isp.user_x, "operators.view", isp.sub_x1) is True
    assert can(isp.manager_x, "operators.view", isp.sub_x1) is False
    # The code alone is not enough outside the subtree.
    assert can(isp.user_x, "operators.view", isp.op_y) is False


def test_platform_admin_reaches_no_tenant_object(isp, platform_admin):
    assert can(platform_admin, "platform.manage") is True
    assert can(platform_admin, "operators.view") is False
    assert in_reach(platform_admin, isp.op_x) is False
    assert in_reach(platform_admin, isp.tenant) is False


#
# in_reach()
#


def test_path_of(isp):
    assert path_of(isp.op_x) == isp.op_x.path == f"{isp.root.path}{isp.op_x.pk}/"
    assert path_of(isp.manager_x) == isp.op_x.path  # through operator__path
    assert path_of(isp.tenant) is None


def test_in_reach_within_a_tenant(isp):
    ga, x, x1 = isp.ga, isp.user_x, isp.user_x1
    assert in_reach(ga, isp.root) is True
    assert in_reach(ga, isp.op_y) is True
    assert in_reach(ga, isp.sub_x1) is True
    # An operator reaches itself and its subtree, nothing sideways or above.
    assert in_reach(x, isp.op_x) is True
    assert in_reach(x, isp.sub_x1) is True
    assert in_reach(x, isp.op_y) is False
    assert in_reach(x, isp.root) is False
    # A sub-operator reaches only itself.
    assert in_reach(x1, isp.sub_x1) is True
    assert in_reach(x1, isp.op_x) is False
    # Users are reached through their operator node.
    assert in_reach(x, isp.manager_x) is True
    assert in_reach(x, isp.cards) is True
    assert in_reach(x, isp.manager_y) is False
    assert in_reach(x, isp.noc) is False  # the NOC user hangs at the root
    assert in_reach(x, isp.ga) is False


def test_in_reach_never_crosses_tenants(isp, other_isp):
    assert in_reach(isp.ga, other_isp.root) is False
    assert in_reach(isp.ga, other_isp.op_x) is False
    assert in_reach(isp.ga, other_isp.manager_x) is False
    assert in_reach(other_isp.ga, isp.sub_x1) is False
    assert in_reach(isp.user_x, other_isp.op_x) is False


def test_in_reach_for_tenant_wide_objects(isp, other_isp):
    with in_scope(isp.tenant):
        entry = audit_record(tenant=isp.tenant, actor=isp.ga, action="test.entry")
    # AuditLog has no owner node: the whole tenant reaches it, no other tenant does.
    assert AuditLog.reach_field is None
    assert in_reach(isp.user_x1, entry) is True
    assert in_reach(other_isp.ga, entry) is False


def test_in_reach_refuses_a_user_without_an_operator_node(isp):
    stray = User(tenant=isp.tenant, role=Role.MANAGER, username="stray", is_active=True)
    assert stray.reach_path is None
    assert in_reach(stray, isp.op_x) is False
    assert in_reach(stray, isp.root) is False


#
# restrict()
#


def _names(qs):
    return sorted(qs.values_list("name", flat=True))


def test_restrict_without_the_code_is_empty(isp):
    with in_scope(isp.tenant):
        qs = restrict(Operator.objects.all(), isp.manager_x, "operators.view")
        assert qs.query.is_empty()
        assert list(qs) == []


def test_restrict_for_anonymous_is_empty(isp):
    with in_scope(isp.tenant):
        assert list(restrict(Operator.objects.all(), AnonymousUser(), "operators.view")) == []


def test_restrict_unknown_code_raises(isp):
    with in_scope(isp.tenant), pytest.raises(KeyError):
        restrict(Operator.objects.all(), isp.ga, "operators.nuke")


def test_restrict_to_the_users_subtree(isp):
    with in_scope(isp.tenant):
        everything = Operator.objects.all()
        assert _names(restrict(everything, isp.ga, "operators.view")) == [
            "Alpha Net",
            "Alpha Net X",
            "Alpha Net X1",
            "Alpha Net Y",
        ]
        assert _names(restrict(everything, isp.user_x, "operators.view")) == [
            "Alpha Net X",
            "Alpha Net X1",
        ]
        assert _names(restrict(everything, isp.user_y, "operators.view")) == ["Alpha Net Y"]


def test_restrict_filters_the_tenant_itself_even_without_a_scope(isp, other_isp):
    # A view that forgot the scope would still only see its own tenant.
    with scopes_disabled():
        everything = Operator.objects.all()
        assert everything.count() == 8
        assert _names(restrict(everything, other_isp.ga, "operators.view")) == [
            "Beta Net",
            "Beta Net X",
            "Beta Net X1",
            "Beta Net Y",
        ]
        users = restrict(User.objects.all(), isp.user_x, "users.view")
        assert sorted(users.values_list("username", flat=True)) == [
            "a-cards",
            "a-mgrx",
            "a-opx",
            "a-subx1",
        ]


def test_restrict_tenant_wide_model(isp, other_isp):
    with scopes_disabled():
        qs = restrict(AuditLog.objects.all(), isp.user_x, "activity_log.view")
        assert set(qs.values_list("tenant_id", flat=True)) == {isp.tenant.pk}
        assert qs.count() == AuditLog.objects.filter(tenant=isp.tenant).count()


def test_restrict_for_a_user_without_an_operator_node_is_empty(isp):
    stray = User(tenant=isp.tenant, role=Role.GROUP_ADMIN, username="stray", is_active=True)
    stray.pk = 10**9  # pretend it was saved; it has no operator
    with in_scope(isp.tenant):
        assert list(restrict(Operator.objects.all(), stray, "operators.view")) == []


#
# Property: restrict() is exactly "my subtree, in my tenant"
#

_seq = count()

# A forest for two tenants: node i > 0 hangs below a node drawn from 0..i-1.
_tree = st.integers(min_value=1, max_value=12).flatmap(
    lambda n: st.tuples(*[st.just(None)] + [st.integers(0, i - 1) for i in range(1, n)])
)


def _build_tree(tenant, parents, pks):
    nodes = []
    for i, parent_index in enumerate(parents):
        parent = None if parent_index is None else nodes[parent_index]
        node = Operator._base_manager.create(
            pk=pks[i],
            tenant=tenant,
            name=f"n{i}",
            kind=Kind.ROOT if parent is None else Kind.SUB_OPERATOR,
            parent=parent,
            path="/",
        )
        node.path = f"{parent.path if parent else '/'}{node.pk}/"
        node.save(update_fields=["path"])
        nodes.append(node)
    return nodes


def _subtree(parents, top):
    """Indices below (and including) `top`, by walking parents, not paths."""
    below = set()
    for i in range(len(parents)):
        j = i
        while j is not None:
            if j == top:
                below.add(i)
                break
            j = parents[j]
    return below


# Primary keys that are string prefixes of one another: 2, 21, 211…
_PK_POOL = [1, 2, 3, 11, 12, 13, 21, 22, 23, 31, 32, 33]
_PK_POOL += [111, 112, 121, 122, 211, 212, 221, 222, 231, 311, 321, 331]


class _Rollback(Exception):
    pass


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(trees=st.tuples(_tree, _tree), data=st.data())
def test_restrict_is_exactly_the_subtree_within_the_tenant(db, trees, data):
    try:
        with transaction.atomic():
            # Primary keys from a small range, so that paths such as /2/ and /23/ (one a
            # string prefix of the other, but not an ancestor) turn up often.
            pks = iter(data.draw(st.permutations(_PK_POOL), label="pks"))
            tenants, forests = [], []
            for parents in trees:
                n = next(_seq)
                tenant = Tenant.objects.create(name=f"T{n}", slug=f"t{n}")
                tenants.append(tenant)
                forests.append(_build_tree(tenant, parents, [next(pks) for _ in parents]))
            which = data.draw(st.integers(0, 1), label="tenant")
            parents, nodes = trees[which], forests[which]
            top = data.draw(st.integers(0, len(nodes) - 1), label="node")
            user = User.objects.create(
                username=f"u{next(_seq)}",
                tenant=tenants[which],
                role=Role.OPERATOR,
                operator=nodes[top],
            )
            expected = {nodes[i].pk for i in _subtree(parents, top)}
            # An impossible row: the other tenant's node filed under the user's path.
            # Only the tenant filter keeps it out.
            impostor = Operator._base_manager.create(
                pk=1000,
                tenant=tenants[1 - which],
                name="impostor",
                kind=Kind.SUB_OPERATOR,
                parent=forests[1 - which][0],
                path=f"{nodes[top].path}0/",
            )
            with scopes_disabled():
                got = set(
                    restrict(Operator.objects.all(), user, "operators.view").values_list(
                        "pk", flat=True
                    )
                )
            assert got == expected
            # The same answer object by object.
            everything = [node for forest in forests for node in forest] + [impostor]
            assert {node.pk for node in everything if in_reach(user, node)} == expected
            raise _Rollback
    except _Rollback:
        pass


def test_isp_wide_codes_only_work_at_the_root_of_the_isp(isp, fresh):
    from netbill.core.permissions import BY_CODE
    from netbill.core.testing.people import set_codes

    isp_wide = {p.code for p in BY_CODE.values() if p.isp_wide}
    assert isp_wide == {
        "accounting.view",
        "bills.runs",
        "billing.settings",
        "payments.reverse",
        "gateways.manage",
        "portal.settings",
        "cards.manage",
    }
    for code in isp_wide:
        assert can(isp.ga, code)
        # An operator given the code by special permission still reads no ISP books.
        user = set_codes(isp.user_x, grant=[code])
        assert code in user.permission_codes
        assert not can(user, code)
