"""Table helpers shared by every app's tables.py."""

import django_tables2 as tables

from .templatetags.netbill import money


class MoneyColumn(tables.Column):
    """An amount with thousands separators and two places, right-aligned."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "text-end"}, "th": {"class": "text-end"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return money(value)
