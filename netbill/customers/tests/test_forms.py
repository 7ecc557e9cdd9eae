"""custom_field_formfields: the ISP's active custom fields as form fields."""

import datetime
from decimal import Decimal

import pytest
from django import forms

from conftest import in_scope
from netbill.customers.forms import custom_field_formfields

from .helpers import make_custom_field

pytestmark = pytest.mark.django_db


def test_active_fields_become_form_fields_in_order(isp, other_isp):
    make_custom_field(by=isp.ga, name="Building / flat", mandatory=True, order=1)
    make_custom_field(by=isp.ga, name="ONU serial", order=2)
    make_custom_field(
        by=isp.ga, name="Preferred bill day", field_type="dropdown", choices=["1", "10", "20"]
    )
    make_custom_field(by=isp.ga, name="Meter", field_type="number", order=3)
    make_custom_field(by=isp.ga, name="Contract date", field_type="date", order=4)
    make_custom_field(by=isp.ga, name="Old", is_active=False, order=5)
    make_custom_field(by=other_isp.ga, name="Tower")
    with in_scope(isp.tenant):
        fields = custom_field_formfields(isp.tenant)
    assert list(fields) == [
        "cf_preferred_bill_day",
        "cf_building_flat",
        "cf_onu_serial",
        "cf_meter",
        "cf_contract_date",
    ]
    assert [type(f) for f in fields.values()] == [
        forms.ChoiceField,
        forms.CharField,
        forms.CharField,
        forms.DecimalField,
        forms.DateField,
    ]
    assert [f.required for f in fields.values()] == [False, True, False, False, False]
    assert fields["cf_building_flat"].label == "Building / flat"
    assert fields["cf_preferred_bill_day"].choices == [
        ("", "---------"),
        ("1", "1"),
        ("10", "10"),
        ("20", "20"),
    ]


def test_a_form_built_from_them_validates(isp):
    make_custom_field(by=isp.ga, name="Building / flat", mandatory=True)
    make_custom_field(by=isp.ga, name="Day", field_type="dropdown", choices=["1", "10"])
    make_custom_field(by=isp.ga, name="Meter", field_type="number")
    make_custom_field(by=isp.ga, name="Since", field_type="date")
    with in_scope(isp.tenant):
        fields = custom_field_formfields(isp.tenant)
    form_class = type("CustomerForm", (forms.Form,), dict(fields))
    empty = form_class(data={})
    assert not empty.is_valid()
    assert list(empty.errors) == ["cf_building_flat"]
    bad = form_class(data={"cf_building_flat": "7A", "cf_day": "15", "cf_meter": "x"})
    assert set(bad.errors) == {"cf_day", "cf_meter"}
    good = form_class(
        data={
            "cf_building_flat": "7A",
            "cf_day": "10",
            "cf_meter": "12.5",
            "cf_since": "2026-01-31",
        }
    )
    assert good.is_valid(), good.errors
    assert good.cleaned_data == {
        "cf_building_flat": "7A",
        "cf_day": "10",
        "cf_meter": Decimal("12.5"),
        "cf_since": datetime.date(2026, 1, 31),
    }
