"""Get Access: who may open whose panel without its password (django-hijack's check).

Only downward and only inside one ISP: a Group Admin into any operator, sub-operator,
manager or card distributor of its ISP; an operator into its own sub-operators (and
their staff). Nobody upward, sideways or into another tenant; never a NOC user or a
platform admin (the NOC panel has no money, but also no reason to be entered).
"""

from django.db import transaction
from django.dispatch import receiver
from hijack.signals import hijack_ended, hijack_started

from netbill.core.audit import audit_record
from netbill.core.context import Actor, acting, current_actor
from netbill.core.middleware import impersonator_id
from netbill.core.permissions import can, in_reach

from .choices import UserRoleChoices as Role

ENTERABLE = {
    Role.GROUP_ADMIN: {Role.OPERATOR, Role.SUB_OPERATOR, Role.MANAGER, Role.CARD_DISTRIBUTOR},
    Role.OPERATOR: {Role.SUB_OPERATOR, Role.MANAGER, Role.CARD_DISTRIBUTOR},
}


def may_get_access(*, hijacker, hijacked) -> bool:
    if hijacked is None or not hijacked.is_active or hijacker.pk == hijacked.pk:
        return False
    if hijacker.tenant_id is None or hijacker.tenant_id != hijacked.tenant_id:
        return False
    if hijacked.role not in ENTERABLE.get(hijacker.role, set()):
        return False
    if not can(hijacker, "operators.access"):
        return False
    if (
        hijacker.role == Role.OPERATOR
        and hijacked.operator_id == hijacker.operator_id
        and (hijacked.role != Role.MANAGER and hijacked.role != Role.CARD_DISTRIBUTOR)
    ):
        return False
    return in_reach(hijacker, hijacked)


@receiver(hijack_started)
def _audit_started(sender, hijacker, hijacked, request, **kwargs):
    with transaction.atomic():
        audit_record(
            tenant=hijacked.tenant,
            actor=hijacker,
            action="access.started",
            obj=hijacked,
            object_repr=f"{hijacker} → {hijacked}",
        )


@receiver(hijack_ended)
def _audit_ended(sender, hijacker, hijacked, request, **kwargs):
    # The request began inside the access now ended; the entry belongs to the user the
    # session returns to, as itself (or still through an outer Get Access).
    back = Actor(
        user_id=hijacker.pk, impersonator_id=impersonator_id(request), ip=current_actor().ip
    )
    with acting(back), transaction.atomic():
        audit_record(
            tenant=hijacked.tenant,
            actor=hijacker,
            action="access.ended",
            obj=hijacked,
            object_repr=f"{hijacker} ← {hijacked}",
        )
