"""network.services.pools: IP pool validation (netaddr), the protected suspended-users
pool, and deleting pools; each write audited, refused writes leave nothing behind."""

import pytest
from django.test import TestCase

from conftest import in_scope
from netbill.accounts import services as accounts
from netbill.core import events
from netbill.core.exceptions import BusinessRuleError
from netbill.core.models import AuditLog
from netbill.core.testing.people import fresh_user, set_codes
from netbill.core.testing.state import nothing_changes
from netbill.network.choices import IPPoolKindChoices as Kind
from netbill.network.models import IPPool
from netbill.network.pool_tasks import ip_pool_ensure_suspended_task
from netbill.network.queries import pool_addresses_in_use, pool_usage
from netbill.network.services import pools as services

from .pool_helpers import make_pool, make_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    calls = []

    def handler(**kwargs):
        calls.append(kwargs)

    names = ("ip_pool.created", "ip_pool.updated", "ip_pool.deleted")
    for name in names:
        events.subscribe(name, handler)
    yield calls
    for name in names:
        events.unsubscribe(name, handler)


def create(isp, *, by=None, **values):
    data = {"family": 4, "name": "pppoe-mirpur", "subnet": "10.20.0.0/22", "ranges": ""}
    data.update(values)
    user = fresh_user(by or isp.ga)
    with in_scope(isp.tenant):
        return services.ip_pool_create(by=user, **data)


def refused(isp, **values) -> dict:
    """The errors of a refused create, after checking that nothing changed."""
    with nothing_changes(isp.tenant, what="refused pool"), pytest.raises(BusinessRuleError) as exc:
        create(isp, **values)
    return exc.value.message_dict


#
# Creating pools
#


def test_create_a_pool(isp, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pool = create(isp, ranges="10.20.0.10-10.20.3.250, 10.20.3.252", comment=" Mirpur PPPoE ")
    assert (pool.name, pool.family, pool.subnet, pool.ranges, pool.kind, pool.comment) == (
        "pppoe-mirpur",
        4,
        "10.20.0.0/22",
        "10.20.0.10-10.20.3.250,10.20.3.252",
        Kind.NORMAL,
        "Mirpur PPPoE",
    )
    assert not pool.is_protected
    assert pool_usage(pool).size == 1010
    with in_scope(isp.tenant):
        entry = AuditLog.objects.get(action="ip_pool.created", object_id=str(pool.pk))
    assert entry.actor_id == isp.ga.pk
    assert entry.after["subnet"] == "10.20.0.0/22"
    assert heard == [
        {"event": "ip_pool.created", "tenant_id": isp.tenant.pk, "ip_pool_id": pool.pk}
    ]


def test_empty_ranges_mean_the_whole_subnet(isp):
    v4 = create(isp, subnet="10.30.0.0/23")
    v6 = create(isp, family=6, name="v6-home", subnet="2001:db8:100::/48")
    tiny = create(isp, name="p2p", subnet="10.40.0.0/31")
    assert v4.ranges == "10.30.0.1-10.30.1.254"
    assert v6.ranges == "2001:db8:100::1-2001:db8:100:ffff:ffff:ffff:ffff:ffff"
    assert tiny.ranges == "10.40.0.0-10.40.0.1"
    assert pool_usage(v4).size == 510
    assert pool_usage(v6).size == 2**80 - 1


def test_ranges_may_be_written_as_subnets_and_on_lines(isp):
    pool = create(isp, ranges="10.20.0.0/25\n10.20.1.5 - 10.20.1.9;10.20.2.1")
    assert pool.ranges == "10.20.0.0-10.20.0.127,10.20.1.5-10.20.1.9,10.20.2.1"


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        (
            {"subnet": "10.0.0.5/24"},
            {"subnet": ["10.0.0.5/24 is not a network address; did you mean 10.0.0.0/24?"]},
        ),
        (
            {"family": 6, "subnet": "2001:db8::1/48"},
            {"subnet": ["2001:db8::1/48 is not a network address; did you mean 2001:db8::/48?"]},
        ),
        ({"subnet": ""}, {"subnet": ["Enter the subnet, e.g. 10.20.0.0/22."]}),
        (
            {"subnet": "10.0.0.0"},
            {"subnet": ["Write the subnet with its prefix length, e.g. 10.20.0.0/22."]},
        ),
        ({"subnet": "10.0.0.0/33"}, {"subnet": ["“10.0.0.0/33” is not an IPv4 subnet."]}),
        ({"subnet": "10.0.0/24"}, {"subnet": ["“10.0.0/24” is not an IPv4 subnet."]}),
        ({"subnet": "300.1.2.0/24"}, {"subnet": ["“300.1.2.0/24” is not an IPv4 subnet."]}),
        (
            {"subnet": "2001:db8::/48"},
            {"subnet": ["2001:db8::/48 is an IPv6 subnet; this is an IPv4 pool."]},
        ),
        (
            {"family": 6, "subnet": "10.0.0.0/8"},
            {"subnet": ["10.0.0.0/8 is an IPv4 subnet; this is an IPv6 pool."]},
        ),
        (
            {"ranges": "10.20.0.10-10.20.4.5"},
            {"ranges": ["The range 10.20.0.10-10.20.4.5 lies outside the subnet 10.20.0.0/22."]},
        ),
        (
            {"ranges": "10.21.0.1"},
            {"ranges": ["The range 10.21.0.1 lies outside the subnet 10.20.0.0/22."]},
        ),
        (
            {"ranges": "10.20.0.50-10.20.0.10"},
            {"ranges": ["In 10.20.0.50-10.20.0.10 the start comes after the end."]},
        ),
        (
            {"ranges": "10.20.0.10-10.20.0.50, 10.20.0.40-10.20.0.90"},
            {"ranges": ["The ranges 10.20.0.10-10.20.0.50 and 10.20.0.40-10.20.0.90 overlap."]},
        ),
        ({"ranges": "10.20.0.1-banana"}, {"ranges": ["“banana” is not an IPv4 address."]}),
        (
            {"ranges": "2001:db8::1-2001:db8::9"},
            {"ranges": ["2001:db8::1 is an IPv6 address; IPv4 is needed here."]},
        ),
        (
            {"name": "pppoe mirpur"},
            {
                "name": [
                    "Use letters, digits, dots, dashes and underscores only, starting with a "
                    "letter or digit: the name is also the pool's name on the router."
                ]
            },
        ),
        ({"name": " "}, {"name": ["Enter a name."]}),
        ({"kind": "vip"}, {"kind": ["Choose normal, suspended or FUP."]}),
        ({"family": 5}, {"family": ["Choose IPv4 or IPv6."]}),
    ],
)
def test_malformed_pools_are_refused_with_the_reason(isp, values, errors):
    assert refused(isp, **values) == errors


