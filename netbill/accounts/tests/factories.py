"""Builders for accounts tests.

Operators and users are only ever made through the services (they carry a path, a login
user and audit entries), so these helpers call the services with fresh, valid values.
Mobile numbers start with 0181 so they never clash with the conftest fixtures (0171).
"""

import itertools
from decimal import Decimal

from django_scopes import scope

from netbill.accounts import services
from netbill.accounts.choices import OperatorKindChoices as Kind
from netbill.accounts.choices import UserRoleChoices as Role
from netbill.accounts.models import Operator, User
from netbill.core.models import AuditLog

PASSWORD = "Test-pass-1234"

_seq = itertools.count(1)


def next_mobile() -> str:
    """A valid Bangladeshi mobile number no fixture uses (national format)."""
    return f"0181{next(_seq):07d}"


def e164(mobile: str) -> str:
    """The stored form of a national number such as 01811234567."""
    return "+880" + mobile[1:]


def make_operator(
    *,
    by: User,
    kind: str = Kind.OPERATOR,
    parent: Operator | None = None,
    credit_limit: Decimal = Decimal("0"),
    **fields,
) -> Operator:
    """An operator (below the root) or a sub-operator (below `parent`), made by `by`."""
    n = next(_seq)
    values = {
        "name": f"Operator {n}",
        "username": f"op-{n}",
        "password": PASSWORD,
        "mobile": next_mobile(),
    }
    values.update(fields)
    with scope(tenant=by.tenant_id):
        return services.operator_create(
            by=by, kind=kind, parent=parent, credit_limit=credit_limit, **values
        )


def make_staff(
    *, by: User, role: str, operator: Operator | None = None, codes=None, **fields
) -> User:
    """A manager, card distributor, NOC user or sales manager, made by `by`."""
    n = next(_seq)
    values = {
        "username": f"staff-{n}",
        "password": PASSWORD,
        "name": f"Staff {n}",
        "mobile": next_mobile(),
    }
    values.update(fields)
    with scope(tenant=by.tenant_id):
        return services.staff_user_create(
            by=by, role=role, operator=operator, codes=codes, **values
        )


def login_user_of(node: Operator) -> User:
    """The operator's or sub-operator's own login."""
    return User.objects.select_related("operator", "tenant").get(
        operator=node, role__in=[Role.OPERATOR, Role.SUB_OPERATOR]
    )


def audit_entries(tenant, **filters) -> list[AuditLog]:
    """The tenant's audit entries, oldest first."""
    with scope(tenant=tenant.pk):
        return list(AuditLog.objects.filter(tenant=tenant, **filters).order_by("id"))


def counts(tenant) -> dict[str, int]:
    """Row counts that a refused write must leave unchanged."""
    with scope(tenant=tenant.pk):
        return {
            "operators": Operator.objects.count(),
            "users": User.objects.count(),
            "audit": AuditLog.objects.count(),
        }
