"""Customers → Customer List → Export xlsx / Export csv.

The export is the list the user is looking at: the same reach (`restrict`), the same
filters and search (`CustomerFilterSet`), with the list's columns and the ones an ISP
needs in a spreadsheet (email, address, zone, connection details, billing profile,
custom fields). Money follows the list's rule: package prices only to holders of
packages.view, the custom price only with customers.custom_price as well, so NOC users
get no money column. The password is never exported.

Rows are read with `iterator(chunk_size=2000)`: a 200k-customer export never holds all
rows in memory. A csv streams straight to the browser; an xlsx of up to
`XLSX_INLINE_LIMIT` rows is written to a temporary file (openpyxl's write-only workbook)
and sent, a bigger one is written by a background job with a progress bar and offered
for download on the job page.

Spreadsheet formula injection: in a csv, a cell starting with = + - @ (or a tab or
carriage return) is prefixed with a quote (OWASP); in an xlsx every text is written as a
text cell, which Excel never evaluates.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext as _

from netbill.core.permissions import can, restrict
from netbill.core.tasks import TenantTask

from .choices import ConnectionTypeChoices, CustomerStatusChoices
from .filters import CustomerFilterSet
from .models import Customer, CustomField

__all__ = [
    "CHUNK_SIZE",
    "XLSX_INLINE_LIMIT",
    "Column",
    "csv_cell",
    "csv_stream",
    "export_columns",
    "export_queryset",
    "export_rows",
    "export_xlsx_task",
    "xlsx_write",
]

VIEW = "customers.view"
PACKAGE_PRICES = "packages.view"
CUSTOM_PRICE = "customers.custom_price"

CHUNK_SIZE = 2000
XLSX_INLINE_LIMIT = 10_000
EXPORT_KIND = "customers.export"

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def list_actions() -> list[dict]:
    """The Customer List's export buttons (core/_object_table.html renders
    `extra_actions` with the list's current query string)."""
    from django.utils.translation import gettext_lazy

    return [
        {
            "label": gettext_lazy("Export xlsx"),
            "url_name": "customers:customer_export_xlsx",
            "icon": "file-earmark-spreadsheet",
        },
        {
            "label": gettext_lazy("Export csv"),
            "url_name": "customers:customer_export_csv",
            "icon": "filetype-csv",
        },
    ]


#
# Columns
#


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Customer], Any]


def _name(obj) -> str:
    return getattr(obj, "name", "") or ""


def export_columns(user, custom_fields: Iterable[CustomField]) -> list[Column]:
    """The columns `user` may see, in the list's order, then the extra ones."""
    status_labels = dict(CustomerStatusChoices.choices)
    connection_labels = dict(ConnectionTypeChoices.choices)
    columns = [
        Column(_("Username"), lambda c: c.username),
        Column(_("Name"), lambda c: c.name),
        Column(_("Mobile"), lambda c: c.mobile),
        Column(_("Operator"), lambda c: c.operator.name),
        Column(_("Package"), lambda c: c.package.master_package.name),
        Column(_("Zone"), lambda c: _name(c.zone)),
        Column(
            _("Connection type"),
            lambda c: str(connection_labels.get(c.connection_type, c.connection_type)),
        ),
        Column(_("Status"), lambda c: str(status_labels.get(c.status, c.status))),
    ]
    if can(user, PACKAGE_PRICES):
        columns.append(Column(_("Package price"), lambda c: c.package.customer_price))
        if can(user, CUSTOM_PRICE):
            columns.append(Column(_("Custom price"), lambda c: c.custom_price))
    columns += [
        Column(_("Email"), lambda c: c.email),
        Column(_("Address"), lambda c: c.address),
        Column(_("NID"), lambda c: c.nid),
        Column(_("Static IP"), lambda c: c.static_ip or ""),
        Column(_("MAC address"), lambda c: c.mac_address),
        Column(_("Billing profile"), lambda c: _name(c.billing_profile)),
        Column(_("Connection date"), lambda c: c.connection_date),
        Column(_("Status reason"), lambda c: c.status_reason),
        Column(_("Created"), lambda c: timezone.localtime(c.created_at).replace(tzinfo=None)),
    ]
    for field in custom_fields:
        columns.append(
            Column(field.name, lambda c, key=field.key: (c.custom_fields or {}).get(key, ""))
        )
    return columns


