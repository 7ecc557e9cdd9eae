"""Every IP pool and PPPoE profile page and endpoint under its contract
(netbill.core.testing.contracts): anonymous, without ip_pools.manage, with it, and from
another ISP. Pools and profiles belong to the whole ISP (no operator owns one), so the
"other subtree" scenario does not apply. NOC users hold ip_pools.manage by default.

Each ISP is prepared with the same pool names and address space: another ISP may reuse
them, and a request from the other ISP must still never reach ours.
"""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from netbill.core.testing.contracts import (
    APICreateContract,
    APIDetailContract,
    APIListContract,
    APIUpdateContract,
    CreateViewContract,
    DetailViewContract,
    EditViewContract,
    ListViewContract,
    PageContract,
)
from netbill.network.models import IPPool, PPPoEProfile
from netbill.network.tests.pool_helpers import (
    APIDeleteContract,
    DeleteViewContract,
    make_pool,
    make_profile,
)

pytestmark = pytest.mark.django_db

TENANT_WIDE = "IP pools and PPPoE profiles belong to the whole ISP, not to an operator's subtree"
CODE = "ip_pools.manage"


class _Pools:
    """Per ISP: the protected pool (from onboarding), an IPv4 pool with a profile, a spare
    IPv4 pool and an IPv6 pool."""

    permission = CODE
    not_applicable = {"other_subtree": TENANT_WIDE}

    def prepare(self, isp):
        isp.pool = make_pool(
            by=isp.ga,
            name="pppoe-mirpur",
            subnet="10.20.0.0/22",
            ranges="10.20.0.10-10.20.3.250",
            comment="Mirpur PPPoE",
        )
        isp.spare = make_pool(by=isp.ga, name="spare", subnet="10.21.0.0/24", kind="fup")
        isp.pool6 = make_pool(by=isp.ga, family=6, name="v6-mirpur", subnet="2001:db8:100::/48")
        isp.suspended = IPPool.objects.get(tenant=isp.tenant, is_protected=True)
        isp.profile = make_profile(
            by=isp.ga, ipv4_pool=isp.pool, name="10 Mbps", rate_limit="10M/10M 12M 8M 10"
        )


def pools_of(isp, family):
    return IPPool.objects.filter(tenant=isp.tenant, family=family)


#
# IP pools: panel
#


class TestIPv4PoolList(_Pools, ListViewContract):
    url_name = "network:ipv4_pool_list"

    def expected_rows(self, isp):
        return pools_of(isp, 4)

    def check_page(self, response, isp):
        body = response.content.decode()
        # The bar shows the real size of the ranges: 10.20.0.10-10.20.3.250 (and the
        # suspended pool's 100.64.0.10-100.64.3.250) hold 1,009 addresses, spare 254.
        assert body.count('<span class="nb-pool-size">1,009</span>') == 2
        assert body.count('<span class="nb-pool-size">254</span>') == 1
        assert 'role="progressbar"' in body
        assert f"{reverse('network:ip_pool_add')}?family=4" in body


class TestIPv6PoolList(_Pools, ListViewContract):
    url_name = "network:ipv6_pool_list"
    allowed = "noc"

    def expected_rows(self, isp):
        return pools_of(isp, 6)

    def check_page(self, response, isp):
        body = response.content.decode()
        assert '<span class="nb-pool-size">2^80</span>' not in body  # the network address
        assert '<span class="nb-pool-size">1.209e+24</span>' in body
        assert f"{reverse('network:ip_pool_add')}?family=6" in body


class TestIPPoolDetail(_Pools, DetailViewContract):
    url_name = "network:ip_pool"

    def target(self, isp):
        return isp.pool

    def check_page(self, response, isp):
        body = response.content.decode()
        assert response.context["usage"].size == 1009
        assert reverse("network:ip_pool_delete", args=[isp.pool.pk]) in body
        assert list(response.context["profiles"]) == [isp.profile]


class TestIPPoolCreate(_Pools, CreateViewContract):
    url_name = "network:ip_pool_add"
    model = IPPool
    audit_action = "ip_pool.created"
    events = ("ip_pool.created",)

    def form_data(self, isp):
        return {
            "family": "4",
            "name": "pppoe-uttara",
            "subnet": "10.30.0.0/23",
            "ranges": "10.30.0.10-10.30.1.250",
            "kind": "normal",
            "comment": "Uttara PPPoE",
        }

    def created_lookup(self, isp):
        return {"name": "pppoe-uttara"}

    def expected(self, isp):
        return {
            "family": 4,
            "subnet": "10.30.0.0/23",
            "ranges": "10.30.0.10-10.30.1.250",
            "kind": "normal",
            "is_protected": False,
            "comment": "Uttara PPPoE",
        }

    def success_url(self, isp, obj):
        return obj.get_absolute_url()


