"""One catalog of permission codes and one check: `can(user, code, obj=None)`.

A role gives a user default codes (`accounts.roles`); special permissions switch codes
on or off per user. `can` also checks that `obj` lies in the user's tenant and, for
objects that belong to an operator, in the user's operator subtree. `restrict` applies
the same rule to a queryset. The base view and base viewset call these, so no page or
endpoint can forget them.

The user object is duck-typed here (core sits below accounts): it has `tenant_id`,
`permission_codes` (a frozenset) and `reach_path` (the path of its operator node).
Models name the field that holds their owner's path in `reach_field`.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Perm:
    code: str
    label: str
    section: str
    # Financial codes are never given to NOC users, even by special permission.
    financial: bool = False
    # The whole ISP's books and runs (no operator owns them): only users at the ISP's
    # root may use the code, whatever special permissions say.
    isp_wide: bool = False


CATALOG: tuple[Perm, ...] = (
    # Dashboard and reports
    Perm("dashboard.view", _("See the dashboard"), _("Dashboard")),
    Perm("reports.financial", _("See revenue, dues and balances"), _("Dashboard"), True),
    # Company
    Perm("editCompany", _("Edit company settings"), _("Settings")),
    Perm("activity_log.view", _("Browse the activity log"), _("Settings")),
    Perm("permissions.manage", _("Change special permissions"), _("Settings")),
    # Operators and people
    Perm("operators.view", _("See operators"), _("Operators")),
    Perm("operators.create", _("Create operators"), _("Operators")),
    Perm("operators.edit", _("Edit operators"), _("Operators")),
    Perm("operators.access", _("Get Access to an operator's panel"), _("Operators")),
    Perm("operators.balance", _("See and add operator balance"), _("Operators"), True),
    Perm("operators.credit_limit", _("Set operator credit limits"), _("Operators"), True),
    Perm("sub_operators.manage", _("Create and edit sub-operators"), _("Operators")),
    Perm("managers.manage", _("Create and edit managers"), _("Operators & Managers")),
    Perm("noc_users.manage", _("Create and edit NOC users"), _("Operators & Managers")),
    Perm("sales_managers.manage", _("Create and edit sales managers"), _("Settings")),
    Perm("sales_notes.add", _("Add sales notes on operators"), _("Operators")),
    Perm("users.view", _("See user accounts"), _("Operators & Managers")),
    # Customers
    Perm("customers.view", _("See customers"), _("Customers")),
    Perm("customers.create", _("Create customers"), _("Customers")),
    Perm("customers.edit", _("Edit customers"), _("Customers")),
    Perm("customers.suspend", _("Suspend and restore customers"), _("Customers")),
    Perm("customers.disconnect", _("Disconnect live sessions"), _("Customers")),
    Perm("customers.custom_price", _("Set customers' custom prices"), _("Customers"), True),
    Perm("zones.manage", _("Define customer zones"), _("Customers")),
    Perm(
        "custom_fields.manage", _("Define custom fields and mandatory attributes"), _("Customers")
    ),
    # Money
    Perm("bills.view", _("See bills"), _("Bills & Payments"), True),
    Perm("bills.edit", _("Edit bills"), _("Bills & Payments"), True),
    Perm("payments.view", _("See payments"), _("Bills & Payments"), True),
    Perm("payments.receive", _("Receive payments"), _("Bills & Payments"), True),
    Perm(
        "bills.runs",
        _("Start bill runs and confirm held suspensions"),
        _("Bills & Payments"),
        True,
        isp_wide=True,
    ),
    Perm("billing.settings", _("Change billing settings"), _("Settings"), True, isp_wide=True),
    Perm("accounting.view", _("See accounting"), _("Accounting"), True, isp_wide=True),
    Perm("payments.reverse", _("Reverse payments"), _("Bills & Payments"), True, isp_wide=True),
    Perm("payments.verify", _("Verify gateway payments"), _("Bills & Payments"), True),
    Perm("payment_links.send", _("Send payment links"), _("Bills & Payments"), True),
    Perm("gateways.manage", _("Configure payment gateways"), _("Settings"), True, isp_wide=True),
    Perm("portal.settings", _("Change the suspension portal"), _("Settings"), isp_wide=True),
    Perm("cards.view", _("See recharge cards"), _("Recharge Cards"), True),
    Perm("cards.sell", _("Sell and redeem recharge cards"), _("Recharge Cards"), True),
    Perm(
        "cards.manage",
        _("Create and issue recharge card batches"),
        _("Recharge Cards"),
        True,
        isp_wide=True,
    ),
    # Network
    Perm("routers.view", _("See routers"), _("Routers & Packages")),
    Perm("routers.manage", _("Add and configure routers"), _("Routers & Packages")),
    Perm("ip_pools.manage", _("Manage IP pools and PPPoE profiles"), _("IP & PPPoE Management")),
    # Packages carry prices (master, operator and customer): financial.
    Perm("packages.view", _("See packages"), _("Routers & Packages"), True),
    Perm("packages.manage", _("Create and edit master packages"), _("Routers & Packages"), True),
    Perm("monitoring.view", _("Use network monitoring"), _("Monitoring")),
    # Messaging and API
    Perm("sms.send", _("Send SMS"), _("SMS & Notifications")),
    Perm("api.keys", _("Create API keys for oneself"), _("Settings")),
    # Platform (the SaaS owner, not an ISP)
    Perm("platform.manage", _("Create and suspend tenants"), _("Platform")),
)

BY_CODE: dict[str, Perm] = {p.code: p for p in CATALOG}
ALL_CODES: frozenset[str] = frozenset(BY_CODE)
FINANCIAL_CODES: frozenset[str] = frozenset(p.code for p in CATALOG if p.financial)
TENANT_CODES: frozenset[str] = ALL_CODES - {"platform.manage"}


def is_financial(code: str) -> bool:
    return code in FINANCIAL_CODES


def _check_code(code: str) -> None:
    if code not in BY_CODE:
        raise KeyError(f"Unknown permission code {code!r}: add it to core.permissions.CATALOG.")


def path_of(obj: models.Model) -> str | None:
    """The operator path an object belongs to, or None for tenant-wide objects."""
    field = getattr(type(obj), "reach_field", None)
    if not field:
        return None
    value = obj
    for part in field.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def in_reach(user, obj: models.Model) -> bool:
    """Whether `obj` lies in the user's tenant and, if it has an owner, its subtree."""
    if getattr(obj, "tenant_id", None) != user.tenant_id or user.tenant_id is None:
        return False
    if not getattr(type(obj), "reach_field", None):
        return True
    path = path_of(obj)
    return bool(path) and bool(user.reach_path) and path.startswith(user.reach_path)


