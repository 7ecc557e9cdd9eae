"""Builders for catalog tests (through the services), and the rows the crawlers need."""

import itertools
from decimal import Decimal

from django_scopes import scope

from netbill.core.testing.people import fresh_user
from netbill.network.tests.pool_helpers import make_pool, make_profile

from .. import services

_seq = itertools.count(1)


def make_vat_profile(*, by, name=None, rate="5", mode="exclusive", is_active=True):
    user = fresh_user(by)
    with scope(tenant=user.tenant_id):
        return services.vat_profile_create(
            by=user,
            name=name or f"VAT {next(_seq)}",
            rate=Decimal(rate),
            mode=mode,
            is_active=is_active,
        )


def make_billing_profile(*, by, name=None, operators=(), **fields):
    values = {"billing_type": "monthly", "due_day": 1, "grace_days": 3}
    values.update(fields)
    user = fresh_user(by)
    with scope(tenant=user.tenant_id):
        return services.billing_profile_create(
            by=user, name=name or f"Billing {next(_seq)}", operators=list(operators), **values
        )


def make_master_package(*, by, name=None, pppoe_profile=None, **fields):
    values = {
        "download_kbps": 10_000,
        "upload_kbps": 10_000,
        "price": Decimal("800.00"),
        "validity": "monthly",
        "connection_types": ["pppoe"] if pppoe_profile is not None else ["hotspot"],
    }
    values.update(fields)
    user = fresh_user(by)
    with scope(tenant=user.tenant_id):
        return services.master_package_create(
            by=user, name=name or f"Package {next(_seq)}", pppoe_profile=pppoe_profile, **values
        )


def make_operator_package(
    *, by, operator, master_package, operator_price="400", customer_price="600"
):
    user = fresh_user(by)
    with scope(tenant=user.tenant_id):
        return services.operator_package_assign(
            by=user,
            operator=operator,
            master_package=master_package,
            operator_price=Decimal(operator_price),
            customer_price=Decimal(customer_price),
        )


def add_catalog_rows(isp, label="Alpha secret", price="800.00"):
    """One row of every catalog model in `isp` (prices `price`), so that every catalog
    URL has a pk to crawl with."""
    pool = make_pool(by=isp.ga, name="crawl-fup", subnet="10.78.0.0/24", kind="fup")
    profile = make_profile(by=isp.ga, ipv4_pool=pool, name=f"{label} package profile")
    vat = make_vat_profile(by=isp.ga, name=f"{label} VAT")
    make_billing_profile(by=isp.ga, name=f"{label} billing", operators=[isp.op_x])
    package = make_master_package(
        by=isp.ga,
        name=f"{label} package",
        pppoe_profile=profile,
        vat_profile=vat,
        price=Decimal(price),
        fup_data_limit_gb=100,
        fup_download_kbps=2_000,
        fup_upload_kbps=2_000,
        fup_pool=pool,
    )
    make_operator_package(
        by=isp.ga,
        operator=isp.op_x,
        master_package=package,
        operator_price=price,
        customer_price=price,
    )
    return package
