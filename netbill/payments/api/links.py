"""/api/v1/payment-links/: the payment links of customers in the caller's reach (list,
one link) and Send Payment Link (POST: a link for what the customer owes now, with its
absolute URL). Permission payment_links.send; another operator's customer is 400 ("no
such customer"), its links 404."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from netbill.billing.api.views import refused
from netbill.core.api import TenantViewSet
from netbill.core.exceptions import BusinessRuleError
from netbill.core.permissions import restrict
from netbill.customers.models import Customer

from ..links import (
    DEFAULT_VALID_DAYS,
    MAX_VALID_DAYS,
    PERMISSION,
    LinkChannelChoices,
    link_status,
    link_url,
    payment_link_create,
)
from ..models import PaymentLink


class PaymentLinkSerializer(serializers.ModelSerializer):
    """A payment link: for whom, what was due when it was made, until when, its URL
    and what came of it."""

    customer = serializers.IntegerField(source="customer_id", read_only=True)
    username = serializers.CharField(source="customer.username", read_only=True)
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text=_l("What the customer owed when the link was made."),
    )
    url = serializers.SerializerMethodField(help_text=_l("The link to send to the customer."))
    status = serializers.SerializerMethodField(help_text=_l("sent, opened, paid or expired."))
    opened = serializers.SerializerMethodField()
    paid = serializers.SerializerMethodField()

    class Meta:
        model = PaymentLink
        fields = [
            "id",
            "customer",
            "username",
            "amount",
            "channel",
            "expires_at",
            "created_at",
            "url",
            "status",
            "opened",
            "opened_at",
            "paid",
            "paid_at",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        request = self.context["request"]
        return link_url(obj, request.build_absolute_uri("/"))

    def get_status(self, obj) -> str:
        return link_status(obj, timezone.now())

    def get_opened(self, obj) -> bool:
        return obj.opened_at is not None

    def get_paid(self, obj) -> bool:
        return obj.paid_at is not None


class PaymentLinkCreateSerializer(serializers.Serializer):
    """Send Payment Link: the customer, how it is sent, how long it stays valid."""

    customer = serializers.IntegerField(help_text=_l("The customer's id."))
    channel = serializers.ChoiceField(
        choices=LinkChannelChoices.choices, default=LinkChannelChoices.COPY
    )
    valid_days = serializers.IntegerField(
        min_value=1, max_value=MAX_VALID_DAYS, default=DEFAULT_VALID_DAYS
    )


class PaymentLinkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Payment links of the customers in your reach, newest first."""

    model = PaymentLink
    queryset = PaymentLink.objects.none()
    serializer_class = PaymentLinkSerializer
    permission_codes = {"*": PERMISSION}

    def get_base_queryset(self):
        return PaymentLink.objects.select_related("tenant", "customer").order_by("-id")

    @extend_schema(request=PaymentLinkCreateSerializer, responses={201: PaymentLinkSerializer})
    def create(self, request, *args, **kwargs):
        """Make a link for what the customer owes now (refused when nothing is due).
        The "payment_link.created" event lets the notifications module send it by SMS
        or WhatsApp."""
        body = PaymentLinkCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        customer = (
            restrict(
                Customer.objects.select_related("tenant", "operator"), request.user, PERMISSION
            )
            .filter(pk=data["customer"])
            .first()
        )
        if customer is None:
            raise serializers.ValidationError({"customer": [_("No such customer.")]})
        try:
            link = payment_link_create(
                customer=customer,
                by=request.user,
                channel=data["channel"],
                valid_days=data["valid_days"],
            )
        except BusinessRuleError as exc:
            raise refused(exc) from exc
        link = self.get_base_queryset().get(pk=link.pk)
        return Response(self.get_serializer(link).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("payment-links", PaymentLinkViewSet, basename="payment-link")
