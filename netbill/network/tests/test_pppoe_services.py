"""network.services.pools: PPPoE profiles (pools of the right family and ISP, DNS, rate
limit) and the all-or-nothing import of uploaded rows."""

import pytest

from conftest import in_scope
from netbill.core.exceptions import BusinessRuleError
from netbill.core.models import AuditLog
from netbill.core.testing.people import fresh_user
from netbill.core.testing.state import nothing_changes
from netbill.network.models import PPPoEProfile
from netbill.network.services import pools as services

from .pool_helpers import make_pool, make_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def pools(isp):
    return {
        "v4": make_pool(
            by=isp.ga, name="pppoe-mirpur", subnet="10.20.0.0/22", ranges="10.20.0.10-10.20.3.250"
        ),
        "v6": make_pool(by=isp.ga, family=6, name="v6-mirpur", subnet="2001:db8:100::/48"),
    }


def create(isp, **values):
    with in_scope(isp.tenant):
        return services.pppoe_profile_create(by=fresh_user(isp.ga), **values)


def refused(isp, *tenants, **values) -> dict:
    with (
        nothing_changes(isp.tenant, *tenants, what="refused profile"),
        pytest.raises(BusinessRuleError) as exc,
    ):
        create(isp, **values)
    return exc.value.message_dict


def test_create_a_profile(isp, pools, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        profile = create(
            isp,
            name="  10   Mbps ",
            ipv4_pool=pools["v4"],
            ipv6_pool=pools["v6"],
            local_address="10.20.0.1",
            dns_servers="8.8.8.8, 1.1.1.1 2001:4860:4860::8888",
            rate_limit="10M 12M 8M 10",
            comment="Home",
        )
    assert (
        profile.name,
        profile.ipv4_pool,
        profile.ipv6_pool,
        profile.local_address,
        profile.dns_servers,
        profile.rate_limit,
        profile.comment,
    ) == (
        "10 Mbps",
        pools["v4"],
        pools["v6"],
        "10.20.0.1",
        "8.8.8.8,1.1.1.1,2001:4860:4860::8888",
        "10M/10M 12M/12M 8M/8M 10/10",
        "Home",
    )
    with in_scope(isp.tenant):
        entry = AuditLog.objects.get(action="pppoe_profile.created")
    assert entry.after["ipv4_pool"] == pools["v4"].pk


def test_only_the_name_and_ipv4_pool_are_required(isp, pools):
    profile = create(isp, name="Basic", ipv4_pool=pools["v4"])
    assert (profile.ipv6_pool, profile.local_address, profile.dns_servers, profile.rate_limit) == (
        None,
        None,
        "",
        "",
    )


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"name": ""}, {"name": ["Enter a name."]}),
        ({"name": "x" * 65}, {"name": ["At most 64 characters."]}),
        ({"ipv4_pool": None}, {"ipv4_pool": ["Choose an IPv4 pool."]}),
        ({"ipv4_pool": "v6"}, {"ipv4_pool": ["“v6-mirpur” is not an IPv4 pool."]}),
        ({"ipv6_pool": "v4"}, {"ipv6_pool": ["“pppoe-mirpur” is not an IPv6 pool."]}),
        (
            {"local_address": "10.20.0.256"},
            {"local_address": ["“10.20.0.256” is not an IPv4 address."]},
        ),
        (
            {"local_address": "2001:db8::1"},
            {"local_address": ["2001:db8::1 is an IPv6 address; IPv4 is needed here."]},
        ),
        (
            {"local_address": "10.20.0.50"},
            {
                "local_address": [
                    "10.20.0.50 lies inside the ranges of the pool “pppoe-mirpur”: a customer "
                    "could be given it too."
                ]
            },
        ),
        (
            {"dns_servers": "8.8.8.8, dns.google"},
            {"dns_servers": ["“dns.google” is not an IP address."]},
        ),
        (
            {"dns_servers": "1.1.1.1 1.0.0.1 8.8.8.8 8.8.4.4 9.9.9.9"},
            {"dns_servers": ["At most 4 DNS servers."]},
        ),
        (
            {"rate_limit": "10m/10m"},
            {
                "rate_limit": [
                    "“10m” is not a rate: write whole bits per second with an optional k, M or G, "
                    "e.g. 512k or 10M (M is megabits; a lower-case m is not a unit)."
                ]
            },
        ),
        (
            {"rate_limit": "5M 6M 7M 8 1 6M/1M"},
            {"rate_limit": ["The minimum rate 6M/1M exceeds the rate 5M/5M."]},
        ),
    ],
)
def test_invalid_profiles_are_refused_with_the_reason(isp, pools, values, errors):
    data = {"name": "10 Mbps", "ipv4_pool": pools["v4"]}
    data.update({k: pools.get(v, v) if isinstance(v, str) else v for k, v in values.items()})
    assert refused(isp, **data) == errors


