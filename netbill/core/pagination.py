"""Pagination for lists that grow to hundreds of thousands of rows.

`CappedPaginator` counts at most CAP rows (`SELECT pk … LIMIT CAP + 1` stops early,
where `COUNT(*)` over 200k customers reads them all), so a list never offers more than
CAP / per_page pages; past that, staff narrow the list with its search and filters, as
nobody pages through 4,000 pages. The table tells the user when the list was cut.
"""

from functools import cached_property

from django.core.paginator import Paginator

CAP = 10_000


class CappedPaginator(Paginator):
    cap = CAP

    @cached_property
    def count(self) -> int:
        try:
            # SELECT COUNT(*) FROM (SELECT … LIMIT cap + 1): counted in the database.
            rows = self.object_list.order_by().values("pk")[: self.cap + 1].count()
        except AttributeError:  # a list, not a queryset
            rows = len(self.object_list)
        self.capped = rows > self.cap
        return min(rows, self.cap)

    capped = False


class SearchCappedPaginator(CappedPaginator):
    """For search results: at most 1,000 matches (20 pages). A common name ("rahim")
    matches thousands of customers; counting them all means reading most of the table,
    and nobody reads past the first pages of a search."""

    cap = 1_000
