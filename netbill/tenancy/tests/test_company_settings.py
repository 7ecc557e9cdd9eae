"""Settings → Company Settings (/settings/company/)."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from PIL import Image

from conftest import in_scope
from netbill.core import events
from netbill.core.models import AuditLog
from netbill.tenancy.models import Tenant

URL = "/settings/company/"

FIELDS = [
    "name",
    "logo",
    "address",
    "phone",
    "email",
    "website",
    "currency",
    "time_zone",
    "invoice_prefix",
    "invoice_footer",
    "btrc_licence_no",
]


def png(size=(8, 8), color=(200, 30, 30), noise=False) -> bytes:
    """A real PNG made with Pillow (random pixels make it large and incompressible)."""
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, color)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def logo_file(content=None, name="logo.png", content_type="image/png"):
    return SimpleUploadedFile(name, content if content is not None else png(), content_type)


def form_data(**overrides):
    data = {
        "name": "Alpha Net Ltd",
        "address": "House 1, Road 2, Dhanmondi, Dhaka 1209",
        "phone": "+880 9610-000111",
        "email": "billing@alpha.example",
        "website": "https://alpha.example",
        "currency": "BDT",
        "time_zone": "Asia/Dhaka",
        "invoice_prefix": "ALN",
        "invoice_footer": "Thank you for staying connected.",
        "btrc_licence_no": "ISP-DHK-2024-0001",
    }
    data.update(overrides)
    return data


def row(tenant) -> dict:
    values = model_to_dict(Tenant.objects.get(pk=tenant.pk), fields=FIELDS)
    values["logo"] = values["logo"].name or None
    return values


def company_audits(tenant):
    with in_scope(tenant):
        return list(AuditLog.objects.filter(action="company.updated").order_by("id"))


def media_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


BLANK = {
    "name": "Alpha Net",
    "logo": None,
    "address": "",
    "phone": "",
    "email": "",
    "website": "",
    "currency": "BDT",
    "time_zone": "Asia/Dhaka",
    "invoice_prefix": "INV",
    "invoice_footer": "",
    "btrc_licence_no": "",
}


#
# Defaults and the form page
#


def test_a_new_tenant_has_the_bangladeshi_defaults(isp):
    assert row(isp.tenant) == BLANK
    assert str(isp.tenant.zone) == "Asia/Dhaka"


def test_the_page_shows_every_field_with_its_value(isp, client):
    client.force_login(isp.ga)
    response = client.get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields) == FIELDS
    assert form.initial["currency"] == "BDT"
    assert form.initial["time_zone"] == "Asia/Dhaka"
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert '<option value="Asia/Dhaka" selected>Asia/Dhaka</option>' in html
    assert 'name="currency" value="BDT"' in html


#
# Saving
#


def test_group_admin_edits_every_field(isp, client, settings, django_capture_on_commit_callbacks):
    heard = []

    def listener(**kwargs):
        heard.append(kwargs)

    events.subscribe("tenant.updated", listener)
    client.force_login(isp.ga)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                URL,
                form_data(
                    currency="usd",
                    time_zone="Asia/Kolkata",
                    website="alpha.example",
                    logo=logo_file(),
                ),
            )
    finally:
        events.unsubscribe("tenant.updated", listener)
    assert response.status_code == 302
    assert response["Location"] == URL
    tid = isp.tenant.pk
    after = {
        "name": "Alpha Net Ltd",
        "logo": f"tenants/{tid}/logo.png",
        "address": "House 1, Road 2, Dhanmondi, Dhaka 1209",
        "phone": "+880 9610-000111",
        "email": "billing@alpha.example",
        "website": "https://alpha.example",  # a bare domain is taken as https
        "currency": "USD",  # upper-cased
        "time_zone": "Asia/Kolkata",
        "invoice_prefix": "ALN",
        "invoice_footer": "Thank you for staying connected.",
        "btrc_licence_no": "ISP-DHK-2024-0001",
    }
    assert row(isp.tenant) == after
    # The logo file sits under the tenant's own directory and is the PNG we sent.
    assert media_files(settings) == [f"tenants/{tid}/logo.png"]
    assert (settings.MEDIA_ROOT / f"tenants/{tid}/logo.png").read_bytes() == png()

    [entry] = company_audits(isp.tenant)
    assert entry.actor_id == isp.ga.pk
    assert entry.object_type == "tenancy.tenant"
    assert entry.object_id == str(tid)
    assert entry.before == BLANK
    assert entry.after == after
    assert heard == [{"event": "tenant.updated", "tenant_id": tid}]

    follow = client.get(URL)
    assert "Company settings saved." in follow.content.decode()
    assert f'src="/media/tenants/{tid}/logo.png"' in follow.content.decode()


def test_saving_again_without_changes_keeps_the_logo(isp, client):
    client.force_login(isp.ga)
    client.post(URL, form_data(logo=logo_file()))
    client.post(URL, form_data(address="New address"))
    assert row(isp.tenant)["logo"] == f"tenants/{isp.tenant.pk}/logo.png"
    assert row(isp.tenant)["address"] == "New address"
    second = company_audits(isp.tenant)[-1]
    assert {k: (b, a) for k, b, a in second.changes} == {
        "address": ("House 1, Road 2, Dhanmondi, Dhaka 1209", "New address")
    }


def test_clearing_the_logo_empties_it(isp, client):
    client.force_login(isp.ga)
    client.post(URL, form_data(logo=logo_file()))
    response = client.post(URL, form_data(**{"logo-clear": "on"}))
    assert response.status_code == 302
    assert row(isp.tenant)["logo"] is None
    assert Tenant.objects.get(pk=isp.tenant.pk).logo.name == ""
    last = company_audits(isp.tenant)[-1]
    assert last.before["logo"] == f"tenants/{isp.tenant.pk}/logo.png"
    assert last.after["logo"] is None


#
# Invalid input: field errors, nothing saved
#

_BIG = None


def big_png() -> bytes:
    global _BIG
    if _BIG is None:
        _BIG = png(size=(700, 700), noise=True)
        assert len(_BIG) > 1024 * 1024
    return _BIG


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"currency": "bdtx"},
            "currency",
            "Ensure this value has at most 3 characters (it has 4).",
        ),
        ({"currency": "B1"}, "currency", "Use a three-letter ISO code, e.g. BDT."),
        (
            {"time_zone": "Mars/Olympus_Mons"},
            "time_zone",
            "Select a valid choice. Mars/Olympus_Mons is not one of the available choices.",
        ),
        ({"email": "billing@"}, "email", "Enter a valid email address."),
        ({"website": "not a url"}, "website", "Enter a valid URL."),
        ({"name": ""}, "name", "This field is required."),
        ({"invoice_prefix": "IN V"}, "invoice_prefix", "Letters, digits and dashes only."),
        (
            {"logo": "text"},
            "logo",
            "Upload a valid image. The file you uploaded was either not an image or a "
            "corrupted image.",
        ),
        ({"logo": "big"}, "logo", "The logo must be at most 1 MB."),
    ],
    ids=[
        "currency-too-long",
        "currency-not-iso",
        "time-zone",
        "email",
        "website",
        "name",
        "invoice-prefix",
        "logo-not-image",
        "logo-too-big",
    ],
)
def test_invalid_input_re_renders_with_errors_and_saves_nothing(
    isp, client, settings, overrides, field, message
):
    if overrides.get("logo") == "text":
        overrides["logo"] = logo_file(b"this is not a picture", name="logo.png")
    elif overrides.get("logo") == "big":
        overrides["logo"] = logo_file(big_png())
    client.force_login(isp.ga)
    response = client.post(URL, form_data(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {field: [message]}
    assert message in response.content.decode().replace("&#x27;", "'")
    assert row(isp.tenant) == BLANK
    assert company_audits(isp.tenant) == []
    assert media_files(settings) == []


def test_a_valid_logo_with_a_bad_email_saves_neither(isp, client, settings):
    client.force_login(isp.ga)
    response = client.post(URL, form_data(email="nope", logo=logo_file()))
    assert response.status_code == 200
    assert row(isp.tenant) == BLANK
    assert media_files(settings) == []


def test_lower_case_currency_is_accepted_upper_cased(isp, client):
    client.force_login(isp.ga)
    assert client.post(URL, form_data(currency="bdt")).status_code == 302
    assert row(isp.tenant)["currency"] == "BDT"


#
# Who may edit what
#


@pytest.mark.parametrize("who", ["user_x", "user_x1", "manager_x", "noc", "sales", "cards"])
def test_users_without_edit_company_get_403_and_nothing_changes(isp, client, settings, who):
    client.force_login(getattr(isp, who))
    assert client.get(URL).status_code == 403
    response = client.post(URL, form_data(logo=logo_file()))
    assert response.status_code == 403
    assert row(isp.tenant) == BLANK
    assert company_audits(isp.tenant) == []
    assert media_files(settings) == []


def test_anonymous_is_sent_to_login(db, client):
    response = client.post(URL, form_data())
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/settings/company/"


def test_platform_admin_has_no_company_page(platform_admin, client):
    client.force_login(platform_admin)
    assert client.get(URL).status_code == 403


def test_another_tenants_group_admin_edits_only_its_own(isp, other_isp, client, settings):
    client.force_login(other_isp.ga)
    response = client.post(URL, form_data(name="Beta Net Ltd", logo=logo_file()))
    assert response.status_code == 302
    assert row(isp.tenant) == BLANK
    assert company_audits(isp.tenant) == []
    assert row(other_isp.tenant)["name"] == "Beta Net Ltd"
    assert row(other_isp.tenant)["logo"] == f"tenants/{other_isp.tenant.pk}/logo.png"
    assert media_files(settings) == [f"tenants/{other_isp.tenant.pk}/logo.png"]
    [entry] = company_audits(other_isp.tenant)
    assert entry.actor_id == other_isp.ga.pk


def test_the_page_shows_the_users_own_tenant(isp, other_isp, client):
    client.force_login(other_isp.ga)
    form = client.get(URL).context["form"]
    assert form.instance.pk == other_isp.tenant.pk
    assert form.initial["name"] == "Beta Net"


def test_a_granted_edit_company_opens_the_page(isp, client):
    from netbill.accounts.models import PermissionOverride

    with in_scope(isp.tenant):
        PermissionOverride.objects.create(
            tenant=isp.tenant, user=isp.user_x, code="editCompany", granted=True
        )
    client.force_login(isp.user_x)
    assert client.post(URL, form_data(name="By operator")).status_code == 302
    assert row(isp.tenant)["name"] == "By operator"
