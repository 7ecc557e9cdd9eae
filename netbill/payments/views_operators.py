"""Operators → Account Balance: the operators' balances with the ISP, Add Balance, and
the reseller statement.

An operator's balance is the credit balance of its sub-ledger of Operator deposits:
deposits it made and commissions it earned, less the cash its users collected from
customers (which is the ISP's money in its hands). `Operator.balance` caches it (the
credit limit is checked against the cache); the list shows both, and flags a mismatch.
"""

import django_filters
import django_tables2 as tables
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from netbill.accounting import chart
from netbill.accounting.choices import EntrySourceChoices
from netbill.accounting.models import Account, JournalEntry, JournalLine
from netbill.accounting.queries import statement
from netbill.accounting.services import local_today
from netbill.accounts.choices import OperatorKindChoices
from netbill.accounts.models import Operator
from netbill.billing.choices import OPEN_STATUSES, BillStatusChoices
from netbill.billing.models import Bill
from netbill.billing.services import operator_at_credit_limit
from netbill.core.money import quantize
from netbill.core.permissions import can
from netbill.core.tables import MoneyColumn
from netbill.core.templatetags.netbill import money
from netbill.core.views import ObjectEditView, ObjectListView, ObjectView

from .forms_operators import OperatorAddBalanceForm, OperatorStatementForm
from .services import operator_add_balance

PERMISSION = "operators.balance"
ZERO = quantize(0)


def ledger_balances(tenant, operator_ids) -> dict[int, object]:
    """`accounting.queries.operator_balance` for many operators in one query."""
    rows = (
        JournalLine.objects.filter(
            tenant=tenant, account__key=chart.OPERATOR_DEPOSITS, operator_id__in=operator_ids
        )
        .values("operator_id")
        .annotate(d=Coalesce(Sum("debit"), ZERO), c=Coalesce(Sum("credit"), ZERO))
    )
    balances = dict.fromkeys(operator_ids, ZERO)
    for row in rows:
        balances[row["operator_id"]] = quantize(row["c"] - row["d"])
    return balances


def _deposit_operators(user):
    """Operators that keep a deposit (not the Group Admin's own book)."""
    return Operator.objects.select_related("parent").exclude(kind=OperatorKindChoices.ROOT)


#
# Account Balance
#


class OperatorBalanceTable(tables.Table):
    name = tables.Column(verbose_name=_l("Operator"))
    kind = tables.Column(verbose_name=_l("Kind"))
    parent = tables.Column(verbose_name=_l("Under"))
    ledger_balance = MoneyColumn(
        verbose_name=_l("Balance (ledger)"), accessor="pk", orderable=False
    )
    balance = MoneyColumn(verbose_name=_l("Balance"))
    credit_limit = MoneyColumn(verbose_name=_l("Credit limit"))
    at_limit = tables.Column(verbose_name="", accessor="pk", orderable=False)
    actions = tables.Column(verbose_name="", accessor="pk", orderable=False)

    class Meta:
        model = Operator
        fields = [
            "name",
            "kind",
            "parent",
            "ledger_balance",
            "balance",
            "credit_limit",
            "at_limit",
            "actions",
        ]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "operator-balances"}

    def __init__(self, *args, ledger=None, can_add=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.ledger = ledger or {}
        self.can_add = can_add

    def render_name(self, record):
        return format_html(
            '<a href="{}">{}</a>', reverse("payments:operator_statement", args=[record.pk]), record
        )

    def render_ledger_balance(self, record):
        value = self.ledger.get(record.pk)
        if value is None:
            return "—"
        if value != record.balance:
            # The cache and the ledger disagree: the ledger is the truth.
            return format_html(
                '<span class="text-danger" data-mismatch="{}" title="{}">{}</span>',
                record.pk,
                _("The cached balance differs from the ledger."),
                money(value),
            )
        return money(value)

    def render_at_limit(self, record):
        if operator_at_credit_limit(record):
            return format_html(
                '<span class="badge text-bg-danger" data-at-limit="{}">{}</span>',
                record.pk,
                _("At credit limit"),
            )
        return ""

    def render_actions(self, record):
        statement_link = format_html(
            '<a class="btn btn-sm btn-outline-secondary" href="{}">{}</a>',
            reverse("payments:operator_statement", args=[record.pk]),
            _("Statement"),
        )
        if not self.can_add:
            return statement_link
        return format_html(
            '{} <a class="btn btn-sm btn-primary" href="{}">{}</a>',
            statement_link,
            reverse("payments:operator_add_balance", args=[record.pk]),
            _("Add Balance"),
        )


class OperatorBalanceFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=_l("Name"))
    kind = django_filters.ChoiceFilter(
        label=_l("Kind"),
        choices=[
            (OperatorKindChoices.OPERATOR, OperatorKindChoices.OPERATOR.label),
            (OperatorKindChoices.SUB_OPERATOR, OperatorKindChoices.SUB_OPERATOR.label),
        ],
    )

    class Meta:
        model = Operator
        fields = ["name", "kind"]


class OperatorBalanceListView(ObjectListView):
    """Operators → Account Balance: the operators below the user, their balances and
    credit limits."""

    permission_required = PERMISSION
    model = Operator
    table_class = OperatorBalanceTable
    filterset_class = OperatorBalanceFilterSet
    title = _l("Account Balance")

    def get_base_queryset(self):
        return _deposit_operators(self.request.user).order_by("path")

    def get_queryset(self):
        # Users see the operators below them, never their own deposit (they cannot
        # add to it either).
        return super().get_queryset().exclude(pk=self.request.user.operator_id)

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        page = getattr(table, "page", None)
        shown = [row.record.pk for row in page.object_list] if page else []
        table.ledger = ledger_balances(self.request.user.tenant, shown)
        return table