def test_every_problem_is_reported_at_once(isp):
    errors = refused(isp, name="bad name", subnet="10.0.0.5/24", kind="x")
    assert set(errors) == {"name", "subnet", "kind"}


def test_pools_of_one_isp_never_overlap(isp):
    create(isp)
    assert refused(isp, name="inner", subnet="10.20.1.0/24") == {
        "subnet": ["10.20.1.0/24 overlaps the pool “pppoe-mirpur” (10.20.0.0/22)."]
    }
    assert refused(isp, name="outer", subnet="10.0.0.0/8") == {
        "subnet": [
            "10.0.0.0/8 overlaps the pool “pppoe-mirpur” (10.20.0.0/22).",
        ]
    }
    # The protected pool counts too.
    assert refused(isp, name="cgnat", subnet="100.64.0.0/10") == {
        "subnet": ["100.64.0.0/10 overlaps the pool “suspended-users” (100.64.0.0/22)."]
    }
    # Touching is not overlapping.
    assert create(isp, name="next", subnet="10.20.4.0/22").subnet == "10.20.4.0/22"


def test_ipv6_pools_overlap_only_ipv6_pools(isp):
    create(isp, family=6, name="v6-a", subnet="2001:db8:100::/48")
    assert refused(isp, family=6, name="v6-b", subnet="2001:db8:100:5::/64") == {
        "subnet": ["2001:db8:100:5::/64 overlaps the pool “v6-a” (2001:db8:100::/48)."]
    }
    assert create(isp, family=6, name="v6-c", subnet="2001:db8:101::/48").family == 6


def test_another_isp_may_reuse_the_same_space(isp, other_isp):
    mine = create(isp)
    theirs = create(other_isp)
    assert (mine.subnet, theirs.subnet, mine.name, theirs.name) == (
        "10.20.0.0/22",
        "10.20.0.0/22",
        "pppoe-mirpur",
        "pppoe-mirpur",
    )
    assert theirs.tenant_id == other_isp.tenant.pk


