"""Customers → Bulk Update Users: a spreadsheet keyed by username changes many customers.

The file (xlsx or csv, at most NETBILL_IMPORT_MAX_BYTES, 10 MB by default) has a
`username` column and any of the columns to change: name, mobile, email, address, nid,
zone, package, billing_profile, connection_type, static_ip, mac_address,
connection_date, the custom fields (by key or by name), and status with status_reason.
Headers are matched loosely ("Billing profile", "billing_profile", "MAC address"), so
the Customer List's own xlsx/csv export can be edited and uploaded again; its read-only
columns (operator, prices, created) are ignored and said so.

Rules:
- A blank cell leaves the value as it is (a spreadsheet cannot tell "empty" from
  "not given"); nothing is cleared by this page.
- Every row is checked with the rules of Edit Customer, against the customer's current
  values with the file's cells on top: by the Excel import's batch validator
  (`imports.validate.validate_rows`, the same rules and messages as
  `services.customers._clean`, after one read of every lookup: 2,000 rows in under a
  second), or, for a user without customers.create (which that validator requires),
  by `_clean` row by row. Only rows with a non-blank cell to change are checked.
- A username that is unknown, in another ISP, or outside the user's operator subtree is
  the same row error ("no customer … within your reach"): the file cannot probe for
  customers it may not see. A username twice in the file is an error on both rows.
- A status change needs customers.suspend as well, and a status reason (as on the
  profile); a status reason without a status change is ignored. FUP needs a package
  with a Fair Usage Policy.
- The preview shows, per row, only the changed cells (old → new) and every error.
- Applying is all or nothing: one transaction around `customer_update` (and
  `customer_change_status`) per changed customer, so RADIUS rows, audit entries and
  events are exactly those of single edits, and a row that fails at apply time (a
  change made meanwhile) rolls the whole file back. The events go out after the commit.
  Per-row services cost ~25 ms per changed customer on PostgreSQL (2,000 customers
  in ~50 s, as a background job with a progress bar): fine for the few thousand rows
  this page is for; the Excel import handles the 50k files set-based.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from netbill.core.exceptions import BusinessRuleError
from netbill.core.permissions import can, restrict
from netbill.core.tasks import TenantTask

from .choices import ConnectionTypeChoices, CustomerStatusChoices
from .models import Customer, CustomField
from .services.customers import EDIT_FIELDS, _clean, customer_change_status, customer_update

__all__ = [
    "BULK_USERS_KIND",
    "FileProblem",
    "Plan",
    "RowPlan",
    "bulk_users_apply",
    "bulk_users_apply_task",
    "bulk_users_check_file",
    "bulk_users_plan",
    "max_bytes",
    "read_table",
    "too_big",
]

EDIT = "customers.edit"
SUSPEND = "customers.suspend"
BULK_USERS_KIND = "customers.bulk_users"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Rows per file: the changes are applied customer by customer (see above); a bigger
# change belongs to the Excel import or Multiple Customer Update.
MAX_ROWS = 20_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Field → what the column may be called (besides the field name itself).
ALIASES = {
    "username": ("user", "user name", "login", "pppoe username"),
    "name": ("customer name", "full name"),
    "mobile": ("phone", "mobile number"),
    "email": ("e-mail", "email address"),
    "address": (),
    "nid": ("national id",),
    "zone": (),
    "package": (),
    "billing_profile": ("billing profile",),
    "connection_type": ("connection type", "connection"),
    "static_ip": ("static ip", "ip", "ip address"),
    "mac_address": ("mac address", "mac"),
    "connection_date": ("connection date",),
    "status": (),
    "status_reason": ("status reason", "reason"),
}
# What the Customer List export has but this page does not change.
READ_ONLY = ("operator", "package price", "custom price", "price", "created", "id")
FIELD_LABELS = {
    "name": "Name",
    "mobile": "Mobile",
    "email": "Email",
    "address": "Address",
    "nid": "NID",
    "zone": "Zone",
    "package": "Package",
    "billing_profile": "Billing profile",
    "connection_type": "Connection type",
    "static_ip": "Static IP",
    "mac_address": "MAC address",
    "connection_date": "Connection date",
    "status": "Status",
}


class FileProblem(BusinessRuleError):
    """The file as a whole cannot be used (type, size, broken, empty, headers)."""


def max_bytes() -> int:
    return int(getattr(settings, "NETBILL_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _norm(text) -> str:
    return " ".join(str(text or "").replace("_", " ").replace("-", " ").split()).casefold()


#
# Reading the file
#


def too_big() -> FileProblem:
    return FileProblem(
        _("The file is larger than %(mb)s MB; split it into smaller files.")
        % {"mb": f"{max_bytes() / 1024 / 1024:g}"}
    )


def read_table(name: str, data: bytes) -> tuple[list[str], list[tuple[int, list]]]:
    """(headers, [(spreadsheet row number, cells)]) of an xlsx or csv, or FileProblem
    with a message for the user. Blank rows are skipped."""
    if len(data) > max_bytes():
        raise too_big()
    if not data:
        raise FileProblem(_("The file is empty."))
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension == "xlsx":
        table = _read_xlsx(data)
    elif extension == "csv":
        table = _read_csv(data)
    else:
        raise FileProblem(_("Upload an Excel workbook (.xlsx) or a .csv file."))
    rows = []
    for number, cells in table:
        if any(not _blank(c) for c in cells):
            rows.append((number, cells))
            if len(rows) > MAX_ROWS + 1:
                raise FileProblem(
                    _("At most %(n)s rows per file; split it into smaller files.")
                    % {"n": f"{MAX_ROWS:,}"}
                )
    if not rows:
        raise FileProblem(_("The file is empty."))
    header_number, headers = rows[0]
    headers = ["" if h is None else str(h).strip() for h in headers]
    if len(rows) == 1:
        raise FileProblem(_("The file has headers but no rows."))
    return headers, rows[1:]


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        table = []
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            # Formatted but empty rows (a sheet can claim a million) are skipped here;
            # past the limit, read_table refuses the file.
            if any(not _blank(c) for c in cells):
                table.append((number, list(cells)))
                if len(table) > MAX_ROWS + 1:
                    break
        workbook.close()
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on broken files
        # (BadZipFile, KeyError, ValueError, InvalidFileException, lxml errors…)
        raise FileProblem(
            _("The file cannot be read as an Excel workbook (.xlsx); is it damaged?")
        ) from exc
    return table


def _read_csv(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(_("Save the csv file as UTF-8 (CSV UTF-8 in Excel).")) from exc
    if "\x00" in text:
        raise FileProblem(_("This is not a csv file."))
    # The delimiter is the one the header line uses most (Excel writes ";" in some
    # locales); guessing from the data would trip on addresses with commas.
    header = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header.count) if header else ","
    try:
        return [
            (number, row)
            for number, row in enumerate(
                csv.reader(io.StringIO(text), delimiter=delimiter), start=1
            )
        ]
    except csv.Error as exc:
        raise FileProblem(_("The csv file is malformed: %(error)s") % {"error": exc}) from exc


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell(value):
    """A cell as the rules take it: text stripped (and the export's formula quote
    removed), whole floats as integers, datetimes as dates."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    if text.startswith("'") and text[1:2] and text[1:2] in FORMULA_STARTS:
        text = text[1:]
    return text


