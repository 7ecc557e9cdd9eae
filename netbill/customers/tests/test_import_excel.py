"""Customers → Import from Excel: reading real files (made here with openpyxl and csv),
matching the headers, the template, and the whole wizard through the test client:
bad files get a clear message, rows are validated per cell, the import writes the
valid rows (or nothing, when every row must be valid), the rejected-rows xlsx holds
exactly what was not imported, and importing the same file again makes no duplicates."""

import csv
import io
import re
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from conftest import in_scope
from netbill.core.exceptions import BusinessRuleError
from netbill.core.models import AuditLog, BackgroundJob
from netbill.core.testing.people import fresh_user
from netbill.core.testing.state import nothing_changes
from netbill.customers.imports.mapping import auto_map
from netbill.customers.imports.reader import read_table
from netbill.customers.imports.template import template_xlsx
from netbill.customers.models import Customer, CustomerStatusChange
from netbill.radius.models import RadiusCheck, RadiusUserGroup
from netbill.tenancy.tests.helpers import make_zone

from .helpers import customer_setup, make_custom_field, make_customer, set_mandatory_attributes

pytestmark = pytest.mark.django_db

UPLOAD = reverse("customers:import_upload")
HEADERS = ["Customer Name", "Mobile No", "Operator", "PPPoE User", "Password", "Package",
           "Billing Profile", "Zone"]  # fmt: skip


