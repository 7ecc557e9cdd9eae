"""/api/v1/bills/ and /api/v1/bill-runs/: the panel's permissions and scoping; the
services decide (a refusal is a 400 with the reason, nothing posted).

Bills belong to the customer's operator (subtree scoping, out of reach is 404). Bill
runs belong to the whole ISP: only users at its root reach them (`AtISPRoot`).
Bulk Bill Paid needs the payments services, so `payments.api` routes the bills
viewset with that action added (billing may not import payments)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from netbill.accounting.api.permissions import AtISPRoot
from netbill.accounting.services import local_today
from netbill.core.api import CodePermission, TenantViewSet
from netbill.core.exceptions import BusinessRuleError, OutOfReach
from netbill.network.api.pools import error_detail

from .. import services
from ..choices import BillRunKindChoices
from ..models import Bill, BillRun
from ..runs import bill_run_preview
from .filters import BillAPIFilterSet, BillRunAPIFilterSet
from .serializers import (
    BillCancelSerializer,
    BillRunPreviewQuerySerializer,
    BillRunPreviewSerializer,
    BillRunSerializer,
    BillRunStartSerializer,
    BillSerializer,
    SuspensionPreviewSerializer,
)


def refused(exc: BusinessRuleError):
    """A service's refusal as the API's answer: out of reach is 404, the rest 400."""
    if isinstance(exc, OutOfReach):
        return NotFound(exc.messages[0] if exc.messages else None)
    return serializers.ValidationError(error_detail(exc))


#
# Bills
#


class BillViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Bills of the caller's subtree: list (Manage Bulk Bills' filters), one bill, and
    Cancel (a reversing entry; what was paid on it becomes advance credit)."""

    model = Bill
    queryset = Bill.objects.none()
    serializer_class = BillSerializer
    filterset_class = BillAPIFilterSet
    permission_codes = {"*": "bills.view", "cancel": "bills.edit"}

    def get_base_queryset(self):
        return Bill.objects.select_related("tenant", "customer").order_by("-period_start", "-id")

    def _answer(self, bill, status_code=status.HTTP_200_OK):
        bill = self.get_base_queryset().get(pk=bill.pk)
        return Response(self.get_serializer(bill).data, status=status_code)

    @extend_schema(request=BillCancelSerializer, responses=BillSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None, format=None):  # format: /cancel.json
        """Cancel an unpaid or partly paid bill, with a reason. A paid bill is refused:
        reverse its payment first."""
        bill = self.get_object()
        body = BillCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            bill = services.bill_cancel(
                bill=bill, by=request.user, reason=body.validated_data["reason"]
            )
        except BusinessRuleError as exc:
            raise refused(exc) from exc
        return self._answer(bill)


#
# Bill runs
#


class BillRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Bill runs of the ISP: list, one run, Start (runs now and answers the finished
    run), the dry-run preview, and Confirm for a suspension run the circuit breaker
    held."""

    model = BillRun
    queryset = BillRun.objects.none()
    serializer_class = BillRunSerializer
    filterset_class = BillRunAPIFilterSet
    permission_classes = [CodePermission, AtISPRoot]
    permission_codes = {"*": "bills.runs"}

    def get_base_queryset(self):
        return BillRun.objects.order_by("-id")

    def _date(self, value):
        return value or local_today(self.request.user.tenant)

    @extend_schema(request=BillRunStartSerializer, responses={201: BillRunSerializer})
    def create(self, request, *args, **kwargs):
        """Start a monthly, daily, prepaid or auto-suspension run for a date (today by
        default; never a future date). It runs at once; a second run for the same
        date writes nothing new. A suspension run that trips the circuit breaker
        answers with status "awaiting"."""
        body = BillRunStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        tenant = request.user.tenant
        on = self._date(body.validated_data.get("date"))
        if on > local_today(tenant):
            raise serializers.ValidationError(
                {"date": [_("A run cannot be started for a future date; preview it instead.")]}
            )
        try:
            run = services.bill_run_start(
                tenant=tenant, kind=body.validated_data["kind"], on=on, by=request.user
            )
        except BusinessRuleError as exc:
            raise refused(exc) from exc
        return Response(BillRunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=BillRunKindChoices.values),
            OpenApiParameter("date", OpenApiTypes.DATE, required=False),
        ],
        responses={
            200: OpenApiResponse(
                description=(
                    "BillRunPreview for monthly, daily and prepaid; SuspensionPreview for "
                    "suspension."
                )
            )
        },
    )
    @action(detail=False, methods=["get"])
    def preview(self, request, format=None):
        """Dry run: who a run of `kind` on `date` would bill (and who it would skip at
        an operator's credit limit), or, for suspension, who would be suspended, the
        overdue bill that makes it so, and whether the circuit breaker would trip.
        Writes nothing."""
        query = BillRunPreviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        tenant = request.user.tenant
        kind = query.validated_data["kind"]
        on = self._date(query.validated_data.get("date"))
        if kind == BillRunKindChoices.SUSPENSION:
            preview = services.suspension_preview(tenant=tenant, on=on)
            return Response(SuspensionPreviewSerializer({"kind": kind, "date": on, **preview}).data)
        return Response(
            BillRunPreviewSerializer(bill_run_preview(tenant=tenant, kind=kind, on=on)).data
        )

    @extend_schema(request=None, responses=BillRunSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None, format=None):
        """A Group Admin lets a suspension run the circuit breaker held go ahead."""
        run = self.get_object()
        try:
            run = services.suspension_run_confirm(run=run, by=request.user)
        except BusinessRuleError as exc:
            raise refused(exc) from exc
        return Response(BillRunSerializer(run).data)


def register(router) -> None:
    """Add the bill runs viewset to the /api/v1/ router (bills: see payments.api)."""
    router.register("bill-runs", BillRunViewSet, basename="bill-run")