class TestIPPoolEdit(_Pools, EditViewContract):
    url_name = "network:ip_pool_edit"
    audit_action = "ip_pool.updated"
    events = ("ip_pool.updated",)

    def target(self, isp):
        return isp.spare

    def form_data(self, isp):
        return {
            "name": "spare-fup",
            "subnet": "10.21.0.0/25",
            "ranges": "",
            "kind": "fup",
            "comment": "FUP customers",
        }

    def expected(self, isp):
        return {
            "name": "spare-fup",
            "family": 4,
            "subnet": "10.21.0.0/25",
            "ranges": "10.21.0.1-10.21.0.126",
            "kind": "fup",
            "comment": "FUP customers",
        }


class TestIPPoolDelete(_Pools, DeleteViewContract):
    url_name = "network:ip_pool_delete"
    audit_action = "ip_pool.deleted"
    events = ("ip_pool.deleted",)

    def target(self, isp):
        return isp.spare

    def success_url(self, isp, obj):
        return reverse("network:ipv4_pool_list")


#
# PPPoE profiles: panel
#


class TestPPPoEProfileList(_Pools, ListViewContract):
    url_name = "network:pppoe_profile_list"

    def expected_rows(self, isp):
        return PPPoEProfile.objects.filter(tenant=isp.tenant)

    def check_page(self, response, isp):
        body = response.content.decode()
        assert "<code>10M/10M 12M/12M 8M/8M 10/10</code>" in body
        assert reverse("network:pppoe_profile_upload") in body


class TestPPPoEProfileDetail(_Pools, DetailViewContract):
    url_name = "network:pppoe_profile"
    allowed = "noc"

    def target(self, isp):
        return isp.profile

    def check_page(self, response, isp):
        assert response.context["rate_parts"] == [
            ("Rate", "10M down / 10M up"),
            ("Burst rate", "12M down / 12M up"),
            ("Burst threshold", "8M down / 8M up"),
            ("Burst time", "10s down / 10s up"),
        ]


class TestPPPoEProfileCreate(_Pools, CreateViewContract):
    """The pool is the node the profile hangs under: another ISP naming our pool gets a
    form error ("not a valid choice") and nothing is created anywhere."""

    url_name = "network:pppoe_profile_add"
    model = PPPoEProfile
    audit_action = "pppoe_profile.created"
    events = ("pppoe_profile.created",)

    def target(self, isp):
        return isp.pool

    def form_data(self, isp):
        return {
            "name": "20 Mbps",
            "ipv4_pool": isp.pool.pk,
            "ipv6_pool": isp.pool6.pk,
            "local_address": "10.20.0.1",
            "dns_servers": "8.8.8.8, 1.1.1.1",
            "rate_limit": "20M",
            "comment": "Fiber",
        }

    def created_lookup(self, isp):
        return {"name": "20 Mbps"}

    def expected(self, isp):
        return {
            "ipv4_pool": isp.pool,
            "ipv6_pool": isp.pool6,
            "local_address": "10.20.0.1",
            "dns_servers": "8.8.8.8,1.1.1.1",
            "rate_limit": "20M/20M",
            "comment": "Fiber",
        }


class TestPPPoEProfileEdit(_Pools, EditViewContract):
    url_name = "network:pppoe_profile_edit"
    audit_action = "pppoe_profile.updated"
    events = ("pppoe_profile.updated",)

    def target(self, isp):
        return isp.profile

    def form_data(self, isp):
        return {
            "name": "10 Mbps Plus",
            "ipv4_pool": isp.spare.pk,
            "ipv6_pool": "",
            "local_address": "",
            "dns_servers": "9.9.9.9",
            "rate_limit": "10M/12M",
            "comment": "",
        }

    def expected(self, isp):
        return {
            "name": "10 Mbps Plus",
            "ipv4_pool": isp.spare,
            "ipv6_pool": None,
            "local_address": None,
            "dns_servers": "9.9.9.9",
            "rate_limit": "10M/12M",
        }


