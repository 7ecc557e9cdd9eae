"""Builders for Import-from-Excel tests and crawlers: an uploaded (and checked) import."""

import io

import openpyxl
from django.core.files.base import ContentFile
from django_scopes import scope

from netbill.core.jobs import job_create
from netbill.core.testing.people import fresh_user
from netbill.customers.imports.mapping import auto_map
from netbill.customers.imports.reader import read_table

HEADERS = ["Customer Name", "Mobile No", "Operator", "PPPoE User", "Password", "Package",
           "Billing Profile"]  # fmt: skip


def import_file(rows, headers=HEADERS) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def make_import_job(isp, by, *, rows=None, reviewed=True, title="Import customers.xlsx"):
    """A pending "customers.import" job of `by` (as step 1 leaves it), with its columns
    matched; `reviewed` also runs step 3's check (as step 2 does)."""
    from netbill.customers.imports.tasks import VALIDATE_KIND, import_validate_task

    user = fresh_user(by)
    rows = rows or [["Rahim Uddin", "01712000001", isp.op_x.name, "imp-a1", "pw1", "x", "y"]]
    data = import_file(rows)
    table = read_table(data, "customers.xlsx")
    with scope(tenant=isp.tenant.pk):
        job = job_create(
            by=user,
            kind="customers.import",
            title=title,
            params={
                "filename": "customers.xlsx",
                "headers": table.headers,
                "rows": len(table.rows),
                "mapping": auto_map(table.headers, isp.tenant.pk),
            },
            input_file=ContentFile(data, name="customers.xlsx"),
        )
        if reviewed:
            check = job_create(
                by=user, kind=VALIDATE_KIND, title="Check customers.xlsx",
                params={"import_job": job.pk},
            )  # fmt: skip
            job.params = {**job.params, "validation_job": check.pk}
            job.save(update_fields=["params"])
            import_validate_task(tenant_id=isp.tenant.pk, job_id=check.pk)
            job.refresh_from_db()
    return job