def at_isp_root(user) -> bool:
    """Whether the user's node is the ISP's root (the Group Admin's own book)."""
    path = getattr(user, "reach_path", None) or ""
    return bool(path) and "/" not in path.strip("/")


def can(user, code: str, obj: models.Model | None = None) -> bool:
    """May `user` do `code` (to `obj`, if given)?"""
    _check_code(code)
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if code not in user.permission_codes:
        return False
    if BY_CODE[code].isp_wide and not at_isp_root(user):
        return False
    if obj is None:
        return True
    return in_reach(user, obj)


def restrict(queryset: models.QuerySet, user, code: str) -> models.QuerySet:
    """`queryset` cut down to what `user` may `code`: nothing, or its tenant and subtree."""
    if not can(user, code):
        return queryset.none()
    model = queryset.model
    queryset = queryset.filter(tenant_id=user.tenant_id)
    field = getattr(model, "reach_field", None)
    if field:
        if not user.reach_path:
            # A user without an operator node reaches no owned object (as in_reach).
            return queryset.none()
        if user.operator.is_root:
            # Every operator of the ISP hangs under its root: the tenant filter is the
            # whole reach. Leaving out the path join lets PostgreSQL use the model's own
            # indexes (the 200k-customer list's search uses its trigram indexes).
            return queryset
        queryset = queryset.filter(**{f"{field}__startswith": user.reach_path})
    return queryset
