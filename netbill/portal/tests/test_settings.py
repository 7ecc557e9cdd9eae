"""Settings → Suspension Portal Settings: the page, the logo, the menu entry."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope
from PIL import Image

from netbill.core.menu import menu_for
from netbill.core.models import AuditLog
from netbill.core.testing.people import fresh_user
from netbill.portal.models import SuspensionPortalSettings

from .helpers import portal_url

pytestmark = pytest.mark.django_db

URL = "/portal-settings/"


def png(name="logo.png", size=(40, 20)) -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(data, format="PNG")
    return SimpleUploadedFile(name, data.getvalue(), content_type="image/png")


def test_the_url_and_the_menu_entry(isp):
    assert reverse("portal_settings:edit") == URL
    entries = [e for _s, items in menu_for(fresh_user(isp.ga)) for e in items]
    assert {
        "label": "Suspension Portal Settings",
        "url": URL,
        "url_name": "portal_settings:edit",
    } in (entries)
    operator_entries = [e for _s, items in menu_for(fresh_user(isp.user_x)) for e in items]
    assert all(e["url_name"] != "portal_settings:edit" for e in operator_entries)


def test_the_page_shows_the_defaults_without_saving_and_links_the_preview(client, isp):
    isp.tenant.phone = "+8809612345678"
    isp.tenant.save(update_fields=["phone"])
    client.force_login(isp.ga)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["form"]["contact_phone"].value() == "+8809612345678"
    assert portal_url("suspended", isp) in response.content.decode()
    with scope(tenant=isp.tenant.pk):
        assert not SuspensionPortalSettings.objects.exists()


def test_a_logo_is_saved_and_shown_on_the_suspension_page(client, isp):
    client.force_login(isp.ga)
    response = client.post(
        URL, {"title": "Paused", "show_pay_button": "", "logo": png()}, format="multipart"
    )
    assert response.status_code == 302, response.context["form"].errors
    with scope(tenant=isp.tenant.pk):
        row = SuspensionPortalSettings.objects.get()
        assert row.logo.name.startswith(f"portal/{isp.tenant.pk}/")
        assert (row.title, row.show_pay_button) == ("Paused", False)
    page = client.get(portal_url("suspended", isp)).content.decode()
    assert f'src="{row.logo.url}"' in page and 'id="suspension-title">Paused' in page
    # Saving again without a new file keeps the logo; "Clear" removes it.
    client.post(URL, {"title": "Paused again"})
    with scope(tenant=isp.tenant.pk):
        assert SuspensionPortalSettings.objects.get().logo.name == row.logo.name
    client.post(URL, {"title": "No logo", "logo-clear": "on"})
    with scope(tenant=isp.tenant.pk):
        assert SuspensionPortalSettings.objects.get().logo.name == ""
        assert AuditLog.objects.filter(action="portal_settings.updated").count() == 3


def test_a_file_that_is_not_an_image_is_refused(client, isp):
    client.force_login(isp.ga)
    fake = SimpleUploadedFile("logo.png", b"<?php echo 1; ?>", content_type="image/png")
    response = client.post(URL, {"title": "Paused", "logo": fake})
    assert response.status_code == 200
    assert response.context["form"].errors["logo"]
    with scope(tenant=isp.tenant.pk):
        assert not SuspensionPortalSettings.objects.exists()


def test_a_bad_email_is_refused(client, isp):
    client.force_login(isp.ga)
    response = client.post(URL, {"title": "Paused", "contact_email": "not-an-email"})
    assert response.status_code == 200
    assert response.context["form"].errors["contact_email"]
    with scope(tenant=isp.tenant.pk):
        assert not SuspensionPortalSettings.objects.exists()
