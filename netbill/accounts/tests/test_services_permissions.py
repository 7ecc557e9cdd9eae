"""Special permissions (user_set_permissions) and what `can()` then answers."""

import pytest

from conftest import PASSWORD, in_scope
from netbill.accounts import services
from netbill.accounts.choices import UserRoleChoices as Role
from netbill.accounts.models import PermissionOverride, User
from netbill.accounts.roles import ROLE_DEFAULTS, ROLE_FORBIDDEN, effective_codes, grantable_codes
from netbill.core.exceptions import BusinessRuleError, OutOfReach
from netbill.core.permissions import FINANCIAL_CODES, TENANT_CODES, can

from .factories import audit_entries

pytestmark = pytest.mark.django_db


def _set(user, by, codes):
    with in_scope(by.tenant):
        return services.user_set_permissions(user=user, by=by, codes=set(codes))


def _overrides(user) -> set[tuple[str, bool]]:
    with in_scope(user.tenant):
        return set(PermissionOverride.objects.filter(user=user).values_list("code", "granted"))


def _second_group_admin(isp):
    return User.objects.create_user(
        username="a-ga2",
        password=PASSWORD,
        role=Role.GROUP_ADMIN,
        tenant=isp.tenant,
        operator=isp.root,
    )


#
# Role defaults
#


def test_group_admin_holds_every_tenant_code(isp):
    assert isp.ga.permission_codes == TENANT_CODES
    assert "platform.manage" not in isp.ga.permission_codes


def test_noc_defaults_hold_no_financial_code():
    assert ROLE_DEFAULTS[Role.NOC] & FINANCIAL_CODES == frozenset()
    assert grantable_codes(Role.NOC) & FINANCIAL_CODES == frozenset()
    assert "operators.access" not in grantable_codes(Role.NOC)
    assert grantable_codes(Role.PLATFORM_ADMIN) == frozenset()
    assert ROLE_FORBIDDEN[Role.SALES_MANAGER] == FINANCIAL_CODES


def test_effective_codes_never_include_forbidden_ones():
    codes = effective_codes(Role.NOC, {"bills.view", "sms.send"}, {"routers.manage"})
    assert codes == (ROLE_DEFAULTS[Role.NOC] | {"sms.send"}) - {"routers.manage"}


def test_a_financial_override_row_on_a_noc_user_has_no_effect(isp, fresh):
    # Even a row written behind the services' back cannot give a NOC user money codes.
    with in_scope(isp.tenant):
        PermissionOverride.objects.create(
            tenant=isp.tenant, user=isp.noc, code="payments.receive", granted=True
        )
    noc = fresh(isp.noc)
    assert "payments.receive" not in noc.permission_codes
    assert not can(noc, "payments.receive")


#
# Group Admin
#


def test_group_admin_grants_and_revokes_codes_of_an_operator(isp, fresh):
    codes = (ROLE_DEFAULTS[Role.OPERATOR] | {"operators.credit_limit"}) - {"customers.edit"}
    _set(isp.user_x, isp.ga, codes)

    assert _overrides(isp.user_x) == {("operators.credit_limit", True), ("customers.edit", False)}
    (entry,) = audit_entries(isp.tenant, action="user.permissions_changed")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        isp.ga.pk,
        "accounts.user",
        str(isp.user_x.pk),
    )
    assert entry.before == {"codes": sorted(ROLE_DEFAULTS[Role.OPERATOR])}
    assert entry.after == {"codes": sorted(codes)}

    # Permission codes are cached per instance: a fresh one reads the overrides.
    user_x = fresh(isp.user_x)
    assert user_x.permission_codes == frozenset(codes)
    assert can(user_x, "operators.credit_limit", isp.sub_x1)
    assert not can(user_x, "operators.credit_limit", isp.op_y)
    assert not can(user_x, "customers.edit")


def test_granted_code_works_in_the_service_it_guards(isp, fresh):
    from decimal import Decimal

    from netbill.accounts.models import Operator

    with in_scope(isp.tenant), pytest.raises(BusinessRuleError):
        services.operator_set_credit_limit(operator=isp.sub_x1, by=isp.user_x, amount=Decimal("10"))
    _set(isp.user_x, isp.ga, ROLE_DEFAULTS[Role.OPERATOR] | {"operators.credit_limit"})
    with in_scope(isp.tenant):
        services.operator_set_credit_limit(
            operator=isp.sub_x1, by=fresh(isp.user_x), amount=Decimal("10")
        )
        assert Operator.objects.get(pk=isp.sub_x1.pk).credit_limit == Decimal("10.00")


