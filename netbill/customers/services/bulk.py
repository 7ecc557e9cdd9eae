"""Set-based customer creation for imports (Excel, MikroTik): thousands of customers
in a few statements per batch, with everything a single Create Customer writes.

The rows come validated (`customers.imports.validate.validate_rows` applies the rules of
Create Customer to a whole file at once); the database's unique constraints still guard
against a concurrent create of the same username or address.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from netbill.core.audit import audit_bulk, snapshot
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError
from netbill.core.permissions import in_reach
from netbill.core.services import require_permission
from netbill.radius.services import radius_users_bulk_write

from ..choices import CustomerStatusChoices
from ..models import Customer, CustomerStatusChange
from .customers import (
    AUDIT_FIELDS,
    CREATE,
    CUSTOMER_FIELDS,
    customer_radius_entry,
    refuse_if_at_credit_limit,
)

__all__ = ["customers_bulk_create"]

BATCH = 2000


def customers_bulk_create(
    *, by, clean_rows: list[dict], reason: str = "", batch_size: int = BATCH
) -> list[int]:
    """Create customers from validated rows (dicts of CUSTOMER_FIELDS, foreign keys as
    instances, as `validate_rows` gives them) in one transaction: the customers, their
    first status-history row, their RADIUS rows and one audit entry each. Publishes one
    `customers.bulk_created` event (tenant_id, customer_ids) after commit. Returns the new
    customers' ids, in the order of the rows."""
    require_permission(by, CREATE)
    if not clean_rows:
        return []
    reason = reason or _("Imported")
    for row in clean_rows:
        if set(row) - set(CUSTOMER_FIELDS):
            raise BusinessRuleError(_("Unknown fields."))
        operator = row.get("operator")
        if operator is None or not in_reach(by, operator):
            raise BusinessRuleError(_("A row's operator is outside your reach."))
    for operator in {row["operator"] for row in clean_rows}:
        refuse_if_at_credit_limit(operator)
    tenant = by.tenant
    now = timezone.now()
    customers = [
        Customer(
            tenant_id=by.tenant_id,
            created_by=by,
            status=CustomerStatusChoices.ACTIVE,
            status_changed_at=now,
            **row,
        )
        for row in clean_rows
    ]
    try:
        with transaction.atomic():
            Customer.objects.bulk_create(customers, batch_size=batch_size)
            CustomerStatusChange.objects.bulk_create(
                (
                    CustomerStatusChange(
                        tenant_id=by.tenant_id,
                        customer=customer,
                        from_status="",
                        to_status=CustomerStatusChoices.ACTIVE,
                        reason=reason,
                        by=by,
                    )
                    for customer in customers
                ),
                batch_size=batch_size,
            )
            for customer in customers:
                customer.tenant = tenant  # customer_radius_entry reads the slug
            entries = [e for e in map(customer_radius_entry, customers) if e is not None]
            radius_users_bulk_write(tenant=tenant, users=entries, batch_size=batch_size)
            audit_bulk(
                tenant=tenant,
                actor=by,
                action="customer.created",
                items=[(c, None, snapshot(c, AUDIT_FIELDS)) for c in customers],
            )
            ids = [c.pk for c in customers]
            publish("customers.bulk_created", tenant_id=by.tenant_id, customer_ids=ids)
    except IntegrityError as exc:
        raise BusinessRuleError(
            _(
                "A username or static IP of the file was taken while it was being imported; "
                "nothing was imported. Check the file again and import it."
            )
        ) from exc
    return ids
