"""Customer List → Export xlsx / Export csv: the filtered list within reach, money only
for those who may see it, never the password, formula injection defused."""

import csv
import io

import pytest
from django.urls import reverse
from django_scopes import scope
from openpyxl import load_workbook

from netbill.core.models import BackgroundJob
from netbill.core.testing.people import set_codes
from netbill.customers import exports

from .helpers import customer_setup, make_custom_field, make_customer

pytestmark = pytest.mark.django_db

CSV_URL = "customers:customer_export_csv"
XLSX_URL = "customers:customer_export_xlsx"
INJECTION = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture(autouse=True)
def coa_task(monkeypatch):
    import netbill.radius.tasks

    class Fake:
        def delay(self, **kwargs):
            pass

    monkeypatch.setattr(netbill.radius.tasks, "coa_push_task", Fake(), raising=False)


@pytest.fixture
def people(isp):
    make_custom_field(by=isp.ga, name="Tower", field_type="text")
    isp.setup_x = customer_setup(isp, pool_subnet="10.60.0.0/22", label="Home")
    isp.setup_y = customer_setup(isp, operator=isp.op_y, pool_subnet="10.64.0.0/22", label="HomeY")
    isp.rahim = make_customer(
        by=isp.ga,
        setup=isp.setup_x,
        name="রহিম উদ্দিন",
        username="rahim",
        mobile="01555000101",
        email="rahim@example.com",
        address=INJECTION,
        custom_price="1111.11",
        password="s3cret-Pass",
        custom_fields={"tower": "@North"},
    )
    isp.karim = make_customer(
        by=isp.ga, setup=isp.setup_x, name="Karim", username="karim", mobile="01555000102"
    )
    isp.yasmin = make_customer(
        by=isp.ga, setup=isp.setup_y, name="Yasmin", username="yasmin", mobile="01555000103"
    )
    return isp


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data)).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def usernames(rows) -> set[str]:
    return {r[0] for r in rows[1:]}


def test_csv_has_the_list_columns_the_useful_ones_and_no_password(client, people):
    client.force_login(people.ga)
    rows = csv_rows(client.get(reverse(CSV_URL)))
    header = rows[0]
    assert header[:8] == [
        "Username",
        "Name",
        "Mobile",
        "Operator",
        "Package",
        "Zone",
        "Connection type",
        "Status",
    ]
    for column in (
        "Package price",
        "Custom price",
        "Email",
        "Address",
        "Static IP",
        "MAC address",
        "Billing profile",
        "Connection date",
        "Status reason",
        "Tower",
    ):
        assert column in header
    assert "Password" not in header
    assert usernames(rows) == {"rahim", "karim", "yasmin"}
    rahim = dict(zip(header, next(r for r in rows if r[0] == "rahim"), strict=True))
    assert rahim["Name"] == "রহিম উদ্দিন"
    assert rahim["Mobile"] == "'+8801555000101"  # a leading + is a formula start
    assert rahim["Custom price"] == "1111.11"
    assert rahim["Package price"] == str(people.setup_x.package.customer_price)
    assert rahim["Billing profile"] == "Home monthly"
    assert rahim["Status"] == "Active"
    body = "\n".join(",".join(r) for r in rows)
    assert "s3cret-Pass" not in body


def test_csv_cells_that_start_a_formula_are_quoted(client, people):
    client.force_login(people.ga)
    rows = csv_rows(client.get(reverse(CSV_URL), {"q": "rahim"}))
    rahim = dict(zip(rows[0], rows[1], strict=True))
    assert rahim["Address"] == "'" + INJECTION
    assert rahim["Tower"] == "'@North"
    assert exports.csv_cell("-1+2") == "'-1+2"
    assert exports.csv_cell("plain") == "plain"


def test_exports_honour_search_and_filters(client, people):
    client.force_login(people.ga)
    assert usernames(csv_rows(client.get(reverse(CSV_URL), {"q": "karim"}))) == {"karim"}
    by_operator = csv_rows(client.get(reverse(CSV_URL), {"operator": people.op_y.pk}))
    assert usernames(by_operator) == {"yasmin"}
    by_package = xlsx_rows(client.get(reverse(XLSX_URL), {"package": people.setup_x.package.pk}))
    assert usernames(by_package) == {"rahim", "karim"}