def test_setting_the_defaults_removes_all_overrides(isp, fresh):
    _set(isp.manager_x, isp.ga, {"customers.view"})
    assert _overrides(isp.manager_x) == {
        ("dashboard.view", False),
        ("payments.receive", False),
    }
    _set(fresh(isp.manager_x), isp.ga, ROLE_DEFAULTS[Role.MANAGER])
    assert _overrides(isp.manager_x) == set()
    assert fresh(isp.manager_x).permission_codes == ROLE_DEFAULTS[Role.MANAGER]
    first, second = audit_entries(isp.tenant, action="user.permissions_changed")
    assert first.after == {"codes": ["customers.view"]}
    assert second.before == {"codes": ["customers.view"]}
    assert second.after == {"codes": sorted(ROLE_DEFAULTS[Role.MANAGER])}


@pytest.mark.parametrize("who", ["user_x", "user_x1", "manager_y", "noc", "sales", "cards"])
def test_group_admin_manages_anyone_below_it(isp, who):
    target = getattr(isp, who)
    assert services.manageable_by(isp.ga, target)
    _set(target, isp.ga, ROLE_DEFAULTS[target.role] - {"dashboard.view"})
    assert len(audit_entries(isp.tenant, action="user.permissions_changed")) == 1


def test_group_admin_cannot_change_another_group_admin_or_itself(isp, fresh):
    ga2 = _second_group_admin(isp)
    for target in (ga2, isp.ga):
        assert not services.manageable_by(isp.ga, target)
        with pytest.raises(BusinessRuleError) as exc:
            _set(target, isp.ga, {"dashboard.view"})
        assert exc.value.messages == ["You cannot change this user's permissions."]
        assert _overrides(target) == set()
        assert fresh(target).permission_codes == TENANT_CODES
    assert audit_entries(isp.tenant, action="user.permissions_changed") == []


def test_group_admin_cannot_touch_another_tenant(isp, other_isp, fresh):
    with pytest.raises(OutOfReach):
        _set(other_isp.user_x, isp.ga, {"dashboard.view"})
    assert _overrides(other_isp.user_x) == set()
    assert fresh(other_isp.user_x).permission_codes == ROLE_DEFAULTS[Role.OPERATOR]
    assert audit_entries(other_isp.tenant, action="user.permissions_changed") == []


@pytest.mark.parametrize("code", sorted(FINANCIAL_CODES))
def test_noc_can_never_get_a_financial_code(isp, fresh, code):
    with pytest.raises(BusinessRuleError) as exc:
        _set(isp.noc, isp.ga, ROLE_DEFAULTS[Role.NOC] | {code})
    assert exc.value.messages == [f"A NOC user cannot hold: {code}"]
    assert _overrides(isp.noc) == set()
    assert not can(fresh(isp.noc), code)
    assert audit_entries(isp.tenant, action="user.permissions_changed") == []


def test_sales_manager_can_never_get_a_financial_code(isp, fresh):
    with pytest.raises(BusinessRuleError):
        _set(isp.sales, isp.ga, {"operators.view", "operators.balance"})
    assert fresh(isp.sales).permission_codes == ROLE_DEFAULTS[Role.SALES_MANAGER]


@pytest.mark.parametrize("code", ["platform.manage", "no.such.code"])
def test_codes_outside_the_catalog_for_tenants_are_refused(isp, code):
    with pytest.raises(BusinessRuleError):
        _set(isp.user_x, isp.ga, {code})
    assert _overrides(isp.user_x) == set()


#
# Operators
#


@pytest.mark.parametrize("who", ["user_x1", "manager_x", "cards"])
def test_operator_manages_its_own_sub_operators_and_staff(isp, fresh, who):
    target = getattr(isp, who)
    codes = ROLE_DEFAULTS[target.role] - {"dashboard.view"}
    _set(target, isp.user_x, codes)
    assert fresh(target).permission_codes == codes
    (entry,) = audit_entries(isp.tenant, action="user.permissions_changed")
    assert entry.actor_id == isp.user_x.pk


def test_operator_grants_a_code_it_holds(isp, fresh):
    codes = ROLE_DEFAULTS[Role.SUB_OPERATOR] | {"customers.suspend"}
    _set(isp.user_x1, isp.user_x, codes)
    assert _overrides(isp.user_x1) == {("customers.suspend", True)}
    assert can(fresh(isp.user_x1), "customers.suspend")