class OperatorAddBalanceView(ObjectEditView):
    """Account Balance → Add Balance: the operator deposited money with the ISP."""

    permission_required = PERMISSION
    model = Operator
    form_class = OperatorAddBalanceForm
    template_name = "payments/operator_add_balance.html"

    def get_base_queryset(self):
        return _deposit_operators(self.request.user).exclude(pk=self.request.user.operator_id)

    def save(self, form, instance):
        data = form.cleaned_data
        deposit = operator_add_balance(
            operator=instance,
            by=self.request.user,
            amount=data["amount"],
            reference=data["reference"],
            idempotency_key=f"operator-deposit:{instance.pk}:{data['token']}",
        )
        self.success_message = _("%(amount)s added to %(operator)s's balance.") % {
            "amount": money(deposit.amount),
            "operator": instance.name,
        }
        return instance

    def get_success_url(self, obj=None):
        return reverse("payments:operator_statement", args=[obj.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Add Balance: %(operator)s") % {"operator": self.object.name}
        context["at_limit"] = operator_at_credit_limit(self.object)
        return context


#
# Reseller statement
#

CREDIT_KINDS = {EntrySourceChoices.OPERATOR_DEPOSIT: "deposit"}
DEBIT_KINDS = {EntrySourceChoices.PAYMENT: "cash", EntrySourceChoices.ADVANCE: "cash"}
REVERSALS = {
    EntrySourceChoices.BILL_CANCEL,
    EntrySourceChoices.PAYMENT_REVERSAL,
    EntrySourceChoices.REVERSAL,
}


def _line_kind(line, source: str) -> str:
    """deposit, commission, cash (collected from customers) or adjustment."""
    if source in REVERSALS:
        return "adjustment"
    if line.credit:
        return CREDIT_KINDS.get(source, "commission")
    return DEBIT_KINDS.get(source, "adjustment")


KIND_LABELS = {
    "deposit": _l("Deposit"),
    "commission": _l("Commission earned"),
    "cash": _l("Cash collected"),
    "adjustment": _l("Adjustment"),
}


def operator_statement(tenant, operator, *, start=None, end=None) -> dict:
    """The reseller statement from the ledger: the operator's deposit sub-ledger with a
    running balance, the period's deposits, commissions and collected cash, and a
    summary of its customers' bills issued in the period."""
    account = Account.objects.filter(tenant=tenant, key=chart.OPERATOR_DEPOSITS).first()
    if account is None:
        opening, lines, closing = ZERO, [], ZERO
    else:
        opening, lines, closing = statement(
            tenant, account=account, operator_id=operator.pk, start=start, end=end
        )
    sources = dict(
        JournalEntry.objects.filter(pk__in={line.entry_id for line in lines}).values_list(
            "pk", "source"
        )
    )
    totals = {"deposit": ZERO, "commission": ZERO, "cash": ZERO, "adjustment": ZERO}
    rows = []
    for line in lines:
        kind = _line_kind(line, sources.get(line.entry_id, ""))
        # Deposits and commissions raise the balance; cash collected lowers it.
        if kind == "adjustment":
            totals[kind] += line.credit - line.debit
        elif kind == "cash":
            totals[kind] += line.debit
        else:
            totals[kind] += line.credit
        rows.append({"line": line, "kind": kind, "kind_label": KIND_LABELS[kind]})
    bills = Bill.objects.filter(tenant=tenant, operator=operator)
    if start is not None:
        bills = bills.filter(issue_date__gte=start)
    if end is not None:
        bills = bills.filter(issue_date__lte=end)
    live = ~Q(status=BillStatusChoices.CANCELLED)
    summary = bills.aggregate(
        count=Count("pk", filter=live),
        billed=Coalesce(Sum("total", filter=live), ZERO),
        paid=Coalesce(Sum("paid_amount", filter=live), ZERO),
        share=Coalesce(Sum("operator_share", filter=Q(status=BillStatusChoices.PAID)), ZERO),
        open_count=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        cancelled=Count("pk", filter=Q(status=BillStatusChoices.CANCELLED)),
    )
    summary["due"] = quantize(summary["billed"] - summary["paid"])
    return {
        # A credit-normal account's empty balance comes out as -0.00.
        "opening": opening or ZERO,
        "closing": closing or ZERO,
        "rows": rows,
        "totals": totals,
        "bills": summary,
        "truncated": len(lines) >= 500,
    }


class OperatorStatementView(ObjectView):
    """Account Balance → Statement: the reseller statement for a period (this month by
    default). An operator may read its own."""

    permission_required = PERMISSION
    model = Operator
    template_name = "payments/operator_statement.html"

    def get_base_queryset(self):
        return _deposit_operators(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        operator, user = self.object, self.request.user
        today = local_today(user.tenant)
        form = OperatorStatementForm(
            self.request.GET or {"start": today.replace(day=1), "end": today}
        )
        start = end = None
        if form.is_valid():
            start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
        context.update(
            title=_("Statement: %(operator)s") % {"operator": operator.name},
            form=form,
            start=start,
            end=end,
            at_limit=operator_at_credit_limit(operator),
            can_add=operator.pk != user.operator_id and can(user, PERMISSION, operator),
            **operator_statement(user.tenant, operator, start=start, end=end),
        )
        return context
