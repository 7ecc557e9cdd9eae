"""catalog.services: VAT profiles, billing profiles, master packages and operator
packages. Every refusal leaves both ISPs unchanged (nothing_changes: no row, no event)."""

from decimal import Decimal

import pytest

from conftest import in_scope
from netbill.catalog import services
from netbill.catalog.models import BillingProfile
from netbill.core.exceptions import BusinessRuleError
from netbill.core.models import AuditLog
from netbill.core.testing.people import fresh_user
from netbill.core.testing.state import nothing_changes
from netbill.network.models import IPPool
from netbill.network.tests.pool_helpers import make_pool, make_profile

from .helpers import (
    make_billing_profile,
    make_operator_package,
    make_vat_profile,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def net(isp):
    pool = make_pool(by=isp.ga, name="pppoe-mirpur", subnet="10.20.0.0/22")
    fup = make_pool(by=isp.ga, name="fup-pool", subnet="10.99.0.0/24", kind="fup")
    profile = make_profile(by=isp.ga, ipv4_pool=pool, name="10 Mbps")
    vat = make_vat_profile(by=isp.ga, name="VAT 5%")
    return {"pool": pool, "fup": fup, "profile": profile, "vat": vat}


def package_values(net, **overrides):
    values = {
        "name": "Home 10 Mbps",
        "download_kbps": 10_000,
        "upload_kbps": 10_000,
        "price": Decimal("800"),
        "validity": "monthly",
        "pppoe_profile": net["profile"],
        "connection_types": ["pppoe", "hotspot"],
        "vat_profile": net["vat"],
        "fup_data_limit_gb": 300,
        "fup_download_kbps": 2_000,
        "fup_upload_kbps": 2_000,
        "fup_pool": net["fup"],
    }
    values.update(overrides)
    return values


def create_package(isp, by=None, **values):
    user = fresh_user(by or isp.ga)
    with in_scope(user.tenant_id):
        return services.master_package_create(by=user, **values)


def refused(isp, *tenants, call, by=None, **values) -> dict:
    user = fresh_user(by or isp.ga)
    with (
        nothing_changes(isp.tenant, *tenants, what="refused"),
        pytest.raises(BusinessRuleError) as exc,
        in_scope(user.tenant_id),
    ):
        call(by=user, **values)
    return exc.value.message_dict if hasattr(exc.value, "error_dict") else exc.value.messages


#
# Master packages
#


def test_create_a_master_package(isp, net, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        package = create_package(isp, **package_values(net, name="  Home   10 Mbps "))
    assert len(callbacks) == 1
    assert package.name == "Home 10 Mbps"
    assert package.price == Decimal("800.00")
    assert package.connection_types == ["pppoe", "hotspot"]
    assert package.rate_limit == "10M/10M"
    assert package.fup_rate_limit == "2M/2M"
    with in_scope(isp.tenant):
        entry = AuditLog.objects.get(action="master_package.created")
    assert entry.object_id == str(package.pk)
    assert entry.after["price"] == "800.00"
    assert entry.after["fup_pool"] == net["fup"].pk


def test_rate_limit_with_burst_is_rx_upload_tx_download(isp, net):
    package = create_package(
        isp,
        **package_values(
            net,
            download_kbps=10_000,
            upload_kbps=5_000,
            burst_download_kbps=12_000,
            burst_upload_kbps=6_000,
            burst_threshold_download_kbps=8_000,
            burst_threshold_upload_kbps=4_000,
            burst_time_seconds=10,
            fup_data_limit_gb=None,
            fup_download_kbps=None,
            fup_upload_kbps=None,
            fup_pool=None,
            validity="days",
            validity_days=30,
        ),
    )
    assert package.rate_limit == "5M/10M 6M/12M 4M/8M 10/10"
    assert package.fup_rate_limit == ""
    assert package.validity_days == 30


def test_odd_speeds_keep_exact_units(isp, net):
    package = create_package(
        isp,
        **package_values(
            net, download_kbps=1_500, upload_kbps=512, fup_download_kbps=256, fup_upload_kbps=128
        ),
    )
    assert package.rate_limit == "512k/1500k"
    assert package.fup_rate_limit == "128k/256k"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": " "}, "name", "Enter a name."),
        ({"download_kbps": 0}, "download_kbps", "Enter a number from 1 to 1000000000."),
        ({"upload_kbps": None}, "upload_kbps", "Enter the upload speed."),
        ({"price": Decimal("-1")}, "price", "An amount cannot be negative."),
        ({"price": Decimal("1.005")}, "price", "At most two decimal places."),
        ({"price": "abc"}, "price", "Enter an amount, e.g. 500 or 499.50."),
        ({"validity": "days"}, "validity_days", "Enter the number of days."),
        ({"validity": "weekly"}, "validity", "Choose monthly or a number of days."),
        ({"connection_types": []}, "connection_types", "Allow at least one connection type."),
        ({"connection_types": ["dialup"]}, "connection_types", None),
        ({"pppoe_profile": None}, "pppoe_profile", "A package for PPPoE needs a PPPoE profile."),
        ({"burst_download_kbps": 20_000}, "burst_upload_kbps", None),
        ({"fup_download_kbps": None}, "fup_download_kbps", "Enter the FUP download speed."),
        ({"fup_upload_kbps": 10_000}, "fup_upload_kbps", None),
        (
            {"fup_data_limit_gb": None, "fup_download_kbps": None, "fup_upload_kbps": None},
            "fup_pool",
            "Set the FUP data limit first, or leave this empty.",
        ),
    ],
)
def test_bad_master_packages_are_refused(isp, net, overrides, field, message):
    errors = refused(isp, call=services.master_package_create, **package_values(net, **overrides))
    assert field in errors, errors
    if message:
        assert errors[field] == [message]