@pytest.mark.parametrize("code", ["operators.create", "editCompany", "operators.credit_limit"])
def test_nobody_grants_a_code_it_does_not_hold(isp, fresh, code):
    assert code not in isp.user_x.permission_codes
    with pytest.raises(BusinessRuleError) as exc:
        _set(isp.user_x1, isp.user_x, ROLE_DEFAULTS[Role.SUB_OPERATOR] | {code})
    assert exc.value.messages == [f"You cannot grant permissions you do not have: {code}"]
    assert _overrides(isp.user_x1) == set()
    assert fresh(isp.user_x1).permission_codes == ROLE_DEFAULTS[Role.SUB_OPERATOR]
    assert audit_entries(isp.tenant, action="user.permissions_changed") == []


def test_a_revoked_code_cannot_be_passed_on(isp, fresh):
    _set(isp.user_x, isp.ga, ROLE_DEFAULTS[Role.OPERATOR] - {"customers.suspend"})
    user_x = fresh(isp.user_x)
    with pytest.raises(BusinessRuleError):
        _set(isp.user_x1, user_x, ROLE_DEFAULTS[Role.SUB_OPERATOR] | {"customers.suspend"})
    assert _overrides(isp.user_x1) == set()


@pytest.mark.parametrize("who", ["user_y", "manager_y", "ga", "noc", "sales", "user_x"])
def test_operator_cannot_change_users_outside_its_own_staff(isp, fresh, who):
    target = getattr(isp, who)
    before = fresh(target).permission_codes
    assert not services.manageable_by(isp.user_x, target)
    with pytest.raises(BusinessRuleError):
        _set(target, isp.user_x, {"dashboard.view"})
    assert _overrides(target) == set()
    assert fresh(target).permission_codes == before
    assert audit_entries(isp.tenant, action="user.permissions_changed") == []


def test_operator_cannot_change_a_sibling_operators_sub_operator(isp, fresh):
    from netbill.accounts.choices import OperatorKindChoices as Kind

    from .factories import login_user_of, make_operator

    y1 = login_user_of(make_operator(by=isp.ga, kind=Kind.SUB_OPERATOR, parent=isp.op_y))
    with pytest.raises(OutOfReach):
        _set(y1, isp.user_x, {"dashboard.view"})
    assert fresh(y1).permission_codes == ROLE_DEFAULTS[Role.SUB_OPERATOR]


def test_operator_without_permissions_manage_cannot_change_anyone(isp, fresh):
    _set(isp.user_x, isp.ga, ROLE_DEFAULTS[Role.OPERATOR] - {"permissions.manage"})
    with pytest.raises(BusinessRuleError) as exc:
        _set(isp.user_x1, fresh(isp.user_x), {"dashboard.view"})
    assert exc.value.code == "forbidden"
    assert _overrides(isp.user_x1) == set()


@pytest.mark.parametrize("who", ["user_x1", "manager_x", "noc", "sales", "cards"])
def test_roles_without_permissions_manage_change_nothing(isp, who):
    by = getattr(isp, who)
    with pytest.raises(BusinessRuleError) as exc:
        _set(isp.cards, by, {"cards.view"})
    assert exc.value.code == "forbidden"
    assert _overrides(isp.cards) == set()


def test_role_defaults_a_granter_lacks_may_be_kept(isp, fresh):
    # An operator does not hold cards.sell, but keeping a card distributor's default is
    # not a grant: it may still take other defaults away.
    _set(isp.cards, isp.user_x, {"cards.sell", "cards.view"})
    assert fresh(isp.cards).permission_codes == frozenset({"cards.sell", "cards.view"})
    assert _overrides(isp.cards) == {("dashboard.view", False)}


#
# can()
#


def test_can_checks_code_tenant_and_subtree(isp, other_isp):
    assert can(isp.user_x, "customers.view")
    assert can(isp.user_x, "operators.view", isp.sub_x1)
    assert can(isp.user_x, "operators.view", isp.op_x)
    assert not can(isp.user_x, "operators.view", isp.op_y)
    assert not can(isp.user_x, "operators.view", isp.root)
    assert not can(isp.ga, "operators.view", other_isp.op_x)
    assert can(isp.ga, "operators.view", isp.sub_x1)
    assert not can(isp.noc, "bills.view")
    assert not can(isp.manager_x, "operators.create")


def test_can_refuses_unknown_codes(isp):
    with pytest.raises(KeyError):
        can(isp.ga, "operators.fly")


def test_can_refuses_anonymous_and_inactive_users(isp, fresh):
    from django.contrib.auth.models import AnonymousUser

    assert not can(AnonymousUser(), "dashboard.view")
    assert not can(None, "dashboard.view")
    User.objects.filter(pk=isp.user_x.pk).update(is_active=False)
    assert not can(fresh(isp.user_x), "dashboard.view")