def test_names_are_unique_per_isp_whatever_the_case(isp):
    create(isp)
    assert refused(isp, name="PPPoE-Mirpur", subnet="10.30.0.0/24") == {
        "name": ["A pool named “PPPoE-Mirpur” already exists."]
    }


def test_without_the_permission_nothing_is_created(isp):
    user = set_codes(isp.noc, revoke=["ip_pools.manage"])
    with nothing_changes(isp.tenant), pytest.raises(BusinessRuleError, match="permission"):
        create(isp, by=user)


def test_noc_users_manage_pools_by_default(isp):
    assert create(isp, by=isp.noc).name == "pppoe-mirpur"


#
# Updating pools
#


def update(pool, by, **data):
    with in_scope(pool.tenant_id):
        return services.ip_pool_update(pool=pool, by=fresh_user(by), data=data)


def test_update_a_pool(isp, heard, django_capture_on_commit_callbacks):
    pool = create(isp)
    with django_capture_on_commit_callbacks(execute=True):
        pool = update(pool, isp.ga, name="mirpur-2", subnet="10.22.0.0/24", ranges="", kind="fup")
    assert (pool.name, pool.subnet, pool.ranges, pool.kind) == (
        "mirpur-2",
        "10.22.0.0/24",
        "10.22.0.1-10.22.0.254",
        Kind.FUP,
    )
    with in_scope(isp.tenant):
        entry = AuditLog.objects.get(action="ip_pool.updated")
    assert entry.changes == [
        ("kind", "normal", "fup"),
        ("name", "pppoe-mirpur", "mirpur-2"),
        ("ranges", "10.20.0.1-10.20.3.254", "10.22.0.1-10.22.0.254"),
        ("subnet", "10.20.0.0/22", "10.22.0.0/24"),
    ]
    assert [h["event"] for h in heard] == ["ip_pool.updated"]


def test_a_pool_does_not_overlap_itself(isp):
    pool = create(isp)
    assert update(pool, isp.ga, subnet="10.20.0.0/23", ranges="").subnet == "10.20.0.0/23"
    # Ranges left outside a narrowed subnet are refused.
    with pytest.raises(BusinessRuleError) as exc:
        update(pool, isp.ga, subnet="10.20.0.0/24")
    assert exc.value.message_dict == {
        "ranges": ["The range 10.20.0.1-10.20.1.254 lies outside the subnet 10.20.0.0/24."]
    }


def test_an_update_that_breaks_a_rule_changes_nothing(isp):
    pool = create(isp)
    create(isp, name="uttara", subnet="10.30.0.0/23")
    with nothing_changes(isp.tenant), pytest.raises(BusinessRuleError) as exc:
        update(pool, isp.ga, subnet="10.30.0.0/24", ranges="")
    assert exc.value.message_dict == {
        "subnet": ["10.30.0.0/24 overlaps the pool “uttara” (10.30.0.0/23)."]
    }
    with nothing_changes(isp.tenant), pytest.raises(BusinessRuleError):
        update(pool, isp.ga, family=6)


#
# The protected suspended-users pool
#


def suspended_pool(isp):
    with in_scope(isp.tenant):
        return IPPool.objects.get(is_protected=True)


def test_every_isp_gets_its_protected_suspended_pool(isp, other_isp):
    for each in (isp, other_isp):
        pool = suspended_pool(each)
        assert (pool.name, pool.family, pool.subnet, pool.ranges, pool.kind) == (
            "suspended-users",
            4,
            "100.64.0.0/22",
            "100.64.0.10-100.64.3.250",
            Kind.SUSPENDED,
        )
        with in_scope(each.tenant):
            entry = AuditLog.objects.get(action="ip_pool.created", object_id=str(pool.pk))
        assert (entry.actor_id, entry.actor_repr) == (None, "system")


def test_onboarding_makes_the_pool_after_commit_through_the_task(platform_admin):
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        tenant, _admin = accounts.tenant_onboard(
            name="Gamma Fiber",
            slug="gamma",
            admin_username="gamma-admin",
            admin_password="Test-pass-1234",
            by=platform_admin,
        )
    with in_scope(tenant):
        assert not IPPool.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    with in_scope(tenant):
        assert list(IPPool.objects.values_list("name", "is_protected")) == [
            ("suspended-users", True)
        ]


