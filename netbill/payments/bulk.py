"""Bills & Payments → Manage Bulk Bills → Cancel selected: every selected bill is
cancelled by its own reversing entry (billing.services.bill_cancel), all in one
transaction, or none is.

Bulk Bill Paid is `payments.services.bills_bulk_pay`."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from netbill.billing import sql
from netbill.billing.choices import OPEN_STATUSES
from netbill.billing.models import Bill
from netbill.billing.services import bill_cancel
from netbill.core.exceptions import BusinessRuleError, OutOfReach
from netbill.core.permissions import in_reach
from netbill.core.services import require_permission

EDIT = "bills.edit"

# A cancellation of more bills than this is a bill run gone wrong: it is undone by an
# administrator, not by ticking a page of a list.
MAX_BILLS = 1000


@dataclass(frozen=True)
class BulkCancelled:
    cancelled: int
    amount: Decimal  # the total of the cancelled bills
    numbers: tuple[str, ...]


def bills_bulk_cancel(*, by, bill_ids: list, reason: str) -> BulkCancelled:
    """Cancel the selected unpaid or partly paid bills, each by a reversing entry (what
    was paid on a bill becomes its customer's advance). A bill out of the user's reach,
    paid or already cancelled refuses the whole action: nothing is posted."""
    require_permission(by, EDIT)
    reason = " ".join((reason or "").split())
    if not reason:
        raise BusinessRuleError({"reason": [_("Give a reason for the cancellation.")]})
    try:
        ids = sorted({int(pk) for pk in bill_ids})
    except (TypeError, ValueError):
        raise OutOfReach(_("Some of the selected bills are outside your reach.")) from None
    if not ids:
        raise BusinessRuleError(_("Select at least one bill."))
    if len(ids) > MAX_BILLS:
        raise BusinessRuleError(_("Cancel at most %(n)s bills at a time.") % {"n": MAX_BILLS})
    with transaction.atomic():
        # The same lock as payments and bill runs: no payment lands on a bill while it
        # is being cancelled.
        sql.lock_billing(by.tenant_id)
        bills = list(
            Bill.objects.select_for_update()
            .filter(tenant_id=by.tenant_id, pk__in=ids)
            .select_related("tenant", "operator")
            .order_by("pk")
        )
        if len(bills) != len(ids) or any(not in_reach(by, b) for b in bills):
            raise OutOfReach(_("Some of the selected bills are outside your reach."))
        closed = [b.number for b in bills if b.status not in OPEN_STATUSES]
        if closed:
            raise BusinessRuleError(
                _("These bills are paid or cancelled: %(numbers)s. Nothing was cancelled.")
                % {"numbers": ", ".join(closed[:10])}
            )
        for bill in bills:
            bill_cancel(bill=bill, by=by, reason=reason)
    return BulkCancelled(
        cancelled=len(bills),
        amount=sum((b.total for b in bills), Decimal("0")),
        numbers=tuple(b.number for b in bills),
    )
