"""Customer pages (customers.py) and the customer settings pages (settings.py)."""

from . import customers, settings

urlpatterns = [*settings.urlpatterns, *customers.urlpatterns]

__all__ = ["customers", "settings", "urlpatterns"]
