"""Tables of the accounting pages."""

import django_tables2 as tables
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from netbill.core.tables import MoneyColumn
from netbill.core.templatetags.netbill import money

from .models import Account, JournalEntry


class AccountTable(tables.Table):
    """The chart of accounts with each account's balance (on its normal side)."""

    code = tables.Column(verbose_name=_("Code"), linkify=True)
    name = tables.Column(verbose_name=_("Name"), linkify=True)
    type = tables.Column(verbose_name=_("Type"))
    balance = MoneyColumn(verbose_name=_("Balance"), accessor="pk", orderable=False)

    class Meta:
        model = Account
        fields = ["code", "name", "type", "balance"]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "accounts"}

    def __init__(self, *args, balances=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.balances = balances or {}

    def render_name(self, record):
        # System accounts' names are marked for translation in chart.py.
        return gettext(record.name)

    def render_balance(self, record):
        return money(self.balances.get(record.pk, 0))


class JournalEntryTable(tables.Table):
    id = tables.Column(verbose_name="#", linkify=True)
    date = tables.DateColumn(verbose_name=_("Date"), format="Y-m-d")
    memo = tables.Column(verbose_name=_("Memo"), linkify=True)
    source = tables.Column(verbose_name=_("Source"))
    amount = MoneyColumn(verbose_name=_("Amount"), orderable=False)
    reverses = tables.Column(verbose_name=_("Reverses"), linkify=True)
    created_by = tables.Column(verbose_name=_("By"))

    class Meta:
        model = JournalEntry
        fields = ["id", "date", "memo", "source", "amount", "reverses", "created_by"]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "journal"}
        orderable = False

    def render_id(self, value):
        return f"JE-{value}"

    def render_reverses(self, value):
        return f"JE-{value.pk}"