#
# Columns
#


@dataclass
class ColumnMap:
    username: int
    fields: dict[str, int]  # field → column index
    custom: dict[str, int]  # custom field key → column index
    ignored: list[str]


def _map_columns(headers: list[str], custom_fields: list[CustomField]) -> ColumnMap:
    names: dict[str, str] = {}
    for name, aliases in ALIASES.items():
        for alias in (name, *aliases, FIELD_LABELS.get(name, ""), _(FIELD_LABELS.get(name, ""))):
            if alias:
                names.setdefault(_norm(alias), name)
    custom_names: dict[str, str] = {}
    for cf in custom_fields:
        custom_names.setdefault(_norm(cf.key), cf.key)
        custom_names.setdefault(_norm(cf.name), cf.key)
    read_only = {_norm(h) for h in READ_ONLY} | {
        _norm(_(h.capitalize())) for h in READ_ONLY if h != "id"
    }

    fields: dict[str, int] = {}
    custom: dict[str, int] = {}
    ignored, unknown, twice = [], [], []
    for index, header in enumerate(headers):
        key = _norm(header)
        if not key:
            continue
        if key in names:
            target, bucket = names[key], fields
        elif key in custom_names:
            target, bucket = custom_names[key], custom
        elif key in read_only:
            ignored.append(header)
            continue
        elif key == "password":
            raise FileProblem(_("Passwords cannot be changed from a file; remove that column."))
        else:
            unknown.append(header)
            continue
        if target in bucket:
            twice.append(header)
        bucket[target] = index
    if unknown:
        raise FileProblem(
            _("Unknown columns: %(columns)s. The columns are username and any of: %(known)s.")
            % {
                "columns": ", ".join(unknown),
                "known": ", ".join([n for n in ALIASES if n != "username"] + ["custom fields"]),
            }
        )
    if twice:
        raise FileProblem(
            _("These columns are in the file twice: %(columns)s.") % {"columns": ", ".join(twice)}
        )
    if "username" not in fields:
        raise FileProblem(_("The file needs a “username” column to find the customers."))
    username = fields.pop("username")
    if not fields and not custom:
        raise FileProblem(_("The file has no column to change besides the username."))
    return ColumnMap(username=username, fields=fields, custom=custom, ignored=ignored)


