"""Customers → Import from MikroTik under their contracts: the router choice, the preview
(POST starts the import job) and the step that disables imported secrets.

Routers belong to the whole ISP, not to an operator subtree, so every user of the ISP
holding the code reaches every router; the other ISP reaches none (404). The routers
here listen on a closed local port: the pages must answer at once, with the router's
error shown.
"""

import pytest
from django.urls import reverse

from netbill.core.testing.contracts import DetailViewContract, PageContract
from netbill.network.models import Router
from netbill.network.tests.router_helpers import make_router

pytestmark = pytest.mark.django_db

NO_SUBTREE = "routers belong to the whole ISP: any user holding the code reaches every router"


def prepare_router(isp):
    if not hasattr(isp, "mikrotik_router"):
        isp.mikrotik_router = make_router(by=isp.ga, name=f"{isp.tenant.slug} core router")


class TestMikrotikImport(PageContract):
    url_name = "customers:mikrotik_import"
    permission = "customers.create"
    not_applicable = {"other_subtree": NO_SUBTREE}

    def prepare(self, isp):
        prepare_router(isp)

    def check_page(self, response, isp, user):
        routers = list(response.context["routers"])
        assert routers == list(Router.objects.filter(tenant=isp.tenant).order_by("name"))
        assert isp.mikrotik_router in routers
        url = reverse("customers:mikrotik_preview", args=[isp.mikrotik_router.pk])
        assert url in response.content.decode()


class _RouterPage(DetailViewContract):
    permission = "customers.create"
    methods = ("get", "post")
    not_applicable = {"other_subtree": NO_SUBTREE}

    def prepare(self, isp):
        prepare_router(isp)

    def target(self, isp):
        return isp.mikrotik_router

    def check_page(self, response, isp):
        # A closed port: refused at once, said on the page.
        body = response.content.decode()
        assert 'id="router-error"' in body
        assert "Connection refused" in body


class TestMikrotikPreview(_RouterPage):
    url_name = "customers:mikrotik_preview"

    def test_answers_with_the_error_when_the_router_is_down(self, client, isp, request):
        client.force_login(self.allowed_user(isp, request))
        response = client.get(self.url_for(isp))
        assert response.status_code == 200
        assert response.context["plan"] is None


class TestMikrotikDisable(_RouterPage):
    url_name = "customers:mikrotik_disable"

    def test_needs_routers_manage_as_well(self, client, isp, request):
        from netbill.core.testing.people import set_codes
        from netbill.core.testing.state import nothing_changes

        user = set_codes(self.allowed_user(isp, request), revoke=["routers.manage"])
        client.force_login(user)
        with nothing_changes(isp.tenant, what="without routers.manage"):
            assert client.get(self.url_for(isp)).status_code == 403
            assert client.post(self.url_for(isp), {"all": "1"}).status_code == 403
