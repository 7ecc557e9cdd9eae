"""Who may see the ISP's books and start its bill runs through the API.

Accounts, journal entries and bill runs belong to the ISP as a whole: a journal entry
mixes every operator's lines, a bill run bills every operator's customers. They have
no operator to restrict by, so below the root of the ISP they are refused outright
(403), even to a user who was given the code by special permission; an operator reads
its own money through `operators/{id}/balance/`.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission


def at_isp_root(user) -> bool:
    operator = getattr(user, "operator", None)
    return operator is not None and operator.is_root


class AtISPRoot(BasePermission):
    """Only users at the root of the ISP (the Group Admin's node)."""

    message = _("This belongs to the whole ISP: only the Group Admin's users may see it.")

    def has_permission(self, request, view):
        return at_isp_root(request.user)