#
# The plan: what each row changes, or why it cannot
#


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class RowPlan:
    number: int  # the spreadsheet row
    username: str
    customer: Customer | None = None
    changes: list[Change] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # for customer_update
    status: str | None = None
    reason: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.data) or self.status is not None


@dataclass
class Plan:
    rows: list[RowPlan]
    ignored: list[str]

    @property
    def errors(self) -> list[RowPlan]:
        return [r for r in self.rows if r.errors]

    @property
    def changed(self) -> list[RowPlan]:
        return [r for r in self.rows if r.changed and not r.errors]

    @property
    def unchanged(self) -> list[RowPlan]:
        return [r for r in self.rows if not r.changed and not r.errors]

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "errors": len(self.errors),
        }


class _Lookups:
    """Names → rows, read once per file."""

    def __init__(self, tenant_id):
        from netbill.catalog.models import BillingProfile, OperatorPackage
        from netbill.tenancy.models import Zone

        self.zones = {_norm(z.name): z for z in Zone.objects.filter(tenant_id=tenant_id)}
        self.profiles = {
            _norm(p.name): p for p in BillingProfile.objects.filter(tenant_id=tenant_id)
        }
        self.packages = {
            (p.operator_id, _norm(p.master_package.name)): p
            for p in OperatorPackage.objects.filter(tenant_id=tenant_id).select_related(
                "master_package"
            )
        }
        self.statuses = {}
        for value, label in CustomerStatusChoices.choices:
            self.statuses[_norm(value)] = value
            self.statuses[_norm(label)] = value
        self.connection_types = {}
        for value, label in ConnectionTypeChoices.choices:
            self.connection_types[_norm(value)] = value
            self.connection_types[_norm(label)] = value


def _customers_in_reach(by, usernames: list[str]) -> dict[str, Customer]:
    """The customers `by` may edit among `usernames` (case-insensitive), one query per
    1,000 names."""
    found: dict[str, Customer] = {}
    base = restrict(
        Customer.objects.select_related(
            "operator", "zone", "package__master_package", "billing_profile"
        ),
        by,
        EDIT,
    )
    names = sorted(set(usernames))
    for start in range(0, len(names), 1000):
        chunk = names[start : start + 1000]
        for customer in base.annotate(lower_username=Lower("username")).filter(
            lower_username__in=chunk
        ):
            found[customer.lower_username] = customer
    return found


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(getattr(value, "name", None) or value) if hasattr(value, "pk") else str(value)


def _package_name(package) -> str:
    return package.master_package.name if package is not None else ""


