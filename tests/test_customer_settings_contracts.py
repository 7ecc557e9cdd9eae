"""Every customer-settings page and endpoint under its contract
(netbill.core.testing.contracts): Customers → Customer Zones (zones.manage), Custom Fields
and Mandatory Attributes (custom_fields.manage). They belong to the whole ISP, so "other
subtree" does not apply; the Group Admin holds both codes by default.
"""

import pytest
from django.urls import reverse

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
from netbill.customers.models import CustomField
from netbill.customers.tests.helpers import make_custom_field, set_mandatory_attributes
from netbill.network.tests.pool_helpers import APIDeleteContract, DeleteViewContract
from netbill.tenancy.models import Zone
from netbill.tenancy.tests.helpers import make_zone

pytestmark = pytest.mark.django_db

TENANT_WIDE = "this belongs to the whole ISP, not to an operator's subtree"


def prepare_customer_settings(isp):
    """Per ISP: two zones, two custom fields and the mandatory attributes row."""
    isp.zone = make_zone(by=isp.ga, name="Mirpur-10", description="Road 1-12")
    isp.zone_spare = make_zone(by=isp.ga, name="Mirpur-2")
    isp.field = make_custom_field(
        by=isp.ga, name="Preferred bill day", field_type="dropdown", choices=["1", "10", "20"]
    )
    isp.field_spare = make_custom_field(by=isp.ga, name="ONU serial", order=2)
    isp.mandatory = set_mandatory_attributes(by=isp.ga, required=["address"])


class _Zones:
    permission = "zones.manage"
    not_applicable = {"other_subtree": TENANT_WIDE}

    def prepare(self, isp):
        prepare_customer_settings(isp)


class _Fields(_Zones):
    permission = "custom_fields.manage"


#
# Zones: panel
#


class TestZoneList(_Zones, ListViewContract):
    url_name = "tenancy:zone_list"

    def expected_rows(self, isp):
        return Zone.objects.filter(tenant=isp.tenant)

    def check_page(self, response, isp):
        body = response.content.decode()
        assert "Road 1-12" in body
        assert reverse("tenancy:zone_add") in body


class TestZoneDetail(_Zones, DetailViewContract):
    url_name = "tenancy:zone"

    def target(self, isp):
        return isp.zone

    def check_page(self, response, isp):
        assert 'id="zone-description">Road 1-12<' in response.content.decode()


class TestZoneCreate(_Zones, CreateViewContract):
    url_name = "tenancy:zone_add"
    model = Zone
    audit_action = "zone.created"
    events = ("zone.created",)

    def form_data(self, isp):
        return {"name": "Uttara Sector 7", "description": "North", "is_active": "on"}

    def created_lookup(self, isp):
        return {"name": "Uttara Sector 7"}

    def expected(self, isp):
        return {"description": "North", "is_active": True}


class TestZoneEdit(_Zones, EditViewContract):
    url_name = "tenancy:zone_edit"
    audit_action = "zone.updated"
    events = ("zone.updated",)

    def target(self, isp):
        return isp.zone

    def form_data(self, isp):
        return {"name": "Mirpur-10 (east)", "description": ""}

    def expected(self, isp):
        return {"name": "Mirpur-10 (east)", "description": "", "is_active": False}


class TestZoneDelete(_Zones, DeleteViewContract):
    url_name = "tenancy:zone_delete"
    audit_action = "zone.deleted"
    events = ("zone.deleted",)

    def target(self, isp):
        return isp.zone_spare

    def success_url(self, isp, obj):
        return reverse("tenancy:zone_list")


#
# Custom fields: panel
#


class TestCustomFieldList(_Fields, ListViewContract):
    url_name = "customers:custom_field_list"

    def expected_rows(self, isp):
        return CustomField.objects.filter(tenant=isp.tenant)

    def check_page(self, response, isp):
        body = response.content.decode()
        assert "preferred_bill_day" in body
        assert reverse("customers:custom_field_add") in body


class TestCustomFieldDetail(_Fields, DetailViewContract):
    url_name = "customers:custom_field"

    def target(self, isp):
        return isp.field

    def check_page(self, response, isp):
        assert 'id="custom-field-choices">1, 10, 20<' in response.content.decode()


class TestCustomFieldCreate(_Fields, CreateViewContract):
    url_name = "customers:custom_field_add"
    model = CustomField
    audit_action = "custom_field.created"
    events = ("custom_field.created",)

    def form_data(self, isp):
        return {
            "name": "Tower",
            "key": "",
            "field_type": "dropdown",
            "choices": "North\r\nSouth\r\n",
            "mandatory": "on",
            "order": "3",
            "is_active": "on",
        }

    def created_lookup(self, isp):
        return {"name": "Tower"}

    def expected(self, isp):
        return {
            "key": "tower",
            "field_type": "dropdown",
            "choices": ["North", "South"],
            "mandatory": True,
            "order": 3,
            "is_active": True,
        }


class TestCustomFieldEdit(_Fields, EditViewContract):
    url_name = "customers:custom_field_edit"
    audit_action = "custom_field.updated"
    events = ("custom_field.updated",)

    def target(self, isp):
        return isp.field

    def form_data(self, isp):
        return {
            "name": "Bill day",
            "key": "bill_day",
            "field_type": "dropdown",
            "choices": "1\n15",
            "order": "0",
            "is_active": "on",
        }

    def expected(self, isp):
        return {"name": "Bill day", "key": "bill_day", "choices": ["1", "15"], "mandatory": False}


