"""staff_user_create, user_update, sales_note_add, tenant_onboard: people and their audit."""

import json

import pytest

from conftest import PASSWORD, in_scope
from netbill.accounts import services
from netbill.accounts.choices import OperatorKindChoices as Kind
from netbill.accounts.choices import UserRoleChoices as Role
from netbill.accounts.models import Operator, SalesNote, User
from netbill.accounts.roles import ROLE_DEFAULTS
from netbill.core import events
from netbill.core.exceptions import BusinessRuleError, OutOfReach
from netbill.core.models import AuditLog
from netbill.core.permissions import FINANCIAL_CODES
from netbill.tenancy.models import Tenant

from .factories import audit_entries, counts, make_operator, make_staff

pytestmark = pytest.mark.django_db


def _staff(by, role, operator=None, **overrides):
    values = {
        "username": "rahim",
        "password": PASSWORD,
        "name": "Rahim Uddin",
        "mobile": "01811100001",
    }
    values.update(overrides)
    with in_scope(by.tenant):
        return services.staff_user_create(by=by, role=role, operator=operator, **values)


#
# Roles
#


def test_every_role_exists_with_its_code():
    assert [(c.value, str(c.label)) for c in Role] == [
        ("platform_admin", "Platform admin"),
        ("sales_manager", "Sales manager"),
        ("group_admin", "Group admin"),
        ("operator", "Operator"),
        ("sub_operator", "Sub-operator"),
        ("manager", "Manager"),
        ("noc", "NOC user"),
        ("card_distributor", "Card distributor"),
    ]


def test_fixture_users_have_their_roles_and_nodes(isp):
    assert [
        (u.role, u.operator_id)
        for u in (isp.ga, isp.user_x, isp.user_x1, isp.manager_x, isp.noc, isp.sales, isp.cards)
    ] == [
        (Role.GROUP_ADMIN, isp.root.pk),
        (Role.OPERATOR, isp.op_x.pk),
        (Role.SUB_OPERATOR, isp.sub_x1.pk),
        (Role.MANAGER, isp.op_x.pk),
        (Role.NOC, isp.root.pk),
        (Role.SALES_MANAGER, isp.root.pk),
        (Role.CARD_DISTRIBUTOR, isp.op_x.pk),
    ]
    for user in (isp.user_x, isp.manager_x, isp.noc, isp.sales, isp.cards):
        assert user.permission_codes == ROLE_DEFAULTS[user.role]


def test_platform_admin_has_no_tenant_and_only_platform_code(platform_admin):
    assert platform_admin.tenant_id is None
    assert platform_admin.operator_id is None
    assert platform_admin.permission_codes == frozenset({"platform.manage"})
    assert platform_admin.is_platform_admin


def test_inactive_user_holds_no_codes(isp, fresh):
    User.objects.filter(pk=isp.user_x.pk).update(is_active=False)
    assert fresh(isp.user_x).permission_codes == frozenset()


#
# staff_user_create
#


