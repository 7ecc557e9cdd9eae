"""Every catalog page and endpoint under its contract (netbill.core.testing.contracts).

VAT profiles are company settings (editCompany). Master packages and billing profiles
belong to the whole ISP and only holders of packages.manage (the Group Admin by default)
see or write them, so "other subtree" does not apply to them, except where a billing
profile names operators. Operator packages belong to an operator: operators read their
own subtree's with packages.view; assigning and pricing needs packages.manage.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from netbill.catalog.models import BillingProfile, MasterPackage, OperatorPackage, VATProfile
from netbill.catalog.tests.helpers import (
    make_billing_profile,
    make_master_package,
    make_operator_package,
    make_vat_profile,
)
from netbill.core.testing.contracts import (
    APICreateContract,
    APIDetailContract,
    APIListContract,
    APIUpdateContract,
    CreateViewContract,
    DetailViewContract,
    EditViewContract,
    ListViewContract,
)
from netbill.network.tests.pool_helpers import (
    APIDeleteContract,
    DeleteViewContract,
    make_pool,
    make_profile,
)

pytestmark = pytest.mark.django_db

TENANT_WIDE = "this belongs to the whole ISP, not to an operator's subtree"


def prepare_catalog(isp):
    """Per ISP: pools and a PPPoE profile, two VAT profiles, two billing profiles, two
    master packages (one with FUP) and the first assigned to operators X, Y and X1."""
    isp.pool = make_pool(by=isp.ga, name="pppoe-mirpur", subnet="10.20.0.0/22")
    isp.fup_pool = make_pool(by=isp.ga, name="fup-pool", subnet="10.99.0.0/24", kind="fup")
    isp.profile = make_profile(by=isp.ga, ipv4_pool=isp.pool, name="10 Mbps")
    isp.vat = make_vat_profile(by=isp.ga, name="VAT 5%", rate="5")
    isp.vat_spare = make_vat_profile(by=isp.ga, name="VAT 7.5%", rate="7.5", mode="inclusive")
    isp.billing = make_billing_profile(
        by=isp.ga, name="1st of month", operators=[isp.op_x, isp.op_y]
    )
    isp.billing_spare = make_billing_profile(by=isp.ga, name="15th of month", due_day=15)
    isp.home = make_master_package(
        by=isp.ga,
        name="Home 10 Mbps",
        pppoe_profile=isp.profile,
        vat_profile=isp.vat,
        download_kbps=10_000,
        upload_kbps=5_000,
        price=Decimal("800.00"),
        fup_data_limit_gb=300,
        fup_download_kbps=2_000,
        fup_upload_kbps=1_000,
        fup_pool=isp.fup_pool,
    )
    isp.spare_package = make_master_package(
        by=isp.ga, name="Business 20 Mbps", download_kbps=20_000, upload_kbps=20_000
    )
    isp.opk_x = make_operator_package(
        by=isp.ga,
        operator=isp.op_x,
        master_package=isp.home,
        operator_price="600",
        customer_price="700",
    )
    isp.opk_y = make_operator_package(
        by=isp.ga,
        operator=isp.op_y,
        master_package=isp.home,
        operator_price="650",
        customer_price="700",
    )
    isp.opk_x1 = make_operator_package(
        by=isp.ga,
        operator=isp.sub_x1,
        master_package=isp.home,
        operator_price="620",
        customer_price="700",
    )


class _Catalog:
    def prepare(self, isp):
        prepare_catalog(isp)


class _VAT(_Catalog):
    permission = "editCompany"
    not_applicable = {"other_subtree": TENANT_WIDE}


class _Packages(_Catalog):
    permission = "packages.manage"
    not_applicable = {"other_subtree": TENANT_WIDE}


class _OperatorPackages(_Catalog):
    permission = "packages.manage"
    other_subtree_user = "user_x"

    def target(self, isp):
        return isp.opk_y


#
# VAT profiles: panel
#


class TestVATProfileList(_VAT, ListViewContract):
    url_name = "catalog:vat_profile_list"

    def expected_rows(self, isp):
        return VATProfile.objects.filter(tenant=isp.tenant)

    def check_page(self, response, isp):
        body = response.content.decode()
        assert "<td >7.5</td>" in body or ">7.5<" in body
        assert reverse("catalog:vat_profile_add") in body


class TestVATProfileDetail(_VAT, DetailViewContract):
    url_name = "catalog:vat_profile"

    def target(self, isp):
        return isp.vat

    def check_page(self, response, isp):
        assert list(response.context["packages"]) == [isp.home]


class TestVATProfileCreate(_VAT, CreateViewContract):
    url_name = "catalog:vat_profile_add"
    model = VATProfile
    audit_action = "vat_profile.created"
    events = ("vat_profile.created",)

    def form_data(self, isp):
        return {"name": "Reduced", "rate": "2.2500", "mode": "inclusive", "is_active": "on"}

    def created_lookup(self, isp):
        return {"name": "Reduced"}

    def expected(self, isp):
        return {"rate": Decimal("2.2500"), "mode": "inclusive", "is_active": True}


class TestVATProfileEdit(_VAT, EditViewContract):
    url_name = "catalog:vat_profile_edit"
    audit_action = "vat_profile.updated"
    events = ("vat_profile.updated",)

    def target(self, isp):
        return isp.vat

    def form_data(self, isp):
        return {"name": "VAT 15%", "rate": "15", "mode": "exclusive"}

    def expected(self, isp):
        return {"name": "VAT 15%", "rate": Decimal("15"), "is_active": False}


class TestVATProfileDelete(_VAT, DeleteViewContract):
    url_name = "catalog:vat_profile_delete"
    audit_action = "vat_profile.deleted"
    events = ("vat_profile.deleted",)

    def target(self, isp):
        return isp.vat_spare

    def success_url(self, isp, obj):
        return reverse("catalog:vat_profile_list")


#
# Billing profiles: panel
#


class TestBillingProfileList(_Packages, ListViewContract):
    url_name = "catalog:billing_profile_list"

    def expected_rows(self, isp):
        return BillingProfile.objects.filter(tenant=isp.tenant)

    def check_page(self, response, isp):
        body = response.content.decode()
        assert f"{isp.op_x.name}, {isp.op_y.name}" in body


class TestBillingProfileDetail(_Packages, DetailViewContract):
    url_name = "catalog:billing_profile"

    def target(self, isp):
        return isp.billing

    def check_page(self, response, isp):
        assert response.context["operators"] == [isp.op_x, isp.op_y]


class TestBillingProfileCreate(_Packages, CreateViewContract):
    """Naming an operator beyond reach (another subtree, another ISP) is a form error."""

    url_name = "catalog:billing_profile_add"
    model = BillingProfile
    audit_action = "billing_profile.created"
    events = ("billing_profile.created",)
    not_applicable = {}
    other_subtree_user = "user_x"

    def target(self, isp):
        return isp.op_y

    def form_data(self, isp):
        return {
            "name": "Last day",
            "billing_type": "monthly",
            "due_day": "0",
            "grace_days": "5",
            "auto_billing": "on",
            "operators": [isp.op_y.pk],
        }

    def created_lookup(self, isp):
        return {"name": "Last day"}

    def expected(self, isp):
        return {"due_day": 0, "grace_days": 5, "auto_billing": True, "auto_suspension": False}

    def after_write(self, isp, obj, response):
        assert list(obj.assignments.values_list("operator", flat=True)) == [isp.op_y.pk]


class TestBillingProfileEdit(_Packages, EditViewContract):
    url_name = "catalog:billing_profile_edit"
    audit_action = "billing_profile.updated"
    events = ("billing_profile.updated",)

    def target(self, isp):
        return isp.billing

    def form_data(self, isp):
        return {
            "name": "1st of month",
            "billing_type": "daily",
            "due_day": "28",
            "grace_days": "60",
            "auto_suspension": "on",
            "operators": [isp.sub_x1.pk],
        }

    def expected(self, isp):
        return {"billing_type": "daily", "due_day": 28, "grace_days": 60, "auto_billing": False}

    def after_write(self, isp, obj, response):
        assert list(obj.assignments.values_list("operator", flat=True)) == [isp.sub_x1.pk]


class TestBillingProfileDelete(_Packages, DeleteViewContract):
    url_name = "catalog:billing_profile_delete"
    audit_action = "billing_profile.deleted"
    events = ("billing_profile.deleted",)

    def target(self, isp):
        return isp.billing

    def success_url(self, isp, obj):
        return reverse("catalog:billing_profile_list")


#
# Master packages: panel
#


class TestMasterPackageList(_Packages, ListViewContract):
    url_name = "catalog:master_package_list"

    def expected_rows(self, isp):
        return MasterPackage.objects.filter(tenant=isp.tenant)

    def check_page(self, response, isp):
        body = response.content.decode()
        assert "<code>5M/10M</code>" in body
        assert "300 GB → <code>1M/2M</code>" in body
        assert "800.00" in body


class TestMasterPackageDetail(_Packages, DetailViewContract):
    url_name = "catalog:master_package"

    def target(self, isp):
        return isp.home

    def check_page(self, response, isp):
        body = response.content.decode()
        assert '<code id="rate-limit">5M/10M</code>' in body
        assert '<code id="fup-rate-limit">1M/2M</code>' in body
        assert set(response.context["operator_packages"]) == {isp.opk_x, isp.opk_y, isp.opk_x1}


class TestMasterPackageCreate(_Packages, CreateViewContract):
    """Another ISP naming our PPPoE profile gets a form error; nothing is created."""

    url_name = "catalog:master_package_add"
    model = MasterPackage
    audit_action = "master_package.created"
    events = ("master_package.created",)

    def target(self, isp):
        return isp.profile

    def form_data(self, isp):
        return {
            "name": "Home 25 Mbps",
            "download_kbps": "25000",
            "upload_kbps": "10000",
            "burst_download_kbps": "30000",
            "burst_upload_kbps": "12000",
            "burst_threshold_download_kbps": "20000",
            "burst_threshold_upload_kbps": "8000",
            "burst_time_seconds": "16",
            "price": "1200.50",
            "validity": "days",
            "validity_days": "30",
            "pppoe_profile": isp.profile.pk,
            "connection_types": ["pppoe", "static_ip"],
            "vat_profile": isp.vat.pk,
            "fup_data_limit_gb": "500",
            "fup_download_kbps": "5000",
            "fup_upload_kbps": "2000",
            "fup_pool": isp.fup_pool.pk,
        }

    def created_lookup(self, isp):
        return {"name": "Home 25 Mbps"}

    def expected(self, isp):
        return {
            "price": Decimal("1200.50"),
            "validity_days": 30,
            "connection_types": ["pppoe", "static_ip"],
            "pppoe_profile": isp.profile,
            "fup_pool": isp.fup_pool,
            "vat_profile": isp.vat,
        }

    def after_write(self, isp, obj, response):
        assert obj.rate_limit == "10M/25M 12M/30M 8M/20M 16/16"
        assert obj.fup_rate_limit == "2M/5M"


class TestMasterPackageEdit(_Packages, EditViewContract):
    url_name = "catalog:master_package_edit"
    audit_action = "master_package.updated"
    events = ("master_package.updated",)

    def target(self, isp):
        return isp.home

    def form_data(self, isp):
        return {
            "name": "Home 12 Mbps",
            "download_kbps": "12000",
            "upload_kbps": "12000",
            "price": "900",
            "validity": "monthly",
            "validity_days": "",
            "pppoe_profile": "",
            "connection_types": ["hotspot"],
            "vat_profile": "",
            "fup_data_limit_gb": "",
        }

    def expected(self, isp):
        return {
            "name": "Home 12 Mbps",
            "price": Decimal("900.00"),
            "pppoe_profile": None,
            "connection_types": ["hotspot"],
            "fup_data_limit_gb": None,
            "fup_pool": None,
            "fup_download_kbps": None,
        }


class TestMasterPackageDelete(_Packages, DeleteViewContract):
    url_name = "catalog:master_package_delete"
    audit_action = "master_package.deleted"
    events = ("master_package.deleted",)

    def target(self, isp):
        return isp.spare_package

    def success_url(self, isp, obj):
        return reverse("catalog:master_package_list")


#
# Operator packages: panel
#


class TestOperatorPackageList(_OperatorPackages, ListViewContract):
    url_name = "catalog:operator_package_list"
    permission = "packages.view"

    def target(self, isp):
        return None

    def expected_rows(self, isp):
        return [isp.opk_x, isp.opk_y, isp.opk_x1]

    def other_subtree_rows(self, isp):
        return [isp.opk_x, isp.opk_x1]

    def check_page(self, response, isp):
        body = response.content.decode()
        assert "650.00" in body
        assert reverse("catalog:operator_package_add") in body

    def test_operator_sees_its_packages_read_only(self, client, isp):
        self.ready(isp)
        client.force_login(isp.user_x)
        body = client.get(self.url_for(isp)).content.decode()
        assert reverse("catalog:operator_package_add") not in body
        assert "650.00" not in body  # operator Y's price


class TestOperatorPackageDetail(_OperatorPackages, DetailViewContract):
    url_name = "catalog:operator_package"
    permission = "packages.view"
    allowed = "user_y"

    def check_page(self, response, isp):
        body = response.content.decode()
        assert '<dd class="col-sm-8" id="operator-price">650.00</dd>' in body
        assert reverse("catalog:operator_package_edit", args=[isp.opk_y.pk]) not in body


class TestOperatorPackageCreate(_OperatorPackages, CreateViewContract):
    """The operator is the node the package hangs under: from another subtree or ISP
    it is "not a valid choice" and nothing is created."""

    url_name = "catalog:operator_package_add"
    model = OperatorPackage
    audit_action = "operator_package.assigned"
    events = ("operator_package.assigned",)

    def form_data(self, isp):
        return {
            "operator": isp.op_y.pk,
            "master_package": isp.spare_package.pk,
            "operator_price": "2000",
            "customer_price": "2500.00",
        }

    def created_lookup(self, isp):
        return {"master_package__name": "Business 20 Mbps"}

    def expected(self, isp):
        return {
            "operator": isp.op_y,
            "operator_price": Decimal("2000.00"),
            "customer_price": Decimal("2500.00"),
        }


class TestOperatorPackageEdit(_OperatorPackages, EditViewContract):
    url_name = "catalog:operator_package_edit"
    audit_action = "operator_package.updated"
    events = ("operator_package.updated",)

    def form_data(self, isp):
        return {"operator_price": "700", "customer_price": "700"}

    def expected(self, isp):
        return {
            "operator": isp.op_y,
            "master_package": isp.home,
            "operator_price": Decimal("700.00"),
            "customer_price": Decimal("700.00"),
        }


class TestOperatorPackageDelete(_OperatorPackages, DeleteViewContract):
    url_name = "catalog:operator_package_delete"
    audit_action = "operator_package.deleted"
    events = ("operator_package.deleted",)

    def success_url(self, isp, obj):
        return reverse("catalog:operator_package_list")


#
# API: VAT profiles
#


class TestVATProfileAPIList(_VAT, APIListContract):
    url_name = "api:vat-profile-list"

    def expected_rows(self, isp):
        return VATProfile.objects.filter(tenant=isp.tenant)

    def check_page(self, response, isp):
        rates = {p["name"]: p["rate"] for p in response.json()["results"]}
        assert rates == {"VAT 5%": "5.0000", "VAT 7.5%": "7.5000"}


class TestVATProfileAPIDetail(_VAT, APIDetailContract):
    url_name = "api:vat-profile-detail"

    def target(self, isp):
        return isp.vat

    def expected_data(self, isp):
        return {"name": "VAT 5%", "rate": "5.0000", "mode": "exclusive", "is_active": True}


class TestVATProfileAPICreate(_VAT, APICreateContract):
    url_name = "api:vat-profile-list"
    model = VATProfile
    audit_action = "vat_profile.created"
    events = ("vat_profile.created",)

    def api_create_data(self, isp):
        return {"name": "Zero", "rate": "0", "mode": "exclusive"}

    def created_lookup(self, isp):
        return {"name": "Zero"}

    def expected(self, isp):
        return {"rate": Decimal("0"), "is_active": True}


class TestVATProfileAPIPatch(_VAT, APIUpdateContract):
    url_name = "api:vat-profile-detail"
    audit_action = "vat_profile.updated"
    events = ("vat_profile.updated",)

    def target(self, isp):
        return isp.vat

    def api_update_data(self, isp):
        return {"rate": "7.5125", "is_active": False}

    def expected(self, isp):
        return {"name": "VAT 5%", "rate": Decimal("7.5125"), "is_active": False}


class TestVATProfileAPIPut(TestVATProfileAPIPatch):
    method = "put"

    def api_update_data(self, isp):
        return {"name": "VAT 10%", "rate": "10", "mode": "inclusive", "is_active": True}

    def expected(self, isp):
        return {"name": "VAT 10%", "rate": Decimal("10"), "mode": "inclusive"}


class TestVATProfileAPIDelete(_VAT, APIDeleteContract):
    url_name = "api:vat-profile-detail"
    audit_action = "vat_profile.deleted"
    events = ("vat_profile.deleted",)

    def target(self, isp):
        return isp.vat_spare


#
# API: billing profiles
#


class TestBillingProfileAPIList(_Packages, APIListContract):
    url_name = "api:billing-profile-list"

    def expected_rows(self, isp):
        return BillingProfile.objects.filter(tenant=isp.tenant)


class TestBillingProfileAPIDetail(_Packages, APIDetailContract):
    url_name = "api:billing-profile-detail"

    def target(self, isp):
        return isp.billing

    def expected_data(self, isp):
        return {
            "name": "1st of month",
            "billing_type": "monthly",
            "due_day": 1,
            "grace_days": 3,
            "operators": sorted([isp.op_x.pk, isp.op_y.pk]),
        }


class TestBillingProfileAPICreate(_Packages, APICreateContract):
    url_name = "api:billing-profile-list"
    model = BillingProfile
    audit_action = "billing_profile.created"
    events = ("billing_profile.created",)
    not_applicable = {}
    other_subtree_user = "user_x"

    def target(self, isp):
        return isp.op_y

    def api_create_data(self, isp):
        return {
            "name": "Daily",
            "billing_type": "daily",
            "due_day": 10,
            "grace_days": 0,
            "auto_billing": True,
            "auto_suspension": False,
            "operators": [isp.op_y.pk],
        }

    def created_lookup(self, isp):
        return {"name": "Daily"}

    def expected(self, isp):
        return {"billing_type": "daily", "due_day": 10, "auto_suspension": False}


class TestBillingProfileAPIPatch(_Packages, APIUpdateContract):
    url_name = "api:billing-profile-detail"
    audit_action = "billing_profile.updated"
    events = ("billing_profile.updated",)

    def target(self, isp):
        return isp.billing_spare

    def api_update_data(self, isp):
        return {"grace_days": 7, "operators": [isp.op_x.pk]}

    def expected(self, isp):
        return {"grace_days": 7, "due_day": 15}


class TestBillingProfileAPIPut(TestBillingProfileAPIPatch):
    method = "put"

    def api_update_data(self, isp):
        return {
            "name": "Free",
            "billing_type": "free",
            "due_day": 0,
            "grace_days": 0,
            "auto_billing": False,
            "auto_suspension": False,
        }

    def expected(self, isp):
        return {"name": "Free", "billing_type": "free", "due_day": 0, "auto_billing": False}


class TestBillingProfileAPIDelete(_Packages, APIDeleteContract):
    url_name = "api:billing-profile-detail"
    audit_action = "billing_profile.deleted"
    events = ("billing_profile.deleted",)

    def target(self, isp):
        return isp.billing_spare


#
# API: master packages
#


class TestMasterPackageAPIList(_Packages, APIListContract):
    url_name = "api:master-package-list"

    def expected_rows(self, isp):
        return MasterPackage.objects.filter(tenant=isp.tenant)


class TestMasterPackageAPIDetail(_Packages, APIDetailContract):
    url_name = "api:master-package-detail"

    def target(self, isp):
        return isp.home

    def expected_data(self, isp):
        return {
            "name": "Home 10 Mbps",
            "price": "800.00",
            "rate_limit": "5M/10M",
            "fup_rate_limit": "1M/2M",
            "connection_types": ["pppoe"],
            "pppoe_profile": isp.profile.pk,
            "fup_pool": isp.fup_pool.pk,
            "vat_profile": isp.vat.pk,
        }


class TestMasterPackageAPICreate(_Packages, APICreateContract):
    """Another ISP naming our VAT profile is a 400 ("does not exist"): nothing anywhere."""

    url_name = "api:master-package-list"
    model = MasterPackage
    audit_action = "master_package.created"
    events = ("master_package.created",)

    def target(self, isp):
        return isp.vat

    def api_create_data(self, isp):
        return {
            "name": "Hotspot 3 Mbps",
            "download_kbps": 3000,
            "upload_kbps": 1000,
            "price": "150.00",
            "validity": "days",
            "validity_days": 7,
            "connection_types": ["hotspot"],
            "vat_profile": isp.vat.pk,
        }

    def created_lookup(self, isp):
        return {"name": "Hotspot 3 Mbps"}

    def expected(self, isp):
        return {"price": Decimal("150.00"), "validity_days": 7, "vat_profile": isp.vat}


class TestMasterPackageAPIPatch(_Packages, APIUpdateContract):
    url_name = "api:master-package-detail"
    audit_action = "master_package.updated"
    events = ("master_package.updated",)

    def target(self, isp):
        return isp.home

    def api_update_data(self, isp):
        return {"price": "850.00", "fup_data_limit_gb": 400}

    def expected(self, isp):
        return {"price": Decimal("850.00"), "fup_data_limit_gb": 400, "fup_pool": isp.fup_pool}


class TestMasterPackageAPIPut(TestMasterPackageAPIPatch):
    method = "put"

    def target(self, isp):
        return isp.spare_package

    def api_update_data(self, isp):
        return {
            "name": "Business 30 Mbps",
            "download_kbps": 30000,
            "upload_kbps": 30000,
            "price": "3000",
            "validity": "monthly",
            "connection_types": ["static_ip", "other"],
        }

    def expected(self, isp):
        return {"name": "Business 30 Mbps", "connection_types": ["static_ip", "other"]}


class TestMasterPackageAPIDelete(_Packages, APIDeleteContract):
    url_name = "api:master-package-detail"
    audit_action = "master_package.deleted"
    events = ("master_package.deleted",)

    def target(self, isp):
        return isp.spare_package


#
# API: operator packages
#


class TestOperatorPackageAPIList(_OperatorPackages, APIListContract):
    url_name = "api:operator-package-list"
    permission = "packages.view"

    def target(self, isp):
        return None

    expected_rows = TestOperatorPackageList.expected_rows
    other_subtree_rows = TestOperatorPackageList.other_subtree_rows

    def check_page(self, response, isp):
        prices = {p["id"]: p["operator_price"] for p in response.json()["results"]}
        assert prices[isp.opk_y.pk] == "650.00"


class TestOperatorPackageAPIDetail(_OperatorPackages, APIDetailContract):
    url_name = "api:operator-package-detail"
    permission = "packages.view"
    allowed = "user_y"

    def expected_data(self, isp):
        return {
            "operator": isp.op_y.pk,
            "master_package": isp.home.pk,
            "operator_price": "650.00",
            "customer_price": "700.00",
            "rate_limit": "5M/10M",
        }


class TestOperatorPackageAPICreate(_OperatorPackages, APICreateContract):
    url_name = "api:operator-package-list"
    model = OperatorPackage
    audit_action = "operator_package.assigned"
    events = ("operator_package.assigned",)

    def api_create_data(self, isp):
        return {
            "operator": isp.op_y.pk,
            "master_package": isp.spare_package.pk,
            "operator_price": "2000.00",
            "customer_price": "2500.00",
        }

    created_lookup = TestOperatorPackageCreate.created_lookup
    expected = TestOperatorPackageCreate.expected


class TestOperatorPackageAPIPatch(_OperatorPackages, APIUpdateContract):
    url_name = "api:operator-package-detail"
    audit_action = "operator_package.updated"
    events = ("operator_package.updated",)

    def api_update_data(self, isp):
        # The operator cannot be moved: the field is read-only and ignored.
        return {"customer_price": "999.99", "operator": isp.op_x.pk}

    def expected(self, isp):
        return {"operator": isp.op_y, "customer_price": Decimal("999.99")}


class TestOperatorPackageAPIPut(TestOperatorPackageAPIPatch):
    method = "put"

    def api_update_data(self, isp):
        return {"operator_price": "100", "customer_price": "150"}

    def expected(self, isp):
        return {"operator_price": Decimal("100.00"), "customer_price": Decimal("150.00")}


class TestOperatorPackageAPIDelete(_OperatorPackages, APIDeleteContract):
    url_name = "api:operator-package-detail"
    audit_action = "operator_package.deleted"
    events = ("operator_package.deleted",)