def test_burst_must_be_faster_and_threshold_not_above_the_rate(isp, net):
    errors = refused(
        isp,
        call=services.master_package_create,
        **package_values(
            net,
            burst_download_kbps=10_000,
            burst_upload_kbps=12_000,
            burst_threshold_download_kbps=8_000,
            burst_threshold_upload_kbps=11_000,
            burst_time_seconds=8,
        ),
    )
    assert errors == {
        "burst_download_kbps": ["The burst rate must be faster than the normal rate."],
        "burst_threshold_upload_kbps": ["The burst threshold must not exceed the normal rate."],
    }


def test_fup_pool_must_be_of_kind_fup(isp, net):
    errors = refused(
        isp, call=services.master_package_create, **package_values(net, fup_pool=net["pool"])
    )
    assert errors == {"fup_pool": ["“pppoe-mirpur” is not a FUP pool; choose a pool of kind FUP."]}


def test_duplicate_name_is_refused(isp, net):
    create_package(isp, **package_values(net))
    errors = refused(
        isp, call=services.master_package_create, **package_values(net, name="home 10 MBPS")
    )
    assert errors == {"name": ["A package named “home 10 MBPS” already exists."]}


def test_another_isps_profile_pool_and_vat_are_refused(isp, other_isp, net):
    other_pool = make_pool(by=other_isp.ga, name="fup-b", subnet="10.99.0.0/24", kind="fup")
    other_profile = make_profile(by=other_isp.ga, ipv4_pool=other_pool, name="B profile")
    other_vat = make_vat_profile(by=other_isp.ga, name="B VAT")
    errors = refused(
        isp,
        other_isp.tenant,
        call=services.master_package_create,
        **package_values(
            net, pppoe_profile=other_profile, vat_profile=other_vat, fup_pool=other_pool
        ),
    )
    assert errors == {
        "pppoe_profile": ["Choose one of your PPPoE profiles."],
        "vat_profile": ["Choose one of your VAT profiles."],
        "fup_pool": ["Choose one of your own pools."],
    }


def test_only_packages_manage_writes_master_packages(isp, net):
    messages = refused(
        isp, call=services.master_package_create, by=isp.user_x, **package_values(net)
    )
    assert messages == ["You do not have permission to do this."]


def test_update_keeps_what_is_not_given_and_audits(isp, net, django_capture_on_commit_callbacks):
    package = create_package(isp, **package_values(net))
    with in_scope(isp.tenant), django_capture_on_commit_callbacks(execute=True) as callbacks:
        updated = services.master_package_update(
            package=package, by=fresh_user(isp.ga), data={"price": Decimal("850.50")}
        )
        entry = AuditLog.objects.get(action="master_package.updated")
    assert len(callbacks) == 1
    assert (updated.price, updated.fup_pool) == (Decimal("850.50"), net["fup"])
    assert (entry.before["price"], entry.after["price"]) == ("800.00", "850.50")