def test_group_admin_creates_manager_for_an_operator(isp, django_capture_on_commit_callbacks):
    received = []
    handler = lambda **payload: received.append(payload)  # noqa: E731
    events.subscribe("user.created", handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            user = _staff(isp.ga, Role.MANAGER, isp.op_y, email="rahim@example.com")
    finally:
        events.unsubscribe("user.created", handler)
    user = User.objects.get(pk=user.pk)
    assert (user.role, user.operator_id, user.tenant_id) == (
        Role.MANAGER,
        isp.op_y.pk,
        isp.tenant.pk,
    )
    assert (user.name, user.mobile, user.email) == (
        "Rahim Uddin",
        "+8801811100001",
        "rahim@example.com",
    )
    assert user.created_by_id == isp.ga.pk
    assert user.check_password(PASSWORD)
    assert user.permission_codes == ROLE_DEFAULTS[Role.MANAGER]
    (entry,) = audit_entries(isp.tenant, action="user.created", object_id=str(user.pk))
    assert entry.actor_id == isp.ga.pk
    assert entry.after == {
        "username": "rahim",
        "name": "Rahim Uddin",
        "email": "rahim@example.com",
        "mobile": "+8801811100001",
        "role": "manager",
        "operator": isp.op_y.pk,
        "is_active": True,
    }
    assert received == [{"event": "user.created", "tenant_id": isp.tenant.pk, "user_id": user.pk}]


def test_operator_creates_manager_for_itself_and_its_sub_operator(isp):
    own = _staff(isp.user_x, Role.MANAGER, isp.op_x)
    below = _staff(isp.user_x, Role.CARD_DISTRIBUTOR, isp.sub_x1, username="karim", mobile="")
    assert (own.operator_id, own.created_by_id) == (isp.op_x.pk, isp.user_x.pk)
    assert (below.role, below.operator_id, below.mobile) == (
        Role.CARD_DISTRIBUTOR,
        isp.sub_x1.pk,
        None,
    )


@pytest.mark.parametrize("node", ["op_y", "root"])
def test_operator_cannot_create_manager_outside_its_subtree(isp, node):
    before = counts(isp.tenant)
    with pytest.raises(OutOfReach):
        _staff(isp.user_x, Role.MANAGER, getattr(isp, node))
    assert counts(isp.tenant) == before
    assert not User.objects.filter(username="rahim").exists()


def test_manager_needs_an_operator(isp):
    before = counts(isp.tenant)
    with pytest.raises(BusinessRuleError) as exc:
        _staff(isp.ga, Role.MANAGER, None)
    assert exc.value.message_dict == {"operator": ["Choose the operator it works for."]}
    assert counts(isp.tenant) == before


@pytest.mark.parametrize("role", [Role.GROUP_ADMIN, Role.OPERATOR, Role.PLATFORM_ADMIN])
def test_other_roles_cannot_be_created_as_staff(isp, role):
    before = counts(isp.tenant)
    with pytest.raises(BusinessRuleError) as exc:
        _staff(isp.ga, role, isp.op_x)
    assert exc.value.message_dict == {"role": ["This role cannot be created here."]}
    assert counts(isp.tenant) == before


@pytest.mark.parametrize("who", ["manager_x", "noc", "sales", "cards"])
def test_roles_without_managers_manage_cannot_create_managers(isp, who):
    by = getattr(isp, who)
    before = counts(isp.tenant)
    with pytest.raises(BusinessRuleError) as exc:
        _staff(by, Role.MANAGER, by.operator)
    assert exc.value.code == "forbidden"
    assert counts(isp.tenant) == before


def test_noc_and_sales_managers_hang_on_the_root(isp):
    noc = _staff(isp.ga, Role.NOC, isp.op_x)
    sales = _staff(isp.ga, Role.SALES_MANAGER, None, username="sales2", mobile="01811100002")
    assert noc.operator_id == isp.root.pk
    assert sales.operator_id == isp.root.pk
    assert noc.permission_codes == ROLE_DEFAULTS[Role.NOC]
    assert sales.permission_codes == ROLE_DEFAULTS[Role.SALES_MANAGER]


@pytest.mark.parametrize("role", [Role.NOC, Role.SALES_MANAGER])
def test_operators_cannot_create_tenant_wide_staff(isp, role):
    before = counts(isp.tenant)
    with pytest.raises(BusinessRuleError) as exc:
        _staff(isp.user_x, role, None)
    assert exc.value.code == "forbidden"
    assert counts(isp.tenant) == before


def test_noc_user_with_chosen_codes_holds_exactly_those(isp, fresh):
    codes = {"routers.view", "monitoring.view", "customers.view", "sms.send"}
    user = _staff(isp.ga, Role.NOC, None, codes=codes)
    assert fresh(user).permission_codes == frozenset(codes)
    created, changed = audit_entries(isp.tenant, object_id=str(user.pk))
    assert created.action == "user.created"
    assert changed.action == "user.permissions_changed"
    assert changed.before == {"codes": sorted(ROLE_DEFAULTS[Role.NOC])}
    assert changed.after == {"codes": sorted(codes)}


def test_noc_user_with_no_codes_holds_none(isp, fresh):
    user = _staff(isp.ga, Role.NOC, None, codes=set())
    assert fresh(user).permission_codes == frozenset()


@pytest.mark.parametrize("code", sorted(FINANCIAL_CODES))
def test_noc_user_cannot_be_created_with_financial_codes(isp, code):
    before = counts(isp.tenant)
    with pytest.raises(BusinessRuleError) as exc:
        _staff(isp.ga, Role.NOC, None, codes={"routers.view", code})
    assert exc.value.messages == [f"A NOC user cannot hold: {code}"]
    assert counts(isp.tenant) == before
    assert not User.objects.filter(username="rahim").exists()


def test_duplicate_username_and_mobile_are_field_errors(isp):
    before = counts(isp.tenant)
    with pytest.raises(BusinessRuleError) as exc:
        _staff(isp.ga, Role.MANAGER, isp.op_x, username="A-MGRX")
    assert exc.value.message_dict == {"username": ["This username is taken."]}
    with pytest.raises(BusinessRuleError) as exc:
        _staff(isp.ga, Role.MANAGER, isp.op_x, mobile=isp.manager_y.mobile)
    assert exc.value.message_dict == {"mobile": ["This mobile number is already in use."]}
    with pytest.raises(BusinessRuleError) as exc:
        _staff(isp.ga, Role.MANAGER, isp.op_x, mobile="0123")
    assert exc.value.message_dict == {"mobile": ["Enter a valid mobile number."]}
    with pytest.raises(BusinessRuleError) as exc:
        _staff(isp.ga, Role.MANAGER, isp.op_x, password="short")
    assert set(exc.value.message_dict) == {"password"}
    assert counts(isp.tenant) == before


def test_usernames_and_mobiles_are_unique_across_tenants(isp, other_isp):
    before = counts(other_isp.tenant)
    with pytest.raises(BusinessRuleError) as exc:
        _staff(other_isp.ga, Role.MANAGER, other_isp.op_x, username="a-mgrx")
    assert exc.value.message_dict == {"username": ["This username is taken."]}
    with pytest.raises(BusinessRuleError) as exc:
        _staff(other_isp.ga, Role.MANAGER, other_isp.op_x, mobile=isp.manager_x.mobile)
    assert exc.value.message_dict == {"mobile": ["This mobile number is already in use."]}
    assert counts(other_isp.tenant) == before


#
# user_update
#


def _user_update(user, by, **data):
    with in_scope(by.tenant):
        return services.user_update(user=user, by=by, data=data)


def test_group_admin_updates_a_manager(isp, fresh):
    _user_update(isp.manager_x, isp.ga, name="Manager X", mobile="01811100009", is_active=False)
    user = fresh(isp.manager_x)
    assert (user.name, user.mobile, user.is_active) == ("Manager X", "+8801811100009", False)
    (entry,) = audit_entries(isp.tenant, action="user.updated")
    assert entry.actor_id == isp.ga.pk
    assert entry.object_id == str(isp.manager_x.pk)
    assert {k: (old, new) for k, old, new in entry.changes} == {
        "name": ("mgrx", "Manager X"),
        "mobile": (isp.manager_x.mobile, "+8801811100009"),
        "is_active": (True, False),
    }
    assert "password" not in entry.before and "password" not in entry.after


def test_user_keeps_own_mobile_in_another_format(isp, fresh):
    national = "0" + isp.manager_x.mobile[4:]
    _user_update(isp.manager_x, isp.ga, mobile=national)
    assert fresh(isp.manager_x).mobile == isp.manager_x.mobile


def test_operator_updates_its_manager_but_not_operator_ys(isp, fresh):
    _user_update(isp.manager_x, isp.user_x, name="Our manager")
    assert fresh(isp.manager_x).name == "Our manager"
    with pytest.raises(OutOfReach):
        _user_update(isp.manager_y, isp.user_x, name="Their manager")
    assert fresh(isp.manager_y).name == "mgry"
    assert [e.object_id for e in audit_entries(isp.tenant, action="user.updated")] == [
        str(isp.manager_x.pk)
    ]


@pytest.mark.parametrize("target", ["ga", "noc", "sales", "user_y"])
def test_operator_cannot_update_users_above_or_beside_it(isp, fresh, target):
    user = getattr(isp, target)
    with pytest.raises(BusinessRuleError):
        _user_update(user, isp.user_x, name="Changed")
    assert fresh(user).name == user.name
    assert audit_entries(isp.tenant, action="user.updated") == []


def test_cannot_update_another_tenants_user(isp, other_isp, fresh):
    with pytest.raises(OutOfReach):
        _user_update(other_isp.manager_x, isp.ga, is_active=False)
    assert fresh(other_isp.manager_x).is_active is True


def test_user_update_refuses_other_fields(isp, fresh):
    for data in ({"role": Role.GROUP_ADMIN}, {"operator": isp.root}, {"password": "x"}):
        with pytest.raises(BusinessRuleError) as exc:
            _user_update(isp.manager_x, isp.ga, **data)
        assert exc.value.messages == ["These fields cannot be changed here."]
    user = fresh(isp.manager_x)
    assert (user.role, user.operator_id) == (Role.MANAGER, isp.op_x.pk)


def test_user_update_bad_email_is_a_field_error(isp, fresh):
    with pytest.raises(BusinessRuleError) as exc:
        _user_update(isp.manager_x, isp.ga, email="not-an-email")
    assert exc.value.message_dict == {"email": ["Enter a valid email address."]}
    assert fresh(isp.manager_x).email == ""


def test_cannot_deactivate_oneself(isp, fresh):
    with pytest.raises(BusinessRuleError):
        _user_update(isp.ga, isp.ga, is_active=False)
    assert fresh(isp.ga).is_active is True


#
# Sales notes
#


def test_sales_manager_adds_a_note_on_any_operator(isp):
    with in_scope(isp.tenant):
        note = services.sales_note_add(by=isp.sales, operator=isp.sub_x1, body="  Wants 50 Mbps  ")
        assert list(SalesNote.objects.values_list("operator_id", "author_id", "body")) == [
            (isp.sub_x1.pk, isp.sales.pk, "Wants 50 Mbps")
        ]
    assert note.tenant_id == isp.tenant.pk
    (entry,) = audit_entries(isp.tenant, action="sales_note.added")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        isp.sales.pk,
        "accounts.operator",
        str(isp.sub_x1.pk),
    )
    assert entry.after == {"note": "Wants 50 Mbps"}


