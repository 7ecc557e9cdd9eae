"""The billing section of the customer profile: advance balance, what the customer
owes, prepaid expiry, auto-suspension exemptions, the last bills, and the Receive
Payment / Advance Payment buttons.

Money: shown only to holders of bills.view for the customer (NOC users never hold it,
so they never see the section). BillingConfig.ready() calls `register()`.
"""

from django.db.models import DecimalField, F, Sum, Value
from django.db.models.functions import Coalesce

from netbill.core.permissions import can, restrict
from netbill.customers.profile import register_section

from .choices import OPEN_STATUSES
from .forms import CustomerExemptionsForm
from .models import Bill
from .tables import bill_status_badge
from .views import url_or_empty

BILLS_SHOWN = 12
TEMPLATE = "billing/customer_section.html"


def section_context(request, customer) -> dict | None:
    user = request.user
    if not can(user, "bills.view", customer):
        return None
    bills = restrict(Bill.objects.select_related("tenant"), user, "bills.view").filter(
        customer=customer
    )
    owes = (
        bills.filter(status__in=OPEN_STATUSES)
        .order_by()
        .aggregate(
            owed=Coalesce(
                Sum(F("total") - F("paid_amount")),
                Value(0, output_field=DecimalField(max_digits=14, decimal_places=2)),
            )
        )["owed"]
    )
    recent = [
        {"bill": bill, "badge": bill_status_badge(bill.status)}
        for bill in bills.order_by("-period_start", "-id")[:BILLS_SHOWN]
    ]
    may_receive = can(user, "payments.receive", customer)
    may_exempt = can(user, "customers.suspend", customer)
    return {
        "advance": customer.advance_balance,
        "owes": owes,
        "expiry_date": customer.expiry_date,
        "never_auto_suspend": customer.never_auto_suspend,
        "extended_until": customer.suspension_extended_until,
        "bills": recent,
        "bill_list_url": url_or_empty("billing:bill_list"),
        "receive_url": url_or_empty("payments:receive", customer.pk) if may_receive else "",
        "advance_url": url_or_empty("payments:advance", customer.pk) if may_receive else "",
        "exemptions_form": CustomerExemptionsForm(user=user, instance=customer)
        if may_exempt
        else None,
    }


def register() -> None:
    """Add the section to the profile (idempotent: registering twice adds it once)."""
    register_section(template=TEMPLATE, context=section_context, order=50)
