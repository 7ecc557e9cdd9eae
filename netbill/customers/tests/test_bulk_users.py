"""Customers → Bulk Update Users: upload a file keyed by username, preview the changed
cells and the errors per row, apply all or nothing."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope
from openpyxl import Workbook, load_workbook

from netbill.core.exceptions import BusinessRuleError
from netbill.core.models import AuditLog, BackgroundJob
from netbill.core.testing.people import set_codes
from netbill.core.testing.state import nothing_changes
from netbill.customers import bulk_users
from netbill.customers.models import Customer, CustomerStatusChange
from netbill.radius.groups import customer_group
from netbill.radius.models import RadiusUserGroup
from netbill.tenancy.tests.helpers import make_zone

from .helpers import customer_setup, make_custom_field, make_customer

pytestmark = pytest.mark.django_db

UPLOAD = "customers:bulk_users"


class FakeTask:
    def __init__(self):
        self.calls = []

    def delay(self, **kwargs):
        self.calls.append(kwargs)


@pytest.fixture(autouse=True)
def coa_task(monkeypatch):
    import netbill.radius.tasks

    fake = FakeTask()
    monkeypatch.setattr(netbill.radius.tasks, "coa_push_task", fake, raising=False)
    return fake


@pytest.fixture
def people(isp):
    make_custom_field(by=isp.ga, name="Tower", field_type="text")
    isp.north = make_zone(by=isp.ga, name="North")
    isp.setup_x = customer_setup(isp, pool_subnet="10.60.0.0/22", label="Home")
    isp.setup_x2 = customer_setup(isp, pool_subnet="10.66.0.0/22", label="Gold")
    isp.setup_y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.64.0.0/22", label="HomeY")
    isp.rahim = make_customer(
        by=isp.ga, setup=isp.setup_x, name="Rahim", username="rahim", mobile="01555000101"
    )
    isp.karim = make_customer(
        by=isp.ga, setup=isp.setup_x, name="Karim", username="karim", mobile="01555000102"
    )
    isp.yasmin = make_customer(
        by=isp.ga, setup=isp.setup_y, name="Yasmin", username="yasmin", mobile="01555000103"
    )
    return isp


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def upload(client, data, name="changes.xlsx"):
    return client.post(reverse(UPLOAD), {"file": SimpleUploadedFile(name, data)})


def reload(isp, customer):
    with scope(tenant=isp.tenant.pk):
        return Customer.objects.select_related("zone", "package__master_package").get(
            pk=customer.pk
        )


def jobs(isp):
    with scope(tenant=isp.tenant.pk):
        return list(BackgroundJob.objects.filter(kind="customers.bulk_users"))


def preview(client, response):
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page


def apply(client, isp, capture):
    (job,) = jobs(isp)
    with capture(execute=True):
        response = client.post(reverse("customers:bulk_users_apply", args=[job.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:job", args=[job.pk])
    job.refresh_from_db()
    return job


def changes_of(page) -> dict[str, list[tuple[str, str, str]]]:
    return {
        row.username: [(c.label, c.old, c.new) for c in row.changes]
        for row in page.context["plan"].changed
    }


def errors_of(page) -> dict[str, list[str]]:
    return {row.username: row.errors for row in page.context["plan"].errors}


#
# Preview and apply
#


def test_preview_shows_only_the_changed_cells(client, people):
    client.force_login(people.ga)
    data = xlsx(
        [
            ["username", "name", "mobile", "zone", "package", "Tower"],
            ["rahim", "Rahim Uddin", "01555000101", "north", "Gold 10M", "T-1"],
            ["KARIM", "Karim", "+8801555000102", None, None, None],
        ]
    )
    response = upload(client, data)
    with nothing_changes(people.tenant, what="preview"):
        page = preview(client, response)
    assert changes_of(page) == {
        "rahim": [
            ("Name", "Rahim", "Rahim Uddin"),
            ("Zone", "", "North"),
            ("Package", "Home 10M", "Gold 10M"),
            ("Tower", "", "T-1"),
        ]
    }
    assert page.context["counts"] == {"rows": 2, "changed": 1, "unchanged": 1, "errors": 0}
    body = page.content.decode()
    assert "Rahim Uddin" in body and 'id="bulk-apply"' in body
    assert reload(people, people.rahim).name == "Rahim"  # nothing applied yet


def test_apply_changes_every_row_with_radius_audit_and_events(
    client, people, coa_task, django_capture_on_commit_callbacks
):
    client.force_login(people.ga)
    data = xlsx(
        [
            ["Username", "Name", "Package", "MAC address", "Connection date", "Email"],
            ["rahim", "Rahim Uddin", "Gold 10M", "aa-bb-cc-dd-ee-01", None, "r@example.com"],
            ["karim", "Karim Mia", None, None, "2024-05-01", None],
        ]
    )
    preview(client, upload(client, data))
    job = apply(client, people, django_capture_on_commit_callbacks)
    assert job.status == "done", job.message
    assert job.result == {"customers_updated": 2, "rows_without_changes": 0}
    rahim, karim = reload(people, people.rahim), reload(people, people.karim)
    assert (rahim.name, rahim.package_id, rahim.mac_address, rahim.email) == (
        "Rahim Uddin",
        people.setup_x2.package.pk,
        "AA:BB:CC:DD:EE:01",
        "r@example.com",
    )
    assert (karim.name, str(karim.connection_date)) == ("Karim Mia", "2024-05-01")
    with scope(tenant=people.tenant.pk):
        group = RadiusUserGroup.objects.get(username="rahim").groupname
        audited = AuditLog.objects.filter(action="customer.updated").values_list(
            "object_id", flat=True
        )
        assert sorted(audited) == sorted([str(rahim.pk), str(karim.pk)])
    assert group == customer_group(people.tenant, "active", people.setup_x2.master.pk, True)
    # The package change makes the radius app push the new rate (a CoA), as for one edit.
    assert [(c["username"], c["action"]) for c in coa_task.calls] == [("rahim", "coa")]
    page = client.get(reverse("customers:job", args=[job.pk]))
    assert "2 customers updated" in page.content.decode()


def test_one_bad_row_shows_its_error_and_nothing_is_applied(
    client, people, django_capture_on_commit_callbacks
):
    client.force_login(people.ga)
    data = xlsx(
        [
            ["username", "name", "mobile"],
            ["rahim", "Rahim Uddin", None],
            ["karim", None, "12345"],
        ]
    )
    page = preview(client, upload(client, data))
    assert errors_of(page) == {"karim": ["Mobile: Enter a valid mobile number."]}
    body = page.content.decode()
    assert "Enter a valid mobile number." in body and 'id="bulk-apply"' not in body
    job = apply(client, people, django_capture_on_commit_callbacks)  # forced anyway
    assert job.status == "failed"
    assert "Nothing was changed" in job.message and "row 3" in job.message
    assert reload(people, people.rahim).name == "Rahim"


def test_a_row_failing_while_applying_rolls_back_the_whole_file(
    client, people, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(people.ga)
    data = xlsx([["username", "name"], ["rahim", "Rahim Uddin"], ["karim", "Karim Mia"]])
    preview(client, upload(client, data))
    real = bulk_users.customer_update
    calls = []

    def flaky(*, customer, by, data):
        calls.append(customer.username)
        if len(calls) == 2:
            raise BusinessRuleError({"name": ["Changed meanwhile."]})
        return real(customer=customer, by=by, data=data)

    monkeypatch.setattr(bulk_users, "customer_update", flaky)
    job = apply(client, people, django_capture_on_commit_callbacks)
    assert len(calls) == 2
    assert job.status == "failed"
    assert "Changed meanwhile." in job.message
    # The first row had been saved inside the transaction: it is rolled back.
    assert reload(people, people.rahim).name == "Rahim"
    assert reload(people, people.karim).name == "Karim"
    with scope(tenant=people.tenant.pk):
        assert not AuditLog.objects.filter(action="customer.updated").exists()


def test_the_file_is_checked_again_when_applied(client, people, django_capture_on_commit_callbacks):
    client.force_login(people.ga)
    data = xlsx([["username", "static_ip"], ["karim", "10.60.0.50"]])
    page = preview(client, upload(client, data))
    assert changes_of(page) == {"karim": [("Static IP", "", "10.60.0.50")]}
    # Meanwhile someone else takes the address.
    make_customer(
        by=people.ga,
        setup=people.setup_x,
        username="taker",
        connection_type="static_ip",
        static_ip="10.60.0.50",
    )
    job = apply(client, people, django_capture_on_commit_callbacks)
    assert job.status == "failed" and "already given" in job.message
    assert reload(people, people.karim).static_ip is None


def test_usernames_out_of_reach_are_row_errors_and_never_touched(
    client, people, other_isp, django_capture_on_commit_callbacks
):
    other_setup = customer_setup(other_isp, pool_subnet="10.70.0.0/22", label="Beta")
    stranger = make_customer(by=other_isp.ga, setup=other_setup, username="stranger")
    client.force_login(people.user_x)
    data = xlsx(
        [
            ["username", "name"],
            ["karim", "Karim Mia"],
            ["yasmin", "Taken Over"],
            ["stranger", "Taken Over"],
            ["nobody", "Taken Over"],
        ]
    )
    page = preview(client, upload(client, data))
    errors = errors_of(page)
    for username in ("yasmin", "stranger", "nobody"):
        assert errors[username] == [f"There is no customer “{username}” within your reach."]
    assert "karim" not in errors
    job = apply(client, people, django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert reload(people, people.yasmin).name == "Yasmin"
    assert reload(people, people.karim).name == "Karim"
    with scope(tenant=other_isp.tenant.pk):
        assert Customer.objects.get(pk=stranger.pk).name == stranger.name


def test_a_username_twice_in_the_file_is_an_error_on_both_rows(client, people):
    client.force_login(people.ga)
    data = csv_bytes([["username", "name"], ["rahim", "A"], ["Rahim", "B"]])
    page = preview(client, upload(client, data, "changes.csv"))
    assert set(errors_of(page)) == {"rahim", "Rahim"}
    assert "more than once (rows 2, 3)" in errors_of(page)["rahim"][0]


def test_status_changes_need_customers_suspend_and_a_reason(
    client, people, django_capture_on_commit_callbacks
):
    user = set_codes(people.user_x, revoke=["customers.suspend"])
    client.force_login(user)
    data = xlsx([["username", "status", "status reason"], ["karim", "Suspended", "Unpaid"]])
    page = preview(client, upload(client, data))
    assert errors_of(page) == {"karim": ["Status: you may not change customers' statuses."]}

    client.force_login(people.ga)
    no_reason = xlsx([["username", "status"], ["karim", "suspended"]])
    page = preview(client, upload(client, no_reason))
    assert errors_of(page) == {"karim": ["Status reason: give a reason for the status change."]}

    with scope(tenant=people.tenant.pk):
        BackgroundJob.objects.filter(kind="customers.bulk_users").delete()
    preview(client, upload(client, data))
    job = apply(client, people, django_capture_on_commit_callbacks)
    assert job.status == "done", job.message
    karim = reload(people, people.karim)
    assert (karim.status, karim.status_reason) == ("suspended", "Unpaid")
    with scope(tenant=people.tenant.pk):
        change = CustomerStatusChange.objects.filter(customer=karim).first()
        assert (change.from_status, change.to_status) == ("active", "suspended")


def test_bengali_names_round_trip_through_export_and_upload(
    client, people, django_capture_on_commit_callbacks
):
    client.force_login(people.ga)
    exported = client.get(reverse("customers:customer_export_xlsx"), {"q": "karim"})
    workbook = load_workbook(io.BytesIO(b"".join(exported.streaming_content)))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("Name") + 1, value="করিম মিয়া")
    out = io.BytesIO()
    workbook.save(out)
    page = preview(client, upload(client, out.getvalue()))
    # The export's read-only columns are ignored; only the name changes.
    assert "Operator" in page.context["plan"].ignored
    assert changes_of(page) == {"karim": [("Name", "Karim", "করিম মিয়া")]}
    job = apply(client, people, django_capture_on_commit_callbacks)
    assert job.status == "done", job.message
    assert reload(people, people.karim).name == "করিম মিয়া"

    # And from a csv (UTF-8), the export's quoted "+880…" mobile reads back unchanged.
    exported = client.get(reverse("customers:customer_export_csv"), {"q": "karim"})
    text = b"".join(exported.streaming_content).decode("utf-8")
    text = text.replace("করিম মিয়া", "করিম উদ্দিন")
    page = preview(client, upload(client, text.encode("utf-8"), "back.csv"))
    assert changes_of(page) == {"karim": [("Name", "করিম মিয়া", "করিম উদ্দিন")]}


#
# Bad files
#


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("broken.xlsx", b"PK\x03\x04 this is not a workbook", "cannot be read as an Excel"),
        ("notes.pdf", b"%PDF-1.4 hello", "Upload an Excel workbook (.xlsx) or a .csv file."),
        ("latin.csv", "username,name\nrahim,Ren\xe9e\n".encode("latin-1"), "UTF-8"),
        ("blank.xlsx", None, "The file is empty."),
        ("headers.csv", b"username,name\n", "headers but no rows"),
        (
            "nokey.csv",
            b"name,mobile\nRahim,01555000101\n",
            "needs a “username” column",
        ),
        ("odd.csv", b"username,colour\nrahim,blue\n", "Unknown columns: colour."),
        ("secret.csv", b"username,password\nrahim,x\n", "Passwords cannot be changed"),
    ],
)
def test_bad_files_get_a_clear_message_and_nothing_is_kept(client, people, name, data, message):
    if data is None:
        data = xlsx([[None], [None]])
    client.force_login(people.ga)
    with nothing_changes(people.tenant, what=name):
        response = upload(client, data, name)
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any(message in e for e in errors), errors


def test_an_empty_upload_is_refused(client, people):
    client.force_login(people.ga)
    with nothing_changes(people.tenant, what="empty"):
        response = upload(client, b"", "empty.xlsx")
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


def test_a_file_over_the_size_limit_is_refused(client, people, settings):
    settings.NETBILL_IMPORT_MAX_BYTES = 1000
    client.force_login(people.ga)
    data = csv_bytes([["username", "name"]] + [["rahim", "x" * 50]] * 40)
    assert len(data) > 1000
    with nothing_changes(people.tenant, what="oversize"):
        response = upload(client, data, "big.csv")
    assert response.status_code == 200
    assert "larger than" in response.context["form"].errors["file"][0]


def test_the_preview_belongs_to_its_uploader(client, people):
    """Even a user above the uploader (who sees the job's page) cannot preview or apply
    someone else's file: it is checked against the uploader's reach."""
    client.force_login(people.user_x)
    response = upload(client, xlsx([["username", "name"], ["rahim", "X"]]))
    assert response.status_code == 302
    (job,) = jobs(people)
    client.force_login(people.ga)
    assert client.get(response["Location"]).status_code == 404
    with nothing_changes(people.tenant, what="someone else's file"):
        refused = client.post(reverse("customers:bulk_users_apply", args=[job.pk]))
    assert refused.status_code == 404


def test_a_semicolon_csv_with_commas_in_the_values(client, people):
    client.force_login(people.ga)
    data = b"username;address\nrahim;House 5, Road 3\n"
    page = preview(client, upload(client, data, "semicolon.csv"))
    assert changes_of(page) == {"rahim": [("Address", "", "House 5, Road 3")]}


def test_typed_cells_numbers_and_dates_are_read_as_meant(client, people):
    """Excel drops a mobile's leading zero and stores dates as dates."""
    import datetime

    client.force_login(people.ga)
    data = xlsx(
        [
            ["username", "mobile", "connection_date", "nid"],
            ["rahim", 1711000000, datetime.datetime(2024, 5, 1), 1234567890.0],
        ]
    )
    page = preview(client, upload(client, data))
    assert changes_of(page) == {
        "rahim": [
            ("Mobile", "+8801555000101", "+8801711000000"),
            ("NID", "", "1234567890"),
            ("Connection date", "", "2024-05-01"),
        ]
    }


def test_the_batch_validator_and_the_per_row_rules_agree(client, people):
    """With customers.create the rows go through the Excel import's batch validator,
    without it through `_clean` one by one: the same changes and the same errors."""
    make_customer(
        by=people.ga,
        setup=people.setup_x,
        username="holder",
        connection_type="static_ip",
        static_ip="10.60.0.60",
    )
    data = xlsx(
        [
            ["username", "name", "mobile", "email", "zone", "package", "static ip", "Tower"],
            ["rahim", "Rahim Uddin", None, "bad@", None, None, None, None],
            ["karim", None, "01555000109", None, "North", "Gold 10M", "10.60.0.61", "T-9"],
            ["yasmin", None, None, None, None, None, "10.60.0.60", None],
            ["holder", "", "12", None, "Nowhere", None, None, None],
        ]
    )
    plans = []
    for user in (people.ga, set_codes(people.ga, revoke=["customers.create"])):
        client.force_login(user)
        page = preview(client, upload(client, data))
        plans.append((changes_of(page), errors_of(page)))
    assert plans[0] == plans[1]
    changes, errors = plans[0]
    assert changes == {
        "karim": [
            ("Mobile", "+8801555000102", "+8801555000109"),
            ("Zone", "", "North"),
            ("Static IP", "", "10.60.0.61"),
            ("Package", "Home 10M", "Gold 10M"),
            ("Tower", "", "T-9"),
        ]
    }
    assert errors == {
        "rahim": ["Email: Enter a valid email address."],
        "yasmin": ["Static IP: 10.60.0.60 is already given to the customer “holder”."],
        "holder": [
            "Zone: there is no zone “Nowhere”.",
            "Mobile: Enter a valid mobile number.",
        ],
    }


@pytest.mark.parametrize("name", ["many.csv", "many.xlsx"])
def test_a_file_with_too_many_rows_is_refused(client, people, monkeypatch, name):
    monkeypatch.setattr(bulk_users, "MAX_ROWS", 3)
    client.force_login(people.ga)
    rows = [["username", "name"]] + [[f"u{i}", "x"] for i in range(5)]
    data = csv_bytes(rows) if name.endswith(".csv") else xlsx(rows)
    with nothing_changes(people.tenant, what="too many rows"):
        response = upload(client, data, name)
    assert "At most 3 rows per file" in response.context["form"].errors["file"][0]
