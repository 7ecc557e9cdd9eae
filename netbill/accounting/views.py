"""Accounting → Accounts, Journal, Trial Balance: reading the ISP's ledger.

The ledger belongs to the whole ISP: its rows are cut down to the user's tenant, and
only users holding `accounting.view` (the Group Admin by default) see them. A statement
filtered to one customer's or operator's sub-ledger names an object, which must lie in
the user's reach (else 404).
"""

from decimal import Decimal

from django.apps import apps
from django.db.models import Sum
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.generic import TemplateView

from netbill.core.permissions import can, restrict
from netbill.core.views import BaseView, ObjectListView, ObjectView

from . import queries
from .choices import EntrySourceChoices
from .forms import AccountStatementForm, JournalFilterSet
from .models import Account, JournalEntry, JournalLine
from .tables import AccountTable, JournalEntryTable

PERMISSION = "accounting.view"
ZERO = Decimal("0.00")


def _in_reach(user, label: str, pk):
    """The customer or operator `pk` if the user reaches it, else 404."""
    model = apps.get_model(label)
    obj = restrict(model.objects.all(), user, PERMISSION).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


# The page an entry came from: source → (URL name, permission, model whose row it is).
SOURCE_PAGES = {
    EntrySourceChoices.BILL: ("billing:bill", "bills.view", "billing.Bill"),
    EntrySourceChoices.BILL_CANCEL: ("billing:bill", "bills.view", "billing.Bill"),
    EntrySourceChoices.BILL_RUN: ("billing:bill_run", "bills.runs", "billing.BillRun"),
    EntrySourceChoices.PAYMENT: ("payments:payment", "payments.view", "payments.Payment"),
    EntrySourceChoices.PAYMENT_REVERSAL: (
        "payments:payment",
        "payments.view",
        "payments.Payment",
    ),
    EntrySourceChoices.OPERATOR_DEPOSIT: (
        "payments:operator_statement",
        "operators.balance",
        "accounts.Operator",
    ),
}


def source_url(entry: JournalEntry, user) -> str:
    """A link to what caused the entry, where the user may open it."""
    page = SOURCE_PAGES.get(entry.source)
    if page is None or entry.source_id is None:
        return ""
    url_name, code, label = page
    model = apps.get_model(label)
    if not restrict(model.objects.filter(pk=entry.source_id), user, code).exists():
        return ""
    try:
        return reverse(url_name, args=[entry.source_id])
    except NoReverseMatch:  # that app's pages are not mounted
        return ""


class AccountListView(ObjectListView):
    """Accounting → Accounts: the chart of accounts with each balance."""

    permission_required = PERMISSION
    model = Account
    table_class = AccountTable
    filterset_fields = ["type"]
    title = _l("Accounts")

    def get_base_queryset(self):
        return Account.objects.order_by("code")

    def get_table_kwargs(self):
        tenant = self.request.user.tenant
        return {
            "balances": {row["account"].pk: row["balance"] for row in queries.trial_balance(tenant)}
        }


class AccountView(ObjectView):
    """One account's statement: the opening balance, the lines of the period with a
    running balance, and the closing balance; optionally one customer's or operator's
    sub-ledger."""

    permission_required = PERMISSION
    model = Account
    template_name = "accounting/account.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        account, user = self.object, self.request.user
        operators = restrict(
            apps.get_model("accounts", "Operator").objects.order_by("path"), user, PERMISSION
        )
        form = AccountStatementForm(self.request.GET or None, operators=operators)
        customer = operator = None
        start = end = None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            start, end = data.get("start"), data.get("end")
            if data.get("customer"):
                customer = _in_reach(user, "customers.Customer", data["customer"])
            if data.get("operator"):
                operator = _in_reach(user, "accounts.Operator", data["operator"])
        limit = 500
        if not form.is_bound or form.is_valid():
            opening, lines, closing = queries.statement(
                user.tenant,
                account=account,
                customer_id=customer.pk if customer else None,
                operator_id=operator.pk if operator else None,
                start=start,
                end=end,
                limit=limit,
            )
        else:
            opening, lines, closing = ZERO, [], ZERO
        # A credit-normal account's empty balance comes out as -0.00.
        opening, closing = opening or ZERO, closing or ZERO
        context.update(
            title=str(account),
            account_name=_(account.name),
            form=form,
            customer=customer,
            operator=operator,
            start=start,
            end=end,
            opening=opening,
            lines=lines,
            closing=closing,
            truncated=len(lines) >= limit,
            debit_total=sum((line.debit for line in lines), ZERO),
            credit_total=sum((line.credit for line in lines), ZERO),
            can_open_customer=customer is not None and can(user, "customers.view", customer),
        )
        return context


class JournalListView(ObjectListView):
    """Accounting → Journal: entries, newest first, by date range and source."""

    permission_required = PERMISSION
    model = JournalEntry
    table_class = JournalEntryTable
    filterset_class = JournalFilterSet
    title = _l("Journal")

    def get_base_queryset(self):
        return (
            JournalEntry.objects.select_related("reverses", "created_by")
            .annotate(amount=Sum("lines__debit"))
            .order_by("-date", "-id")
        )


class JournalEntryView(ObjectView):
    """One entry: its lines (account, debit, credit, customer or operator), what caused
    it, and the entry it reverses or that reverses it."""

    permission_required = PERMISSION
    model = JournalEntry
    template_name = "accounting/journal_entry.html"

    def get_base_queryset(self):
        return JournalEntry.objects.select_related("reverses", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry, user = self.object, self.request.user
        lines = list(
            JournalLine.objects.filter(entry=entry)
            .select_related("account", "customer__operator", "operator")
            .order_by("id")
        )
        rows = []
        for line in lines:
            rows.append(
                {
                    "line": line,
                    "account_name": _(line.account.name),
                    "customer_url": (
                        line.customer.get_absolute_url()
                        if line.customer_id and can(user, "customers.view", line.customer)
                        else ""
                    ),
                }
            )
        context.update(
            title=str(entry),
            rows=rows,
            debit_total=sum((line.debit for line in lines), ZERO),
            credit_total=sum((line.credit for line in lines), ZERO),
            reversed_by=JournalEntry.objects.filter(reverses=entry).first(),
            source_url=source_url(entry, user),
        )
        return context


class TrialBalanceView(BaseView, TemplateView):
    """Accounting → Trial Balance: every account's debit and credit totals; the grand
    totals are equal (the ledger is balanced)."""

    permission_required = PERMISSION
    template_name = "accounting/trial_balance.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = queries.trial_balance(self.request.user.tenant)
        for row in rows:
            row["name"] = _(row["account"].name)
        debit = sum((row["debit"] for row in rows), ZERO)
        credit = sum((row["credit"] for row in rows), ZERO)
        context.update(
            title=_("Trial Balance"),
            rows=rows,
            debit_total=debit,
            credit_total=credit,
            difference=debit - credit,
        )
        return context
