"""RADIUS pages under their contract (netbill.core.testing.contracts): anonymous, without
the permission, with it, and from another ISP.

Routers → a router → Reconcile reads the router, so the contract's router is a closed
local port: the page must still answer 200 at once, with the router's error shown.
Routers belong to the whole ISP, so there is no "other subtree".
"""

import pytest

from netbill.core.testing.contracts import DetailViewContract
from netbill.network.tests.router_helpers import make_router

pytestmark = pytest.mark.django_db


class TestRouterReconcile(DetailViewContract):
    url_name = "radius:router_reconcile"
    permission = "routers.view"
    not_applicable = {"other_subtree": "routers belong to the whole ISP, not to an operator"}

    def prepare(self, isp):
        isp.router = make_router(by=isp.ga, name="Mirpur Core", location="Mirpur-10")

    def target(self, isp):
        return isp.router

    def check_page(self, response, isp):
        body = response.content.decode()
        assert 'data-drift-error="refused"' in body
        assert "Connection refused" in body
        assert response.context["drift"].error_kind == "refused"

    def test_a_noc_user_can_open_it(self, client, isp):
        from netbill.core.testing.people import fresh_user

        client.force_login(fresh_user(isp.noc))
        response = client.get(self.url_for(isp))
        assert response.status_code == 200
        self.check_page(response, isp)
