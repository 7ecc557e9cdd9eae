"""tenancy.services: company settings and suspension, with their audit entries."""

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from conftest import PASSWORD, in_scope
from netbill.core import events
from netbill.core.context import Actor, acting
from netbill.core.exceptions import BusinessRuleError
from netbill.core.models import AuditLog
from netbill.tenancy.models import Tenant
from netbill.tenancy.services import COMPANY_FIELDS, tenant_set_active, tenant_update_company


@pytest.fixture
def heard():
    calls = []

    def handler(**kwargs):
        calls.append(kwargs)

    for name in ("tenant.updated", "tenant.status_changed"):
        events.subscribe(name, handler)
    yield calls
    for name in ("tenant.updated", "tenant.status_changed"):
        events.unsubscribe(name, handler)


def audits(tenant, prefix):
    with in_scope(tenant):
        return list(AuditLog.objects.filter(action__startswith=prefix).order_by("id"))


def fresh_tenant(tenant):
    return Tenant.objects.get(pk=tenant.pk)


#
# tenant_update_company
#


def test_update_company_changes_only_the_given_fields(
    isp, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tenant = tenant_update_company(
            tenant=isp.tenant, by=isp.ga, data={"invoice_prefix": "ALN", "phone": "09610"}
        )
    assert (tenant.invoice_prefix, tenant.phone) == ("ALN", "09610")
    stored = fresh_tenant(isp.tenant)
    assert (stored.invoice_prefix, stored.phone, stored.name) == ("ALN", "09610", "Alpha Net")
    [entry] = audits(isp.tenant, "company.")
    assert entry.action == "company.updated"
    assert entry.changes == [("invoice_prefix", "INV", "ALN"), ("phone", "", "09610")]
    assert set(entry.before) == set(entry.after) == set(COMPANY_FIELDS)
    assert heard == [{"event": "tenant.updated", "tenant_id": isp.tenant.pk}]


def test_update_company_records_the_impersonator(isp):
    with acting(Actor(user_id=isp.ga.pk, impersonator_id=isp.ga.pk, ip="192.0.2.1")):
        tenant_update_company(tenant=isp.tenant, by=isp.ga, data={"name": "Alpha"})
    [entry] = audits(isp.tenant, "company.")
    assert (entry.impersonator_id, entry.ip) == (isp.ga.pk, "192.0.2.1")


@pytest.mark.parametrize("field", ["slug", "is_active", "created_at"])
def test_update_company_refuses_non_company_fields(isp, field):
    with pytest.raises(BusinessRuleError, match=f"Unknown company fields: {field}"):
        tenant_update_company(tenant=isp.tenant, by=isp.ga, data={field: "x"})
    assert fresh_tenant(isp.tenant).slug == "alpha"
    assert audits(isp.tenant, "company.") == []


def test_update_company_invalid_values_are_business_rule_errors(isp, heard):
    with pytest.raises(BusinessRuleError) as exc:
        tenant_update_company(
            tenant=isp.tenant,
            by=isp.ga,
            data={"currency": "bdtx", "time_zone": "Mars/Base", "name": "Changed"},
        )
    assert exc.value.message_dict == {
        "currency": [
            "Use a three-letter ISO code, e.g. BDT.",
            "Ensure this value has at most 3 characters (it has 4).",
        ],
        "time_zone": ["Unknown time zone Mars/Base."],
    }
    stored = fresh_tenant(isp.tenant)
    assert (stored.name, stored.currency, stored.time_zone) == ("Alpha Net", "BDT", "Asia/Dhaka")
    assert audits(isp.tenant, "company.") == []
    assert heard == []


@pytest.mark.parametrize("who", ["user_x", "manager_x", "noc", "sales"])
def test_update_company_refuses_users_without_edit_company(isp, who):
    with pytest.raises(BusinessRuleError) as exc:
        tenant_update_company(tenant=isp.tenant, by=getattr(isp, who), data={"name": "Hijacked"})
    assert exc.value.code == "forbidden"
    assert fresh_tenant(isp.tenant).name == "Alpha Net"
    assert audits(isp.tenant, "company.") == []


def test_update_company_refuses_another_tenants_group_admin(isp, other_isp):
    with pytest.raises(BusinessRuleError) as exc:
        tenant_update_company(tenant=isp.tenant, by=other_isp.ga, data={"name": "Hijacked"})
    assert exc.value.code == "forbidden"
    assert fresh_tenant(isp.tenant).name == "Alpha Net"
    assert audits(isp.tenant, "company.") == []
    assert audits(other_isp.tenant, "company.") == []


def test_update_company_by_the_system(isp):
    tenant_update_company(tenant=isp.tenant, by=None, data={"btrc_licence_no": "ISP-1"})
    [entry] = audits(isp.tenant, "company.")
    assert (entry.actor_id, entry.actor_repr) == (None, "system")
    assert fresh_tenant(isp.tenant).btrc_licence_no == "ISP-1"


#
# tenant_set_active
#


def test_suspend_and_reinstate(isp, platform_admin, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tenant = tenant_set_active(tenant=isp.tenant, by=platform_admin, active=False)
    assert tenant.is_active is False
    assert fresh_tenant(isp.tenant).is_active is False
    [suspended] = audits(isp.tenant, "tenant.s")
    assert suspended.action == "tenant.suspended"
    assert (suspended.actor_id, suspended.actor_repr) == (platform_admin.pk, "platform")
    assert suspended.object_type == "tenancy.tenant"
    assert suspended.object_id == str(isp.tenant.pk)
    assert (suspended.before, suspended.after) == ({"is_active": True}, {"is_active": False})
    assert heard == [
        {"event": "tenant.status_changed", "tenant_id": isp.tenant.pk, "active": False}
    ]

    with django_capture_on_commit_callbacks(execute=True):
        tenant_set_active(tenant=isp.tenant, by=platform_admin, active=True)
    assert fresh_tenant(isp.tenant).is_active is True
    [reinstated] = audits(isp.tenant, "tenant.reinstated")
    assert (reinstated.before, reinstated.after) == ({"is_active": False}, {"is_active": True})
    assert heard[-1] == {
        "event": "tenant.status_changed",
        "tenant_id": isp.tenant.pk,
        "active": True,
    }


def test_suspending_twice_is_a_no_op(
    isp, platform_admin, heard, django_capture_on_commit_callbacks
):
    tenant_set_active(tenant=isp.tenant, by=platform_admin, active=False)
    with django_capture_on_commit_callbacks(execute=True):
        tenant_set_active(tenant=isp.tenant, by=platform_admin, active=False)
    assert len(audits(isp.tenant, "tenant.suspended")) == 1
    assert heard == []
    # Reinstating an active tenant is a no-op too.
    tenant_set_active(tenant=isp.tenant, by=platform_admin, active=True)
    tenant_set_active(tenant=isp.tenant, by=platform_admin, active=True)
    assert len(audits(isp.tenant, "tenant.reinstated")) == 1


@pytest.mark.parametrize("who", ["ga", "user_x", "noc"])
def test_only_platform_admins_suspend(isp, who):
    with pytest.raises(BusinessRuleError, match="Only platform admins suspend ISPs."):
        tenant_set_active(tenant=isp.tenant, by=getattr(isp, who), active=False)
    assert fresh_tenant(isp.tenant).is_active is True
    assert audits(isp.tenant, "tenant.suspended") == []


def test_a_suspended_tenants_users_cannot_log_in(isp, other_isp, platform_admin):
    request = RequestFactory().post("/login/")
    assert authenticate(request, username="a-opx", password=PASSWORD) == isp.user_x
    tenant_set_active(tenant=isp.tenant, by=platform_admin, active=False)
    for username in ("a-ga", "a-opx", "a-noc"):
        assert authenticate(request, username=username, password=PASSWORD) is None
    # The other ISP and the platform admin are untouched.
    assert authenticate(request, username="b-ga", password=PASSWORD) == other_isp.ga
    assert authenticate(request, username="platform", password=PASSWORD) == platform_admin
    tenant_set_active(tenant=isp.tenant, by=platform_admin, active=True)
    assert authenticate(request, username="a-ga", password=PASSWORD) == isp.ga


def test_a_suspended_tenants_open_session_is_cut(isp, platform_admin, client):
    client.force_login(isp.ga)
    assert client.get("/dashboard/").status_code == 200
    tenant_set_active(tenant=isp.tenant, by=platform_admin, active=False)
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session
    api = client.get("/api/v1/operators/")
    assert api.status_code in (401, 403)
