"""Upload PPP Profiles: CSV and XLSX files, a preview listing every row with its errors,
then an all-or-nothing apply that checks again, only for the user (and ISP) who uploaded.
"""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from conftest import in_scope
from netbill.core.testing.people import fresh_user
from netbill.core.testing.state import nothing_changes
from netbill.network.models import PPPoEProfile
from netbill.network.views.pools import IMPORT_SESSION_KEY

from .pool_helpers import make_pool, make_profile

pytestmark = pytest.mark.django_db

HEADER = ["name", "ipv4_pool", "ipv6_pool", "local_address", "dns_servers", "rate_limit", "comment"]
GOOD = [
    ["5 Mbps", "pppoe-mirpur", "", "10.20.0.1", "8.8.8.8, 1.1.1.1", "5M/5M", "Home"],
    ["10 Mbps", "pppoe-mirpur", "v6-mirpur", "", "", "10M/10M 12M/12M 8M/8M 10/10", ""],
    ["20 Mbps", "pppoe-uttara", "", "", "", "20M", "Business"],
]
BAD = [
    ["5 Mbps", "pppoe-mirpur", "", "", "", "5M/5M", ""],
    ["10 Mbps", "nowhere", "", "", "", "10M", ""],
    ["Existing", "pppoe-mirpur", "", "", "", "fast", ""],
    ["5 mbps", "pppoe-uttara", "", "", "", "", ""],
]


@pytest.fixture
def pools(isp):
    return {
        "mirpur": make_pool(
            by=isp.ga, name="pppoe-mirpur", subnet="10.20.0.0/22", ranges="10.20.0.10-10.20.3.250"
        ),
        "uttara": make_pool(by=isp.ga, name="pppoe-uttara", subnet="10.30.0.0/23"),
        "v6": make_pool(by=isp.ga, family=6, name="v6-mirpur", subnet="2001:db8:100::/48"),
    }


def csv_file(rows, header=HEADER, name="profiles.csv", encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(rows, header=HEADER, name="profiles.xlsx"):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([None if v == "" else v for v in row])
    sheet.append([None] * len(header))  # an empty row is skipped
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def preview(client, upload):
    return client.post(reverse("network:pppoe_profile_upload"), {"file": upload})


def apply(client, token):
    return client.post(reverse("network:pppoe_profile_upload_apply"), {"token": token})


def profiles(isp):
    with in_scope(isp.tenant):
        return list(
            PPPoEProfile.objects.order_by("name").values_list(
                "name", "ipv4_pool__name", "rate_limit"
            )
        )


@pytest.mark.parametrize("make_file", [csv_file, xlsx_file], ids=["csv", "xlsx"])
def test_a_good_file_previews_then_applies(client, isp, pools, make_file):
    client.force_login(isp.noc)
    with nothing_changes(isp.tenant, what="preview"):
        response = preview(client, make_file(GOOD))
    assert response.status_code == 200
    rows = response.context["preview"]
    assert [(r.line, r.values["name"], r.errors) for r in rows] == [
        (2, "5 Mbps", []),
        (3, "10 Mbps", []),
        (4, "20 Mbps", []),
    ]
    body = response.content.decode()
    assert 'id="preview-ok"' in body and "Create 3 profiles" in body
    token = response.context["token"]
    response = apply(client, token)
    assert response.status_code == 302
    assert response["Location"] == reverse("network:pppoe_profile_list")
    assert profiles(isp) == [
        ("10 Mbps", "pppoe-mirpur", "10M/10M 12M/12M 8M/8M 10/10"),
        ("20 Mbps", "pppoe-uttara", "20M/20M"),
        ("5 Mbps", "pppoe-mirpur", "5M/5M"),
    ]
    with in_scope(isp.tenant):
        five = PPPoEProfile.objects.get(name="5 Mbps")
        ten = PPPoEProfile.objects.get(name="10 Mbps")
    assert (five.local_address, five.dns_servers, five.comment) == (
        "10.20.0.1",
        "8.8.8.8,1.1.1.1",
        "Home",
    )
    assert ten.ipv6_pool == pools["v6"]
    assert IMPORT_SESSION_KEY not in client.session
    # The same token cannot create them twice.
    with nothing_changes(isp.tenant):
        again = apply(client, token)
    assert again["Location"] == reverse("network:pppoe_profile_upload")


@pytest.mark.parametrize("make_file", [csv_file, xlsx_file], ids=["csv", "xlsx"])
def test_a_bad_file_shows_each_rows_errors_and_saves_nothing(client, isp, pools, make_file):
    make_profile(by=isp.ga, ipv4_pool=pools["mirpur"], name="Existing")
    before = profiles(isp)
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant, what="preview"):
        response = preview(client, make_file(BAD))
    rows = response.context["preview"]
    assert [(r.line, r.errors) for r in rows] == [
        (2, []),
        (3, ["IPv4 pool: Unknown IPv4 pool “nowhere”."]),
        (
            4,
            [
                "Name: A PPPoE profile named “Existing” already exists.",
                "Rate limit: “fast” is not a rate: write whole bits per second with an optional "
                "k, M or G, e.g. 512k or 10M.",
            ],
        ),
        (5, ["Name: The name “5 mbps” is also on line 2."]),
    ]
    body = response.content.decode()
    assert 'id="preview-bad"' in body and "3 rows have errors" in body
    assert reverse("network:pppoe_profile_upload_apply") not in body  # no Apply button
    # Posting the token anyway: checked again, all or nothing.
    with nothing_changes(isp.tenant, what="forced apply"):
        response = apply(client, response.context["token"])
    assert response.status_code == 200
    assert response.context["apply_errors"][0] == "Line 3: IPv4 pool: Unknown IPv4 pool “nowhere”."
    assert len(response.context["apply_errors"]) == 4
    assert "Nothing was saved." in response.content.decode()
    assert profiles(isp) == before