def test_names_are_unique_per_isp(isp, other_isp, pools):
    create(isp, name="10 Mbps", ipv4_pool=pools["v4"])
    assert refused(isp, name="10 MBPS", ipv4_pool=pools["v4"]) == {
        "name": ["A PPPoE profile named “10 MBPS” already exists."]
    }
    theirs = make_pool(by=other_isp.ga, subnet="10.20.0.0/22")
    assert make_profile(by=other_isp.ga, ipv4_pool=theirs, name="10 Mbps").name == "10 Mbps"


def test_another_isps_pool_is_never_accepted(isp, other_isp, pools):
    theirs = make_pool(by=other_isp.ga, name="beta-pool")
    theirs_v6 = make_pool(by=other_isp.ga, family=6, name="beta-v6")
    assert refused(isp, other_isp.tenant, name="Sneaky", ipv4_pool=theirs) == {
        "ipv4_pool": ["Choose one of your own pools."]
    }
    assert refused(
        isp, other_isp.tenant, name="Sneaky", ipv4_pool=pools["v4"], ipv6_pool=theirs_v6
    ) == {"ipv6_pool": ["Choose one of your own pools."]}


def test_update_and_delete_a_profile(isp, pools, django_capture_on_commit_callbacks):
    profile = create(isp, name="10 Mbps", ipv4_pool=pools["v4"], rate_limit="10M")
    other = make_pool(by=isp.ga, name="pppoe-uttara", subnet="10.30.0.0/23")
    with in_scope(isp.tenant):
        updated = services.pppoe_profile_update(
            profile=profile,
            by=fresh_user(isp.ga),
            data={"ipv4_pool": other, "rate_limit": "12M/12M", "ipv6_pool": None},
        )
        assert (updated.ipv4_pool, updated.rate_limit, updated.name) == (
            other,
            "12M/12M",
            "10 Mbps",
        )
        entry = AuditLog.objects.get(action="pppoe_profile.updated")
        assert ("rate_limit", "10M/10M", "12M/12M") in entry.changes
        with pytest.raises(BusinessRuleError, match="cannot be changed here"):
            services.pppoe_profile_update(
                profile=profile, by=fresh_user(isp.ga), data={"tenant": 9}
            )
        services.pppoe_profile_delete(profile=updated, by=fresh_user(isp.ga))
        assert not PPPoEProfile.objects.exists()
        assert AuditLog.objects.filter(action="pppoe_profile.deleted").count() == 1


#
# Import: check, then apply all or nothing
#


def rows(*items):
    columns = ("name", "ipv4_pool", "ipv6_pool", "local_address", "dns_servers", "rate_limit")
    return [
        {"line": n, **dict(zip(columns, item, strict=False))}
        for n, item in enumerate(items, start=2)
    ]


def check(isp, data):
    with in_scope(isp.tenant):
        return services.pppoe_profile_import_check(by=fresh_user(isp.ga), rows=data)


def apply(isp, data):
    with in_scope(isp.tenant):
        return services.pppoe_profile_import_apply(by=fresh_user(isp.ga), rows=data)


