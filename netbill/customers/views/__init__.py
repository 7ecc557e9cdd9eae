"""Customer pages (customers.py), the customer settings pages (settings.py), the
imports (imports.py: Excel; mikrotik.py: from a router), the bulk changes and exports
(bulk.py) and the background jobs' pages (jobs.py)."""

from . import bulk, customers, imports, jobs, mikrotik, settings

urlpatterns = [
    *settings.urlpatterns,
    *customers.urlpatterns,
    *imports.urlpatterns,
    *mikrotik.urlpatterns,
    *bulk.urlpatterns,
    *jobs.urlpatterns,
]

__all__ = ["bulk", "customers", "imports", "jobs", "mikrotik", "settings", "urlpatterns"]
