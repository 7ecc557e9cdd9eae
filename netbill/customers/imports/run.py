"""The work behind the wizard's steps 3 and 4, run by background jobs (imports/tasks.py).

`review` reads the uploaded file with the chosen mapping and validates every row;
`execute` does it again (the database may have changed since the review) and writes:
new customers through `customers_bulk_create` in set-based batches, updates of
existing customers through `customer_update`, all in one transaction. With
"only if every row is valid" one bad row imports nothing. The rejected-rows xlsx holds
exactly the rows that were not imported for a reason, each with that reason.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from netbill.core.exceptions import BusinessRuleError

from .mapping import CUSTOM, FIELD_LABELS, rows_from_mapping
from .reader import Table, read_table
from .validate import ValidationReport, validate_rows

__all__ = ["BATCH_SIZE", "Prepared", "execute", "prepare", "rejected_xlsx", "review_summary"]

BATCH_SIZE = 1000
MAX_REVIEW_ERRORS = 5000  # cells listed on the review page; the counts are always whole


@dataclass
class Prepared:
    table: Table
    mapping: list[str]
    report: ValidationReport

    def sheet_row(self, index: int) -> int:
        return self.table.row_numbers[index]


def _read(job) -> Table:
    with job.input_file.open("rb") as handle:
        data = handle.read()
    return read_table(data, job.params.get("filename", job.input_file.name))


def prepare(*, by, job, progress=None) -> Prepared:
    """Read the job's file, map it and validate every row (cell errors of the reader,
    such as merged cells or formulas without a value, count as the field's errors)."""
    table = _read(job)
    mapping = list(job.params["mapping"])
    rows = rows_from_mapping(table.rows, mapping)
    for name in ("operator", "billing_profile"):
        default = job.params.get(f"default_{name}")
        if default:
            for row in rows:
                value = row.get(name)
                if value is None or (isinstance(value, str) and not value.strip()):
                    row[name] = default
    report = validate_rows(
        by=by,
        rows=rows,
        update_existing=bool(job.params.get("update_existing")),
        on_progress=progress,
    )
    by_number = {n: i for i, n in enumerate(table.row_numbers)}
    for sheet_row, cells in table.cell_errors.items():
        index = by_number.get(sheet_row)
        for column, message in cells.items():
            field = mapping[column] if column < len(mapping) else ""
            if index is None or not field:
                continue
            name = "custom_fields" if field.startswith(CUSTOM) else field
            report.errors.setdefault(index, {}).setdefault(name, []).insert(0, message)
    if table.cell_errors:
        bad = set(report.errors)
        report.valid = [(i, c) for i, c in report.valid if i not in bad]
        report.updates = [u for u in report.updates if u[0] not in bad]
        report.unchanged = [i for i in report.unchanged if i not in bad]
    return Prepared(table=table, mapping=mapping, report=report)


def _label(field: str) -> str:
    if field == "custom_fields":
        return _("Custom fields")
    return str(FIELD_LABELS.get(field, field))


def reason_text(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{_label(f)}: {' '.join(msgs)}" for f, msgs in errors.items() if msgs)


def review_summary(prepared: Prepared) -> dict:
    """What the review page shows (kept on the job as JSON)."""
    report, table, mapping = prepared.report, prepared.table, prepared.mapping
    column_of = {}
    for column, field in enumerate(mapping):
        if field:
            column_of.setdefault("custom_fields" if field.startswith(CUSTOM) else field, column)
    cells = []
    for index in sorted(report.errors):
        for field, messages in report.errors[index].items():
            column = column_of.get(field)
            header = table.headers[column] if column is not None else _label(field)
            value = table.rows[index][column] if column is not None else ""
            cells.append(
                [prepared.sheet_row(index), header, "" if value is None else str(value),
                 " ".join(messages)]
            )  # fmt: skip
            if len(cells) >= MAX_REVIEW_ERRORS:
                break
        if len(cells) >= MAX_REVIEW_ERRORS:
            break
    return {
        "rows": len(table.rows),
        **report.counts,
        "cells": cells,
        "cells_cut": len(cells) >= MAX_REVIEW_ERRORS,
    }


def rejected_xlsx(table: Table, rejected: dict[int, str]) -> bytes:
    """The rejected rows as uploaded, with their sheet row and reason in extra columns."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(_("Rejected rows"))
    sheet.append([*table.headers, _("Row in your file"), _("Reason")])
    for index in sorted(rejected):
        values = [_cell(v) for v in table.rows[index]]
        sheet.append([*values, table.row_numbers[index], rejected[index]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class _RolledBack(Exception):
    """An update failed under "only if every row is valid": undo the whole import."""


def _cell(value):
    # A text starting with "=" would be written back as a formula.
    if isinstance(value, str) and value.startswith("="):
        return "'" + value
    return value


def execute(*, by, job, progress_total=None, progress_advance=None) -> dict:
    """Step 4. Returns {"message", "result", "result_file"} for JobHandle.finish."""
    from netbill.customers.services.bulk import customers_bulk_create
    from netbill.customers.services.customers import customer_update

    prepared = prepare(by=by, job=job)
    report, table = prepared.report, prepared.table
    all_or_nothing = bool(job.params.get("all_or_nothing"))
    rejected = {i: reason_text(e) for i, e in report.errors.items()}
    total = len(report.valid) + len(report.updates)
    if progress_total:
        progress_total(total)
    created = updated = 0
    failed_updates: dict[int, str] = {}
    if not (rejected and all_or_nothing):
        try:
            with transaction.atomic():
                for start in range(0, len(report.valid), BATCH_SIZE):
                    batch = [clean for _i, clean in report.valid[start : start + BATCH_SIZE]]
                    created += len(
                        customers_bulk_create(by=by, clean_rows=batch, reason=_("Imported"))
                    )
                    if progress_advance:
                        progress_advance(len(batch))
                for index, customer, changes in report.updates:
                    try:
                        customer_update(customer=customer, by=by, data=dict(changes))
                        updated += 1
                    except BusinessRuleError as exc:
                        failed_updates[index] = reason_text(
                            getattr(exc, "message_dict", None) or {"username": exc.messages}
                        )
                    if progress_advance:
                        progress_advance(1)
                if failed_updates and all_or_nothing:
                    raise _RolledBack
        except _RolledBack:
            created = updated = 0
        rejected.update(failed_updates)
    if rejected and all_or_nothing:
        # Nothing went in: every row is "not imported", the valid ones because of the others.
        bad = len(rejected)
        because = _("Not imported: other rows have errors.")
        for index in range(len(table.rows)):
            rejected.setdefault(index, because)
        message = ngettext(
            "Nothing was imported: %(n)s row has errors (you chose to import only if "
            "every row is valid).",
            "Nothing was imported: %(n)s rows have errors (you chose to import only if "
            "every row is valid).",
            bad,
        ) % {"n": f"{bad:,}"}
    else:
        message = _(
            "%(created)s customers created, %(updated)s updated, %(unchanged)s unchanged, "
            "%(rejected)s rejected."
        ) % {
            "created": f"{created:,}",
            "updated": f"{updated:,}",
            "unchanged": f"{len(report.unchanged):,}",
            "rejected": f"{len(rejected):,}",
        }
    result = {
        "rows": len(table.rows),
        "created": created,
        "updated": updated,
        "unchanged": len(report.unchanged),
        "rejected": len(rejected),
    }
    result_file = None
    if rejected:
        result_file = ("rejected-rows.xlsx", rejected_xlsx(table, rejected))
    return {"message": message, "result": result, "result_file": result_file}
