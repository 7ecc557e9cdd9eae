"""Writes on people and the operator tree. Each is one transaction with an audit entry."""

import hashlib
import secrets
from decimal import Decimal

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from netbill.core.audit import audit_record, snapshot
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError, OutOfReach
from netbill.core.money import quantize
from netbill.core.permissions import can, in_reach
from netbill.core.phone import normalize_mobile
from netbill.core.services import full_clean, require_permission
from netbill.tenancy.models import Tenant

from .choices import OperatorKindChoices as Kind
from .choices import UserRoleChoices as Role
from .models import ApiKey, Operator, PermissionOverride, SalesNote, User
from .roles import ROLE_DEFAULTS, grantable_codes

USER_FIELDS = ["username", "name", "email", "mobile", "role", "operator", "is_active"]
OPERATOR_FIELDS = [
    "name",
    "kind",
    "parent",
    "mobile",
    "email",
    "address",
    "is_active",
    "credit_limit",
    "balance",
]


# Guards


def _clean_mobile(mobile: str | None, *, exclude_user: User | None = None) -> str | None:
    if not mobile:
        return None
    try:
        value = normalize_mobile(mobile)
    except ValidationError as exc:
        raise BusinessRuleError({"mobile": exc.messages}) from exc
    clash = User.objects.filter(mobile=value)
    if exclude_user is not None:
        clash = clash.exclude(pk=exclude_user.pk)
    if clash.exists():
        raise BusinessRuleError({"mobile": [_("This mobile number is already in use.")]})
    return value


def _check_new_login(username: str, password: str, probe: User) -> None:
    if not username:
        raise BusinessRuleError({"username": [_("Enter a username.")]})
    if User.objects.filter(username__iexact=username).exists():
        raise BusinessRuleError({"username": [_("This username is taken.")]})
    try:
        validate_password(password, probe)
    except ValidationError as exc:
        raise BusinessRuleError({"password": exc.messages}) from exc


def _new_user(*, tenant, role, operator, username, password, name, mobile, email, by) -> User:
    user = User(
        tenant=tenant,
        role=role,
        operator=operator,
        username=username,
        name=name,
        email=email or "",
        mobile=_clean_mobile(mobile),
        created_by=by,
    )
    _check_new_login(username, password, user)
    user.set_password(password)
    full_clean(user, exclude=["password"])
    user.save()
    return user


def _set_path(node: Operator) -> None:
    node.path = f"{node.parent.path if node.parent_id else '/'}{node.pk}/"
    node.depth = node.path.count("/") - 2
    node.save(update_fields=["path", "depth"])


# Tenants


def tenant_onboard(
    *,
    name: str,
    slug: str,
    admin_username: str,
    admin_password: str,
    admin_name: str = "",
    admin_mobile: str = "",
    admin_email: str = "",
    by: User | None,
) -> tuple[Tenant, User]:
    """Create an ISP: the tenant, its root operator and its first Group Admin.

    Used by the platform page and `manage.py create_tenant`.
    """
    if by is not None and not can(by, "platform.manage"):
        raise BusinessRuleError(_("Only platform admins create ISPs."), code="forbidden")
    if Tenant.objects.filter(slug=slug).exists():
        raise BusinessRuleError({"slug": [_("This short name is taken.")]})
    with transaction.atomic():
        tenant = Tenant(name=name, slug=slug)
        full_clean(tenant)
        tenant.save()
        # A platform admin works outside any tenant; the rows below belong to the tenant
        # just made, so their validation queries run in its scope.
        with scope(tenant=tenant.pk):
            return _onboard_root(
                tenant,
                admin_username,
                admin_password,
                admin_name,
                admin_mobile,
                admin_email,
                by,
                name,
            )


def _onboard_root(
    tenant, admin_username, admin_password, admin_name, admin_mobile, admin_email, by, name
):
    root = Operator(tenant=tenant, name=name, kind=Kind.ROOT, path="/")
    full_clean(root, exclude=["path"])
    root.save()
    _set_path(root)
    admin = _new_user(
        tenant=tenant,
        role=Role.GROUP_ADMIN,
        operator=root,
        username=admin_username,
        password=admin_password,
        name=admin_name or name,
        mobile=admin_mobile,
        email=admin_email,
        by=by,
    )
    audit_record(
        tenant=tenant, actor=by, action="tenant.created", obj=tenant, after=snapshot(tenant)
    )
    audit_record(
        tenant=tenant,
        actor=by,
        action="user.created",
        obj=admin,
        after=snapshot(admin, USER_FIELDS),
    )
    publish("tenant.created", tenant_id=tenant.pk)
    return tenant, admin


