"""The RADIUS rows services write (run on any database)."""

import pytest

from conftest import in_scope
from netbill.radius.models import (
    RadiusCheck,
    RadiusGroupCheck,
    RadiusGroupReply,
    RadiusReply,
    RadiusUserGroup,
)
from netbill.radius.services import (
    group_name,
    radius_group_upsert,
    radius_user_delete,
    radius_user_upsert,
)


def rows(model, **filters):
    return sorted(model.objects.filter(**filters).values_list("attribute", "op", "value"))


def test_group_names_carry_the_tenant_slug_and_replace_their_rows(isp):
    tenant = isp.tenant
    with in_scope(tenant):
        name = radius_group_upsert(
            tenant=tenant,
            name="pkg-12",
            replies={"Mikrotik-Rate-Limit": "5M/10M", "Framed-Pool": "p1"},
            checks={"NAS-Port-Type": "Virtual"},
        )
        assert name == group_name(tenant, "pkg-12") == "alpha/pkg-12"
        again = radius_group_upsert(
            tenant=tenant, name="pkg-12", replies={"Mikrotik-Rate-Limit": "8M/16M"}
        )
        assert again == name
        assert rows(RadiusGroupReply, groupname=name) == [("Mikrotik-Rate-Limit", ":=", "8M/16M")]
        assert rows(RadiusGroupCheck, groupname=name) == []


def test_user_upsert_writes_password_group_and_limits_and_is_idempotent(isp):
    tenant = isp.tenant
    with in_scope(tenant):
        group = radius_group_upsert(tenant=tenant, name="pkg-1", replies={})
        for _ in range(2):
            radius_user_upsert(
                tenant=tenant,
                username="rahim",
                password="pw-1",
                groupname=group,
                simultaneous_use=1,
                replies={"Framed-IP-Address": "100.64.0.9"},
            )
        assert rows(RadiusCheck, username="rahim") == [
            ("Cleartext-Password", ":=", "pw-1"),
            ("Simultaneous-Use", ":=", "1"),
        ]
        assert rows(RadiusReply, username="rahim") == [("Framed-IP-Address", ":=", "100.64.0.9")]
        assert list(RadiusUserGroup.objects.values_list("username", "groupname", "priority")) == [
            ("rahim", "alpha/pkg-1", 1)
        ]


def test_disabling_a_user_adds_auth_type_reject_and_enabling_removes_it(isp):
    tenant = isp.tenant
    with in_scope(tenant):
        group = radius_group_upsert(tenant=tenant, name="pkg-1", replies={})
        radius_user_upsert(
            tenant=tenant, username="u", password="p", groupname=group, disabled=True
        )
        assert ("Auth-Type", ":=", "Reject") in rows(RadiusCheck, username="u")
        radius_user_upsert(tenant=tenant, username="u", password="p", groupname=group)
        assert rows(RadiusCheck, username="u") == [("Cleartext-Password", ":=", "p")]
        radius_user_delete(tenant=tenant, username="u")
        assert RadiusCheck.objects.count() == RadiusUserGroup.objects.count() == 0


def test_a_user_cannot_join_another_tenants_group(isp, other_isp):
    beta_group = group_name(other_isp.tenant, "pkg-1")
    with in_scope(isp.tenant), pytest.raises(ValueError):
        radius_user_upsert(tenant=isp.tenant, username="u", password="p", groupname=beta_group)
    with in_scope(isp.tenant):
        assert RadiusCheck.objects.count() == 0


def test_the_same_username_in_two_tenants_is_two_users(isp, other_isp):
    for tenant, pw in ((isp.tenant, "a"), (other_isp.tenant, "b")):
        with in_scope(tenant):
            radius_user_upsert(tenant=tenant, username="rahim", password=pw, groupname=None)
    with in_scope(isp.tenant):
        assert rows(RadiusCheck, username="rahim") == [("Cleartext-Password", ":=", "a")]
    with in_scope(other_isp.tenant):
        assert rows(RadiusCheck, username="rahim") == [("Cleartext-Password", ":=", "b")]
