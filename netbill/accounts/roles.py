"""Default permission codes per role. Special permissions switch codes on or off per user."""

from netbill.core.permissions import FINANCIAL_CODES, TENANT_CODES

from .choices import UserRoleChoices as R

_OPERATOR = {
    "dashboard.view",
    "reports.financial",
    "operators.view",
    "operators.access",
    "operators.balance",
    "sub_operators.manage",
    "managers.manage",
    "users.view",
    "permissions.manage",
    "activity_log.view",
    "customers.view",
    "customers.create",
    "customers.edit",
    "customers.suspend",
    "customers.disconnect",
    "customers.custom_price",
    "bills.view",
    "bills.edit",
    "payments.view",
    "payments.receive",
    "cards.view",
    "cards.sell",
    "payments.verify",
    "payment_links.send",
    "packages.view",
    "sms.send",
    "api.keys",
}

_NOC = {
    "routers.view",
    "routers.manage",
    "ip_pools.manage",
    "monitoring.view",
    "customers.view",
    "customers.disconnect",
}

ROLE_DEFAULTS: dict[str, frozenset[str]] = {
    R.PLATFORM_ADMIN: frozenset({"platform.manage"}),
    R.GROUP_ADMIN: frozenset(TENANT_CODES),
    R.OPERATOR: frozenset(_OPERATOR),
    R.SUB_OPERATOR: frozenset(
        {
            "dashboard.view",
            "customers.view",
            "customers.create",
            "customers.edit",
            "bills.view",
            "payments.view",
            "payments.receive",
            "packages.view",
        }
    ),
    R.MANAGER: frozenset({"dashboard.view", "customers.view", "payments.receive"}),
    R.NOC: frozenset(_NOC),
    R.SALES_MANAGER: frozenset({"operators.view", "sales_notes.add", "sms.send"}),
    R.CARD_DISTRIBUTOR: frozenset({"dashboard.view", "cards.view", "cards.sell"}),
}

# Codes a role can never hold, whatever special permissions say.
ROLE_FORBIDDEN: dict[str, frozenset[str]] = {
    R.NOC: FINANCIAL_CODES | {"editCompany", "permissions.manage", "operators.access"},
    R.SALES_MANAGER: FINANCIAL_CODES,
    R.PLATFORM_ADMIN: frozenset(TENANT_CODES),
}


def grantable_codes(role: str) -> frozenset[str]:
    """Codes a special permission may switch on for a user of this role."""
    if role == R.PLATFORM_ADMIN:
        return frozenset()
    return frozenset(TENANT_CODES) - ROLE_FORBIDDEN.get(role, frozenset())


def effective_codes(role: str, granted: set[str], revoked: set[str]) -> frozenset[str]:
    codes = (ROLE_DEFAULTS.get(role, frozenset()) | granted) - revoked
    return frozenset(codes - ROLE_FORBIDDEN.get(role, frozenset()))
