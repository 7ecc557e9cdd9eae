"""Customer services: the customers themselves (customers.py) and the customer
settings, custom fields and mandatory attributes (settings.py)."""

from .bulk import customers_bulk_create
from .bulk_update import (
    BULK_CHANGES,
    BulkCustomerFilterSet,
    BulkResult,
    customers_bulk_change,
    customers_bulk_selection,
)
from .customers import (
    CUSTOMER_FIELDS,
    customer_change_package,
    customer_change_status,
    customer_create,
    customer_disconnect,
    customer_radius_sync,
    customer_set_custom_price,
    customer_update,
)
from .settings import (
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    mandatory_attributes_for,
    mandatory_attributes_update,
)

__all__ = [
    "BULK_CHANGES",
    "BulkCustomerFilterSet",
    "BulkResult",
    "CUSTOMER_FIELDS",
    "custom_field_create",
    "custom_field_delete",
    "custom_field_update",
    "customer_change_package",
    "customer_change_status",
    "customer_create",
    "customer_disconnect",
    "customer_radius_sync",
    "customer_set_custom_price",
    "customer_update",
    "customers_bulk_change",
    "customers_bulk_create",
    "customers_bulk_selection",
    "mandatory_attributes_for",
    "mandatory_attributes_update",
]