def test_empty_note_is_refused(isp):
    with in_scope(isp.tenant):
        with pytest.raises(BusinessRuleError) as exc:
            services.sales_note_add(by=isp.sales, operator=isp.op_x, body="   ")
        assert exc.value.message_dict == {"body": ["Write a note."]}
        assert SalesNote.objects.count() == 0
    assert audit_entries(isp.tenant, action="sales_note.added") == []


@pytest.mark.parametrize("who", ["user_x", "noc", "manager_x"])
def test_only_holders_of_sales_notes_add_may_write_notes(isp, who):
    with in_scope(isp.tenant):
        with pytest.raises(BusinessRuleError):
            services.sales_note_add(by=getattr(isp, who), operator=isp.op_x, body="Hello")
        assert SalesNote.objects.count() == 0


def test_sales_note_on_another_tenants_operator_is_out_of_reach(isp, other_isp):
    with in_scope(isp.tenant), pytest.raises(OutOfReach):
        services.sales_note_add(by=isp.sales, operator=other_isp.op_x, body="Poach them")
    with in_scope(other_isp.tenant):
        assert SalesNote.objects.count() == 0


#
# tenant_onboard
#


def test_tenant_onboard_makes_tenant_root_and_group_admin(
    platform_admin, django_capture_on_commit_callbacks
):
    received = []
    handler = lambda **payload: received.append(payload)  # noqa: E731
    events.subscribe("tenant.created", handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            tenant, admin = services.tenant_onboard(
                name="Gamma Fiber",
                slug="gamma",
                admin_username="gamma-admin",
                admin_password=PASSWORD,
                admin_mobile="01811100003",
                by=platform_admin,
            )
    finally:
        events.unsubscribe("tenant.created", handler)
    assert (tenant.name, tenant.slug, tenant.is_active) == ("Gamma Fiber", "gamma", True)
    with in_scope(tenant):
        root = Operator.objects.get()
        entries = list(AuditLog.objects.order_by("id"))
    assert (root.kind, root.name, root.path) == (Kind.ROOT, "Gamma Fiber", f"/{root.pk}/")
    assert (admin.role, admin.operator_id, admin.tenant_id, admin.name, admin.mobile) == (
        Role.GROUP_ADMIN,
        root.pk,
        tenant.pk,
        "Gamma Fiber",
        "+8801811100003",
    )
    assert [(e.action, e.actor_id) for e in entries] == [
        ("tenant.created", platform_admin.pk),
        ("user.created", platform_admin.pk),
        # After the commit, network's subscriber makes the suspended-users pool (system).
        ("ip_pool.created", None),
    ]
    assert received == [{"event": "tenant.created", "tenant_id": tenant.pk}]


def test_only_platform_admins_onboard_tenants(isp):
    with pytest.raises(BusinessRuleError):
        services.tenant_onboard(
            name="Rogue",
            slug="rogue",
            admin_username="rogue",
            admin_password=PASSWORD,
            by=isp.ga,
        )
    assert not Tenant.objects.filter(slug="rogue").exists()


def test_onboard_failure_leaves_no_tenant(platform_admin):
    with pytest.raises(BusinessRuleError) as exc:
        services.tenant_onboard(
            name="Gamma Fiber",
            slug="gamma",
            admin_username="gamma-admin",
            admin_password=PASSWORD,
            admin_mobile="not a phone",
            by=platform_admin,
        )
    assert exc.value.message_dict == {"mobile": ["Enter a valid mobile number."]}
    assert not Tenant.objects.filter(slug="gamma").exists()
    assert not User.objects.filter(username="gamma-admin").exists()


def test_duplicate_slug_is_refused(isp, platform_admin):
    with pytest.raises(BusinessRuleError) as exc:
        services.tenant_onboard(
            name="Alpha Again",
            slug="alpha",
            admin_username="alpha2",
            admin_password=PASSWORD,
            by=platform_admin,
        )
    assert exc.value.message_dict == {"slug": ["This short name is taken."]}
    assert Tenant.objects.filter(slug="alpha").count() == 1


#
# The audit log never holds secrets
#


def test_no_audit_entry_holds_a_password_hash(isp):
    make_operator(by=isp.ga)
    make_staff(by=isp.ga, role=Role.NOC, codes={"routers.view"})
    with in_scope(isp.tenant):
        services.user_update(user=isp.manager_x, by=isp.ga, data={"name": "M"})
        entries = list(AuditLog.objects.all())
    hashes = set(User.objects.filter(tenant=isp.tenant).values_list("password", flat=True))
    assert len(entries) > 10
    for entry in entries:
        dumped = json.dumps([entry.before, entry.after])
        assert "password" not in dumped
        assert not any(h in dumped for h in hashes)
