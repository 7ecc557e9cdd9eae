"""Recharge Cards pages: Card Batches (list, Create Batch, the batch with its cards and
its printable card sheet), Redeem Card, and Card Distributors (balances, Add Balance).

PINs exist only in the answer of `cards.card_batch_create`. Create Batch keeps them
for exactly one download of the card sheet: encrypted (netbill.core.crypto, Fernet)
in the creating user's session, under the batch's id, and removed from the session by
the download that prints them. Every later sheet shows serials with masked PINs.
"""

import django_filters
import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from netbill.accounting import chart
from netbill.accounting.models import JournalLine
from netbill.accounts.choices import UserRoleChoices
from netbill.accounts.models import User
from netbill.core.crypto import decrypt, encrypt
from netbill.core.money import quantize
from netbill.core.permissions import can
from netbill.core.tables import MoneyColumn
from netbill.core.templatetags.netbill import money
from netbill.core.views import ObjectEditView, ObjectListView, ObjectView
from netbill.customers.models import Customer

from .cards import (
    card_batch_create,
    card_distributors,
    card_redeem,
    distributor_add_balance,
    distributor_balance,
    masked_pin,
)
from .cards_pdf import card_sheet_filename, card_sheet_pdf
from .choices import CardStatusChoices
from .forms_cards import CardBatchForm, CardRedeemForm, DistributorAddBalanceForm
from .models import CardBatch, RechargeCard

VIEW = "cards.view"
SELL = "cards.sell"
MANAGE = "cards.manage"
BALANCE = "operators.balance"

ATTRS = {"class": "table table-sm table-hover align-middle"}
CARDS_PER_PAGE = 100


def _session_key(batch_pk: int) -> str:
    return f"card_pins:{batch_pk}"


def pins_keep(request, batch, pins: list[str]) -> None:
    """Keep the new batch's PINs, encrypted, for one download by this session."""
    request.session[_session_key(batch.pk)] = encrypt(",".join(pins))


def pins_take(request, batch) -> list[str] | None:
    """The batch's PINs if this session holds them; they leave the session."""
    token = request.session.pop(_session_key(batch.pk), None)
    if not token:
        return None
    pins = decrypt(token).split(",")
    return pins if len(pins) == batch.count else None


def _batches(user):
    rows = CardBatch.objects.select_related("tenant", "operator", "distributor", "created_by")
    if user.role == UserRoleChoices.CARD_DISTRIBUTOR:
        # A distributor sees the batches issued to it, not its colleagues'.
        rows = rows.filter(distributor=user)
    return rows


#
# Card Batches
#


class CardBatchTable(tables.Table):
    name = tables.Column(
        verbose_name=_l("Name"), linkify=("payments:card_batch", {"pk": tables.A("pk")})
    )
    prefix = tables.Column(verbose_name=_l("Prefix"))
    value = MoneyColumn(verbose_name=_l("Value"))
    count = tables.Column(verbose_name=_l("Cards"), attrs={"td": {"class": "text-end"}})
    redeemed = tables.Column(
        verbose_name=_l("Redeemed"), accessor="redeemed_count", attrs={"td": {"class": "text-end"}}
    )
    valid_until = tables.DateColumn(verbose_name=_l("Valid until"), format="Y-m-d")
    operator = tables.Column(verbose_name=_l("Issued to"), accessor="pk", orderable=False)
    created_at = tables.DateTimeColumn(verbose_name=_l("Created"), format="Y-m-d H:i")

    class Meta:
        model = CardBatch
        fields = [
            "name",
            "prefix",
            "value",
            "count",
            "redeemed",
            "valid_until",
            "operator",
            "created_at",
        ]
        attrs = {**ATTRS, "id": "card-batches"}

    def render_operator(self, record):
        return issued_to(record)


def issued_to(batch) -> str:
    if batch.distributor_id:
        return _("Card distributor %(name)s") % {
            "name": batch.distributor.name or batch.distributor.username
        }
    if batch.operator.parent_id is None:
        return _("The ISP's own stock")
    return batch.operator.name


class CardBatchFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=_l("Name"))
    prefix = django_filters.CharFilter(lookup_expr="iexact", label=_l("Prefix"))

    class Meta:
        model = CardBatch
        fields = ["name", "prefix"]


class CardBatchListView(ObjectListView):
    """Recharge Cards → Card Batches: the batches issued within the user's reach."""

    permission_required = VIEW
    model = CardBatch
    table_class = CardBatchTable
    filterset_class = CardBatchFilterSet
    title = _l("Card Batches")
    create_url_name = "payments:card_batch_add"
    create_permission = MANAGE

    def get_base_queryset(self):
        return (
            _batches(self.request.user)
            .annotate(redeemed_count=Count("cards", filter=Q(cards__status="redeemed")))
            .order_by("-id")
        )


class CardBatchCreateView(ObjectEditView):
    """Recharge Cards → Create Batch. On success the batch's page offers the card sheet
    with the PINs, once (see the module's note)."""

    permission_required = MANAGE
    model = CardBatch
    form_class = CardBatchForm
    template_name = "payments/card_batch_form.html"

    def save(self, form, instance):
        data = form.cleaned_data
        batch, pins = card_batch_create(
            by=self.request.user,
            name=data["name"],
            prefix=data["prefix"],
            value=data["value"],
            count=data["count"],
            valid_until=data["valid_until"],
            operator=data["operator"],
            distributor=data["distributor"],
            idempotency_key=f"card-batch:{data['token']}",
        )
        if pins is None:
            self.success_message = _(
                "This form was already sent: batch %(prefix)s was created once."
            ) % {"prefix": batch.prefix}
        else:
            pins_keep(self.request, batch, pins)
            self.success_message = _(
                "%(count)s cards created. Download the card sheet now: it is the only "
                "time the PINs can be printed."
            ) % {"count": batch.count}
        return batch

    def get_success_url(self, obj=None):
        return reverse("payments:card_batch", args=[obj.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Create Batch")
        return context


class CardBatchView(ObjectView):
    """A batch: what it is, to whom it was issued, and its cards (serial, last four
    characters of the PIN, status, redeemed by whom and when)."""

    permission_required = VIEW
    model = CardBatch
    template_name = "payments/card_batch.html"

    def get_base_queryset(self):
        return _batches(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = self.object
        cards = RechargeCard.objects.filter(batch=batch).select_related(
            "redeemed_customer", "redeemed_by", "payment"
        )
        counts = dict(
            cards.order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        page = Paginator(cards.order_by("serial"), CARDS_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        for card in page.object_list:
            card.masked = masked_pin(card.pin_last4)
        context.update(
            title=str(batch),
            issued_to=issued_to(batch),
            page_obj=page,
            counts=[(label, counts.get(value, 0)) for value, label in CardStatusChoices.choices],
            currency=batch.tenant.currency,
            pins_ready=_session_key(batch.pk) in self.request.session,
            show_receipts=can(self.request.user, "payments.view"),
            show_journal=can(self.request.user, "accounting.view"),
        )
        return context


class CardSheetView(ObjectView):
    """The printable card sheet (PDF): with the PINs on the one download right after
    creation, with the PINs masked afterwards."""

    permission_required = VIEW
    model = CardBatch

    def get_base_queryset(self):
        return _batches(self.request.user)

    def get(self, request, *args, **kwargs):
        batch = self.get_object()
        pins = pins_take(request, batch)
        cards = RechargeCard.objects.filter(batch=batch).order_by("serial")
        data = card_sheet_pdf(batch, cards, pins)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            True, card_sheet_filename(batch, pins is not None)
        )
        response["Cache-Control"] = "no-store"
        return response


#
# Redeem Card
#


class CardRedeemView(ObjectEditView):
    """Recharge Cards → Redeem Card: a customer within reach (by username) and the PIN.
    Wrong PINs count toward the user's lockout."""

    permission_required = SELL
    model = Customer
    form_class = CardRedeemForm
    template_name = "payments/card_redeem.html"

    def save(self, form, instance):
        user = self.request.user
        payment = card_redeem(
            tenant=user.tenant,
            pin=form.cleaned_data["pin"],
            customer=form.customer,
            by=user,
            subject=f"user:{user.pk}",
            idempotency_key=f"card-redeem:{form.cleaned_data['token']}",
        )
        self.success_message = _(
            "Card redeemed: payment %(receipt)s of %(amount)s for %(customer)s."
        ) % {
            "receipt": payment.receipt_number,
            "amount": money(payment.amount),
            "customer": form.customer.username,
        }
        return payment

    def get_success_url(self, obj=None):
        if can(self.request.user, "payments.view", obj):
            return reverse("payments:receipt", args=[obj.pk])
        return reverse("payments:card_redeem")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Redeem Card")
        return context


#
# Card Distributors
#


def distributor_balances(tenant_id, user_ids) -> dict:
    """`cards.distributor_balance` for many distributors in one query."""
    rows = (
        JournalLine.objects.filter(
            tenant_id=tenant_id,
            account__key=chart.DISTRIBUTOR_DEPOSITS,
            distributor_id__in=user_ids,
        )
        .values("distributor_id")
        .annotate(d=Coalesce(Sum("debit"), quantize(0)), c=Coalesce(Sum("credit"), quantize(0)))
    )
    balances = dict.fromkeys(user_ids, quantize(0))
    for row in rows:
        balances[row["distributor_id"]] = quantize(row["c"] - row["d"])
    return balances


class CardDistributorTable(tables.Table):
    username = tables.Column(verbose_name=_l("Username"))
    name = tables.Column(verbose_name=_l("Name"))
    operator = tables.Column(verbose_name=_l("Works for"), accessor="operator__name")
    balance = MoneyColumn(verbose_name=_l("Balance"), accessor="pk", orderable=False)
    actions = tables.Column(verbose_name="", accessor="pk", orderable=False)

    class Meta:
        model = User
        fields = ["username", "name", "operator", "balance", "actions"]
        attrs = {**ATTRS, "id": "card-distributors"}

    def __init__(self, *args, balances=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.balances = balances or {}

    def render_balance(self, record):
        value = self.balances.get(record.pk)
        return "—" if value is None else money(value)

    def render_actions(self, record):
        return format_html(
            '<a class="btn btn-sm btn-primary" href="{}">{}</a>',
            reverse("payments:card_distributor_add_balance", args=[record.pk]),
            _("Add Balance"),
        )


class CardDistributorFilterSet(django_filters.FilterSet):
    username = django_filters.CharFilter(lookup_expr="icontains", label=_l("Username"))

    class Meta:
        model = User
        fields = ["username"]


class CardDistributorListView(ObjectListView):
    """Recharge Cards → Card Distributors: each distributor's prepaid balance (what cards
    may still be issued to it for), with Add Balance."""

    permission_required = BALANCE
    model = User
    table_class = CardDistributorTable
    filterset_class = CardDistributorFilterSet
    title = _l("Card Distributors")

    def get_base_queryset(self):
        return card_distributors(self.request.user.tenant_id).select_related("operator")

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        page = getattr(table, "page", None)
        shown = [row.record.pk for row in page.object_list] if page else []
        table.balances = distributor_balances(self.request.user.tenant_id, shown)
        return table


class DistributorAddBalanceView(ObjectEditView):
    """Card Distributors → Add Balance: the distributor paid the ISP in cash."""

    permission_required = BALANCE
    model = User
    form_class = DistributorAddBalanceForm
    template_name = "payments/card_distributor_add_balance.html"

    def get_base_queryset(self):
        return card_distributors(self.request.user.tenant_id).select_related("operator")

    def save(self, form, instance):
        data = form.cleaned_data
        distributor_add_balance(
            by=self.request.user,
            distributor=instance,
            amount=data["amount"],
            reference=data["reference"],
            idempotency_key=f"distributor-deposit:{instance.pk}:{data['token']}",
        )
        self.success_message = _("Balance added to %(name)s: now %(balance)s.") % {
            "name": instance.name or instance.username,
            "balance": money(distributor_balance(instance)),
        }
        return instance

    def get_success_url(self, obj=None):
        return reverse("payments:card_distributor_list")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Add Balance: %(name)s") % {
            "name": self.object.name or self.object.username
        }
        context["balance"] = distributor_balance(self.object)
        return context
