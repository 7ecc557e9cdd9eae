"""tenancy zone services: Customers → Customer Zones. Every refusal leaves both ISPs
unchanged (nothing_changes: no row, no event)."""

import pytest

from conftest import in_scope
from netbill.core.exceptions import BusinessRuleError
from netbill.core.models import AuditLog
from netbill.core.testing.people import fresh_user, set_codes
from netbill.core.testing.state import nothing_changes
from netbill.tenancy import services
from netbill.tenancy.models import Zone

from .helpers import make_zone

pytestmark = pytest.mark.django_db


def refused(isp, *tenants, call, by=None, **values):
    user = fresh_user(by or isp.ga)
    with (
        nothing_changes(isp.tenant, *tenants, what="refused"),
        pytest.raises(BusinessRuleError) as exc,
        in_scope(user.tenant_id),
    ):
        call(by=user, **values)
    return exc.value.message_dict if hasattr(exc.value, "error_dict") else exc.value.messages


def test_create_a_zone(isp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        zone = make_zone(by=isp.ga, name="  Mirpur   10 ", description=" Road 1-12 ")
    assert len(callbacks) == 1
    assert (zone.name, zone.description, zone.is_active) == ("Mirpur 10", "Road 1-12", True)
    assert zone.tenant_id == isp.tenant.pk
    with in_scope(isp.tenant):
        entry = AuditLog.objects.get(action="zone.created")
    assert entry.object_id == str(zone.pk)
    assert entry.after == {"name": "Mirpur 10", "description": "Road 1-12", "is_active": True}


def test_names_are_unique_per_isp_ignoring_case(isp, other_isp):
    make_zone(by=isp.ga, name="Mirpur-10")
    errors = refused(isp, other_isp.tenant, call=services.zone_create, name="mirpur-10")
    assert errors == {"name": ["A zone named “mirpur-10” already exists."]}
    # Another ISP may use the same name.
    other = make_zone(by=other_isp.ga, name="Mirpur-10")
    assert other.tenant_id == other_isp.tenant.pk


def test_a_name_is_required_and_short(isp):
    assert refused(isp, call=services.zone_create, name="  ") == {"name": ["Enter a name."]}
    assert refused(isp, call=services.zone_create, name="x" * 65) == {
        "name": ["At most 64 characters."]
    }


def test_only_holders_of_zones_manage_write(isp):
    operator = set_codes(fresh_user(isp.user_x), revoke=["zones.manage"])
    assert refused(isp, call=services.zone_create, by=operator, name="Uttara") == [
        "You do not have permission to do this."
    ]


def test_the_group_admin_defines_zones_operators_do_not_by_default(isp):
    assert "zones.manage" in fresh_user(isp.ga).permission_codes
    assert "zones.manage" not in fresh_user(isp.user_x).permission_codes


def test_update_renames_and_audits(isp):
    zone = make_zone(by=isp.ga, name="Uttara 7")
    make_zone(by=isp.ga, name="Uttara 10")
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        updated = services.zone_update(
            zone=zone, by=ga, data={"name": "Uttara Sector 7", "is_active": False}
        )
        entry = AuditLog.objects.get(action="zone.updated")
    assert (updated.name, updated.is_active) == ("Uttara Sector 7", False)
    assert entry.before["name"] == "Uttara 7" and entry.after["name"] == "Uttara Sector 7"
    with in_scope(isp.tenant), pytest.raises(BusinessRuleError) as exc:
        services.zone_update(zone=zone, by=ga, data={"name": "uttara 10"})
    assert exc.value.message_dict == {"name": ["A zone named “uttara 10” already exists."]}
    with in_scope(isp.tenant), pytest.raises(BusinessRuleError):
        services.zone_update(zone=zone, by=ga, data={"tenant_id": 1})


def test_delete(isp):
    zone = make_zone(by=isp.ga, name="Mirpur-2")
    with in_scope(isp.tenant):
        services.zone_delete(zone=zone, by=fresh_user(isp.ga))
        assert not Zone.objects.filter(pk=zone.pk).exists()
        assert AuditLog.objects.filter(action="zone.deleted", object_id=str(zone.pk)).exists()


def test_zones_are_scoped_to_the_isp(isp, other_isp):
    mine = make_zone(by=isp.ga, name="Mirpur-10")
    make_zone(by=other_isp.ga, name="Gulshan")
    with in_scope(isp.tenant):
        assert list(Zone.objects.all()) == [mine]


def test_a_zone_customers_use_cannot_be_deleted(isp):
    from netbill.customers.tests.helpers import customer_setup, make_customer

    zone = make_zone(by=isp.ga, name="Mirpur-11")
    setup = customer_setup(isp)
    make_customer(by=isp.ga, setup=setup, zone=zone)
    make_customer(by=isp.ga, setup=setup, zone=zone)
    with in_scope(isp.tenant):
        zone = Zone.objects.get(pk=zone.pk)
    messages = refused(isp, call=services.zone_delete, zone=zone)
    assert messages == ["This zone is used by 2 customers; move them to another zone first."]
    with in_scope(isp.tenant):
        assert Zone.objects.filter(pk=zone.pk).exists()
