"""Builders for customer-settings tests (through the services), and the rows the crawlers
need."""

from django_scopes import scope

from netbill.core.testing.people import fresh_user
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


def add_customer_settings_rows(isp, label="Alpha secret"):
    """One zone, one custom field and the mandatory attributes row in `isp`, so that
    every customer-settings URL has a pk to crawl with."""
    make_zone(by=isp.ga, name=f"{label} zone", description=f"{label} zone")
    make_custom_field(
        by=isp.ga, name=f"{label} field", field_type="dropdown", choices=[f"{label} choice"]
    )
    set_mandatory_attributes(by=isp.ga, required=["address", "zone"])
