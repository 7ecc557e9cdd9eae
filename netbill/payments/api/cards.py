"""/api/v1/recharge-card-batches/ and /api/v1/recharge-cards/ (with redeem).

A batch's PINs are in the answer of its create, and nowhere else, ever: they are not
stored (only a keyed hash). The money-moving POSTs (create a batch, redeem a card) take
an `Idempotency-Key` header: the same key answers what the first request did (200,
`Idempotent-Replayed: true`); a repeated batch create cannot show the PINs again."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from netbill.accounts.choices import OperatorKindChoices, UserRoleChoices
from netbill.accounts.models import Operator
from netbill.billing.api.views import refused
from netbill.core.api import TenantViewSet
from netbill.core.exceptions import BusinessRuleError
from netbill.core.permissions import restrict
from netbill.customers.models import Customer

from ..cards import (
    MAX_CARDS,
    CardLockedOut,
    card_batch_create,
    card_distributors,
    card_redeem,
    format_pin,
)
from ..choices import CardStatusChoices
from ..models import CardBatch, Payment, RechargeCard
from .serializers import AmountField
from .views import IDEMPOTENCY_PARAMETER, REPLAYED, _key_reused, idempotency_key


def _money(**kwargs):
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, **kwargs)


#
# Serializers
#


class CardBatchSerializer(serializers.ModelSerializer):
    """A batch of recharge cards: `count` cards of `value` valid until a date, issued
    to an operator (the root: the ISP's own stock) or a card distributor."""

    value = _money()
    redeemed = serializers.SerializerMethodField(help_text=_l("Cards of the batch redeemed."))

    class Meta:
        model = CardBatch
        fields = [
            "id",
            "name",
            "prefix",
            "value",
            "count",
            "valid_until",
            "operator",
            "distributor",
            "journal_entry",
            "created_by",
            "created_at",
            "redeemed",
        ]
        read_only_fields = fields

    def get_redeemed(self, obj) -> int:
        return obj.cards.filter(status=CardStatusChoices.REDEEMED).count()


class IssuedPinSerializer(serializers.Serializer):
    serial = serializers.CharField()
    pin = serializers.CharField(help_text=_l("As printed: XXXX-XXXX-XXXX-XX."))


class CardBatchCreatedSerializer(CardBatchSerializer):
    """The new batch with its PINs: shown in this answer only (null on a replay)."""

    pins = IssuedPinSerializer(many=True, allow_null=True, read_only=True)

    class Meta(CardBatchSerializer.Meta):
        fields = [*CardBatchSerializer.Meta.fields, "pins"]
        read_only_fields = fields


class CardBatchCreateSerializer(serializers.Serializer):
    """Create Batch. Leave out `operator` and `distributor` for the ISP's own stock."""

    name = serializers.CharField(max_length=64)
    prefix = serializers.CharField(max_length=8, help_text=_l("1 to 8 letters or digits."))
    value = AmountField(max_length=32, help_text=_l('The value of one card, e.g. "100.00".'))
    count = serializers.IntegerField(min_value=1, max_value=MAX_CARDS)
    valid_until = serializers.DateField()
    operator = serializers.IntegerField(
        required=False, allow_null=True, help_text=_l("A reseller (not the root) that pays.")
    )
    distributor = serializers.IntegerField(
        required=False, allow_null=True, help_text=_l("A card distributor (user) that pays.")
    )


class RechargeCardSerializer(serializers.ModelSerializer):
    """One card: its serial and the last four characters of its PIN (never the PIN)."""

    value = _money()

    class Meta:
        model = RechargeCard
        fields = [
            "id",
            "batch",
            "serial",
            "pin_last4",
            "value",
            "valid_until",
            "status",
            "redeemed_customer",
            "redeemed_by",
            "redeemed_at",
            "payment",
        ]
        read_only_fields = fields


class CardRedeemSerializer(serializers.Serializer):
    pin = serializers.CharField(max_length=40, help_text=_l("As printed on the card."))
    customer = serializers.IntegerField(help_text=_l("The customer's id."))


class CardRedeemedSerializer(serializers.Serializer):
    """The payment the card made."""

    id = serializers.IntegerField(source="pk")
    payment = serializers.IntegerField(source="pk")
    receipt_number = serializers.CharField()
    customer = serializers.IntegerField(source="customer_id")
    amount = _money()
    advance_amount = _money()
    serial = serializers.CharField(source="card.serial")
    journal_entry = serializers.IntegerField(source="journal_entry_id")


#
# Viewsets
#


class RechargeCardFilterSet(django_filters.FilterSet):
    batch = django_filters.NumberFilter(field_name="batch_id", label=_l("Batch id"))
    status = django_filters.ChoiceFilter(choices=CardStatusChoices.choices)
    serial = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = RechargeCard
        fields = ["batch", "status", "serial"]


class CardBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Recharge card batches of the caller's subtree (a card distributor: its own)."""

    model = CardBatch
    queryset = CardBatch.objects.none()
    serializer_class = CardBatchSerializer
    permission_codes = {"*": "cards.view", "create": "cards.manage"}

    def get_base_queryset(self):
        rows = CardBatch.objects.order_by("-id")
        if self.request.user.role == UserRoleChoices.CARD_DISTRIBUTOR:
            rows = rows.filter(distributor=self.request.user)
        return rows

    def _named(self, queryset, pk, field, message):
        if pk is None:
            return None
        found = restrict(queryset, self.request.user, "cards.manage").filter(pk=pk).first()
        if found is None:
            raise serializers.ValidationError({field: [message]})
        return found

    @extend_schema(
        request=CardBatchCreateSerializer,
        responses={201: CardBatchCreatedSerializer, 200: CardBatchCreatedSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def create(self, request, *args, **kwargs):
        """Create Batch: the cards with their PINs, in this answer only. Issued to an
        operator, its deposit pays (refused past its credit limit); to a card
        distributor, its balance pays (refused when short)."""
        key = idempotency_key(request)
        body = CardBatchCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        operator = self._named(
            Operator.objects.exclude(kind=OperatorKindChoices.ROOT),
            data.get("operator"),
            "operator",
            _("No such operator within your reach."),
        )
        distributor = self._named(
            card_distributors(request.user.tenant_id),
            data.get("distributor"),
            "distributor",
            _("No such card distributor within your reach."),
        )
        earlier = CardBatch.objects.filter(
            tenant_id=request.user.tenant_id, idempotency_key=key
        ).first()
        if earlier is not None and earlier.prefix != data["prefix"].strip().upper():
            raise _key_reused()
        try:
            batch, pins = card_batch_create(
                by=request.user,
                name=data["name"],
                prefix=data["prefix"],
                value=data["value"],
                count=data["count"],
                valid_until=data["valid_until"],
                operator=operator,
                distributor=distributor,
                idempotency_key=key,
            )
        except BusinessRuleError as exc:
            raise refused(exc) from exc
        batch.pins = None
        if pins is not None:
            batch.pins = [
                {"serial": f"{batch.prefix}-{seq:06d}", "pin": format_pin(pin)}
                for seq, pin in enumerate(pins, start=1)
            ]
        out = CardBatchCreatedSerializer(batch).data
        if pins is None:
            return Response(out, status=status.HTTP_200_OK, headers=REPLAYED)
        return Response(out, status=status.HTTP_201_CREATED)


class RechargeCardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Recharge cards of the caller's subtree, without PINs; and redeem."""

    model = RechargeCard
    queryset = RechargeCard.objects.none()
    serializer_class = RechargeCardSerializer
    filterset_class = RechargeCardFilterSet
    permission_codes = {"*": "cards.view", "redeem": "cards.sell"}

    def get_base_queryset(self):
        rows = RechargeCard.objects.order_by("batch_id", "serial")
        if self.request.user.role == UserRoleChoices.CARD_DISTRIBUTOR:
            rows = rows.filter(batch__distributor=self.request.user)
        return rows

    @extend_schema(
        request=CardRedeemSerializer,
        responses={201: CardRedeemedSerializer, 200: CardRedeemedSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=False, methods=["post"], url_path="redeem", url_name="redeem")
    def redeem(self, request, format=None):
        """Redeem a card for a customer within your reach: its value pays the oldest open
        bills, the rest is advance credit. A wrong PIN counts toward your lockout (5 in
        15 minutes lock redemption for 30 minutes: 429)."""
        key = idempotency_key(request)
        body = CardRedeemSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = (
            restrict(Customer.objects.select_related("tenant"), request.user, "cards.sell")
            .filter(pk=body.validated_data["customer"])
            .first()
        )
        if customer is None:
            raise serializers.ValidationError(
                {"customer": [_("No such customer within your reach.")]}
            )
        repeated = Payment.objects.filter(
            tenant_id=request.user.tenant_id, idempotency_key=key
        ).exists()
        try:
            payment = card_redeem(
                tenant=request.user.tenant,
                pin=body.validated_data["pin"],
                customer=customer,
                by=request.user,
                subject=f"user:{request.user.pk}",
                idempotency_key=key,
            )
        except CardLockedOut as exc:
            wait = max(1, int((exc.until - timezone.now()).total_seconds())) if exc.until else 60
            return Response(
                {"non_field_errors": exc.messages},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(wait)},
            )
        except BusinessRuleError as exc:
            raise refused(exc) from exc
        out = CardRedeemedSerializer(payment).data
        if repeated:
            return Response(out, status=status.HTTP_200_OK, headers=REPLAYED)
        return Response(out, status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("recharge-card-batches", CardBatchViewSet, basename="recharge-card-batch")
    router.register("recharge-cards", RechargeCardViewSet, basename="recharge-card")