def export_queryset(user, params):
    """The customers of the Customer List for `user` with the GET `params` (filters and
    search), newest first unless the search orders them. Build it inside the request
    (or task) scope; it may be iterated later."""

    class _Request:  # what CustomerFilterSet's choice querysets read
        pass

    request = _Request()
    request.user = user
    request.GET = params
    base = Customer.objects.select_related(
        "operator", "zone", "package__master_package", "billing_profile"
    ).order_by("-id")
    rows = restrict(base, user, VIEW)
    filterset = CustomerFilterSet(params, queryset=rows, request=request)
    # An invalid filter value (a zone of another ISP…) is ignored as the list ignores it.
    return filterset.qs if filterset.is_valid() else rows


def active_custom_fields(tenant_id) -> list[CustomField]:
    return list(CustomField.objects.filter(tenant_id=tenant_id, is_active=True))


def export_rows(queryset, columns: list[Column]) -> Iterator[list]:
    """One list of values per customer, read `CHUNK_SIZE` rows at a time."""
    for customer in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield [column.value(customer) for column in columns]


#
# csv
#


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (datetime.date, Decimal, int)):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def csv_stream(columns: list[Column], rows: Iterable[list]) -> Iterator[str]:
    """The csv text, line by line (UTF-8 with a BOM, so Excel reads Bengali names)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([csv_cell(c.header) for c in columns])
    for row in rows:
        yield writer.writerow([csv_cell(v) for v in row])


#
# xlsx
#


def xlsx_write(columns: list[Column], rows: Iterable[list], fileobj, *, on_rows=None) -> int:
    """Write the workbook to `fileobj` (write-only: rows go to disk as they come);
    returns the number of rows. `on_rows(n)` is told every `CHUNK_SIZE` rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Customers")[:31])

    def cell(value):
        if isinstance(value, str):
            # A text cell: never a formula, whatever it starts with.
            c = WriteOnlyCell(sheet, value=value)
            c.data_type = "s"
            return c
        return value

    sheet.append([cell(str(c.header)) for c in columns])
    count = 0
    for row in rows:
        sheet.append([cell(v) for v in row])
        count += 1
        if on_rows is not None and count % CHUNK_SIZE == 0:
            on_rows(CHUNK_SIZE)
    if on_rows is not None and count % CHUNK_SIZE:
        on_rows(count % CHUNK_SIZE)
    workbook.save(fileobj)
    return count


def xlsx_tempfile(columns, rows):
    """The workbook in a temporary file (deleted when closed), rewound."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    xlsx_write(columns, rows, handle)
    handle.seek(0)
    return handle


def export_filename(extension: str) -> str:
    return f"customers-{timezone.localdate().isoformat()}.{extension}"


@shared_task(base=TenantTask, name="customers.export_xlsx_task")
def export_xlsx_task(*, tenant_id: int, job_id: int) -> None:
    """A big Customer List export: the workbook becomes the job's result file."""
    from django.contrib.auth import get_user_model

    from netbill.core.jobs import job_running

    with job_running(job_id) as job:
        user = get_user_model().objects.get(pk=job.created_by_id)
        params = _querydict(job.params.get("filters") or {})
        queryset = export_queryset(user, params)
        columns = export_columns(user, active_custom_fields(tenant_id))
        job.set_total(queryset.count())
        with tempfile.TemporaryFile(suffix=".xlsx") as handle:
            count = xlsx_write(columns, export_rows(queryset, columns), handle, on_rows=job.advance)
            handle.seek(0)
            data = handle.read()
        job.finish(
            message=_("%(n)s customers exported.") % {"n": f"{count:,}"},
            result={"customers_exported": count},
            result_file=(export_filename("xlsx"), data),
        )


def _querydict(values: dict):
    from django.http import QueryDict

    params = QueryDict(mutable=True)
    for key, items in values.items():
        params.setlist(key, items if isinstance(items, list) else [items])
    return params