# Operators


def operator_create(
    *,
    by: User,
    kind: str,
    parent: Operator | None,
    name: str,
    username: str,
    password: str,
    mobile: str = "",
    email: str = "",
    address: str = "",
    credit_limit: Decimal = Decimal("0"),
) -> Operator:
    """Operators → Create Operator (Group Admin), or a sub-operator below an operator.

    Operators hang below the root and are made by the Group Admin; sub-operators hang
    below the root or an operator, and an operator may make them only in its own subtree.
    Each node gets its login user in the same transaction.
    """
    if kind == Kind.OPERATOR:
        require_permission(by, "operators.create")
        parent = Operator.objects.get(tenant_id=by.tenant_id, kind=Kind.ROOT)
        role = Role.OPERATOR
    elif kind == Kind.SUB_OPERATOR:
        if parent is None:
            raise BusinessRuleError({"parent": [_("Choose the operator it works under.")]})
        require_permission(by, "sub_operators.manage", parent)
        role = Role.SUB_OPERATOR
    else:
        raise BusinessRuleError({"kind": [_("Choose operator or sub-operator.")]})
    if credit_limit and not can(by, "operators.credit_limit"):
        raise BusinessRuleError({"credit_limit": [_("You may not set credit limits.")]})
    if quantize(credit_limit or 0) < 0:
        raise BusinessRuleError({"credit_limit": [_("The credit limit cannot be negative.")]})
    with transaction.atomic():
        node = Operator(
            tenant_id=by.tenant_id,
            kind=kind,
            parent=parent,
            name=name,
            email=email or "",
            address=address or "",
            mobile=_clean_mobile(mobile) or "",
            credit_limit=quantize(credit_limit or 0),
            path="/",
        )
        if Operator.objects.filter(name__iexact=name).exists():
            raise BusinessRuleError({"name": [_("An operator with this name already exists.")]})
        full_clean(node, exclude=["path", "mobile"])
        node.save()
        _set_path(node)
        login = _new_user(
            tenant=node.tenant,
            role=role,
            operator=node,
            username=username,
            password=password,
            name=name,
            mobile=mobile,
            email=email,
            by=by,
        )
        audit_record(
            tenant=node.tenant,
            actor=by,
            action="operator.created",
            obj=node,
            after=snapshot(node, OPERATOR_FIELDS),
        )
        audit_record(
            tenant=node.tenant,
            actor=by,
            action="user.created",
            obj=login,
            after=snapshot(login, USER_FIELDS),
        )
        publish("operator.created", tenant_id=node.tenant_id, operator_id=node.pk)
    return node


def operator_update(*, operator: Operator, by: User, data: dict) -> Operator:
    """Edit an operator's contact details or deactivate it (its users then cannot log in)."""
    allowed = {"name", "mobile", "email", "address", "is_active"}
    if set(data) - allowed:
        raise BusinessRuleError(_("These fields cannot be changed here."))
    code = "sub_operators.manage" if operator.kind == Kind.SUB_OPERATOR else "operators.edit"
    require_permission(by, code, operator)
    if operator.is_root and data.get("is_active") is False:
        raise BusinessRuleError(_("The Group Admin's own book cannot be deactivated."))
    if operator.pk == by.operator_id and "is_active" in data:
        raise BusinessRuleError(_("You cannot deactivate your own account."))
    with transaction.atomic():
        node = Operator.objects.select_for_update().get(pk=operator.pk)
        before = snapshot(node, OPERATOR_FIELDS)
        own_login = User.in_tenant.filter(
            operator=node, role__in=[Role.OPERATOR, Role.SUB_OPERATOR]
        ).first()
        if "mobile" in data:
            # The node's own login carries the same number: it is not a clash.
            data["mobile"] = _clean_mobile(data["mobile"], exclude_user=own_login) or ""
        if (
            "name" in data
            and Operator.objects.filter(name__iexact=data["name"]).exclude(pk=node.pk).exists()
        ):
            raise BusinessRuleError({"name": [_("An operator with this name already exists.")]})
        for field, value in data.items():
            setattr(node, field, value)
        full_clean(node, exclude=["path"])
        node.save()
        if "is_active" in data:
            # The node's own login follows the node.
            User.in_tenant.filter(
                operator=node, role__in=[Role.OPERATOR, Role.SUB_OPERATOR]
            ).update(is_active=node.is_active)
        if "mobile" in data and own_login is not None:
            # So does its mobile, which is also a login name.
            User.in_tenant.filter(pk=own_login.pk).update(mobile=node.mobile or None)
        audit_record(
            tenant=node.tenant,
            actor=by,
            action="operator.updated",
            obj=node,
            before=before,
            after=snapshot(node, OPERATOR_FIELDS),
        )
        publish("operator.updated", tenant_id=node.tenant_id, operator_id=node.pk)
    return node


