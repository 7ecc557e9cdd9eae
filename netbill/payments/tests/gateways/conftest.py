import pytest
from django.core.cache import cache

from netbill.billing.tests.helpers import billed_customer


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Tokens and signing certificates live in the cache: each test starts empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def customer(isp):
    """A customer of operator X with two unpaid bills."""
    customer, _run = billed_customer(isp)
    return customer
