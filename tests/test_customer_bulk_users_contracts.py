"""Customers → Bulk Update Users (upload, preview, apply) and the Customer List exports
(csv, xlsx) under their contracts (netbill.core.testing.contracts).

The uploaded file is kept as a pending background job of its uploader: only that user
previews or applies it; operator Y (user_y) and the other ISP find nothing (404). The
exports list the caller's own reach: operator Y exports only its own customers, the
other ISP only its own.
"""

import csv
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django_scopes import scope
from openpyxl import Workbook, load_workbook

from netbill.core.models import BackgroundJob
from netbill.core.permissions import restrict
from netbill.core.testing.contracts import (
    ActionViewContract,
    CreateViewContract,
    DetailViewContract,
    PageContract,
)
from netbill.core.testing.people import fresh_user
from netbill.customers.models import Customer
from netbill.customers.tests.helpers import customer_setup, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def coa_task(monkeypatch):
    import netbill.radius.tasks

    class Fake:
        def delay(self, **kwargs):
            pass

    monkeypatch.setattr(netbill.radius.tasks, "coa_push_task", Fake(), raising=False)


def workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CHANGES = [["username", "name"], ["rahim", "Rahim Uddin"]]


def prepare_customers(isp):
    isp.setup_x = customer_setup(isp, pool_subnet="10.60.0.0/22", label="Home")
    isp.setup_y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.64.0.0/22", label="HomeY")
    isp.rahim = make_customer(by=isp.ga, setup=isp.setup_x, name="Rahim", username="rahim")
    isp.yasmin = make_customer(by=isp.ga, setup=isp.setup_y, name="Yasmin", username="yasmin")


def prepare_upload(isp):
    """The Group Admin's uploaded file, waiting to be applied."""
    from netbill.core.jobs import job_create

    prepare_customers(isp)
    isp.upload = job_create(
        by=fresh_user(isp.ga),
        kind="customers.bulk_users",
        title="Bulk Update Users: changes.xlsx",
        params={"filename": "changes.xlsx"},
        input_file=ContentFile(workbook(CHANGES), name="changes.xlsx"),
    )


class TestBulkUsersUpload(CreateViewContract):
    url_name = "customers:bulk_users"
    permission = "customers.edit"
    model = BackgroundJob
    not_applicable = {
        "other_subtree": "No object in the URL: each row is checked against the uploader's "
        "reach (test_bulk_users: out-of-reach usernames are row errors)."
    }

    def prepare(self, isp):
        prepare_customers(isp)

    def form_data(self, isp):
        return {"file": SimpleUploadedFile("changes.xlsx", workbook(CHANGES))}

    def created_lookup(self, isp):
        return {"kind": "customers.bulk_users"}

    def expected(self, isp):
        return {"status": "pending", "title": "Bulk Update Users: changes.xlsx"}


class TestBulkUsersPreview(DetailViewContract):
    url_name = "customers:bulk_users_preview"
    permission = "customers.edit"
    other_subtree_user = "user_y"

    def prepare(self, isp):
        prepare_upload(isp)

    def target(self, isp):
        return isp.upload

    def check_page(self, response, isp):
        (row,) = response.context["plan"].changed
        assert [(c.old, c.new) for c in row.changes] == [("Rahim", "Rahim Uddin")]


class TestBulkUsersApply(ActionViewContract):
    url_name = "customers:bulk_users_apply"
    permission = "customers.edit"
    other_subtree_user = "user_y"
    events = ("customer.updated",)

    def prepare(self, isp):
        prepare_upload(isp)

    def target(self, isp):
        return isp.upload

    def expected(self, isp):
        return {"status": "done", "result": {"customers_updated": 1, "rows_without_changes": 0}}

    def after_write(self, isp, obj, response):
        assert Customer.objects.get(pk=isp.rahim.pk).name == "Rahim Uddin"
        assert Customer.objects.get(pk=isp.yasmin.pk).name == "Yasmin"


class _Export:
    permission = "customers.view"
    other_subtree_user = "user_y"

    def prepare(self, isp):
        prepare_customers(isp)

    def get_page(self, client, user, isp, what):
        response = super().get_page(client, user, isp, what)
        # Streamed: read it whole so that the leak checks can look into it.
        return HttpResponse(
            b"".join(response.streaming_content), content_type=response["Content-Type"]
        )

    def check_page(self, response, isp, user):
        rows = self.rows(response.content)
        expected = set(
            restrict(Customer.objects.filter(tenant=isp.tenant), user, self.permission).values_list(
                "username", flat=True
            )
        )
        assert {r[0] for r in rows[1:]} == expected
        assert rows[0][0] == "Username"


class TestCustomerExportCsv(_Export, PageContract):
    url_name = "customers:customer_export_csv"

    def rows(self, content):
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


class TestCustomerExportXlsx(_Export, PageContract):
    url_name = "customers:customer_export_xlsx"

    def rows(self, content):
        sheet = load_workbook(io.BytesIO(content)).active
        return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_the_upload_keeps_nothing_of_a_broken_file(client, isp):
    client.force_login(isp.ga)
    response = client.post(
        "/customers/bulk-users/", {"file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04junk")}
    )
    assert response.status_code == 200 and response.context["form"].errors
    with scope(tenant=isp.tenant.pk):
        assert not BackgroundJob.objects.exists()
