"""Builders for customer-settings tests (through the services), and the rows the crawlers
need."""

import itertools
from types import SimpleNamespace

from django_scopes import scope

from netbill.catalog.tests.helpers import (
    make_billing_profile,
    make_master_package,
    make_operator_package,
)
from netbill.core.testing.people import fresh_user
from netbill.network.tests.pool_helpers import make_pool, make_profile
from netbill.tenancy.tests.helpers import make_zone

from .. import services


def make_custom_field(*, by, name, field_type="text", **values):
    user = fresh_user(by)
    with scope(tenant=user.tenant_id):
        return services.custom_field_create(by=user, name=name, field_type=field_type, **values)


def set_mandatory_attributes(*, by, required):
    user = fresh_user(by)
    with scope(tenant=user.tenant_id):
        return services.mandatory_attributes_update(by=user, required=required)


def add_customer_settings_rows(isp, label="Alpha secret", price=None):
    """One zone, one custom field and the mandatory attributes row in `isp`, then a
    customer (custom price `price`) with a RADIUS session and a CoA attempt, so that
    every customer URL has a pk to crawl with."""
    zone = make_zone(by=isp.ga, name=f"{label} zone", description=f"{label} zone")
    make_custom_field(
        by=isp.ga, name=f"{label} field", field_type="dropdown", choices=[f"{label} choice"]
    )
    set_mandatory_attributes(by=isp.ga, required=["address", "zone"])
    add_customer_rows(isp, label, zone=zone, price=price)


def add_customer_rows(isp, label="Alpha secret", *, zone=None, price=None):
    """A customer of operator X (with its package and billing profile), one RADIUS
    session of it and one CoA attempt."""
    import datetime

    from django.utils import timezone

    from netbill.radius.models import CoAAttempt, RadiusAccounting

    slug = "".join(c for c in label.lower() if c.isalnum())[:12] or "crawl"
    setup = customer_setup(isp, pool_subnet="10.79.0.0/24", label=f"{label} cust")
    customer = make_customer(
        by=isp.ga,
        setup=setup,
        name=f"{label} customer",
        username=f"{slug}-customer",
        address=f"{label} address",
        zone=zone,
        custom_price=price,
    )
    now = timezone.now()
    with scope(tenant=isp.tenant.pk):
        RadiusAccounting.objects.create(
            tenant=isp.tenant,
            session_id=f"{slug}-81a00001",
            unique_id=f"{slug}-unique-1",
            username=customer.username,
            nas_ip_address="127.0.0.1",
            start_time=now - datetime.timedelta(hours=1),
            update_time=now,
            input_octets=1_000_000,
            output_octets=9_000_000,
            framed_ip_address="10.60.0.20",
        )
        CoAAttempt.objects.create(
            tenant=isp.tenant,
            username=customer.username,
            nas_address="127.0.0.1",
            session_id=f"{slug}-81a00001",
            kind=CoAAttempt.Kind.DISCONNECT,
            outcome=CoAAttempt.Outcome.ACK,
            reason="suspended",
        )
    add_customer_job(isp, label)
    # An Excel import waiting at its mapping step (the wizard's pages take its pk).
    from .import_helpers import make_import_job

    make_import_job(isp, isp.user_x, title=f"{label} import")
    # A Bulk Update Users file of the Group Admin, waiting to be applied.
    import io

    import openpyxl
    from django.core.files.base import ContentFile

    from netbill.core.jobs import job_create

    book = openpyxl.Workbook()
    book.active.append(["username", "address"])
    book.active.append([customer.username, f"{label} new address"])
    data = io.BytesIO()
    book.save(data)
    with scope(tenant=isp.tenant.pk):
        job_create(
            by=fresh_user(isp.ga),
            kind="customers.bulk_users",
            title=f"{label} bulk users",
            params={"filename": "changes.xlsx"},
            input_file=ContentFile(data.getvalue(), name="changes.xlsx"),
        )
    return customer


def add_customer_job(isp, label="Alpha secret"):
    """A finished customers job of operator X, with a result file (job pages and the
    file download have a pk to crawl with)."""
    from netbill.core.jobs import job_create, job_running

    with scope(tenant=isp.tenant.pk):
        job = job_create(by=fresh_user(isp.user_x), kind="customers.import", title=f"{label} job")
        with job_running(job.pk) as handle:
            handle.set_total(1)
            handle.advance(1)
            handle.finish(
                message=f"{label} result",
                result={"created": 1},
                result_file=("rejected-rows.csv", f"{label} file".encode()),
            )
    return job


_customer_seq = itertools.count(1)


def customer_setup(isp, *, operator=None, fup=True, pool_subnet="10.60.0.0/22", label="Home"):
    """A package ready to sell in `isp`: a pool and PPPoE profile, a master package (with
    FUP: 100 GB then 2M/2M), `operator`'s operator package (operator X by default) and a
    billing profile assigned to the operator. Returns a namespace."""
    operator = operator or isp.op_x
    pool_name = "".join(c if c.isalnum() else "-" for c in label.lower()).strip("-")
    pool = make_pool(by=isp.ga, name=f"{pool_name}-pool", subnet=pool_subnet)
    profile = make_profile(by=isp.ga, ipv4_pool=pool, name=f"{label} profile")
    fup_values = (
        {"fup_data_limit_gb": 100, "fup_download_kbps": 2_000, "fup_upload_kbps": 2_000}
        if fup
        else {}
    )
    master = make_master_package(
        by=isp.ga,
        name=f"{label} 10M",
        pppoe_profile=profile,
        connection_types=["pppoe", "hotspot", "static_ip", "other"],
        **fup_values,
    )
    package = make_operator_package(by=isp.ga, operator=operator, master_package=master)
    billing = make_billing_profile(by=isp.ga, name=f"{label} monthly", operators=[operator])
    return SimpleNamespace(
        pool=pool, profile=profile, master=master, package=package, billing=billing
    )


def customer_values(setup, operator, **overrides):
    n = next(_customer_seq)
    values = {
        "name": f"Customer {n}",
        "mobile": f"0171{n:07d}"[:11],
        "operator": operator,
        "connection_type": "pppoe",
        "username": f"user{n}",
        "password": f"pw-{n}",
        "package": setup.package,
        "billing_profile": setup.billing,
    }
    values.update(overrides)
    return values


def make_customer(*, by, setup, operator=None, **overrides):
    """A customer created through the service (committed on-commit callbacks run)."""
    user = fresh_user(by)
    operator = operator or setup.package.operator
    with scope(tenant=user.tenant_id):
        return services.customer_create(by=user, **customer_values(setup, operator, **overrides))