class TestCustomFieldDelete(_Fields, DeleteViewContract):
    url_name = "customers:custom_field_delete"
    audit_action = "custom_field.deleted"
    events = ("custom_field.deleted",)

    def target(self, isp):
        return isp.field_spare

    def success_url(self, isp, obj):
        return reverse("customers:custom_field_list")


#
# Mandatory attributes: panel (one form for the caller's own ISP)
#


class TestMandatoryAttributes(_Fields, EditViewContract):
    url_name = "customers:mandatory_attributes"
    other_tenant_status = 302  # the page edits the caller's own ISP
    audit_action = "mandatory_attributes.updated"
    events = ("mandatory_attributes.updated",)

    def target(self, isp):
        return isp.mandatory

    def url_kwargs(self, target):
        return {}

    def form_data(self, isp):
        return {"required": ["zone", "email", "mac_address"]}

    def expected(self, isp):
        return {"required": ["email", "zone", "mac_address"]}

    def success_url(self, isp, obj):
        return reverse(self.url_name)


#
# API: zones
#


class TestZoneAPIList(_Zones, APIListContract):
    url_name = "api:zone-list"

    def expected_rows(self, isp):
        return Zone.objects.filter(tenant=isp.tenant)

    def check_page(self, response, isp):
        names = [z["name"] for z in response.json()["results"]]
        assert names == ["Mirpur-10", "Mirpur-2"]


class TestZoneAPIDetail(_Zones, APIDetailContract):
    url_name = "api:zone-detail"

    def target(self, isp):
        return isp.zone

    def expected_data(self, isp):
        return {"name": "Mirpur-10", "description": "Road 1-12", "is_active": True}


class TestZoneAPICreate(_Zones, APICreateContract):
    url_name = "api:zone-list"
    model = Zone
    audit_action = "zone.created"
    events = ("zone.created",)

    def api_create_data(self, isp):
        return {"name": "Uttara Sector 10"}

    def created_lookup(self, isp):
        return {"name": "Uttara Sector 10"}

    def expected(self, isp):
        return {"description": "", "is_active": True}


class TestZoneAPIPatch(_Zones, APIUpdateContract):
    url_name = "api:zone-detail"
    audit_action = "zone.updated"
    events = ("zone.updated",)

    def target(self, isp):
        return isp.zone

    def api_update_data(self, isp):
        return {"is_active": False}

    def expected(self, isp):
        return {"name": "Mirpur-10", "is_active": False}


class TestZoneAPIPut(TestZoneAPIPatch):
    method = "put"

    def api_update_data(self, isp):
        return {"name": "Mirpur 10", "description": "All roads", "is_active": True}

    def expected(self, isp):
        return {"name": "Mirpur 10", "description": "All roads", "is_active": True}


class TestZoneAPIDelete(_Zones, APIDeleteContract):
    url_name = "api:zone-detail"
    audit_action = "zone.deleted"
    events = ("zone.deleted",)

    def target(self, isp):
        return isp.zone_spare


#
# API: custom fields
#


class TestCustomFieldAPIList(_Fields, APIListContract):
    url_name = "api:custom-field-list"

    def expected_rows(self, isp):
        return CustomField.objects.filter(tenant=isp.tenant)

    def check_page(self, response, isp):
        keys = {f["key"]: f["choices"] for f in response.json()["results"]}
        assert keys == {"preferred_bill_day": ["1", "10", "20"], "onu_serial": []}


class TestCustomFieldAPIDetail(_Fields, APIDetailContract):
    url_name = "api:custom-field-detail"

    def target(self, isp):
        return isp.field

    def expected_data(self, isp):
        return {
            "name": "Preferred bill day",
            "key": "preferred_bill_day",
            "field_type": "dropdown",
            "choices": ["1", "10", "20"],
            "mandatory": False,
            "order": 0,
            "is_active": True,
        }


class TestCustomFieldAPICreate(_Fields, APICreateContract):
    url_name = "api:custom-field-list"
    model = CustomField
    audit_action = "custom_field.created"
    events = ("custom_field.created",)

    def api_create_data(self, isp):
        return {"name": "Meter reading", "key": "meter", "field_type": "number", "mandatory": True}

    def created_lookup(self, isp):
        return {"key": "meter"}

    def expected(self, isp):
        return {"name": "Meter reading", "field_type": "number", "choices": [], "mandatory": True}


class TestCustomFieldAPIPatch(_Fields, APIUpdateContract):
    url_name = "api:custom-field-detail"
    audit_action = "custom_field.updated"
    events = ("custom_field.updated",)

    def target(self, isp):
        return isp.field

    def api_update_data(self, isp):
        return {"choices": ["5", "25"], "mandatory": True}

    def expected(self, isp):
        return {"key": "preferred_bill_day", "choices": ["5", "25"], "mandatory": True}


class TestCustomFieldAPIPut(TestCustomFieldAPIPatch):
    method = "put"

    def api_update_data(self, isp):
        return {"name": "Bill day", "key": "bill_day", "field_type": "text", "choices": []}

    def expected(self, isp):
        return {"name": "Bill day", "key": "bill_day", "field_type": "text", "choices": []}


class TestCustomFieldAPIDelete(_Fields, APIDeleteContract):
    url_name = "api:custom-field-detail"
    audit_action = "custom_field.deleted"
    events = ("custom_field.deleted",)

    def target(self, isp):
        return isp.field_spare