def test_delete_is_refused_while_operator_packages_use_it(isp, net):
    package = create_package(isp, **package_values(net))
    make_operator_package(by=isp.ga, operator=isp.op_x, master_package=package)
    messages = refused(isp, call=services.master_package_delete, package=package)
    assert messages == [
        f"The package “Home 10 Mbps” is assigned to “{isp.op_x.name}”; remove those operator "
        "packages first."
    ]


def test_a_pool_used_as_fup_pool_cannot_be_deleted(isp, net):
    from netbill.network.services import pools

    create_package(isp, **package_values(net))
    # The pool service does not know about packages; it names what the database protects.
    with in_scope(isp.tenant), pytest.raises(BusinessRuleError) as refused_delete:
        pools.ip_pool_delete(pool=net["fup"], by=fresh_user(isp.ga))
    assert refused_delete.value.messages == [
        f"The pool “{net['fup'].name}” is still used by “Home 10 Mbps”; change those first."
    ]
    with in_scope(isp.tenant):
        assert IPPool.objects.filter(pk=net["fup"].pk).exists()


#
# Operator packages
#


def test_assign_a_package_to_an_operator(isp, net, django_capture_on_commit_callbacks):
    package = create_package(isp, **package_values(net))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assigned = make_operator_package(
            by=isp.ga,
            operator=isp.op_x,
            master_package=package,
            operator_price="600",
            customer_price="800",
        )
    assert len(callbacks) == 1
    assert (assigned.operator_price, assigned.customer_price) == (
        Decimal("600.00"),
        Decimal("800.00"),
    )
    with in_scope(isp.tenant):
        assert (
            AuditLog.objects.filter(
                action="operator_package.assigned", object_id=str(assigned.pk)
            ).count()
            == 1
        )


def test_customer_price_below_operator_price_is_refused(isp, net):
    package = create_package(isp, **package_values(net))
    errors = refused(
        isp,
        call=services.operator_package_assign,
        operator=isp.op_x,
        master_package=package,
        operator_price=Decimal("700"),
        customer_price=Decimal("650"),
    )
    assert errors == {
        "customer_price": [
            "The customer price (650.00) is below the operator's price (700.00): the "
            "operator would lose money on every customer."
        ]
    }


def test_the_same_package_twice_for_one_operator_is_refused(isp, net):
    package = create_package(isp, **package_values(net))
    make_operator_package(by=isp.ga, operator=isp.op_x, master_package=package)
    errors = refused(
        isp,
        call=services.operator_package_assign,
        operator=isp.op_x,
        master_package=package,
        operator_price=Decimal("1"),
        customer_price=Decimal("2"),
    )
    assert errors == {
        "master_package": [f"“{isp.op_x.name}” already has the package “Home 10 Mbps”."]
    }


def test_an_operator_out_of_reach_or_of_another_isp_is_refused(isp, other_isp, net):
    from netbill.core.testing.people import set_codes

    package = create_package(isp, **package_values(net))
    reseller = set_codes(fresh_user(isp.user_x), grant=["packages.manage"])
    errors = refused(
        isp,
        call=services.operator_package_assign,
        by=reseller,
        operator=isp.op_y,
        master_package=package,
        operator_price=Decimal("1"),
        customer_price=Decimal("2"),
    )
    assert errors == {"operator": ["Choose an operator within your reach."]}
    errors = refused(
        isp,
        other_isp.tenant,
        call=services.operator_package_assign,
        operator=other_isp.op_x,
        master_package=package,
        operator_price=Decimal("1"),
        customer_price=Decimal("2"),
    )
    assert errors == {"operator": ["Choose an operator within your reach."]}


def test_operator_package_update_changes_prices_only(isp, net):
    package = create_package(isp, **package_values(net))
    assigned = make_operator_package(by=isp.ga, operator=isp.op_x, master_package=package)
    with in_scope(isp.tenant):
        with pytest.raises(BusinessRuleError):
            services.operator_package_update(
                package=assigned, by=fresh_user(isp.ga), data={"operator": isp.op_y}
            )
        updated = services.operator_package_update(
            package=assigned, by=fresh_user(isp.ga), data={"customer_price": Decimal("900")}
        )
    assert (updated.operator, updated.customer_price) == (isp.op_x, Decimal("900.00"))