class TestPPPoEProfileDelete(_Pools, DeleteViewContract):
    url_name = "network:pppoe_profile_delete"
    audit_action = "pppoe_profile.deleted"
    events = ("pppoe_profile.deleted",)

    def target(self, isp):
        return isp.profile

    def success_url(self, isp, obj):
        return reverse("network:pppoe_profile_list")


#
# Upload PPP Profiles
#


def upload_file(rows, name="profiles.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["name", "ipv4_pool", "ipv6_pool", "rate_limit", "dns_servers"])
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


class TestPPPoEProfileUpload(_Pools, PageContract):
    """The upload form (its POST, the preview, saves nothing: see test_pppoe_upload)."""

    url_name = "network:pppoe_profile_upload"

    def check_page(self, response, isp, user):
        body = response.content.decode()
        assert 'enctype="multipart/form-data"' in body
        assert reverse("network:pppoe_profile_upload_template") in body


class TestPPPoEProfileUploadTemplate(_Pools, PageContract):
    url_name = "network:pppoe_profile_upload_template"

    def check_page(self, response, isp, user):
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == [
            "name",
            "ipv4_pool",
            "ipv6_pool",
            "local_address",
            "dns_servers",
            "rate_limit",
            "comment",
        ]
        assert rows[1][:2] == ["10 Mbps", "pppoe-mirpur"]  # one of the ISP's own pools


class TestPPPoEProfileUploadApply(_Pools, CreateViewContract):
    """Apply: each POST first uploads the file (the preview keeps it in the session under
    a token), then posts the token. Another ISP's user applies its own upload, in its
    own ISP (both ISPs have a pool named pppoe-mirpur)."""

    url_name = "network:pppoe_profile_upload_apply"
    methods = ("post",)
    model = PPPoEProfile
    audit_action = "pppoe_profile.created"
    events = ("pppoe_profile.created",)

    def form_data(self, isp):
        return {"rows": [["25 Mbps", "pppoe-mirpur", "v6-mirpur", "25M", "8.8.8.8"]]}

    def send(self, client, method, url, data=None, headers=None):
        if method == "post" and data is not None:
            preview = client.post(
                reverse("network:pppoe_profile_upload"), {"file": upload_file(data["rows"])}
            )
            context = getattr(preview, "context", None)
            token = context.get("token") if context is not None else None
            data = {"token": token or "no-preview"}
        return super().send(client, method, url, data, headers)

    def created_lookup(self, isp):
        return {"name": "25 Mbps"}

    def expected(self, isp):
        return {
            "ipv4_pool": isp.pool,
            "ipv6_pool": isp.pool6,
            "rate_limit": "25M/25M",
            "dns_servers": "8.8.8.8",
        }

    def success_url(self, isp, obj):
        return reverse("network:pppoe_profile_list")


#
# API
#


class TestIPPoolAPIList(_Pools, APIListContract):
    url_name = "api:ip-pool-list"

    def expected_rows(self, isp):
        return IPPool.objects.filter(tenant=isp.tenant)

    def check_page(self, response, isp):
        by_name = {p["name"]: p for p in response.json()["results"]}
        assert by_name["pppoe-mirpur"]["size"] == "1009"
        assert by_name["suspended-users"]["is_protected"] is True
        assert by_name["v6-mirpur"]["family"] == 6


class TestIPPoolAPIDetail(_Pools, APIDetailContract):
    url_name = "api:ip-pool-detail"
    allowed = "noc"

    def target(self, isp):
        return isp.pool

    def expected_data(self, isp):
        return {
            "name": "pppoe-mirpur",
            "family": 4,
            "subnet": "10.20.0.0/22",
            "ranges": "10.20.0.10-10.20.3.250",
            "kind": "normal",
            "is_protected": False,
            "size": "1009",
            "in_use": 0,
            "utilisation_percent": 0,
        }


class TestIPPoolAPICreate(_Pools, APICreateContract):
    url_name = "api:ip-pool-list"
    model = IPPool
    audit_action = "ip_pool.created"
    events = ("ip_pool.created",)

    def api_create_data(self, isp):
        return {"family": 6, "name": "v6-uttara", "subnet": "2001:db8:200::/48", "kind": "fup"}

    def created_lookup(self, isp):
        return {"name": "v6-uttara"}

    def expected(self, isp):
        return {
            "family": 6,
            "subnet": "2001:db8:200::/48",
            "ranges": "2001:db8:200::1-2001:db8:200:ffff:ffff:ffff:ffff:ffff",
            "kind": "fup",
        }


class TestIPPoolAPIPatch(_Pools, APIUpdateContract):
    url_name = "api:ip-pool-detail"
    audit_action = "ip_pool.updated"
    events = ("ip_pool.updated",)

    def target(self, isp):
        return isp.suspended

    def api_update_data(self, isp):
        # The protected pool may be re-addressed (not renamed).
        return {"subnet": "172.31.250.0/24", "ranges": "172.31.250.10-172.31.250.200"}

    def expected(self, isp):
        return {
            "name": "suspended-users",
            "subnet": "172.31.250.0/24",
            "ranges": "172.31.250.10-172.31.250.200",
            "is_protected": True,
            "kind": "suspended",
        }


class TestIPPoolAPIPut(TestIPPoolAPIPatch):
    method = "put"

    def target(self, isp):
        return isp.spare

    def api_update_data(self, isp):
        return {
            "name": "spare-2",
            "subnet": "10.21.0.0/24",
            "ranges": "10.21.0.100-10.21.0.199",
            "kind": "normal",
            "comment": "",
        }

    def expected(self, isp):
        return {"name": "spare-2", "ranges": "10.21.0.100-10.21.0.199", "kind": "normal"}


class TestIPPoolAPIDelete(_Pools, APIDeleteContract):
    url_name = "api:ip-pool-detail"
    audit_action = "ip_pool.deleted"
    events = ("ip_pool.deleted",)

    def target(self, isp):
        return isp.spare


class TestPPPoEProfileAPIList(_Pools, APIListContract):
    url_name = "api:pppoe-profile-list"

    def expected_rows(self, isp):
        return PPPoEProfile.objects.filter(tenant=isp.tenant)


class TestPPPoEProfileAPIDetail(_Pools, APIDetailContract):
    url_name = "api:pppoe-profile-detail"

    def target(self, isp):
        return isp.profile

    def expected_data(self, isp):
        return {
            "name": "10 Mbps",
            "ipv4_pool": isp.pool.pk,
            "ipv6_pool": None,
            "rate_limit": "10M/10M 12M/12M 8M/8M 10/10",
        }


class TestPPPoEProfileAPICreate(_Pools, APICreateContract):
    """Naming our pool from another ISP is a 400 ("does not exist"): nothing anywhere."""

    url_name = "api:pppoe-profile-list"
    model = PPPoEProfile
    audit_action = "pppoe_profile.created"
    events = ("pppoe_profile.created",)

    def target(self, isp):
        return isp.pool

    def api_create_data(self, isp):
        return {
            "name": "50 Mbps",
            "ipv4_pool": isp.pool.pk,
            "ipv6_pool": isp.pool6.pk,
            "rate_limit": "50M/50M",
            "dns_servers": "1.1.1.1",
        }

    def created_lookup(self, isp):
        return {"name": "50 Mbps"}

    def expected(self, isp):
        return {"ipv4_pool": isp.pool, "ipv6_pool": isp.pool6, "rate_limit": "50M/50M"}


class TestPPPoEProfileAPIPatch(_Pools, APIUpdateContract):
    url_name = "api:pppoe-profile-detail"
    audit_action = "pppoe_profile.updated"
    events = ("pppoe_profile.updated",)

    def target(self, isp):
        return isp.profile

    def api_update_data(self, isp):
        return {"rate_limit": "12M/12M", "ipv4_pool": isp.spare.pk}

    def expected(self, isp):
        return {"rate_limit": "12M/12M", "ipv4_pool": isp.spare, "name": "10 Mbps"}


class TestPPPoEProfileAPIPut(TestPPPoEProfileAPIPatch):
    method = "put"

    def api_update_data(self, isp):
        return {
            "name": "10 Mbps",
            "ipv4_pool": isp.pool.pk,
            "ipv6_pool": None,
            "local_address": "",
            "dns_servers": "",
            "rate_limit": "",
            "comment": "no limit",
        }

    def expected(self, isp):
        return {"rate_limit": "", "dns_servers": "", "comment": "no limit"}


class TestPPPoEProfileAPIDelete(_Pools, APIDeleteContract):
    url_name = "api:pppoe-profile-detail"
    audit_action = "pppoe_profile.deleted"
    events = ("pppoe_profile.deleted",)

    def target(self, isp):
        return isp.profile
