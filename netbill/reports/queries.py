"""Dashboard figures, all counted in the database (never placeholders)."""

from django.db.models import Count, Q, Sum

from netbill.accounts.choices import OperatorKindChoices as Kind
from netbill.accounts.choices import UserRoleChoices as Role
from netbill.accounts.models import Operator, User
from netbill.accounts.queries import activity_log_for
from netbill.core.permissions import restrict


def dashboard_counts(user) -> dict:
    operators = restrict(Operator.objects.all(), user, "dashboard.view").aggregate(
        operators=Count("id", filter=Q(kind=Kind.OPERATOR)),
        sub_operators=Count("id", filter=Q(kind=Kind.SUB_OPERATOR)),
        inactive=Count("id", filter=Q(is_active=False) & ~Q(kind=Kind.ROOT)),
    )
    staff = restrict(User.in_tenant.all(), user, "dashboard.view").aggregate(
        managers=Count("id", filter=Q(role=Role.MANAGER)),
        noc_users=Count("id", filter=Q(role=Role.NOC)),
        users=Count("id", filter=Q(is_active=True)),
    )
    return {**operators, **staff}


def operator_money(user) -> dict:
    """Balances and credit limits below the user (financial: reports.financial only)."""
    qs = restrict(Operator.objects.exclude(kind=Kind.ROOT), user, "reports.financial")
    return qs.aggregate(balance=Sum("balance"), credit_limit=Sum("credit_limit"))


def recent_activity(user, limit: int = 10):
    # The same entries as the activity log: below the root, only the user's own subtree.
    return activity_log_for(user)[:limit]