def operator_set_credit_limit(*, operator: Operator, by: User, amount: Decimal) -> Operator:
    """Operators → Credit Limit: the most unpaid billing an operator may carry."""
    require_permission(by, "operators.credit_limit", operator)
    amount = quantize(amount)
    if amount < 0:
        raise BusinessRuleError({"credit_limit": [_("The credit limit cannot be negative.")]})
    if operator.pk == by.operator_id:
        raise BusinessRuleError(_("You cannot set your own credit limit."))
    with transaction.atomic():
        node = Operator.objects.select_for_update().get(pk=operator.pk)
        before = {"credit_limit": str(node.credit_limit)}
        node.credit_limit = amount
        node.save(update_fields=["credit_limit"])
        audit_record(
            tenant=node.tenant,
            actor=by,
            action="operator.credit_limit_set",
            obj=node,
            before=before,
            after={"credit_limit": str(amount)},
        )
    return node


# Staff users: managers, NOC users, sales managers


STAFF_ROLE_CODES = {
    Role.MANAGER: "managers.manage",
    Role.CARD_DISTRIBUTOR: "managers.manage",
    Role.NOC: "noc_users.manage",
    Role.SALES_MANAGER: "sales_managers.manage",
}


def staff_user_create(
    *,
    by: User,
    role: str,
    operator: Operator | None,
    username: str,
    password: str,
    name: str,
    mobile: str = "",
    email: str = "",
    codes: set[str] | None = None,
) -> User:
    """Create a manager or card distributor (for a node in reach), a NOC user or a sales
    manager (tenant-wide). `codes`, when given, become the new user's exact permissions.
    """
    code = STAFF_ROLE_CODES.get(role)
    if code is None:
        raise BusinessRuleError({"role": [_("This role cannot be created here.")]})
    if role in (Role.NOC, Role.SALES_MANAGER):
        require_permission(by, code)
        operator = Operator.objects.get(tenant_id=by.tenant_id, kind=Kind.ROOT)
    else:
        if operator is None:
            raise BusinessRuleError({"operator": [_("Choose the operator it works for.")]})
        require_permission(by, code, operator)
    with transaction.atomic():
        user = _new_user(
            tenant=operator.tenant,
            role=role,
            operator=operator,
            username=username,
            password=password,
            name=name,
            mobile=mobile,
            email=email,
            by=by,
        )
        audit_record(
            tenant=user.tenant,
            actor=by,
            action="user.created",
            obj=user,
            after=snapshot(user, USER_FIELDS),
        )
        if codes is not None:
            _apply_codes(user=user, by=by, codes=set(codes))
        publish("user.created", tenant_id=user.tenant_id, user_id=user.pk)
    return user


def user_update(*, user: User, by: User, data: dict) -> User:
    """Edit a staff user's name, contact details or active flag."""
    allowed = {"name", "mobile", "email", "is_active"}
    if set(data) - allowed:
        raise BusinessRuleError(_("These fields cannot be changed here."))
    require_permission(by, manage_code_for(user), user)
    if user.pk == by.pk and data.get("is_active") is False:
        raise BusinessRuleError(_("You cannot deactivate your own account."))
    with transaction.atomic():
        target = User.in_tenant.select_for_update().get(pk=user.pk)
        before = snapshot(target, USER_FIELDS)
        if "mobile" in data:
            data["mobile"] = _clean_mobile(data["mobile"], exclude_user=target)
        for field, value in data.items():
            setattr(target, field, value)
        full_clean(target, exclude=["password"])
        target.save()
        audit_record(
            tenant=target.tenant,
            actor=by,
            action="user.updated",
            obj=target,
            before=before,
            after=snapshot(target, USER_FIELDS),
        )
    return target


def manage_code_for(user: User) -> str:
    """The permission code needed to edit this user's account."""
    codes = {
        **STAFF_ROLE_CODES,
        Role.SUB_OPERATOR: "sub_operators.manage",
        Role.OPERATOR: "operators.edit",
    }
    return codes.get(user.role, "permissions.manage")


# Special permissions