def test_apply_checks_again(client, isp, pools):
    client.force_login(isp.ga)
    token = preview(client, csv_file(GOOD)).context["token"]
    make_profile(by=isp.ga, ipv4_pool=pools["uttara"], name="20 MBPS")  # meanwhile
    with nothing_changes(isp.tenant):
        response = apply(client, token)
    assert response.context["apply_errors"] == [
        "Line 4: Name: A PPPoE profile named “20 Mbps” already exists."
    ]


@pytest.mark.parametrize(
    ("upload", "error"),
    [
        (SimpleUploadedFile("p.txt", b"name,ipv4_pool\nx,y\n"), "Upload a .csv or .xlsx file."),
        (SimpleUploadedFile("p.csv", b""), "The submitted file is empty."),
        (SimpleUploadedFile("p.csv", b"\n\n"), "The file is empty."),
        (
            csv_file([], header=["name", "ipv4_pool"]),
            "The file has a header row but no profiles.",
        ),
        (
            csv_file([["a", "b"]], header=["name", "pool", "speed"]),
            "The first row must name the columns (name, ipv4_pool, ipv6_pool, local_address, "
            "dns_servers, rate_limit, comment); missing columns: ipv4_pool; unknown columns: "
            "pool, speed.",
        ),
        (
            csv_file([["Ünïcode", "x"]], header=["name", "ipv4_pool"], encoding="utf-16"),
            "Save the CSV file as UTF-8 and upload it again.",
        ),
        (SimpleUploadedFile("p.xlsx", b"PK\x03\x04 not a zip"), "not a readable .xlsx"),
        (
            csv_file([["a", "b", "c"]], header=["name", "ipv4_pool", "name"]),
            "repeated columns: name",
        ),
    ],
)
def test_unreadable_files_are_refused_on_the_form(client, isp, upload, error):
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant):
        response = preview(client, upload)
    assert response.status_code == 200
    [message] = response.context["form"].errors["file"]
    assert error in message
    assert IMPORT_SESSION_KEY not in client.session


@pytest.mark.parametrize("make_file", [csv_file, xlsx_file], ids=["csv", "xlsx"])
def test_too_many_rows_are_refused(client, isp, pools, make_file):
    rows = [[f"P{n}", "pppoe-mirpur", "", "", "", "1M", ""] for n in range(501)]
    client.force_login(isp.ga)
    response = preview(client, make_file(rows))
    assert response.context["form"].errors["file"] == ["At most 500 profiles per upload."]


def test_blank_rows_and_a_late_header_keep_line_numbers(client, isp, pools):
    book = Workbook()
    sheet = book.active
    sheet.append([])
    sheet.append(["Name", "IPv4 Pool", "Rate Limit"])  # spaced, capitalised headers
    sheet.append(["5 Mbps", "pppoe-mirpur", "5M"])
    sheet.append([])
    sheet.append(["6 Mbps", "nowhere", 6])
    buffer = io.BytesIO()
    book.save(buffer)
    client.force_login(isp.ga)
    rows = preview(client, SimpleUploadedFile("p.xlsx", buffer.getvalue())).context["preview"]
    assert [(r.line, r.values["rate_limit"], r.errors) for r in rows] == [
        (3, "5M", []),
        (5, "6", ["IPv4 pool: Unknown IPv4 pool “nowhere”."]),
    ]


def test_another_isps_upload_cannot_be_applied(client, isp, other_isp, pools):
    """Beta's Group Admin cannot apply Alpha's upload: not with Alpha's token in its own
    session, nor with the upload left in a session that Get Access switched over."""
    make_pool(by=other_isp.ga, name="pppoe-mirpur", subnet="10.20.0.0/22")
    client.force_login(isp.ga)
    token = preview(client, csv_file(GOOD[:1])).context["token"]
    stash = dict(client.session[IMPORT_SESSION_KEY])

    beta = client.__class__()
    beta.force_login(other_isp.ga)
    with nothing_changes(isp.tenant, other_isp.tenant):
        response = apply(beta, token)
    assert response["Location"] == reverse("network:pppoe_profile_upload")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["This upload is not yours or has expired; upload the file again."]

    # The stash carried into a session of another user (as Get Access would): refused.
    session = beta.session
    session[IMPORT_SESSION_KEY] = stash
    session.save()
    with nothing_changes(isp.tenant, other_isp.tenant):
        response = apply(beta, token)
    assert response.status_code == 302
    assert response["Location"] == reverse("network:pppoe_profile_upload")

    # Another user of the same ISP neither.
    beta.force_login(fresh_user(isp.noc))
    session = beta.session
    session[IMPORT_SESSION_KEY] = stash
    session.save()
    with nothing_changes(isp.tenant):
        assert apply(beta, token).status_code == 302
    # The uploader still can.
    assert apply(client, token).status_code == 302
    assert profiles(isp) == [("5 Mbps", "pppoe-mirpur", "5M/5M")]


def test_a_wrong_token_is_refused(client, isp, pools):
    client.force_login(isp.ga)
    preview(client, csv_file(GOOD))
    with nothing_changes(isp.tenant):
        response = apply(client, "guessed")
    assert response.status_code == 302
    assert profiles(isp) == []


def test_the_template_names_one_of_the_isps_pools(client, isp, pools):
    client.force_login(isp.ga)
    response = client.get(reverse("network:pppoe_profile_upload_template"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == HEADER
    assert rows[1][:2] == ["10 Mbps", "pppoe-mirpur"]
    # The template itself uploads cleanly.
    upload = SimpleUploadedFile("template.csv", response.content)
    assert [r.errors for r in preview(client, upload).context["preview"]] == [[]]
