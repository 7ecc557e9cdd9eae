"""The portal's panel page under its contract (netbill.core.testing.contracts):
Settings → Suspension Portal Settings. The settings belong to the ISP as a whole; the
page always edits the caller's own ISP (another ISP's Group Admin saves its own)."""

import pytest
from django.urls import reverse
from django_scopes import scope

from netbill.core.testing.contracts import EditViewContract
from netbill.portal.models import SuspensionPortalSettings

pytestmark = pytest.mark.django_db


class TestSuspensionPortalSettings(EditViewContract):
    url_name = "portal_settings:edit"
    permission = "portal.settings"
    other_tenant_status = 302  # the page edits the caller's own ISP
    audit_action = "portal_settings.updated"
    events = ("portal_settings.updated",)
    not_applicable = {"other_subtree": "suspension portal settings belong to the ISP as a whole"}

    def form_data(self, isp):
        return {
            "title": "Service paused",
            "message": "Your bill is unpaid.",
            "contact_phone": "+8809611000001",
            "contact_email": "billing@alpha.example",
            "contact_address": "House 1, Road 2, Dhaka",
            "show_pay_button": "on",
        }

    def written_object(self, isp, target):
        with scope(tenant=isp.tenant.pk):
            return SuspensionPortalSettings.objects.get(tenant=isp.tenant)

    def expected(self, isp):
        return {
            "tenant": isp.tenant,
            "title": "Service paused",
            "message": "Your bill is unpaid.",
            "contact_phone": "+8809611000001",
            "contact_email": "billing@alpha.example",
            "contact_address": "House 1, Road 2, Dhaka",
            "logo": "",
            "show_pay_button": True,
        }

    def success_url(self, isp, obj):
        return reverse(self.url_name)

    def test_an_operator_is_refused(self, client, isp):
        client.force_login(isp.user_x)
        response = client.post(self.url_for(isp), self.form_data(isp))
        assert response.status_code == 403
        with scope(tenant=isp.tenant.pk):
            assert not SuspensionPortalSettings.objects.exists()
