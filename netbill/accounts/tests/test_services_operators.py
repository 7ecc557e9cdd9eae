"""operator_create, operator_update, operator_set_credit_limit: the operator tree."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from conftest import PASSWORD, in_scope
from netbill.accounts import services
from netbill.accounts.choices import OperatorKindChoices as Kind
from netbill.accounts.choices import UserRoleChoices as Role
from netbill.accounts.models import Operator, User
from netbill.core import events
from netbill.core.exceptions import BusinessRuleError, OutOfReach

from .factories import audit_entries, counts, e164, login_user_of, make_operator, next_mobile

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    """Events delivered to a subscriber during the test."""
    calls = []

    def handler(**payload):
        calls.append(payload)

    for name in ("operator.created", "operator.updated", "user.created"):
        events.subscribe(name, handler)
    yield calls
    for name in ("operator.created", "operator.updated", "user.created"):
        events.unsubscribe(name, handler)


def _create(by, **overrides):
    values = {
        "kind": Kind.OPERATOR,
        "parent": None,
        "name": "Dhanmondi Link",
        "username": "dhanmondi",
        "password": PASSWORD,
        "mobile": "01811000001",
    }
    values.update(overrides)
    with in_scope(by.tenant):
        return services.operator_create(by=by, **values)


def _errors(exc_info) -> dict[str, list[str]]:
    return exc_info.value.message_dict


#
# The tree built by the fixture
#


def test_root_is_the_group_admins_book(isp):
    root = isp.root
    assert root.kind == Kind.ROOT
    assert root.parent_id is None
    assert root.path == f"/{root.pk}/"
    assert root.depth == 0
    assert root.name == "Alpha Net"
    assert isp.ga.operator_id == root.pk
    assert isp.ga.role == Role.GROUP_ADMIN


def test_fixture_tree_paths_and_depths(isp):
    root, x, y, x1 = isp.root, isp.op_x, isp.op_y, isp.sub_x1
    assert (x.parent_id, x.kind, x.path, x.depth) == (
        root.pk,
        Kind.OPERATOR,
        f"/{root.pk}/{x.pk}/",
        1,
    )
    assert (y.parent_id, y.path) == (root.pk, f"/{root.pk}/{y.pk}/")
    assert (x1.parent_id, x1.kind, x1.path, x1.depth) == (
        x.pk,
        Kind.SUB_OPERATOR,
        f"/{root.pk}/{x.pk}/{x1.pk}/",
        2,
    )
    with in_scope(isp.tenant):
        subtree = set(Operator.objects.filter(path__startswith=x.path).values_list("pk", flat=True))
    assert subtree == {x.pk, x1.pk}


#
# operator_create
#


def test_group_admin_creates_operator(isp, received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        node = _create(isp.ga, email="ops@dhanmondi.net", address="Road 27", credit_limit="1500.5")
    node.refresh_from_db()
    assert node.kind == Kind.OPERATOR
    assert node.parent_id == isp.root.pk
    assert node.tenant_id == isp.tenant.pk
    assert node.path == f"/{isp.root.pk}/{node.pk}/"
    assert node.depth == 1
    assert node.mobile == "+8801811000001"
    assert node.balance == Decimal("0.00")
    assert node.credit_limit == Decimal("1500.50")
    assert isinstance(node.balance, Decimal) and isinstance(node.credit_limit, Decimal)
    assert node.is_active is True

    login = login_user_of(node)
    assert login.username == "dhanmondi"
    assert login.role == Role.OPERATOR
    assert login.tenant_id == isp.tenant.pk
    assert login.mobile == "+8801811000001"
    assert login.email == "ops@dhanmondi.net"
    assert login.name == "Dhanmondi Link"
    assert login.created_by_id == isp.ga.pk
    assert login.check_password(PASSWORD)
    assert not login.password.startswith(PASSWORD)

    op_entry, user_entry = audit_entries(isp.tenant, actor=isp.ga)[-2:]
    assert op_entry.action == "operator.created"
    assert op_entry.object_type == "accounts.operator"
    assert op_entry.object_id == str(node.pk)
    assert op_entry.impersonator is None
    assert op_entry.before is None
    assert op_entry.after == {
        "name": "Dhanmondi Link",
        "kind": "operator",
        "parent": isp.root.pk,
        "mobile": "+8801811000001",
        "email": "ops@dhanmondi.net",
        "address": "Road 27",
        "balance": "0.00",
        "credit_limit": "1500.50",
        "is_active": True,
    }
    assert user_entry.action == "user.created"
    assert user_entry.object_id == str(login.pk)
    assert "password" not in user_entry.after
    assert user_entry.after["username"] == "dhanmondi"
    assert user_entry.after["role"] == "operator"
    assert user_entry.after["operator"] == node.pk

    assert received == [
        {"event": "operator.created", "tenant_id": isp.tenant.pk, "operator_id": node.pk}
    ]


def test_group_admin_creates_sub_operator_under_root_and_under_operator(isp):
    under_root = _create(isp.ga, kind=Kind.SUB_OPERATOR, parent=isp.root)
    under_y = _create(
        isp.ga,
        kind=Kind.SUB_OPERATOR,
        parent=isp.op_y,
        name="Y two",
        username="y-two",
        mobile="01811000002",
    )
    assert (under_root.kind, under_root.parent_id, under_root.depth) == (
        Kind.SUB_OPERATOR,
        isp.root.pk,
        1,
    )
    assert under_root.path == f"/{isp.root.pk}/{under_root.pk}/"
    assert under_y.path == f"/{isp.root.pk}/{isp.op_y.pk}/{under_y.pk}/"
    assert under_y.depth == 2
    assert login_user_of(under_y).role == Role.SUB_OPERATOR


def test_operator_creates_sub_operator_in_own_subtree(isp):
    node = _create(isp.user_x, kind=Kind.SUB_OPERATOR, parent=isp.op_x)
    assert node.parent_id == isp.op_x.pk
    assert node.path == f"{isp.op_x.path}{node.pk}/"
    login = login_user_of(node)
    assert login.created_by_id == isp.user_x.pk
    assert [e.action for e in audit_entries(isp.tenant, actor=isp.user_x)] == [
        "operator.created",
        "user.created",
    ]


@pytest.mark.parametrize("parent_attr", ["op_y", "root"])
def test_operator_cannot_create_sub_operator_outside_own_subtree(isp, parent_attr):
    before = counts(isp.tenant)
    with pytest.raises(OutOfReach):
        _create(isp.user_x, kind=Kind.SUB_OPERATOR, parent=getattr(isp, parent_attr))
    assert counts(isp.tenant) == before
    assert not User.objects.filter(username="dhanmondi").exists()


def test_operator_cannot_create_operators(isp):
    before = counts(isp.tenant)
    with pytest.raises(BusinessRuleError) as exc:
        _create(isp.user_x, kind=Kind.OPERATOR)
    assert exc.value.code == "forbidden"
    assert counts(isp.tenant) == before


@pytest.mark.parametrize("who", ["user_x1", "manager_x", "noc", "sales", "cards"])
def test_other_roles_cannot_create_operators_or_sub_operators(isp, who):
    by = getattr(isp, who)
    before = counts(isp.tenant)
    with pytest.raises(BusinessRuleError):
        _create(by, kind=Kind.OPERATOR)
    with pytest.raises(BusinessRuleError):
        _create(by, kind=Kind.SUB_OPERATOR, parent=by.operator)
    assert counts(isp.tenant) == before


def test_sub_operator_cannot_have_sub_operators(isp):
    before = counts(isp.tenant)
    with pytest.raises(BusinessRuleError) as exc:
        _create(isp.ga, kind=Kind.SUB_OPERATOR, parent=isp.sub_x1)
    assert _errors(exc) == {"parent": ["A sub-operator cannot have sub-operators."]}
    assert counts(isp.tenant) == before


def test_operator_is_always_placed_under_the_root(isp):
    # Operators hang below the root only: a parent given for one is ignored.
    node = _create(isp.ga, kind=Kind.OPERATOR, parent=isp.op_x)
    assert node.parent_id == isp.root.pk
    assert node.path == f"/{isp.root.pk}/{node.pk}/"


def test_model_refuses_operator_below_another_operator(isp):
    with in_scope(isp.tenant):
        node = Operator(
            tenant=isp.tenant, kind=Kind.OPERATOR, parent=isp.op_x, name="Nested", path="/"
        )
        with pytest.raises(Exception) as exc:
            node.full_clean(exclude=["path"])
    assert exc.value.message_dict == {"parent": ["Operators hang directly below the Group Admin."]}


def test_sub_operator_needs_a_parent(isp):
    before = counts(isp.tenant)
    with pytest.raises(BusinessRuleError) as exc:
        _create(isp.ga, kind=Kind.SUB_OPERATOR, parent=None)
    assert _errors(exc) == {"parent": ["Choose the operator it works under."]}
    assert counts(isp.tenant) == before


def test_root_kind_cannot_be_created(isp):
    before = counts(isp.tenant)
    with pytest.raises(BusinessRuleError) as exc:
        _create(isp.ga, kind=Kind.ROOT)
    assert _errors(exc) == {"kind": ["Choose operator or sub-operator."]}
    assert counts(isp.tenant) == before


def test_parent_from_another_tenant_is_out_of_reach(isp, other_isp):
    before = counts(isp.tenant), counts(other_isp.tenant)
    with pytest.raises(OutOfReach):
        _create(isp.ga, kind=Kind.SUB_OPERATOR, parent=other_isp.op_x)
    assert (counts(isp.tenant), counts(other_isp.tenant)) == before


def test_invalid_mobile_is_a_field_error_and_nothing_is_saved(
    isp, received, django_capture_on_commit_callbacks
):
    before = counts(isp.tenant)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(BusinessRuleError) as exc,
    ):
        _create(isp.ga, mobile="12345")
    assert _errors(exc) == {"mobile": ["Enter a valid mobile number."]}
    assert counts(isp.tenant) == before
    assert not User.objects.filter(username="dhanmondi").exists()
    assert callbacks == []
    assert received == []


def test_landline_is_not_a_mobile(isp):
    before = counts(isp.tenant)
    with pytest.raises(BusinessRuleError) as exc:
        _create(isp.ga, mobile="029112233")
    assert set(_errors(exc)) == {"mobile"}
    assert counts(isp.tenant) == before


def test_mobile_already_used_by_another_user_is_refused(isp):
    before = counts(isp.tenant)
    with pytest.raises(BusinessRuleError) as exc:
        _create(isp.ga, mobile=isp.user_y.mobile)
    assert _errors(exc) == {"mobile": ["This mobile number is already in use."]}
    assert counts(isp.tenant) == before


def test_duplicate_username_rolls_back_the_operator(
    isp, received, django_capture_on_commit_callbacks
):
    before = counts(isp.tenant)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(BusinessRuleError) as exc,
    ):
        _create(isp.ga, username="A-OPX")
    assert _errors(exc) == {"username": ["This username is taken."]}
    assert counts(isp.tenant) == before
    with in_scope(isp.tenant):
        assert not Operator.objects.filter(name="Dhanmondi Link").exists()
    assert received == []


def test_weak_password_rolls_back_the_operator(isp):
    before = counts(isp.tenant)
    with pytest.raises(BusinessRuleError) as exc:
        _create(isp.ga, password="12345678")
    assert set(_errors(exc)) == {"password"}
    assert "This password is entirely numeric." in _errors(exc)["password"]
    assert counts(isp.tenant) == before


def test_username_with_invalid_characters_is_a_field_error(isp):
    before = counts(isp.tenant)
    with pytest.raises(BusinessRuleError) as exc:
        _create(isp.ga, username="two words")
    assert set(_errors(exc)) == {"username"}
    assert counts(isp.tenant) == before


def test_operator_names_are_unique_per_tenant_case_insensitively(isp):
    before = counts(isp.tenant)
    with pytest.raises(BusinessRuleError) as exc:
        _create(isp.ga, name="alpha net x")
    assert _errors(exc) == {"name": ["An operator with this name already exists."]}
    assert counts(isp.tenant) == before


def test_same_operator_name_is_fine_in_another_tenant(isp, other_isp):
    node = _create(other_isp.ga, name="Alpha Net X")
    assert node.tenant_id == other_isp.tenant.pk
    with in_scope(other_isp.tenant):
        assert Operator.objects.filter(name="Alpha Net X").count() == 1
    with in_scope(isp.tenant):
        assert Operator.objects.filter(name="Alpha Net X").get().pk == isp.op_x.pk


def test_database_refuses_duplicate_names_in_one_tenant(isp):
    with in_scope(isp.tenant), pytest.raises(IntegrityError), transaction.atomic():
        Operator.objects.create(
            tenant=isp.tenant, kind=Kind.OPERATOR, parent=isp.root, name="Alpha Net X", path="/x/"
        )


def test_negative_credit_limit_is_refused_on_create(isp):
    before = counts(isp.tenant)
    with pytest.raises(BusinessRuleError) as exc:
        _create(isp.ga, credit_limit=Decimal("-1"))
    assert _errors(exc) == {"credit_limit": ["The credit limit cannot be negative."]}
    assert counts(isp.tenant) == before


def test_credit_limit_on_create_needs_the_permission(isp):
    before = counts(isp.tenant)
    with pytest.raises(BusinessRuleError) as exc:
        _create(isp.user_x, kind=Kind.SUB_OPERATOR, parent=isp.op_x, credit_limit=Decimal("100"))
    assert _errors(exc) == {"credit_limit": ["You may not set credit limits."]}
    assert counts(isp.tenant) == before


def test_database_refuses_negative_credit_limit(isp):
    with in_scope(isp.tenant), pytest.raises(IntegrityError), transaction.atomic():
        Operator.objects.filter(pk=isp.op_x.pk).update(credit_limit=Decimal("-0.01"))


#
# operator_update
#


def _update(operator, by, **data):
    with in_scope(by.tenant):
        return services.operator_update(operator=operator, by=by, data=data)


def _reload(node):
    with in_scope(node.tenant_id):
        return Operator.objects.get(pk=node.pk)


def test_group_admin_updates_operator_and_it_is_audited(
    isp, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _update(isp.op_x, isp.ga, name="Alpha Net X Prime", address="Mirpur 10")
    node = _reload(isp.op_x)
    assert (node.name, node.address) == ("Alpha Net X Prime", "Mirpur 10")
    (entry,) = audit_entries(isp.tenant, action="operator.updated")
    assert entry.actor_id == isp.ga.pk
    assert entry.object_id == str(isp.op_x.pk)
    assert entry.before["name"] == "Alpha Net X"
    assert entry.before["address"] == ""
    assert entry.after["name"] == "Alpha Net X Prime"
    assert entry.after["address"] == "Mirpur 10"
    assert {k for k, _old, _new in entry.changes} == {"name", "address"}
    assert received == [
        {"event": "operator.updated", "tenant_id": isp.tenant.pk, "operator_id": isp.op_x.pk}
    ]


def test_update_refuses_a_name_taken_case_insensitively(isp):
    with pytest.raises(BusinessRuleError) as exc:
        _update(isp.op_x, isp.ga, name="ALPHA NET Y")
    assert _errors(exc) == {"name": ["An operator with this name already exists."]}
    assert _reload(isp.op_x).name == "Alpha Net X"
    assert audit_entries(isp.tenant, action="operator.updated") == []


def test_update_keeps_own_name_in_other_case(isp):
    _update(isp.op_x, isp.ga, name="ALPHA NET X")
    assert _reload(isp.op_x).name == "ALPHA NET X"


def test_update_mobile_is_normalised_and_the_login_follows(isp):
    _update(isp.op_x, isp.ga, mobile="8801811000009")
    assert _reload(isp.op_x).mobile == "+8801811000009"
    # The number is also the operator's login name.
    assert User.objects.get(pk=isp.user_x.pk).mobile == "+8801811000009"
    assert User.objects.get(pk=isp.manager_x.pk).mobile == isp.manager_x.mobile


def test_update_with_the_operators_own_mobile_in_another_format(isp):
    # The operator's login carries the same number; re-saving it must not clash with it.
    national = "0" + isp.op_x.mobile[4:]
    _update(isp.op_x, isp.ga, mobile=national, address="Gulshan")
    node = _reload(isp.op_x)
    assert (node.mobile, node.address) == (isp.user_x.mobile, "Gulshan")


def test_update_refuses_another_users_mobile(isp):
    with pytest.raises(BusinessRuleError) as exc:
        _update(isp.op_x, isp.ga, mobile=isp.user_y.mobile)
    assert _errors(exc) == {"mobile": ["This mobile number is already in use."]}
    assert _reload(isp.op_x).mobile == isp.op_x.mobile


def test_update_refuses_invalid_mobile(isp):
    with pytest.raises(BusinessRuleError) as exc:
        _update(isp.op_x, isp.ga, mobile="0171")
    assert _errors(exc) == {"mobile": ["Enter a valid mobile number."]}
    assert _reload(isp.op_x).mobile == isp.op_x.mobile
    assert audit_entries(isp.tenant, action="operator.updated") == []


def test_deactivating_an_operator_deactivates_its_login_only(isp):
    _update(isp.op_x, isp.ga, is_active=False)
    assert _reload(isp.op_x).is_active is False
    assert User.objects.get(pk=isp.user_x.pk).is_active is False
    # Staff working for the operator keep their own flag.
    assert User.objects.get(pk=isp.manager_x.pk).is_active is True
    assert User.objects.get(pk=isp.user_x1.pk).is_active is True
    _update(isp.op_x, isp.ga, is_active=True)
    assert User.objects.get(pk=isp.user_x.pk).is_active is True


def test_fields_outside_the_allowed_set_are_refused(isp):
    for data in ({"balance": Decimal("100")}, {"credit_limit": Decimal("5")}, {"parent": None}):
        with pytest.raises(BusinessRuleError) as exc:
            _update(isp.op_x, isp.ga, **data)
        assert exc.value.messages == ["These fields cannot be changed here."]
    node = _reload(isp.op_x)
    assert (node.balance, node.credit_limit, node.parent_id) == (
        Decimal("0.00"),
        Decimal("0.00"),
        isp.root.pk,
    )


def test_root_cannot_be_deactivated(isp):
    with pytest.raises(BusinessRuleError):
        _update(isp.root, isp.ga, is_active=False)
    assert _reload(isp.root).is_active is True


def test_operator_edits_own_sub_operator_but_not_operator_y(isp):
    _update(isp.sub_x1, isp.user_x, address="Pallabi")
    assert _reload(isp.sub_x1).address == "Pallabi"
    with pytest.raises(BusinessRuleError):
        _update(isp.op_y, isp.user_x, address="Hijacked")
    assert _reload(isp.op_y).address == ""
    assert [e.actor_id for e in audit_entries(isp.tenant, action="operator.updated")] == [
        isp.user_x.pk
    ]


def test_operator_cannot_edit_a_sibling_operators_sub_operator(isp):
    y1 = make_operator(by=isp.ga, kind=Kind.SUB_OPERATOR, parent=isp.op_y)
    with pytest.raises(OutOfReach):
        _update(y1, isp.user_x, is_active=False)
    assert _reload(y1).is_active is True
    assert login_user_of(y1).is_active is True


def test_operator_cannot_edit_another_tenants_operator(isp, other_isp):
    with pytest.raises(OutOfReach):
        _update(other_isp.op_x, isp.ga, name="Taken over")
    assert _reload(other_isp.op_x).name == "Beta Net X"
    assert audit_entries(other_isp.tenant, action="operator.updated") == []


#
# operator_set_credit_limit
#


def _credit(operator, by, amount):
    with in_scope(by.tenant):
        return services.operator_set_credit_limit(operator=operator, by=by, amount=amount)


def test_group_admin_sets_credit_limit(isp):
    _credit(isp.op_x, isp.ga, Decimal("2500.005"))
    assert _reload(isp.op_x).credit_limit == Decimal("2500.01")
    (entry,) = audit_entries(isp.tenant, action="operator.credit_limit_set")
    assert entry.actor_id == isp.ga.pk
    assert entry.object_id == str(isp.op_x.pk)
    assert entry.before == {"credit_limit": "0.00"}
    assert entry.after == {"credit_limit": "2500.01"}


def test_credit_limit_cannot_be_negative(isp):
    _credit(isp.op_x, isp.ga, Decimal("300"))
    with pytest.raises(BusinessRuleError) as exc:
        _credit(isp.op_x, isp.ga, Decimal("-0.01"))
    assert _errors(exc) == {"credit_limit": ["The credit limit cannot be negative."]}
    assert _reload(isp.op_x).credit_limit == Decimal("300.00")
    assert len(audit_entries(isp.tenant, action="operator.credit_limit_set")) == 1


def test_credit_limit_zero_is_allowed(isp):
    _credit(isp.op_x, isp.ga, Decimal("300"))
    _credit(isp.op_x, isp.ga, Decimal("0"))
    assert _reload(isp.op_x).credit_limit == Decimal("0.00")


@pytest.mark.parametrize("who", ["user_x", "manager_x", "noc", "sales"])
def test_credit_limit_needs_the_permission(isp, who):
    with pytest.raises(BusinessRuleError) as exc:
        _credit(isp.sub_x1, getattr(isp, who), Decimal("100"))
    assert exc.value.code == "forbidden"
    assert _reload(isp.sub_x1).credit_limit == Decimal("0.00")
    assert audit_entries(isp.tenant, action="operator.credit_limit_set") == []


def test_group_admin_cannot_set_own_credit_limit(isp):
    with pytest.raises(BusinessRuleError):
        _credit(isp.root, isp.ga, Decimal("100"))
    assert _reload(isp.root).credit_limit == Decimal("0.00")


def test_credit_limit_of_another_tenant_is_out_of_reach(isp, other_isp):
    with pytest.raises(OutOfReach):
        _credit(other_isp.op_x, isp.ga, Decimal("100"))
    assert _reload(other_isp.op_x).credit_limit == Decimal("0.00")
    assert audit_entries(other_isp.tenant, action="operator.credit_limit_set") == []


def test_new_operator_mobile_round_trip(isp):
    mobile = next_mobile()
    node = make_operator(by=isp.ga, mobile=mobile)
    assert node.mobile == e164(mobile)
