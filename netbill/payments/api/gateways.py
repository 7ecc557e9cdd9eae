"""/api/v1/payments/ and /api/v1/gateway-transactions/.

Payments: every payment of the caller's subtree (cash, bank, gateway, card; bill
payments and advances; completed and reversed) with Customer Payments' filters, and
Reverse (ISP-wide `payments.reverse`). Gateway transactions: the online payment
attempts with every check of them, and Verify (ask the gateway now). The services
decide; a refusal is a 400 with the reason, out of reach is 404."""

import django_filters
from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from netbill.billing.api.views import refused
from netbill.core.api import TenantViewSet
from netbill.core.exceptions import BusinessRuleError

from .. import gateway_services
from ..choices import (
    CheckTriggerChoices,
    GatewayProviderChoices,
    PaymentKindChoices,
    PaymentMethodChoices,
    PaymentStatusChoices,
    TxnStatusChoices,
)
from ..filters import UNSETTLED_TXN_STATUSES, payment_search
from ..models import Allocation, GatewayCheck, GatewayTransaction, Payment, RechargeCard
from ..reversal import payment_reverse

MISSING = object()


def _money(**kwargs):
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, **kwargs)


#
# Serializers
#


class AllocationSerializer(serializers.ModelSerializer):
    """The part of a payment that paid one bill."""

    bill_number = serializers.CharField(source="bill.number", read_only=True)
    amount = _money()

    class Meta:
        model = Allocation
        fields = ["bill", "bill_number", "amount"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    """A customer's payment. `advance_amount` is the part that became advance credit;
    `gateway_transaction` / `card` say where online or card money came from."""

    receipt_number = serializers.CharField(read_only=True)
    customer_username = serializers.CharField(source="customer.username", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    amount = _money()
    advance_amount = _money(help_text=_("The part that became the customer's advance credit."))
    allocations = AllocationSerializer(many=True, read_only=True)
    gateway_transaction = serializers.SerializerMethodField(
        help_text=_("The online payment attempt this payment came from, if any.")
    )
    card = serializers.SerializerMethodField(
        help_text=_("The serial of the recharge card this payment came from, if any.")
    )

    class Meta:
        model = Payment
        fields = [
            "id",
            "receipt_number",
            "customer",
            "customer_username",
            "customer_name",
            "operator",
            "collector",
            "received_by",
            "received_at",
            "amount",
            "advance_amount",
            "method",
            "kind",
            "status",
            "reference",
            "note",
            "journal_entry",
            "allocations",
            "gateway_transaction",
            "card",
            "reversed_at",
            "reversed_by",
            "reversal_reason",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_gateway_transaction(self, obj):
        # Prefetched (a one-to-one: the object or None) by the viewset.
        txn = getattr(obj, "api_txn", MISSING)
        if txn is MISSING:
            txn = GatewayTransaction.objects.filter(payment=obj).only("pk").first()
        return txn.pk if txn is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_card(self, obj):
        card = getattr(obj, "api_card", MISSING)
        if card is MISSING:
            card = RechargeCard.objects.filter(payment=obj).only("serial").first()
        return card.serial if card is not None else None


class PaymentReverseSerializer(serializers.Serializer):
    """Why the payment is reversed (kept on the payment, in its reversing entry and
    the audit trail)."""

    reason = serializers.CharField(max_length=255)


class GatewayCheckSerializer(serializers.ModelSerializer):
    """One time the gateway was asked about the attempt (or told us): what it said
    (`status`, empty when it gave no status) and what we concluded (`outcome`)."""

    status = serializers.CharField(read_only=True, help_text=_("A transaction status, or empty."))

    class Meta:
        model = GatewayCheck
        fields = ["id", "created_at", "trigger", "status", "outcome", "by"]
        read_only_fields = fields


class GatewayTransactionSerializer(serializers.ModelSerializer):
    """One online payment attempt. `payment` exists only once the gateway confirmed
    our reference, amount and currency server to server."""

    gateway_name = serializers.CharField(source="gateway.label", read_only=True)
    customer_username = serializers.CharField(source="customer.username", read_only=True)
    amount = _money()
    refunded_amount = _money()
    # Plain text in the schema: as an enum it would collide with the journal's
    # "source" enum and rename it.
    source = serializers.CharField(
        read_only=True,
        help_text=_('Where the customer started: "portal", "link", "suspension" or "api".'),
    )
    checks = GatewayCheckSerializer(many=True, read_only=True)

    class Meta:
        model = GatewayTransaction
        fields = [
            "id",
            "reference",
            "gateway",
            "gateway_name",
            "provider",
            "customer",
            "customer_username",
            "bill",
            "link",
            "source",
            "amount",
            "currency",
            "status",
            "gateway_ref",
            "gateway_txn_id",
            "detail",
            "payment",
            "refunded_amount",
            "last_checked_at",
            "created_at",
            "updated_at",
            "checks",
        ]
        read_only_fields = fields


#
# Filters
#


class PaymentAPIFilterSet(django_filters.FilterSet):
    """Customer Payments' filters; related objects by id (the queryset is already the
    caller's ISP and subtree, so someone else's id only finds nothing)."""

    search = django_filters.CharFilter(
        label=_("Customer username or name, receipt number or reference"), method="filter_search"
    )
    # ?received_at_after=2026-12-01&received_at_before=2026-12-31 (both included)
    received_at = django_filters.DateFromToRangeFilter(
        label=_("Received"), field_name="received_at__date"
    )
    method = django_filters.ChoiceFilter(label=_("Method"), choices=PaymentMethodChoices.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=PaymentKindChoices.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=PaymentStatusChoices.choices)
    customer = django_filters.NumberFilter(label=_("Customer"), field_name="customer_id")
    operator = django_filters.NumberFilter(label=_("Operator"), field_name="operator_id")
    collector = django_filters.NumberFilter(
        label=_("Collected by (reseller)"), field_name="collector_id"
    )
    received_by = django_filters.NumberFilter(label=_("Received by"), field_name="received_by_id")
    zone = django_filters.NumberFilter(label=_("Zone"), field_name="customer__zone_id")

    class Meta:
        model = Payment
        fields = [
            "search",
            "received_at",
            "method",
            "kind",
            "status",
            "customer",
            "operator",
            "collector",
            "received_by",
            "zone",
        ]

    def filter_search(self, queryset, name, value):
        return payment_search(queryset, value)


class GatewayTransactionAPIFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(
        label=_("Reference, gateway id or customer"), method="filter_search"
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=TxnStatusChoices.choices
    )
    waiting = django_filters.BooleanFilter(
        label=_("Initiated, pending or held"), method="filter_waiting"
    )
    gateway = django_filters.NumberFilter(label=_("Gateway"), field_name="gateway_id")
    provider = django_filters.ChoiceFilter(
        label=_("Provider"), choices=GatewayProviderChoices.choices
    )
    customer = django_filters.NumberFilter(label=_("Customer"), field_name="customer_id")
    created_at = django_filters.DateFromToRangeFilter(
        label=_("Started"), field_name="created_at__date"
    )

    class Meta:
        model = GatewayTransaction
        fields = ["search", "status", "waiting", "gateway", "provider", "customer", "created_at"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(gateway_ref__icontains=value)
            | Q(gateway_txn_id__icontains=value)
            | Q(customer__username__icontains=value)
            | Q(customer__name__icontains=value)
        )

    def filter_waiting(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=UNSETTLED_TXN_STATUSES)
        return queryset.exclude(status__in=UNSETTLED_TXN_STATUSES)


#
# Viewsets
#


class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Payments of the caller's subtree, newest first, and Reverse."""

    model = Payment
    queryset = Payment.objects.none()
    serializer_class = PaymentSerializer
    filterset_class = PaymentAPIFilterSet
    permission_codes = {"*": "payments.view", "reverse": "payments.reverse"}

    def get_base_queryset(self):
        return (
            Payment.objects.select_related("tenant", "customer")
            .prefetch_related(
                Prefetch("allocations", queryset=Allocation.objects.select_related("bill")),
                Prefetch(
                    "gateway_txn",
                    queryset=GatewayTransaction.objects.only("pk", "payment_id"),
                    to_attr="api_txn",
                ),
                Prefetch(
                    "card",
                    queryset=RechargeCard.objects.only("pk", "serial", "payment_id"),
                    to_attr="api_card",
                ),
            )
            .order_by("-received_at", "-id")
        )

    @extend_schema(request=PaymentReverseSerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None, format=None):
        """Reverse the payment: a mirror journal entry, its bills back to unpaid or
        partly paid, a recharge card it used active again. Refused (400) when it is
        already reversed, when the advance it created has since been spent, or when
        one of its bills was cancelled."""
        payment = self.get_object()
        body = PaymentReverseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            payment = payment_reverse(
                payment=payment, by=request.user, reason=body.validated_data["reason"]
            )
        except BusinessRuleError as exc:
            raise refused(exc) from exc
        return Response(self.get_serializer(self.get_base_queryset().get(pk=payment.pk)).data)


class GatewayTransactionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Online payment attempts of the caller's subtree, newest first, each with its
    checks; Verify asks the gateway now (a verified, matching payment is credited
    once)."""

    model = GatewayTransaction
    queryset = GatewayTransaction.objects.none()
    serializer_class = GatewayTransactionSerializer
    filterset_class = GatewayTransactionAPIFilterSet
    permission_codes = {"*": "payments.verify"}

    def get_base_queryset(self):
        return (
            GatewayTransaction.objects.select_related("tenant", "gateway", "customer")
            .prefetch_related(Prefetch("checks", queryset=GatewayCheck.objects.order_by("-id")))
            .order_by("-created_at", "-id")
        )

    @extend_schema(request=None, responses=GatewayTransactionSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None, format=None):
        """Ask the gateway, server to server, what became of the payment. The check is
        kept (see `checks`); a settled attempt is answered as it is."""
        txn = self.get_object()
        try:
            txn = gateway_services.txn_verify(
                txn, trigger=CheckTriggerChoices.MANUAL, by=request.user
            )
        except BusinessRuleError as exc:
            raise refused(exc) from exc
        return Response(self.get_serializer(self.get_base_queryset().get(pk=txn.pk)).data)


def register(router) -> None:
    """Add payments and gateway transactions to the /api/v1/ router."""
    router.register("payments", PaymentViewSet, basename="payment")
    router.register(
        "gateway-transactions", GatewayTransactionViewSet, basename="gateway-transaction"
    )
