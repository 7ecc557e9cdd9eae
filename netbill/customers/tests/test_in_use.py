"""What customers hold on to cannot be deleted from under them (a clear error, nothing
deleted), and the package groups follow a renamed pool."""

import pytest

from conftest import in_scope
from netbill.catalog import services as catalog
from netbill.catalog.models import BillingProfile, OperatorPackage
from netbill.core.exceptions import BusinessRuleError
from netbill.core.testing.people import fresh_user
from netbill.network.models import IPPool
from netbill.network.services import pools
from netbill.radius.groups import expected_replies

from .helpers import customer_setup, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(isp):
    setup = customer_setup(isp)
    setup.customer = make_customer(by=isp.ga, setup=setup, static_ip="10.60.0.77")
    return setup


def test_an_operator_package_with_customers_is_not_deleted(isp, setup):
    with in_scope(isp.tenant), pytest.raises(BusinessRuleError) as exc:
        catalog.operator_package_delete(package=setup.package, by=fresh_user(isp.ga))
    assert "is used by 1 customer; move it to another one first" in exc.value.messages[0]
    with in_scope(isp.tenant):
        assert OperatorPackage.objects.filter(pk=setup.package.pk).exists()


def test_a_billing_profile_with_customers_is_not_deleted(isp, setup):
    with in_scope(isp.tenant), pytest.raises(BusinessRuleError) as exc:
        catalog.billing_profile_delete(profile=setup.billing, by=fresh_user(isp.ga))
    assert exc.value.messages == [
        f"“{setup.billing.name}” is used by 1 customer; move it to another one first."
    ]
    with in_scope(isp.tenant):
        assert BillingProfile.objects.filter(pk=setup.billing.pk).exists()


def test_a_pool_holding_static_addresses_is_not_deleted(isp, setup):
    with in_scope(isp.tenant):
        pool = IPPool.objects.get(pk=setup.pool.pk)
        with pytest.raises(BusinessRuleError) as exc:
            pools.ip_pool_delete(pool=pool, by=fresh_user(isp.ga))
    assert exc.value.messages == [
        f"The pool “{pool.name}” holds the static addresses of 1 customer(s); "
        "move them to another pool first."
    ]
    with in_scope(isp.tenant):
        assert IPPool.objects.filter(pk=pool.pk).exists()


def test_renaming_a_pool_rewrites_the_package_group(isp, setup, django_capture_on_commit_callbacks):
    with in_scope(isp.tenant), django_capture_on_commit_callbacks(execute=True):
        pools.ip_pool_update(pool=setup.pool, by=fresh_user(isp.ga), data={"name": "renamed"})
    with in_scope(isp.tenant):
        assert expected_replies(isp.tenant, setup.customer.username)["Framed-Pool"] == "renamed"


def test_moving_a_profile_to_another_pool_rewrites_the_package_group(
    isp, setup, django_capture_on_commit_callbacks
):
    from netbill.network.tests.pool_helpers import make_pool

    other = make_pool(by=isp.ga, name="other-pool", subnet="10.66.0.0/24")
    with in_scope(isp.tenant), django_capture_on_commit_callbacks(execute=True):
        pools.pppoe_profile_update(
            profile=setup.profile, by=fresh_user(isp.ga), data={"ipv4_pool": other}
        )
    with in_scope(isp.tenant):
        assert expected_replies(isp.tenant, setup.customer.username)["Framed-Pool"] == "other-pool"
