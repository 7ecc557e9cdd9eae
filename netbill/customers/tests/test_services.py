"""customers.services: custom fields and mandatory attributes. Every refusal leaves both
ISPs unchanged (nothing_changes: no row, no event)."""

import pytest

from conftest import in_scope
from netbill.core.exceptions import BusinessRuleError
from netbill.core.models import AuditLog
from netbill.core.testing.people import fresh_user, set_codes
from netbill.core.testing.state import nothing_changes
from netbill.customers import services
from netbill.customers.models import CustomField, MandatoryAttributes

from .helpers import make_custom_field, set_mandatory_attributes

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


#
# Custom fields
#


def test_create_a_text_field_with_a_key_made_from_the_name(isp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        field = make_custom_field(by=isp.ga, name=" Building /  flat ", mandatory=True)
    assert len(callbacks) == 1
    assert (field.name, field.key, field.field_type) == ("Building / flat", "building_flat", "text")
    assert (field.choices, field.mandatory, field.order, field.is_active) == ([], True, 0, True)
    with in_scope(isp.tenant):
        entry = AuditLog.objects.get(action="custom_field.created")
    assert entry.object_id == str(field.pk)
    assert entry.after["key"] == "building_flat"


def test_a_dropdown_keeps_its_choices_in_order(isp):
    field = make_custom_field(
        by=isp.ga, name="Preferred bill day", field_type="dropdown", choices=["1", " 10 ", "20"]
    )
    assert field.choices == ["1", "10", "20"]


def test_a_dropdown_needs_a_choice(isp):
    errors = refused(
        isp, call=services.custom_field_create, name="Day", field_type="dropdown", choices=[]
    )
    assert errors == {"choices": ["A dropdown needs at least one choice."]}


def test_a_dropdown_refuses_duplicate_choices(isp):
    errors = refused(
        isp,
        call=services.custom_field_create,
        name="Tower",
        field_type="dropdown",
        choices=["North", "south", "South"],
    )
    assert errors == {"choices": ["Each choice once: “South” is repeated."]}


def test_only_a_dropdown_has_choices(isp):
    errors = refused(
        isp, call=services.custom_field_create, name="ONU", field_type="number", choices=["a"]
    )
    assert errors == {"choices": ["Only a dropdown field has choices."]}


def test_every_problem_at_once(isp):
    errors = refused(
        isp,
        call=services.custom_field_create,
        name="",
        key="Bad Key!",
        field_type="colour",
        order=-1,
    )
    assert set(errors) == {"name", "key", "field_type", "order"}
    assert errors["key"] == ["Use lower-case letters, digits, _ or - only."]


def test_names_and_keys_are_unique_per_isp(isp, other_isp):
    make_custom_field(by=isp.ga, name="ONU serial")
    assert refused(
        isp,
        other_isp.tenant,
        call=services.custom_field_create,
        name="onu SERIAL",
        field_type="text",
        key="serial",
    ) == {"name": ["A custom field named “onu SERIAL” already exists."]}
    assert refused(
        isp,
        other_isp.tenant,
        call=services.custom_field_create,
        name="Serial",
        field_type="text",
        key="onu_serial",
    ) == {"key": ["Another custom field uses the key “onu_serial”."]}
    other = make_custom_field(by=other_isp.ga, name="ONU serial")
    assert (other.key, other.tenant_id) == ("onu_serial", other_isp.tenant.pk)


def test_only_holders_of_custom_fields_manage_write(isp):
    assert "custom_fields.manage" in fresh_user(isp.ga).permission_codes
    assert "custom_fields.manage" not in fresh_user(isp.user_x).permission_codes
    ga = set_codes(fresh_user(isp.ga), revoke=["custom_fields.manage"])
    assert refused(isp, call=services.custom_field_create, by=ga, name="X", field_type="text") == [
        "You do not have permission to do this."
    ]
    assert refused(isp, call=services.mandatory_attributes_update, by=ga, required=[]) == [
        "You do not have permission to do this."
    ]


def test_update_switches_a_dropdown_to_text_only_without_choices(isp):
    field = make_custom_field(by=isp.ga, name="Day", field_type="dropdown", choices=["1"])
    ga = fresh_user(isp.ga)
    with in_scope(isp.tenant):
        with pytest.raises(BusinessRuleError) as exc:
            services.custom_field_update(field=field, by=ga, data={"field_type": "text"})
        assert exc.value.message_dict == {"choices": ["Only a dropdown field has choices."]}
        updated = services.custom_field_update(
            field=field, by=ga, data={"field_type": "text", "choices": [], "order": 5}
        )
        entry = AuditLog.objects.get(action="custom_field.updated")
    assert (updated.field_type, updated.choices, updated.order) == ("text", [], 5)
    assert entry.before["field_type"] == "dropdown" and entry.after["field_type"] == "text"


def test_delete(isp):
    field = make_custom_field(by=isp.ga, name="ONU serial")
    with in_scope(isp.tenant):
        services.custom_field_delete(field=field, by=fresh_user(isp.ga))
        assert not CustomField.objects.filter(pk=field.pk).exists()
        assert AuditLog.objects.filter(action="custom_field.deleted").count() == 1


def test_custom_fields_are_scoped_to_the_isp(isp, other_isp):
    mine = make_custom_field(by=isp.ga, name="ONU serial")
    make_custom_field(by=other_isp.ga, name="Tower")
    with in_scope(isp.tenant):
        assert list(CustomField.objects.all()) == [mine]


#
# Mandatory attributes
#


def test_mandatory_attributes_one_row_per_isp_in_fixed_order(isp, other_isp):
    with in_scope(isp.tenant):
        assert services.mandatory_attributes_for(isp.tenant.pk).required == []
    set_mandatory_attributes(by=isp.ga, required=["zone", "address"])
    row = set_mandatory_attributes(by=isp.ga, required=["zone", "address", "nid", "zone"])
    assert row.required == ["address", "nid", "zone"]
    with in_scope(isp.tenant):
        assert MandatoryAttributes.objects.count() == 1
        entries = AuditLog.objects.filter(action="mandatory_attributes.updated").order_by("pk")
        assert [e.after["required"] for e in entries] == [
            ["address", "zone"],
            ["address", "nid", "zone"],
        ]
    with in_scope(other_isp.tenant):
        assert services.mandatory_attributes_for(other_isp.tenant.pk).required == []


def test_mandatory_attributes_refuse_unknown_keys(isp):
    errors = refused(isp, call=services.mandatory_attributes_update, required=["shoe_size"])
    assert errors == {"required": ["Unknown field “shoe_size”."]}