def test_exports_honour_reach(client, people, other_isp):
    client.force_login(people.user_x)
    assert usernames(csv_rows(client.get(reverse(CSV_URL)))) == {"rahim", "karim"}
    client.force_login(people.user_y)
    assert usernames(xlsx_rows(client.get(reverse(XLSX_URL)))) == {"yasmin"}
    client.force_login(other_isp.ga)
    assert usernames(csv_rows(client.get(reverse(CSV_URL)))) == set()
    # Naming our operator in a filter shows nothing of ours either.
    rows = csv_rows(client.get(reverse(CSV_URL), {"operator": people.op_x.pk}))
    assert usernames(rows) == set()


def test_noc_export_has_no_money_columns(client, people):
    client.force_login(people.noc)
    for rows in (
        csv_rows(client.get(reverse(CSV_URL))),
        xlsx_rows(client.get(reverse(XLSX_URL))),
    ):
        assert "Package price" not in rows[0] and "Custom price" not in rows[0]
        assert usernames(rows) == {"rahim", "karim", "yasmin"}
        flat = " ".join(str(v) for r in rows for v in r)
        assert "1111.11" not in flat


def test_custom_price_needs_its_own_code(client, people):
    user = set_codes(people.ga, revoke=["customers.custom_price"])
    client.force_login(user)
    header = csv_rows(client.get(reverse(CSV_URL)))[0]
    assert "Package price" in header and "Custom price" not in header


def test_xlsx_opens_with_header_rows_and_text_cells(client, people):
    client.force_login(people.ga)
    response = client.get(reverse(XLSX_URL), {"q": "rahim"})
    assert response["Content-Disposition"].startswith("attachment;")
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Username", "Name", "Mobile"]
    row = dict(zip(header, sheet[2], strict=True))
    assert row["Name"].value == "রহিম উদ্দিন"
    assert row["Mobile"].value == "+8801555000101"  # exact: a text cell, never evaluated
    assert row["Address"].value == INJECTION
    assert row["Address"].data_type == "s"  # not a formula
    assert str(row["Custom price"].value) == "1111.11"
    assert sheet.max_row == 2


def test_list_page_offers_the_exports_with_its_query(client, people):
    client.force_login(people.ga)
    response = client.get(reverse("customers:customer_list"), {"q": "karim"})
    body = response.content.decode()
    assert reverse(CSV_URL) + "?q=karim" in body
    assert reverse(XLSX_URL) + "?q=karim" in body
    # The HTMX table swap carries the buttons too, with the new query.
    response = client.get(reverse("customers:customer_list"), {"q": "rah"}, HTTP_HX_REQUEST="true")
    assert reverse(CSV_URL) + "?q=rah" in response.content.decode()


def test_a_big_xlsx_is_a_background_job(
    client, people, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "XLSX_INLINE_LIMIT", 1)
    client.force_login(people.ga)
    url = reverse(XLSX_URL) + f"?operator={people.op_x.pk}"
    page = client.get(url)
    assert page.status_code == 200 and b"Prepare the xlsx" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    with scope(tenant=people.tenant.pk):
        job = BackgroundJob.objects.get(kind="customers.export")
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:job", args=[job.pk])
    assert job.status == "done", job.message
    assert job.result == {"customers_exported": 2}
    with job.result_file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert usernames(rows) == {"rahim", "karim"}
    assert client.get(reverse("customers:job", args=[job.pk])).status_code == 200


def test_rows_are_read_in_chunks(people, monkeypatch):
    """The export never evaluates the whole queryset: it iterates in chunks."""
    seen = {}
    from django.db.models.query import QuerySet

    original = QuerySet.iterator

    def spy(self, chunk_size=None):
        seen["chunk_size"] = chunk_size
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    with scope(tenant=people.tenant.pk):
        from django.http import QueryDict

        from netbill.core.testing.people import fresh_user

        user = fresh_user(people.ga)
        queryset = exports.export_queryset(user, QueryDict())
        columns = exports.export_columns(user, [])
        rows = list(exports.export_rows(queryset, columns))
    assert len(rows) == 3
    assert seen["chunk_size"] == exports.CHUNK_SIZE == 2000