def bulk_users_check_file(*, by, name: str, data: bytes) -> int:
    """The file-level checks only (type, size, broken, empty, columns); returns the
    number of rows. The rows are checked by the preview."""
    custom_fields = list(CustomField.objects.filter(tenant_id=by.tenant_id, is_active=True))
    headers, table = read_table(name, data)
    _map_columns(headers, custom_fields)
    return len(table)


def bulk_users_plan(*, by, name: str, data: bytes) -> Plan:
    """Read the file and work out every row's changes and errors (nothing is written)."""
    custom_fields = list(CustomField.objects.filter(tenant_id=by.tenant_id, is_active=True))
    headers, table = read_table(name, data)
    columns = _map_columns(headers, custom_fields)
    custom_names = {cf.key: cf.name for cf in custom_fields}
    lookups = _Lookups(by.tenant_id)

    def cell(cells, index):
        return _cell(cells[index]) if index < len(cells) and not _blank(cells[index]) else None

    rows: list[RowPlan] = []
    for number, cells in table:
        username = cell(cells, columns.username)
        rows.append(RowPlan(number=number, username=str(username or "")))
    customers = _customers_in_reach(by, [r.username.lower() for r in rows if r.username])
    seen: dict[str, list[RowPlan]] = {}
    for row in rows:
        if row.username:
            seen.setdefault(row.username.lower(), []).append(row)
    may_suspend = can(by, SUSPEND)

    pending: list[_Pending] = []
    for row, (_number, cells) in zip(rows, table, strict=True):
        if not row.username:
            row.errors.append(_("The username is empty."))
            continue
        if len(seen[row.username.lower()]) > 1:
            row.errors.append(
                _("The username “%(username)s” is in the file more than once (rows %(rows)s).")
                % {
                    "username": row.username,
                    "rows": ", ".join(str(r.number) for r in seen[row.username.lower()]),
                }
            )
            continue
        customer = customers.get(row.username.lower())
        if customer is None:
            row.errors.append(
                _("There is no customer “%(username)s” within your reach.")
                % {"username": row.username}
            )
            continue
        row.customer = customer
        pending.append(_prepare_row(by, row, customer, cells, columns, lookups, may_suspend, cell))

    checked = _check(by, [p for p in pending if p.given])
    for item in pending:
        clean, errors = checked.get(id(item), (None, []))
        _finish_row(item, clean, errors, custom_names)
    return Plan(rows=rows, ignored=columns.ignored)


@dataclass
class _Pending:
    """A row's cells read and resolved, before the rules of Edit Customer are applied."""

    row: RowPlan
    customer: Customer
    values: dict  # the customer's values with the given cells on top (for _clean)
    given: set[str]
    custom_given: list[str]
    new_status: str | None
    errors: list[str]


def _prepare_row(by, row, customer, cells, columns, lookups, may_suspend, cell) -> _Pending:
    values = {f: getattr(customer, f) for f in EDIT_FIELDS}
    values["password"] = ""
    given: set[str] = set()
    errors: list[str] = []

    for name, index in columns.fields.items():
        value = cell(cells, index)
        if value is None or name in ("status", "status_reason"):
            continue
        if name == "zone":
            value = lookups.zones.get(_norm(value))
            if value is None:
                errors.append(
                    _("Zone: there is no zone “%(name)s”.") % {"name": cell(cells, index)}
                )
                continue
        elif name == "package":
            value = lookups.packages.get((customer.operator_id, _norm(value)))
            if value is None:
                errors.append(
                    _("Package: “%(name)s” is not one of %(operator)s's packages.")
                    % {"name": cell(cells, index), "operator": customer.operator.name}
                )
                continue
        elif name == "billing_profile":
            value = lookups.profiles.get(_norm(value))
            if value is None:
                errors.append(
                    _("Billing profile: there is no billing profile “%(name)s”.")
                    % {"name": cell(cells, index)}
                )
                continue
        elif name == "connection_type":
            value = lookups.connection_types.get(_norm(value), value)
        values[name] = value
        given.add(name)

    custom = dict(customer.custom_fields or {})
    custom_given = []
    for key, index in columns.custom.items():
        value = cell(cells, index)
        if value is None:
            continue
        custom[key] = value.isoformat() if isinstance(value, datetime.date) else value
        custom_given.append(key)
    if custom_given:
        values["custom_fields"] = custom
        given.add("custom_fields")

    # Status (needs customers.suspend and a reason).
    status_index = columns.fields.get("status")
    raw_status = cell(cells, status_index) if status_index is not None else None
    new_status = None
    if raw_status is not None:
        new_status = lookups.statuses.get(_norm(raw_status))
        if new_status is None:
            errors.append(
                _("Status: “%(value)s” is not one of active, suspended, disabled or FUP.")
                % {"value": raw_status}
            )
        elif new_status == customer.status:
            new_status = None
        elif not may_suspend or not can(by, SUSPEND, customer):
            errors.append(_("Status: you may not change customers' statuses."))
            new_status = None
        else:
            reason_index = columns.fields.get("status_reason")
            reason = cell(cells, reason_index) if reason_index is not None else None
            reason = " ".join(str(reason or "").split())
            if not reason:
                errors.append(_("Status reason: give a reason for the status change."))
            elif len(reason) > 255:
                errors.append(_("Status reason: at most 255 characters."))
            row.reason = reason
    return _Pending(row, customer, values, given, custom_given, new_status, errors)


