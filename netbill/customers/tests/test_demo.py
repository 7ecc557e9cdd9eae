"""The demo ISP's customer settings (seed_demo): zones, custom fields, mandatory fields."""

import io

import pytest
from django.core.management import call_command

from conftest import in_scope
from netbill.customers.models import CustomField, MandatoryAttributes
from netbill.demo.management.commands import seed_demo
from netbill.tenancy.models import Tenant, Zone

pytestmark = pytest.mark.django_db


def test_the_demo_has_customer_settings():
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    tenant = Tenant.objects.get(slug=seed_demo.DEMO_SLUG)
    with in_scope(tenant):
        assert list(Zone.objects.values_list("name", flat=True)) == [
            "Mirpur-10",
            "Mirpur-2",
            "Uttara Sector 10",
            "Uttara Sector 7",
        ]
        fields = [
            (f.name, f.key, f.field_type, f.choices, f.mandatory) for f in CustomField.objects.all()
        ]
        assert fields == [
            ("Building / flat", "building_flat", "text", [], True),
            ("ONU serial", "onu_serial", "text", [], False),
            ("Preferred bill day", "preferred_bill_day", "dropdown", ["1", "10", "20"], False),
        ]
        assert MandatoryAttributes.objects.get().required == ["address", "zone"]
