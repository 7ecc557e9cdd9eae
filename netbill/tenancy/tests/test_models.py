"""tenancy.models: the tenant's defaults and validation."""

import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from netbill.tenancy.forms import CompanyForm, time_zone_choices
from netbill.tenancy.models import Tenant, logo_path, validate_time_zone


def test_defaults_of_a_new_tenant(db):
    tenant = Tenant.objects.create(name="Gamma Net", slug="gamma")
    tenant.refresh_from_db()
    assert tenant.currency == "BDT"
    assert tenant.time_zone == "Asia/Dhaka"
    assert tenant.zone == zoneinfo.ZoneInfo("Asia/Dhaka")
    assert tenant.invoice_prefix == "INV"
    assert tenant.is_active is True
    assert tenant.logo.name == ""
    assert str(tenant) == "Gamma Net"
    assert tenant.get_absolute_url() == f"/platform/tenants/{tenant.pk}/"


def test_logo_path_carries_the_tenant_id():
    tenant = Tenant(pk=42)
    assert logo_path(tenant, "My Logo.PNG") == "tenants/42/logo.png"
    assert logo_path(tenant, "logo.jpeg") == "tenants/42/logo.jpeg"
    assert logo_path(tenant, "noextension") == "tenants/42/logo.png"


def test_validate_time_zone():
    validate_time_zone("Asia/Dhaka")
    validate_time_zone("UTC")
    with pytest.raises(ValidationError) as exc:
        validate_time_zone("Asia/Narnia")
    assert exc.value.messages == ["Unknown time zone Asia/Narnia."]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("currency", "bdt", "Use a three-letter ISO code, e.g. BDT."),
        ("currency", "BD", "Use a three-letter ISO code, e.g. BDT."),
        ("invoice_prefix", "INV/", "Letters, digits and dashes only."),
        ("email", "x@", "Enter a valid email address."),
    ],
)
def test_model_validation(db, field, value, message):
    tenant = Tenant(name="Gamma", slug="gamma", **{field: value})
    with pytest.raises(ValidationError) as exc:
        tenant.full_clean()
    assert exc.value.message_dict == {field: [message]}


def test_slug_is_unique(db):
    Tenant.objects.create(name="A", slug="same")
    with pytest.raises(ValidationError) as exc:
        Tenant(name="B", slug="same").full_clean()
    assert exc.value.message_dict == {"slug": ["Tenant with this Short name already exists."]}


def test_time_zone_choices_are_real_region_zones():
    choices = dict(time_zone_choices())
    assert choices["Asia/Dhaka"] == "Asia/Dhaka"
    assert "UTC" not in choices
    assert all(zone in zoneinfo.available_timezones() for zone in choices)
    assert list(choices) == sorted(choices)


def test_company_form_reports_only_changes(db):
    tenant = Tenant.objects.create(name="Gamma", slug="gamma")
    data = {
        "name": "Gamma",
        "address": "",
        "phone": "",
        "email": "",
        "website": "",
        "currency": "BDT",
        "time_zone": "Asia/Dhaka",
        "invoice_prefix": "GAM",
        "invoice_footer": "",
        "btrc_licence_no": "",
    }
    form = CompanyForm(data, instance=tenant)
    assert form.is_valid(), form.errors
    assert form.changes() == {"invoice_prefix": "GAM"}
    # Lower case is taken, upper-cased.
    form = CompanyForm({**data, "currency": "usd"}, instance=Tenant.objects.get(pk=tenant.pk))
    assert form.is_valid(), form.errors
    assert form.changes() == {"invoice_prefix": "GAM", "currency": "USD"}
