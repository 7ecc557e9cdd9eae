import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Login throttling counts in the cache (process memory in tests): start clean."""
    cache.clear()
    yield
    cache.clear()