#
# Billing profiles and VAT profiles
#


@pytest.mark.parametrize(
    ("due_day", "stored", "label"),
    [
        (1, 1, "1"),
        (28, 28, "28"),
        (0, 0, "Last day of the month"),
        ("last", 0, "Last day of the month"),
    ],
)
def test_due_day_is_1_to_28_or_the_last_day(isp, due_day, stored, label):
    profile = make_billing_profile(by=isp.ga, due_day=due_day)
    assert (profile.due_day, profile.due_day_label) == (stored, label)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("due_day", 29),
        ("due_day", 31),
        ("grace_days", 61),
        ("grace_days", -1),
        ("billing_type", "weekly"),
    ],
)
def test_bad_billing_profiles_are_refused(isp, field, value):
    values = {"name": "Bad", "billing_type": "monthly", "due_day": 1, "grace_days": 0}
    values[field] = value
    errors = refused(isp, call=services.billing_profile_create, **values)
    assert list(errors) == [field]


def test_billing_profile_operators_must_be_in_reach(isp, other_isp):
    errors = refused(
        isp,
        other_isp.tenant,
        call=services.billing_profile_create,
        name="1st",
        operators=[other_isp.op_x],
    )
    assert errors == {"operators": ["Choose operators within your reach."]}


def test_billing_profile_update_replaces_operators(isp):
    profile = make_billing_profile(by=isp.ga, operators=[isp.op_x, isp.op_y])
    with in_scope(isp.tenant):
        services.billing_profile_update(
            profile=profile, by=fresh_user(isp.ga), data={"operators": [isp.sub_x1]}
        )
        assert list(profile.assignments.values_list("operator", flat=True)) == [isp.sub_x1.pk]
        assert BillingProfile.objects.get(pk=profile.pk).name == profile.name


@pytest.mark.parametrize(
    ("rate", "ok"),
    [
        ("0", True),
        ("100", True),
        ("7.5000", True),
        ("7.51255", False),
        ("100.01", False),
        ("-1", False),
    ],
)
def test_vat_rate_is_a_percent_with_up_to_four_places(isp, rate, ok):
    if ok:
        assert make_vat_profile(by=isp.ga, rate=rate).rate == Decimal(rate)
    else:
        errors = refused(
            isp, call=services.vat_profile_create, name="X", rate=Decimal(rate), mode="exclusive"
        )
        assert list(errors) == ["rate"]


def test_a_vat_profile_in_use_cannot_be_deleted(isp, net):
    create_package(isp, **package_values(net))
    messages = refused(isp, call=services.vat_profile_delete, profile=net["vat"])
    assert messages == ["The VAT profile “VAT 5%” is used by the master package(s) “Home 10 Mbps”."]


def test_vat_profiles_are_company_settings(isp):
    messages = refused(
        isp,
        call=services.vat_profile_create,
        by=isp.user_x,
        name="X",
        rate=Decimal("5"),
        mode="exclusive",
    )
    assert messages == ["You do not have permission to do this."]


def test_an_operator_beyond_reach_keeps_its_billing_profile(isp):
    """A reseller with packages.manage edits a profile: it can neither see nor drop
    operator Y's assignment."""
    from netbill.core.testing.people import set_codes

    profile = make_billing_profile(by=isp.ga, operators=[isp.op_x, isp.op_y])
    reseller = set_codes(fresh_user(isp.user_x), grant=["packages.manage"])
    with in_scope(isp.tenant):
        services.billing_profile_update(
            profile=profile, by=reseller, data={"operators": [isp.sub_x1]}
        )
        kept = set(profile.assignments.values_list("operator", flat=True))
    assert kept == {isp.sub_x1.pk, isp.op_y.pk}


def test_the_activity_log_hides_package_prices_from_users_without_money(isp):
    from netbill.core.audit import MONEY_FIELDS

    assert {"price", "operator_price", "customer_price"} <= MONEY_FIELDS
