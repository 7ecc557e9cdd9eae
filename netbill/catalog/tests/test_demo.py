"""The demo ISP's catalog (seed_demo): VAT, billing profiles, packages and prices."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from conftest import in_scope
from netbill.catalog.models import BillingProfile, MasterPackage, OperatorPackage, VATProfile
from netbill.demo.management.commands import seed_demo
from netbill.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_catalog():
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    tenant = Tenant.objects.get(slug=seed_demo.DEMO_SLUG)
    with in_scope(tenant):
        vat = VATProfile.objects.get()
        assert (vat.name, vat.rate, vat.mode) == ("VAT 5%", Decimal("5.0000"), "exclusive")
        assert {p.name: (p.due_day, p.grace_days) for p in BillingProfile.objects.all()} == {
            "1st of month": (1, 5),
            "15th of month": (15, 5),
            "Month end": (0, 7),
            "Daily (from balance)": (1, 2),
            "Prepaid validity": (1, 0),
        }
        packages = {p.name: p for p in MasterPackage.objects.select_related("fup_pool")}
        assert {n: (p.price, p.rate_limit) for n, p in packages.items()} == {
            "Home 5 Mbps": (Decimal("500.00"), "5M/5M"),
            "Home 10 Mbps": (Decimal("800.00"), "10M/10M 12M/12M 8M/8M 10/10"),
            "Business 20 Mbps": (Decimal("2500.00"), "20M/20M"),
        }
        home10 = packages["Home 10 Mbps"]
        assert (home10.fup_data_limit_gb, home10.fup_rate_limit, home10.fup_pool.name) == (
            300,
            "2M/2M",
            "fup-pool",
        )
        shelf = {
            (o.operator.name, o.master_package.name): (o.operator_price, o.customer_price)
            for o in OperatorPackage.objects.select_related("operator", "master_package")
        }
        assert shelf[("Mirpur Link", "Home 10 Mbps")] == (Decimal("650.00"), Decimal("800.00"))
        assert shelf[("Uttara Net", "Business 20 Mbps")] == (Decimal("2100.00"), Decimal("2500.00"))
        assert len(shelf) == 6  # + the sub-operator's Home 5 Mbps (demo customers)