def xlsx(rows, headers=HEADERS, *, merge=None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_cached_values(data: bytes, values: dict[str, str]) -> bytes:
    """Give formula cells the value Excel would have saved with them."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                for ref, value in values.items():
                    content = re.sub(
                        rf'(<c r="{ref}"[^>]*>(<f>[^<]*</f>))<v ?/>'.encode(),
                        rb"\1<v>" + value.encode() + b"</v>",
                        content,
                    )
            target.writestr(item, content)
    return out.getvalue()


def csv_bytes(rows, headers=HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


@pytest.fixture
def setup(isp):
    return customer_setup(isp)


@pytest.fixture
def zone(isp):
    return make_zone(by=isp.ga, name="Mirpur-10")


def good(setup, isp, n, **overrides):
    values = {
        "name": "মোঃ রহিম উদ্দিন" if n == 1 else f"Karim Hossain {n}",
        "mobile": f"01712{n:06d}",
        "operator": isp.op_x.name,
        "username": f"imp{n}",
        "password": f"pw{n}x",
        "package": setup.master.name,
        "billing": setup.billing.name,
        "zone": "Mirpur-10",
    }
    values.update(overrides)
    return list(values.values())


def read(data, name="customers.xlsx"):
    return read_table(data, name)


def refused_file(data, name):
    with pytest.raises(BusinessRuleError) as exc:
        read_table(data, name)
    return " ".join(exc.value.messages)


# -- Reading files -------------------------------------------------------------------


def test_reads_xlsx_and_csv_alike_with_bengali_names(isp, setup):
    rows = [good(setup, isp, 1), good(setup, isp, 2)]
    for data, name in ((xlsx(rows), "a.xlsx"), (csv_bytes(rows), "a.csv")):
        table = read(data, name)
        assert table.headers == HEADERS
        assert table.rows[0][0] == "মোঃ রহিম উদ্দিন"
        assert table.row_numbers == [2, 3]
        assert table.cell_errors == {}


def test_bad_files_get_a_clear_message(settings):
    assert "Upload an .xlsx or .csv" in refused_file(b"%PDF-1.4 hello", "customers.pdf")
    assert "Upload an .xlsx or .csv" in refused_file(b"\xd0\xcf\x11\xe0old", "customers.xls")
    assert "damaged" in refused_file(b"PK\x03\x04 this is not a zip at all", "customers.xlsx")
    assert refused_file(b"", "customers.xlsx") == "The file is empty."
    assert refused_file(b"   \n", "customers.csv") == "The file is empty."
    assert refused_file(xlsx([]), "customers.xlsx") == "The file has headers but no customers."
    assert "UTF-8" in refused_file("নাম,মোবাইল\n".encode("utf-16"), "customers.csv")
    settings.NETBILL_IMPORT_MAX_BYTES = 1000
    assert refused_file(b"x" * 1001, "customers.csv") == (
        "The file is 1001\xa0bytes; the limit is 1000\xa0bytes."
    )


def test_formula_cells_give_their_saved_value_or_an_error(isp, setup):
    rows = [good(setup, isp, 1, password="=1+1"), good(setup, isp, 2, password="=2+2")]
    data = with_cached_values(xlsx(rows), {"E2": "123456"})
    table = read(data)
    assert table.rows[0][4] == 123456
    assert table.rows[1][4] is None
    assert table.cell_errors == {
        3: {4: "A formula without a saved value: open the file in Excel, save it, and upload "
               "it again (or paste the values)."}
    }  # fmt: skip


def test_merged_cells_are_errors_on_the_hidden_cells(isp, setup):
    rows = [good(setup, isp, n) for n in (1, 2, 3)]
    table = read(xlsx(rows, merge="H2:H4"))
    message = "Part of merged cells: unmerge them and fill every cell."
    assert table.cell_errors == {3: {7: message}, 4: {7: message}}


# -- Headers and template ------------------------------------------------------------


def test_headers_are_matched_to_fields(isp):
    make_custom_field(by=isp.ga, name="Box number", field_type="number")
    headers = ["Customer Name", "Mobile No.", "PPPoE User", "Pass", "Package *", "Area",
               "MAC", "Box Number", "Phone", "Something else", "নাম"]  # fmt: skip
    with in_scope(isp.tenant):
        mapping = auto_map(headers, isp.tenant.pk)
    assert mapping == ["name", "mobile", "username", "password", "package", "zone",
                       "mac_address", "custom:box_number", "", "", ""]  # fmt: skip


def test_template_marks_mandatory_columns_and_lists_packages(isp, setup):
    set_mandatory_attributes(by=isp.ga, required=["zone"])
    make_custom_field(by=isp.ga, name="Box number", field_type="number", mandatory=True)
    make_custom_field(by=isp.ga, name="Floor", field_type="text")
    with in_scope(isp.tenant):
        data = template_xlsx(fresh_user(isp.ga))
    book = openpyxl.load_workbook(io.BytesIO(data))
    headers = [c.value for c in book.worksheets[0][1]]
    assert headers[:3] == ["Name *", "Mobile *", "Email"]
    assert "Zone *" in headers and "Address" in headers
    assert headers[-2:] == ["Box number *", "Floor"]
    notes = [r[0] for r in book.worksheets[1].iter_rows(values_only=True)]
    assert isp.op_x.name in notes
    packages = [tuple(r[:2]) for r in book.worksheets[1].iter_rows(values_only=True)]
    assert (isp.op_x.name, setup.master.name) in packages
    # The template itself reads back with every column matched.
    with in_scope(isp.tenant):
        assert "" not in auto_map(headers, isp.tenant.pk)


# -- The wizard ----------------------------------------------------------------------


def login(client, user):
    client.force_login(fresh_user(user))
    return client


def upload(client, data, name="customers.xlsx"):
    return client.post(UPLOAD, {"file": io.BytesIO(data) | _named(name)})


class _named:
    def __init__(self, name):
        self.name = name

    def __ror__(self, handle):
        handle.name = self.name
        return handle


def wizard(client, capture, isp, data, *, name="customers.xlsx", mode="valid", update=False):
    """Upload → map (as matched) → review → import; returns (import job, review)."""
    response = upload(client, data, name)
    assert response.status_code == 302, response.content.decode()[:2000]
    map_url = response["Location"]
    with in_scope(isp.tenant):
        job = BackgroundJob.objects.get(pk=int(map_url.rstrip("/").split("/")[-2]))
    page = client.get(map_url)
    assert page.status_code == 200
    first_row = [str(v) for v in read_table(data, name).rows[0] if v not in (None, "")]
    missing = [v for v in first_row if v[:60] not in page.content.decode()]
    assert not missing, missing
    post = {f"col_{i}": f for i, f in enumerate(job.params["mapping"])}
    if update:
        post["update_existing"] = "on"
    with capture(execute=True):
        response = client.post(map_url, post)
    assert response.status_code == 302, response.content.decode()[:3000]
    review_url = response["Location"]
    page = client.get(review_url)
    assert page.status_code == 200
    review = page.context["review"]
    with capture(execute=True):
        response = client.post(review_url, {"mode": mode})
    assert response["Location"] == reverse("customers:job", args=[job.pk])
    with in_scope(isp.tenant):
        job.refresh_from_db()
    return job, review


def rejected_rows(job):
    with job.result_file.open("rb") as handle:
        book = openpyxl.load_workbook(io.BytesIO(handle.read()))
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def usernames(isp):
    with in_scope(isp.tenant):
        return sorted(Customer.objects.values_list("username", flat=True))


def test_the_whole_wizard(client, isp, setup, zone, django_capture_on_commit_callbacks):
    make_customer(by=isp.ga, setup=setup, username="taken")
    rows = [
        good(setup, isp, 1),
        good(setup, isp, 2),
        good(setup, isp, 3, mobile="12345"),
        good(setup, isp, 4, package="Gold 99M"),
        good(setup, isp, 5, zone="Nowhere"),
        good(setup, isp, 6, username="dup"),
        good(setup, isp, 7, username="DUP"),
        good(setup, isp, 8, username="taken"),
        good(setup, isp, 9, name=""),
    ]
    login(client, isp.ga)
    job, review = wizard(client, django_capture_on_commit_callbacks, isp, xlsx(rows))
    assert {k: review[k] for k in ("rows", "new", "updated", "invalid")} == {
        "rows": 9, "new": 2, "updated": 0, "invalid": 7,
    }  # fmt: skip
    cells = {(r, col): msg for r, col, _value, msg in review["cells"]}
    assert cells[(4, "Mobile No")] == "Enter a valid mobile number."
    assert cells[(5, "Package")] == "There is no package “Gold 99M”."
    assert cells[(6, "Zone")] == "There is no zone “Nowhere”."
    assert cells[(7, "PPPoE User")] == "The username “dup” is in the file more than once."
    assert cells[(8, "PPPoE User")] == "The username “dup” is in the file more than once."
    assert cells[(9, "PPPoE User")] == "The username “taken” is already taken."
    assert cells[(10, "Customer Name")] == "Name is required."

    assert job.status == "done", job.message
    assert job.result == {"rows": 9, "created": 2, "updated": 0, "unchanged": 0, "rejected": 7}
    assert usernames(isp) == ["imp1", "imp2", "taken"]
    with in_scope(isp.tenant):
        rahim = Customer.objects.get(username="imp1")
        assert rahim.name == "মোঃ রহিম উদ্দিন"
        assert rahim.mobile == "+8801712000001"
        assert rahim.zone == zone
        assert rahim.package == setup.package
        assert RadiusCheck.objects.filter(username="imp1").exists()
        assert RadiusUserGroup.objects.filter(username="imp2").exists()
        assert CustomerStatusChange.objects.filter(customer=rahim).count() == 1
        audit = AuditLog.objects.get(action="customer.created", object_id=str(rahim.pk))
        assert audit.actor_id == isp.ga.pk
        assert audit.ip == "127.0.0.1"
    # The rejected rows: exactly the rows not imported, as uploaded, with the reason.
    table = rejected_rows(job)
    assert table[0] == [*HEADERS, "Row in your file", "Reason"]
    assert [r[3] for r in table[1:]] == ["imp3", "imp4", "imp5", "dup", "DUP", "taken", "imp9"]
    assert [r[-2] for r in table[1:]] == [4, 5, 6, 7, 8, 9, 10]
    assert table[1][-1] == "Mobile: Enter a valid mobile number."
    assert table[6][-1] == "Username: The username “taken” is already taken."
    imported = {r[3] for r in (good(setup, isp, n) for n in (1, 2))}
    assert imported | {r[3] for r in table[1:]} == {r[3] for r in rows}
    page = client.get(reverse("customers:job", args=[job.pk]))
    assert page.status_code == 200
    assert client.get(reverse("customers:job_file", args=[job.pk])).status_code == 200


def test_all_or_nothing_imports_nothing_when_a_row_is_bad(
    client, isp, setup, zone, django_capture_on_commit_callbacks
):
    rows = [good(setup, isp, 1), good(setup, isp, 2, mobile="999")]
    login(client, isp.ga)
    before = usernames(isp)
    job, _review = wizard(client, django_capture_on_commit_callbacks, isp, xlsx(rows), mode="all")
    assert job.status == "done"
    assert job.message.startswith("Nothing was imported: 1 row has errors")
    assert job.result["created"] == 0
    assert usernames(isp) == before
    table = rejected_rows(job)
    assert [(r[3], r[-1]) for r in table[1:]] == [
        ("imp1", "Not imported: other rows have errors."),
        ("imp2", "Mobile: Enter a valid mobile number."),
    ]


def test_reimporting_the_same_file_makes_no_duplicates(
    client, isp, setup, zone, django_capture_on_commit_callbacks
):
    data = csv_bytes([good(setup, isp, 1), good(setup, isp, 2)])
    login(client, isp.ga)
    first, _ = wizard(client, django_capture_on_commit_callbacks, isp, data, name="c.csv")
    assert first.result["created"] == 2
    again, review = wizard(client, django_capture_on_commit_callbacks, isp, data, name="c.csv")
    assert review["invalid"] == 2
    assert again.result["created"] == 0
    assert again.result["rejected"] == 2
    updating, review = wizard(
        client, django_capture_on_commit_callbacks, isp, data, name="c.csv", update=True
    )
    assert (review["new"], review["unchanged"], review["invalid"]) == (0, 2, 0)
    assert updating.result == {"rows": 2, "created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    changed = csv_bytes([good(setup, isp, 1, name="Rahim Uddin"), good(setup, isp, 2)])
    job, review = wizard(
        client, django_capture_on_commit_callbacks, isp, changed, name="c.csv", update=True
    )
    assert review["updated"] == 1
    assert job.result["updated"] == 1
    assert usernames(isp) == ["imp1", "imp2"]
    with in_scope(isp.tenant):
        assert Customer.objects.get(username="imp1").name == "Rahim Uddin"


def test_mandatory_fields_and_formulas_and_merged_cells_in_the_review(
    client, isp, setup, zone, django_capture_on_commit_callbacks
):
    set_mandatory_attributes(by=isp.ga, required=["address"])
    rows = [good(setup, isp, n) for n in (1, 2, 3)]
    data = xlsx(rows, merge="H2:H3")
    login(client, isp.ga)
    job, review = wizard(client, django_capture_on_commit_callbacks, isp, data, mode="all")
    cells = {(r, col): msg for r, col, _v, msg in review["cells"]}
    assert cells[(2, "Address")] == "Address is required."
    assert cells[(3, "Zone")] == "Part of merged cells: unmerge them and fill every cell."
    assert review["invalid"] == 3
    assert job.result["created"] == 0


def test_a_bad_upload_stays_on_step_one(client, isp):
    login(client, isp.ga)
    with nothing_changes(isp.tenant, what="a bad upload"):
        response = upload(client, b"PK\x03\x04broken", "customers.xlsx")
    assert response.status_code == 200
    assert "damaged" in response.content.decode()


def test_a_file_over_the_limit_is_refused_at_upload(client, isp, setup, settings):
    settings.NETBILL_IMPORT_MAX_BYTES = 2 * 1024 * 1024
    data = csv_bytes([good(setup, isp, n, address="x" * 200) for n in range(9000)])
    assert len(data) > 2 * 1024 * 1024
    login(client, isp.ga)
    with nothing_changes(isp.tenant, what="too big"):
        response = upload(client, data, "customers.csv")
    assert response.status_code == 200
    assert "; the limit is 2.0\xa0MB." in response.content.decode()


def test_mapping_must_cover_the_needed_fields(client, isp, setup):
    login(client, isp.ga)
    response = upload(client, xlsx([good(setup, isp, 1)]))
    map_url = response["Location"]
    response = client.post(map_url, {"col_0": "name", "col_1": "name"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Each field can come from one column only: Name." in text
    response = client.post(map_url, {"col_0": "name"})
    assert "Choose a column for: Mobile, Username, Package, Operator, Billing profile." in (
        response.content.decode()
    )


def test_other_tenant_and_out_of_reach_get_404(
    client, isp, other_isp, setup, zone, django_capture_on_commit_callbacks
):
    login(client, isp.ga)
    response = upload(client, xlsx([good(setup, isp, 1)]))
    job_pk = int(response["Location"].rstrip("/").split("/")[-2])
    urls = [
        reverse("customers:import_map", args=[job_pk]),
        reverse("customers:import_review", args=[job_pk]),
        reverse("customers:job", args=[job_pk]),
    ]
    for user in (other_isp.ga, isp.user_y):
        login(client, user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        with nothing_changes(isp.tenant, what="someone else's import"):
            assert client.post(urls[0], {"col_0": "name"}).status_code == 404
            assert client.post(urls[1], {"mode": "valid"}).status_code == 404


def test_needs_customers_create(client, isp):
    login(client, isp.noc)
    assert client.get(UPLOAD).status_code == 403
    assert client.get(reverse("customers:import_template")).status_code == 403


def test_the_review_waits_for_its_check(client, isp, setup):
    from netbill.core.jobs import job_create

    from .import_helpers import make_import_job

    job = make_import_job(isp, isp.ga, reviewed=False)
    login(client, isp.ga)
    review_url = reverse("customers:import_review", args=[job.pk])
    # Not mapped yet: back to step 2.
    assert client.get(review_url)["Location"] == reverse("customers:import_map", args=[job.pk])
    with in_scope(isp.tenant):
        check = job_create(
            by=fresh_user(isp.ga), kind="customers.import_validate", title="Check",
            params={"import_job": job.pk},
        )  # fmt: skip
        job.params = {**job.params, "validation_job": check.pk}
        job.save(update_fields=["params"])
    response = client.get(review_url)
    assert response.status_code == 200
    assert response.context["review"] is None
    body = response.content.decode()
    assert 'id="import-checking"' in body and 'http-equiv="refresh"' in body
    # No import before the check is done.
    with nothing_changes(isp.tenant, what="import before the check"):
        assert client.post(review_url, {"mode": "valid"}).status_code == 404
