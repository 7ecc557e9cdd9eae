"""Reads on people and the operator tree that carry a rule."""

from django.db.models import QuerySet

from netbill.core.models import AuditLog
from netbill.core.permissions import restrict


def activity_log_for(user) -> QuerySet[AuditLog]:
    """Settings → Activity Log: the entries `user` may read.

    Whoever reaches the root (the Group Admin) reads the whole ISP's log. Anyone lower
    reads only what people in its own subtree did: an operator must not follow its
    sibling operators' work, their credit limits and balances included.
    """
    queryset = restrict(AuditLog.objects.all(), user, "activity_log.view")
    if user.operator_id and not user.operator.is_root:
        queryset = queryset.filter(actor__operator__path__startswith=user.reach_path)
    return queryset
