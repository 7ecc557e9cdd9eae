"""/api/v1/radius-sessions/ and /api/v1/coa-attempts/: read-only.

radacct and the CoA log carry a username, not an operator: a caller sees the rows of the
customers it reaches (customers.view, its ISP and subtree), found by a subquery on the
customers restricted like the customer list.
"""

from rest_framework import mixins

from netbill.core.api import TenantViewSet
from netbill.core.permissions import restrict

from ..models import CoAAttempt, RadiusAccounting
from .filters import CoAAttemptFilterSet, RadiusSessionFilterSet
from .serializers import CoAAttemptSerializer, RadiusSessionSerializer

VIEW = "customers.view"


def reachable_usernames(user):
    """The usernames of the customers `user` may see (a subquery, not a list)."""
    # customers sits above radius (DESIGN.md §2); imported here, as in reconcile.py.
    from netbill.customers.models import Customer

    return restrict(Customer.objects.all(), user, VIEW).values("username")


class _CustomerRowsViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    permission_codes = {"*": VIEW}
    ordering = ()

    def get_base_queryset(self):
        rows = self.model._default_manager.filter(
            username__in=reachable_usernames(self.request.user)
        )
        return rows.order_by(*self.ordering)


class RadiusSessionViewSet(_CustomerRowsViewSet):
    """RADIUS sessions (radacct) of the customers in reach, newest first. Filters:
    `username`, `open` (no stop time yet), and `since`/`until` (sessions running at
    some time between them)."""

    model = RadiusAccounting
    queryset = RadiusAccounting.objects.none()
    serializer_class = RadiusSessionSerializer
    filterset_class = RadiusSessionFilterSet
    ordering = ("-start_time", "-id")


class CoAAttemptViewSet(_CustomerRowsViewSet):
    """CoA-Requests and Disconnect-Requests sent for the customers in reach, and their
    outcome (ACK, NAK with Error-Cause, timeout…), newest first."""

    model = CoAAttempt
    queryset = CoAAttempt.objects.none()
    serializer_class = CoAAttemptSerializer
    filterset_class = CoAAttemptFilterSet
    ordering = ("-created_at", "-id")


def register(router) -> None:
    """Add the radius viewsets to the /api/v1/ router."""
    router.register("radius-sessions", RadiusSessionViewSet, basename="radius-session")
    router.register("coa-attempts", CoAAttemptViewSet, basename="coa-attempt")