def test_the_task_is_idempotent_and_enters_the_scope(isp):
    pool = suspended_pool(isp)
    result = ip_pool_ensure_suspended_task.apply(kwargs={"tenant_id": isp.tenant.pk})
    assert result.get() == pool.pk
    with in_scope(isp.tenant):
        assert IPPool.objects.filter(is_protected=True).count() == 1
        assert AuditLog.objects.filter(action="ip_pool.created").count() == 1
    assert ip_pool_ensure_suspended_task.apply(kwargs={}).failed()


def test_the_protected_pool_cannot_be_deleted(isp):
    pool = suspended_pool(isp)
    with (
        nothing_changes(isp.tenant),
        pytest.raises(BusinessRuleError) as exc,
        in_scope(isp.tenant),
    ):
        services.ip_pool_delete(pool=pool, by=fresh_user(isp.ga))
    assert exc.value.messages == [
        "The pool “suspended-users” is protected: it cannot be deleted, because RADIUS sends "
        "suspended customers to it."
    ]


def test_the_protected_pool_cannot_be_renamed_or_change_kind(isp):
    pool = suspended_pool(isp)
    with nothing_changes(isp.tenant), pytest.raises(BusinessRuleError) as exc:
        update(pool, isp.ga, name="walled-garden", kind="normal")
    assert exc.value.message_dict == {
        "name": [
            "The pool “suspended-users” is protected: it cannot be renamed, because RADIUS "
            "sends suspended customers to it by name."
        ],
        "kind": ["The pool “suspended-users” is protected: its kind cannot change."],
    }


def test_the_protected_pool_may_be_readdressed(isp):
    pool = update(
        suspended_pool(isp),
        isp.ga,
        name="suspended-users",
        subnet="172.31.250.0/24",
        ranges="172.31.250.10-172.31.250.200",
        comment="moved",
    )
    assert (pool.name, pool.subnet, pool.ranges, pool.is_protected, pool.kind) == (
        "suspended-users",
        "172.31.250.0/24",
        "172.31.250.10-172.31.250.200",
        True,
        Kind.SUSPENDED,
    )


#
# Deleting pools
#


def test_delete_a_pool(isp, heard, django_capture_on_commit_callbacks):
    pool = create(isp)
    with django_capture_on_commit_callbacks(execute=True), in_scope(isp.tenant):
        services.ip_pool_delete(pool=pool, by=fresh_user(isp.ga))
        assert not IPPool.objects.filter(pk=pool.pk).exists()
        entry = AuditLog.objects.get(action="ip_pool.deleted")
    assert (entry.object_id, entry.before["name"]) == (str(pool.pk), "pppoe-mirpur")
    assert heard == [
        {"event": "ip_pool.deleted", "tenant_id": isp.tenant.pk, "ip_pool_id": pool.pk}
    ]


def test_a_pool_used_by_a_profile_cannot_be_deleted(isp):
    pool = make_pool(by=isp.ga, name="busy", subnet="10.50.0.0/24")
    make_profile(by=isp.ga, ipv4_pool=pool, name="10 Mbps")
    make_profile(by=isp.ga, ipv4_pool=pool, name="5 Mbps")
    with (
        nothing_changes(isp.tenant),
        pytest.raises(BusinessRuleError) as exc,
        in_scope(isp.tenant),
    ):
        services.ip_pool_delete(pool=pool, by=fresh_user(isp.ga))
    assert exc.value.messages == [
        "The pool “busy” is used by the PPPoE profile(s) “10 Mbps”, “5 Mbps”; move them to "
        "another pool first."
    ]


def test_another_isps_pool_is_out_of_reach(isp, other_isp):
    theirs = make_pool(by=other_isp.ga)
    for call in (
        lambda by: services.ip_pool_delete(pool=theirs, by=by),
        lambda by: services.ip_pool_update(pool=theirs, by=by, data={"comment": "x"}),
    ):
        with (
            nothing_changes(isp.tenant, other_isp.tenant),
            pytest.raises(BusinessRuleError, match="outside your reach"),
            in_scope(isp.tenant),
        ):
            call(fresh_user(isp.ga))


#
# Utilisation
#


def test_addresses_in_use_are_zero_until_sessions_exist(isp):
    pool = create(isp, ranges="10.20.0.10-10.20.0.19")
    assert pool_addresses_in_use(pool) == 0
    usage = pool_usage(pool)
    assert (usage.size, usage.in_use, usage.free, usage.percent, usage.size_display) == (
        10,
        0,
        10,
        0,
        "10",
    )