def _check(by, items: list[_Pending]) -> dict[int, tuple[dict | None, list[str]]]:
    """id(item) → (clean values, error messages) by the rules of Edit Customer.

    With customers.create the batch validator of the Excel import checks all rows after
    one read of every lookup (same rules and messages as `_clean`); it refuses users
    without that code, so for them each row goes through `_clean` (a handful of
    queries per changed row)."""
    if not items:
        return {}
    if can(by, "customers.create"):
        from .imports.validate import validate_rows

        rows = []
        for item in items:
            raw = {"username": item.customer.username}
            for name in item.given - {"custom_fields"}:
                raw[name] = item.values[name]
            if item.custom_given:
                raw["custom_fields"] = {
                    k: item.values["custom_fields"][k] for k in item.custom_given
                }
            rows.append(raw)
        report = validate_rows(by=by, rows=rows, update_existing=True)
        changes = {index: change for index, _customer, change in report.updates}
        checked = {}
        for index, item in enumerate(items):
            if index in report.errors:
                checked[id(item)] = (None, _format_errors(report.errors[index]))
                continue
            changed = changes.get(index, {})
            clean = {f: changed.get(f, getattr(item.customer, f)) for f in EDIT_FIELDS}
            checked[id(item)] = (clean, [])
        return checked
    checked = {}
    for item in items:
        try:
            clean = _clean(
                by=by,
                tenant_id=item.customer.tenant_id,
                values=item.values,
                exclude_pk=item.customer.pk,
                current=item.customer,
            )
        except BusinessRuleError as exc:
            checked[id(item)] = (None, _messages(exc))
        else:
            checked[id(item)] = (clean, [])
    return checked


def _finish_row(item: _Pending, clean, clean_errors, custom_names) -> None:
    row, customer = item.row, item.customer
    errors = item.errors + clean_errors
    if item.new_status == CustomerStatusChoices.FUP:
        package = (clean or {}).get("package") or customer.package
        if not package.master_package.has_fup:
            errors.append(_("Status: the customer's package has no Fair Usage Policy."))
    if errors:
        row.errors = errors
        return
    if clean is not None:
        _diff(row, customer, clean, item.given, item.custom_given, custom_names)
    if item.new_status is not None:
        row.status = item.new_status
        labels = dict(CustomerStatusChoices.choices)
        row.changes.append(
            Change(_("Status"), str(labels[customer.status]), str(labels[item.new_status]))
        )


