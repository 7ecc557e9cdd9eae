"""Browser journey: Customers → Import from Excel, the four steps in Debian's Chromium.
An operator uploads a spreadsheet with one bad row, keeps the matched columns, reads the
per-cell error on the review, imports the valid rows and opens the job's outcome."""

import io
import re

import openpyxl
import pytest

from conftest import PASSWORD, build_isp, in_scope


def sheet(isp, setup) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(
        ["Customer Name", "Mobile No", "Operator", "PPPoE User", "Password", "Package",
         "Billing Profile"]
    )  # fmt: skip
    package = setup.master.name
    for n, name in enumerate(["রহিম উদ্দিন", "Karim Mia", "Salma Begum"]):
        book.active.append(
            [name, f"01712{n:06d}", isp.op_x.name, f"web{n}", f"pw{n}", package, setup.billing.name]
        )
    book.active.append(
        ["Bad Mobile", "12345", isp.op_x.name, "webbad", "pw", package, setup.billing.name]
    )
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


@pytest.mark.browser
def test_import_customers_from_excel(transactional_db, live_server, page, tmp_path):
    from netbill.core.models import BackgroundJob
    from netbill.customers.models import Customer
    from netbill.customers.tests.helpers import customer_setup

    isp = build_isp("Alpha Net", "alpha", "a")
    setup = customer_setup(isp)
    path = tmp_path / "customers.xlsx"
    path.write_bytes(sheet(isp, setup))
    base = live_server.url

    page.goto(f"{base}/login/")
    page.fill("#id_username", isp.user_x.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/dashboard/")

    # Step 1: upload.
    page.get_by_role("navigation").get_by_role("link", name="Import from Excel").click()
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="Upload").click()
    # Step 2: the columns are matched by their headers; check the rows.
    page.wait_for_url(re.compile(r"/map/"))
    page.get_by_role("button", name="Check the rows").click()
    # Step 3: the review waits for its check, then shows the bad cell.
    page.wait_for_url(re.compile(r"/review/"))
    page.wait_for_selector("#import-run", timeout=30_000)
    assert "Enter a valid mobile number." in page.content()
    page.locator("#import-run").click()
    # Step 4: the job page, once the import has run.
    page.wait_for_url(re.compile(r"/customers/jobs/\d+/"))
    page.wait_for_selector("#job-status:has-text('Done')", timeout=30_000)
    assert page.locator("#job-file").is_visible()
    with in_scope(isp.tenant):
        names = set(
            Customer.objects.filter(username__startswith="web").values_list("name", flat=True)
        )
        job = BackgroundJob.objects.get(kind="customers.import")
    assert names == {"রহিম উদ্দিন", "Karim Mia", "Salma Begum"}
    assert (job.result["created"], job.result["rejected"]) == (3, 1)
