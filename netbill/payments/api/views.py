"""/api/v1/bills/ (with Bulk Bill Paid) and /api/v1/operators/{id}/balance/.

Money-moving POSTs take an `Idempotency-Key` header (required): the same key from the
same user records nothing new and answers what the first request recorded (200
instead of 201, `Idempotent-Replayed: true`). The key is stored per user, so two
clients can never collide; reusing a key for a different request is refused."""

import re

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from netbill.accounting.queries import operator_balance
from netbill.accounts.choices import OperatorKindChoices
from netbill.accounts.models import Operator
from netbill.billing.api.serializers import BillBulkPaySerializer, BulkPaidSerializer
from netbill.billing.api.views import BillViewSet, refused
from netbill.billing.services import operator_at_credit_limit
from netbill.core.api import TenantViewSet
from netbill.core.exceptions import BusinessRuleError

from .. import services
from ..models import OperatorDeposit, Payment
from .serializers import AddBalanceSerializer, OperatorBalanceSerializer, OperatorDepositSerializer

#
# Idempotency keys
#

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Printable ASCII without spaces (a UUID fits); 60 characters leave room for the
# per-user prefix ("api:<user id>:") within payments.services.BULK_KEY_MAX, and for the
# per-bill suffix in the 96-character key columns.
_KEY = re.compile(r"^[\x21-\x7e]{1,60}$")

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description=(
        "A unique key per request (a UUID). Sending the same key again records nothing "
        "new and answers what the first request recorded."
    ),
)


def idempotency_key(request) -> str:
    """The request's key, stored per user: "api:<user id>:<key>"."""
    raw = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not raw:
        raise serializers.ValidationError(
            {
                "idempotency_key": [
                    _("Send an Idempotency-Key header (a UUID) so a retry cannot pay twice.")
                ]
            }
        )
    if not _KEY.match(raw):
        raise serializers.ValidationError(
            {
                "idempotency_key": [
                    _("The Idempotency-Key is 1 to 60 printable characters without spaces.")
                ]
            }
        )
    return f"api:{request.user.pk}:{raw}"


def _key_reused():
    return serializers.ValidationError(
        {"idempotency_key": [_("This Idempotency-Key was already used for another request.")]}
    )


REPLAYED = {"Idempotent-Replayed": "true"}


#
# Bills, with Bulk Bill Paid
#


class BillBulkPayViewSet(BillViewSet):
    """/api/v1/bills/: the bills viewset of `billing.api`, with Bulk Bill Paid."""

    permission_codes = {**BillViewSet.permission_codes, "bulk_pay": "payments.receive"}

    @extend_schema(
        request=BillBulkPaySerializer,
        responses={201: BulkPaidSerializer, 200: BulkPaidSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=False, methods=["post"], url_path="bulk-pay", url_name="bulk-pay")
    def bulk_pay(self, request, format=None):
        """Bulk Bill Paid: a cash payment of what is due on each bill, with its journal
        entry, all in one transaction. A bill outside your reach (404), or one paid or
        cancelled (400), refuses the whole request and nothing is recorded."""
        key = idempotency_key(request)
        body = BillBulkPaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = sorted(set(body.validated_data["bills"]))
        earlier = sorted(
            int(k.rsplit(":", 1)[1])
            for k in Payment.objects.filter(
                tenant_id=request.user.tenant_id, idempotency_key__startswith=f"{key}:"
            ).values_list("idempotency_key", flat=True)
        )
        if earlier and earlier != ids:
            raise _key_reused()
        try:
            result = services.bills_bulk_pay(
                by=request.user,
                bill_ids=ids,
                idempotency_key=key,
                reference=body.validated_data["reference"],
            )
        except BusinessRuleError as exc:
            raise refused(exc) from exc
        data = BulkPaidSerializer(
            {
                "paid": result.paid,
                "amount": result.amount,
                "bills": ids,
                "payments": sorted(result.payments),
            }
        ).data
        if result.repeated:
            return Response(data, status=status.HTTP_200_OK, headers=REPLAYED)
        return Response(data, status=status.HTTP_201_CREATED)


#
# Operator balance
#


class OperatorBalanceViewSet(TenantViewSet):
    """/api/v1/operators/{id}/balance/: Account Balance of an operator of the caller's
    subtree (GET), and Add Balance (POST). The Group Admin's own node has no balance."""

    model = Operator
    queryset = Operator.objects.none()
    serializer_class = OperatorBalanceSerializer
    permission_codes = {"*": "operators.balance"}

    def get_base_queryset(self):
        return Operator.objects.exclude(kind=OperatorKindChoices.ROOT)

    def _balance(self, operator):
        operator.refresh_from_db(fields=["balance", "credit_limit"])
        return {
            "operator": operator,
            "balance": operator_balance(operator.tenant_id, operator.pk),
            "at_credit_limit": operator_at_credit_limit(operator),
        }

    @extend_schema(responses=OperatorBalanceSerializer)
    def retrieve(self, request, pk=None):
        """The operator's balance from the ledger, the cached figure, its credit limit
        and whether it is at the limit."""
        operator = self.get_object()
        return Response(OperatorBalanceSerializer(self._balance(operator)).data)

    @extend_schema(
        request=AddBalanceSerializer,
        responses={201: OperatorDepositSerializer, 200: OperatorDepositSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def add_balance(self, request, pk=None):
        """Add Balance: the operator deposited `amount`; its deposit account (and so
        its balance against the credit limit) grows by it. You cannot add to your own
        account."""
        operator = self.get_object()
        key = idempotency_key(request)
        body = AddBalanceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            amount = services.clean_amount(body.validated_data["amount"])
            earlier = OperatorDeposit.objects.filter(
                tenant_id=request.user.tenant_id, idempotency_key=key
            ).first()
            if earlier is not None and (
                earlier.operator_id != operator.pk or earlier.amount != amount
            ):
                raise _key_reused()
            deposit = services.operator_add_balance(
                operator=operator,
                by=request.user,
                amount=amount,
                reference=body.validated_data["reference"],
                idempotency_key=key,
            )
        except BusinessRuleError as exc:
            raise refused(exc) from exc
        data = OperatorDepositSerializer(
            {
                "id": deposit.pk,
                "operator_id": deposit.operator_id,
                "amount": deposit.amount,
                "reference": deposit.reference,
                "journal_entry_id": deposit.journal_entry_id,
                "created_at": deposit.created_at,
                "balance": operator_balance(operator.tenant_id, operator.pk),
            }
        ).data
        if earlier is not None:
            return Response(data, status=status.HTTP_200_OK, headers=REPLAYED)
        return Response(data, status=status.HTTP_201_CREATED)


operator_balance_view = OperatorBalanceViewSet.as_view({"get": "retrieve", "post": "add_balance"})


def register(router) -> None:
    """Add the bills viewset (with Bulk Bill Paid) to the /api/v1/ router."""
    router.register("bills", BillBulkPayViewSet, basename="bill")
