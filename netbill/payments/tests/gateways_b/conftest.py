import pytest
from django.core.cache import cache

from netbill.billing.tests.helpers import billed_customer


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Gateway tokens are cached (ShurjoPay); every test starts without one."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def customer(isp):
    """A customer of ISP Alpha with two unpaid bills."""
    customer, _run = billed_customer(isp)
    return customer