def manageable_by(by: User, target: User) -> bool:
    """Whose permissions `by` may change: a Group Admin anyone else in the ISP below the
    Group Admin role; an operator its own sub-operators, managers and card distributors."""
    if target.pk == by.pk or target.tenant_id != by.tenant_id or not in_reach(by, target):
        return False
    if by.role == Role.GROUP_ADMIN:
        return target.role != Role.GROUP_ADMIN
    if by.role in (Role.OPERATOR, Role.SUB_OPERATOR):
        return target.role in (Role.SUB_OPERATOR, Role.MANAGER, Role.CARD_DISTRIBUTOR)
    return False


def user_set_permissions(*, user: User, by: User, codes: set[str]) -> User:
    """Special Permissions: make `codes` the user's exact set of permissions."""
    require_permission(by, "permissions.manage", user)
    if not manageable_by(by, user):
        raise BusinessRuleError(_("You cannot change this user's permissions."))
    with transaction.atomic():
        _apply_codes(user=user, by=by, codes=set(codes))
    return user


def _apply_codes(*, user: User, by: User, codes: set[str]) -> None:
    allowed = grantable_codes(user.role)
    not_allowed = codes - allowed
    if not_allowed:
        raise BusinessRuleError(
            _("A %(role)s cannot hold: %(codes)s")
            % {"role": user.get_role_display(), "codes": ", ".join(sorted(not_allowed))}
        )
    # Nobody hands out what they do not hold themselves (codes the user already has, for
    # example from the Group Admin, may stay).
    escalation = (
        codes
        - by.permission_codes
        - ROLE_DEFAULTS.get(user.role, frozenset())
        - user.permission_codes
    )
    if escalation:
        raise BusinessRuleError(
            _("You cannot grant permissions you do not have: %(codes)s")
            % {"codes": ", ".join(sorted(escalation))}
        )
    before = sorted(user.permission_codes)
    defaults = ROLE_DEFAULTS.get(user.role, frozenset())
    PermissionOverride.objects.filter(user=user).delete()
    rows = [
        PermissionOverride(tenant_id=user.tenant_id, user=user, code=c, granted=True)
        for c in sorted(codes - defaults)
    ] + [
        PermissionOverride(tenant_id=user.tenant_id, user=user, code=c, granted=False)
        for c in sorted(defaults - codes)
    ]
    PermissionOverride.objects.bulk_create(rows)
    user.__dict__.pop("permission_codes", None)
    audit_record(
        tenant=user.tenant,
        actor=by,
        action="user.permissions_changed",
        obj=user,
        before={"codes": before},
        after={"codes": sorted(user.permission_codes)},
    )


# Sales notes


def sales_note_add(*, by: User, operator: Operator, body: str) -> SalesNote:
    """Settings → Sales Managers: a sales note on an operator."""
    require_permission(by, "sales_notes.add", operator)
    body = (body or "").strip()
    if not body:
        raise BusinessRuleError({"body": [_("Write a note.")]})
    with transaction.atomic():
        note = SalesNote.objects.create(
            tenant_id=by.tenant_id, operator=operator, author=by, body=body
        )
        audit_record(
            tenant=operator.tenant,
            actor=by,
            action="sales_note.added",
            obj=operator,
            after={"note": body},
        )
    return note


# API keys (scaffold)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(*, by: User, name: str) -> tuple[ApiKey, str]:
    """Make an API key for `by`; returns the key and the full token, shown once."""
    require_permission(by, "api.keys")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(
            user=by, name=name or "API key", prefix=prefix, key_hash=_hash(secret)
        )
        audit_record(
            tenant=by.tenant,
            actor=by,
            action="api_key.created",
            obj=key,
            after={"name": key.name, "prefix": prefix},
        )
    return key, f"{prefix}.{secret}"


def api_key_revoke(*, key: ApiKey, by: User) -> ApiKey:
    """Revoke one's own key; revoking it again changes nothing."""
    if key.user_id != by.pk:
        raise OutOfReach(_("This is outside your reach."))
    if key.revoked_at is not None:
        return key
    with transaction.atomic():
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(tenant=by.tenant, actor=by, action="api_key.revoked", obj=key)
    return key


def api_key_resolve(token: str) -> ApiKey | None:
    """The live key for `prefix.secret`, or None. Compared in constant time."""
    prefix, _sep, secret = (token or "").partition(".")
    if not prefix or not secret:
        return None
    key = (
        ApiKey.objects.select_related("user", "user__tenant")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if key is None or not secrets.compare_digest(key.key_hash, _hash(secret)):
        return None
    if not key.user.is_active:
        return None
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key
