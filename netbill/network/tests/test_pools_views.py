"""IP & PPPoE Management pages: forms show the services' reasons, the protected pool hides
delete and rename, deleting asks for confirmation, and the sidebar links the pages."""

import pytest
from django.urls import reverse

from conftest import in_scope
from netbill.core.testing.state import nothing_changes
from netbill.network.models import IPPool, PPPoEProfile

from .pool_helpers import make_pool, make_profile

pytestmark = pytest.mark.django_db


def suspended(isp):
    with in_scope(isp.tenant):
        return IPPool.objects.get(is_protected=True)


def form_errors(response) -> dict:
    return {k: list(v) for k, v in response.context["form"].errors.items()}


#
# Pools
#


def test_a_malformed_subnet_is_refused_on_the_form(client, isp):
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant):
        response = client.post(
            reverse("network:ip_pool_add"),
            {"family": "4", "name": "mirpur", "subnet": "10.20.0.5/22", "kind": "normal"},
        )
    assert response.status_code == 200
    assert form_errors(response) == {
        "subnet": ["10.20.0.5/22 is not a network address; did you mean 10.20.0.0/22?"]
    }


def test_overlap_and_ranges_are_refused_on_the_form(client, isp):
    make_pool(by=isp.ga, name="mirpur", subnet="10.20.0.0/22")
    client.force_login(isp.noc)
    with nothing_changes(isp.tenant):
        response = client.post(
            reverse("network:ip_pool_add"),
            {
                "family": "4",
                "name": "inner",
                "subnet": "10.20.2.0/24",
                "ranges": "10.20.3.1-10.20.3.9",
                "kind": "normal",
            },
        )
    assert form_errors(response) == {
        "subnet": ["10.20.2.0/24 overlaps the pool “mirpur” (10.20.0.0/22)."],
        "ranges": ["The range 10.20.3.1-10.20.3.9 lies outside the subnet 10.20.2.0/24."],
    }


def test_the_ipv6_create_page(client, isp):
    client.force_login(isp.ga)
    page = client.get(reverse("network:ip_pool_add") + "?family=6")
    assert page.context["title"] == "Create IPv6 pool"
    assert page.context["form"]["family"].value() == 6
    response = client.post(
        reverse("network:ip_pool_add") + "?family=6",
        {"family": "6", "name": "v6-home", "subnet": "2001:db8:100::/48", "kind": "normal"},
    )
    with in_scope(isp.tenant):
        pool = IPPool.objects.get(name="v6-home")
    assert response["Location"] == pool.get_absolute_url()
    assert (pool.family, pool.subnet) == (6, "2001:db8:100::/48")
    listed = client.get(reverse("network:ipv6_pool_list"))
    assert {row.record.pk for row in listed.context["table"].rows} == {pool.pk}


def test_the_protected_pool_page_hides_delete_and_rename(client, isp):
    pool = suspended(isp)
    client.force_login(isp.ga)
    body = client.get(pool.get_absolute_url()).content.decode()
    assert reverse("network:ip_pool_delete", args=[pool.pk]) not in body
    assert "Edit addresses" in body
    assert "cannot be deleted or renamed" in body
    form = client.get(reverse("network:ip_pool_edit", args=[pool.pk])).context["form"]
    assert form.fields["name"].disabled and form.fields["kind"].disabled
    assert form.fields["family"].disabled


def test_the_protected_pool_keeps_its_name_when_edited(client, isp):
    pool = suspended(isp)
    client.force_login(isp.ga)
    response = client.post(
        reverse("network:ip_pool_edit", args=[pool.pk]),
        {
            "name": "renamed",  # a disabled field: the posted value is ignored
            "kind": "normal",
            "subnet": "100.64.4.0/24",
            "ranges": "",
            "comment": "moved",
        },
    )
    assert response.status_code == 302
    with in_scope(isp.tenant):
        pool = IPPool.objects.get(pk=pool.pk)
    assert (pool.name, pool.kind, pool.subnet, pool.ranges) == (
        "suspended-users",
        "suspended",
        "100.64.4.0/24",
        "100.64.4.1-100.64.4.254",
    )


def test_deleting_the_protected_pool_is_refused_with_the_reason(client, isp):
    pool = suspended(isp)
    client.force_login(isp.ga)
    url = reverse("network:ip_pool_delete", args=[pool.pk])
    assert client.get(url).status_code == 200
    with nothing_changes(isp.tenant):
        response = client.post(url, {"confirm": "on"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The pool “suspended-users” is protected: it cannot be deleted, because RADIUS sends "
        "suspended customers to it."
    ]


def test_deleting_needs_the_confirmation(client, isp):
    pool = make_pool(by=isp.ga)
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant):
        response = client.post(reverse("network:ip_pool_delete", args=[pool.pk]), {})
    assert form_errors(response) == {"confirm": ["This field is required."]}


def test_a_pool_in_use_cannot_be_deleted_from_the_page(client, isp):
    pool = make_pool(by=isp.ga, name="busy")
    make_profile(by=isp.ga, ipv4_pool=pool, name="5 Mbps")
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant):
        response = client.post(reverse("network:ip_pool_delete", args=[pool.pk]), {"confirm": "on"})
    assert "used by the PPPoE profile(s) “5 Mbps”" in response.content.decode()


#
# PPPoE profiles
#


def test_profile_pool_choices_are_scoped_and_of_the_right_family(client, isp, other_isp):
    v4 = make_pool(by=isp.ga, name="mine")
    v6 = make_pool(by=isp.ga, family=6, name="mine-v6")
    theirs = make_pool(by=other_isp.ga, name="theirs")
    client.force_login(isp.ga)
    form = client.get(reverse("network:pppoe_profile_add")).context["form"]
    with in_scope(isp.tenant):
        assert set(form.fields["ipv4_pool"].queryset) == {v4, suspended(isp)}
        assert set(form.fields["ipv6_pool"].queryset) == {v6}
    for field, value in (("ipv4_pool", theirs.pk), ("ipv4_pool", v6.pk), ("ipv6_pool", v4.pk)):
        data = {"name": "X", "ipv4_pool": v4.pk, field: value}
        with nothing_changes(isp.tenant, other_isp.tenant):
            response = client.post(reverse("network:pppoe_profile_add"), data)
        assert form_errors(response) == {
            field: ["Select a valid choice. That choice is not one of the available choices."]
        }


def test_a_bad_rate_limit_is_refused_on_the_form(client, isp):
    pool = make_pool(by=isp.ga)
    client.force_login(isp.ga)
    with nothing_changes(isp.tenant):
        response = client.post(
            reverse("network:pppoe_profile_add"),
            {"name": "X", "ipv4_pool": pool.pk, "rate_limit": "5M 6M 7M 8 9"},
        )
    assert form_errors(response) == {
        "rate_limit": ["The priority “9” must be a whole number from 1 (highest) to 8."]
    }
    with in_scope(isp.tenant):
        assert not PPPoEProfile.objects.exists()


#
# The sidebar
#


def test_the_sidebar_links_the_pages(client, isp):
    client.force_login(isp.noc)
    response = client.get(reverse("network:ipv4_pool_list"))
    shown = {e["url_name"] for _s, entries in response.context["menu"] for e in entries}
    assert {
        "network:ipv4_pool_list",
        "network:ipv6_pool_list",
        "network:pppoe_profile_list",
        "network:vpn_account_list",
    } <= shown
    client.force_login(isp.user_x)  # operators manage neither pools nor routers
    assert client.get(reverse("network:ipv4_pool_list")).status_code == 403
