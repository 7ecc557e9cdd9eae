"""manage.py radius_rebuild: heals the RADIUS rows of an ISP from its customers and
packages, and touches no other ISP."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import in_scope
from netbill.core.testing.people import fresh_user
from netbill.customers import services
from netbill.radius.groups import expected_replies
from netbill.radius.models import RadiusCheck, RadiusGroupReply, RadiusUserGroup

from .helpers import customer_setup, make_customer

pytestmark = pytest.mark.django_db


def rows(tenant):
    with in_scope(tenant):
        return (
            sorted(
                RadiusCheck.objects.filter(tenant=tenant).values_list(
                    "username", "attribute", "op", "value"
                )
            ),
            sorted(
                RadiusUserGroup.objects.filter(tenant=tenant).values_list("username", "groupname")
            ),
            sorted(
                RadiusGroupReply.objects.filter(tenant=tenant).values_list(
                    "groupname", "attribute", "value"
                )
            ),
        )


def test_rebuild_restores_deleted_and_edited_rows(isp, other_isp):
    setup = customer_setup(isp)
    active = make_customer(by=isp.ga, setup=setup, username="rahim")
    suspended = make_customer(by=isp.ga, setup=setup, username="karim")
    with in_scope(isp.tenant):
        services.customer_change_status(
            customer=suspended, status="suspended", by=fresh_user(isp.ga), reason="Unpaid"
        )
    other = make_customer(by=other_isp.ga, setup=customer_setup(other_isp), username="rahim")
    healthy, other_before = rows(isp.tenant), rows(other_isp.tenant)
    with in_scope(isp.tenant):
        RadiusCheck.objects.filter(tenant=isp.tenant, username="rahim").delete()
        RadiusGroupReply.objects.filter(tenant=isp.tenant).update(value="1k/1k")
        RadiusUserGroup.objects.filter(tenant=isp.tenant, username="karim").update(
            groupname=f"alpha/pkg-{setup.master.pk}"
        )
    out = StringIO()
    call_command("radius_rebuild", "--tenant", "alpha", stdout=out)
    assert rows(isp.tenant) == healthy
    assert rows(other_isp.tenant) == other_before
    assert "alpha: 1 packages, 2 customers written to RADIUS." in out.getvalue()
    with in_scope(isp.tenant):
        assert expected_replies(isp.tenant, active.username)["Mikrotik-Rate-Limit"] == (
            setup.master.rate_limit
        )
    assert other.tenant_id == other_isp.tenant.pk


def test_an_unknown_tenant_is_an_error(db):
    with pytest.raises(CommandError, match="No tenant 'nope'"):
        call_command("radius_rebuild", "--tenant", "nope")