def test_check_reports_every_problem_of_every_row(isp, pools):
    make_profile(by=isp.ga, ipv4_pool=pools["v4"], name="Existing")
    checked = check(
        isp,
        rows(
            ("5 Mbps", "pppoe-mirpur", "v6-mirpur", "", "8.8.8.8", "5M/5M"),
            ("10 Mbps", "nowhere", "", "", "", "10M"),
            ("existing", "pppoe-mirpur", "pppoe-mirpur", "", "", "10Q"),
            ("5 mbps", "v6-mirpur", "", "", "", ""),
            ("", "", "", "", "not-an-ip", ""),
        ),
    )
    assert [(r.line, r.errors) for r in checked] == [
        (2, []),
        (3, ["IPv4 pool: Unknown IPv4 pool “nowhere”."]),
        (
            4,
            [
                "Name: A PPPoE profile named “existing” already exists.",
                "IPv6 pool: “pppoe-mirpur” is an IPv4 pool, not IPv6.",
                "Rate limit: “10Q” is not a rate: write whole bits per second with an optional "
                "k, M or G, e.g. 512k or 10M.",
            ],
        ),
        (
            5,
            [
                "Name: The name “5 mbps” is also on line 2.",
                "IPv4 pool: “v6-mirpur” is an IPv6 pool, not IPv4.",
            ],
        ),
        (
            6,
            [
                "Name: Enter a name.",
                "IPv4 pool: Choose an IPv4 pool.",
                "DNS servers: “not-an-ip” is not an IP address.",
            ],
        ),
    ]
    assert checked[0].clean["rate_limit"] == "5M/5M"


def test_apply_creates_every_row(isp, pools):
    created = apply(
        isp,
        rows(
            ("5 Mbps", "pppoe-mirpur", "", "", "8.8.8.8", "5M"),
            (
                "10 Mbps",
                "PPPOE-MIRPUR",
                "v6-mirpur",
                "10.20.0.1",
                "",
                "10M/10M 12M/12M 8M/8M 10/10",
            ),
        ),
    )
    assert [(p.name, p.ipv4_pool, p.ipv6_pool, p.rate_limit) for p in created] == [
        ("5 Mbps", pools["v4"], None, "5M/5M"),
        ("10 Mbps", pools["v4"], pools["v6"], "10M/10M 12M/12M 8M/8M 10/10"),
    ]
    with in_scope(isp.tenant):
        assert AuditLog.objects.filter(action="pppoe_profile.created").count() == 2


def test_one_bad_row_and_nothing_is_created(isp, pools):
    with nothing_changes(isp.tenant), pytest.raises(BusinessRuleError) as exc:
        apply(
            isp,
            rows(
                ("5 Mbps", "pppoe-mirpur", "", "", "", "5M"),
                ("10 Mbps", "pppoe-mirpur", "", "", "", "ten megabits"),
            ),
        )
    assert exc.value.messages == [
        "Line 3: Rate limit: “ten” is not a rate: write whole bits per second with an "
        "optional k, M or G, e.g. 512k or 10M."
    ]


def test_apply_checks_again_what_changed_since_the_preview(isp, pools):
    data = rows(("5 Mbps", "pppoe-mirpur", "", "", "", "5M"))
    assert check(isp, data)[0].ok
    make_profile(by=isp.ga, ipv4_pool=pools["v4"], name="5 Mbps")  # meanwhile
    with nothing_changes(isp.tenant), pytest.raises(BusinessRuleError) as exc:
        apply(isp, data)
    assert exc.value.messages == ["Line 2: Name: A PPPoE profile named “5 Mbps” already exists."]


def test_rows_naming_another_isps_pools_are_refused(isp, other_isp, pools):
    make_pool(by=other_isp.ga, name="beta-only", subnet="10.99.0.0/24")
    with nothing_changes(isp.tenant, other_isp.tenant), pytest.raises(BusinessRuleError) as exc:
        apply(isp, rows(("5 Mbps", "beta-only", "", "", "", "5M")))
    assert exc.value.messages == ["Line 2: IPv4 pool: Unknown IPv4 pool “beta-only”."]


def test_an_empty_import_is_refused(isp):
    with pytest.raises(BusinessRuleError, match="no profiles"):
        apply(isp, [])