def _diff(row, customer, clean, given, custom_given, custom_names):
    for name in EDIT_FIELDS:
        if name not in given or name == "custom_fields":
            continue
        old, new = getattr(customer, name), clean[name]
        if hasattr(old, "pk") or hasattr(new, "pk"):
            same = getattr(old, "pk", old) == getattr(new, "pk", new)
        else:
            same = (old or None) == (new or None)
        if same:
            continue
        row.data[name] = new
        if name == "static_ip":
            # The address's pool comes with it (as on the Edit Customer form).
            row.data["ip_pool"] = clean["ip_pool"]
        show = _package_name if name == "package" else _display
        row.changes.append(Change(_(FIELD_LABELS[name]), show(old), show(new)))
    if "custom_fields" in given:
        old_values = customer.custom_fields or {}
        new_values = clean["custom_fields"]
        changed = [
            k for k in custom_given if str(old_values.get(k, "")) != str(new_values.get(k, ""))
        ]
        if changed:
            row.data["custom_fields"] = new_values
            for key in changed:
                row.changes.append(
                    Change(
                        custom_names.get(key, key),
                        str(old_values.get(key, "")),
                        str(new_values.get(key, "")),
                    )
                )


def _messages(exc: BusinessRuleError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    return _format_errors(
        {name: [m for e in errors for m in e.messages] for name, errors in exc.error_dict.items()}
    )


def _format_errors(errors: dict[str, list[str]]) -> list[str]:
    """{field: [message]} → ["Label: message"]."""
    labels = {**FIELD_LABELS, "custom_fields": "Custom fields", "password": "Password"}
    out = []
    for name, messages in errors.items():
        label = _(labels.get(name, name.replace("_", " ").capitalize()))
        out.extend(f"{label}: {message}" for message in messages)
    return out


#
# Applying
#


def bulk_users_apply(*, by, name: str, data: bytes, on_total=None, on_row=None) -> Plan:
    """Apply the file: all rows or none. Re-reads and re-checks it first (the customers
    may have changed since the preview); any error, then or while applying, raises
    BusinessRuleError naming the row, and nothing is changed."""
    plan = bulk_users_plan(by=by, name=name, data=data)
    if plan.errors:
        first = plan.errors[0]
        raise BusinessRuleError(
            _(
                "Nothing was changed: %(n)s rows have errors (row %(row)s, "
                "“%(username)s”: %(error)s)."
            )
            % {
                "n": len(plan.errors),
                "row": first.number,
                "username": first.username,
                "error": first.errors[0],
            }
        )
    if on_total is not None:
        on_total(len(plan.changed))
    with transaction.atomic():
        for row in plan.changed:
            try:
                customer = row.customer
                if row.data:
                    customer = customer_update(customer=customer, by=by, data=row.data)
                if row.status is not None:
                    customer_change_status(
                        customer=customer, status=row.status, reason=row.reason, by=by
                    )
            except BusinessRuleError as exc:
                raise BusinessRuleError(
                    _("Nothing was changed: row %(row)s, “%(username)s”: %(error)s")
                    % {
                        "row": row.number,
                        "username": row.username,
                        "error": " ".join(_messages(exc)),
                    }
                ) from exc
            if on_row is not None:
                on_row()
    return plan


@shared_task(base=TenantTask, name="customers.bulk_users_apply_task")
def bulk_users_apply_task(*, tenant_id: int, job_id: int, by_id: int) -> None:
    """Apply an uploaded Bulk Update Users file (the job's input file) for `by_id`."""
    from django.contrib.auth import get_user_model

    from netbill.core.context import Actor, acting
    from netbill.core.jobs import job_running

    with job_running(job_id) as job:
        by = get_user_model().objects.get(pk=by_id, tenant_id=tenant_id)
        with job.input_file.open("rb") as handle:
            data = handle.read()
        name = job.params.get("filename") or job.input_file.name
        asked = job.params.get("actor") or {}
        actor = Actor(
            user_id=by.pk, impersonator_id=asked.get("impersonator_id"), ip=asked.get("ip")
        )
        with acting(actor):
            plan = bulk_users_apply(
                by=by, name=name, data=data, on_total=job.set_total, on_row=lambda: job.advance(1)
            )
        counts = plan.counts
        job.finish(
            message=_("%(n)s customers updated; %(m)s rows had nothing to change.")
            % {"n": counts["changed"], "m": counts["unchanged"]},
            result={
                "customers_updated": counts["changed"],
                "rows_without_changes": counts["unchanged"],
            },
        )
