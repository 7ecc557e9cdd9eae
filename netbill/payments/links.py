"""Payment links: Send Payment Link (customer profile) and Payment Link Broadcast.

A link is a row (`PaymentLink`: for whom, how much was due when sent, until when) and
a URL carrying its random token signed with the site's key
(/pay/<isp>/link/<token>:<signature>/). The public page (`link_public_views`) resolves
the URL back to the row of that ISP only, refuses a tampered or expired one, and lets
the customer pay what is due *now* through any active gateway; `gateway_services.settle`
marks the link paid.

The event "payment_link.created" is published on commit so that the notifications
module can send the link by SMS or WhatsApp.
"""

import secrets
from datetime import timedelta
from decimal import Decimal

from django.core import signing
from django.db import transaction
from django.db.models import DecimalField, Exists, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from netbill.billing.choices import OPEN_STATUSES, BillStatusChoices
from netbill.billing.models import Bill
from netbill.core.audit import audit_record
from netbill.core.events import publish
from netbill.core.exceptions import BusinessRuleError
from netbill.core.permissions import restrict
from netbill.core.services import require_permission
from netbill.customers.models import Customer

from .gateway_services import customer_due
from .models import PaymentLink

__all__ = [
    "BROADCAST_JOB_KIND",
    "PERMISSION",
    "LinkChannelChoices",
    "LinkExpired",
    "LinkInvalid",
    "LinkPaymentStatusChoices",
    "NothingDue",
    "broadcast_customers",
    "link_opened",
    "link_path",
    "link_resolve",
    "link_signed",
    "link_status",
    "link_url",
    "mask_name",
    "payment_link_create",
]

PERMISSION = "payment_links.send"
SALT = "payments.link"
BROADCAST_JOB_KIND = "payments.link_broadcast"
DEFAULT_VALID_DAYS = 7
MAX_VALID_DAYS = 90


class LinkChannelChoices:
    """How the link reaches the customer: copied by staff, or sent by SMS / WhatsApp
    (by the notifications module, on the "payment_link.created" event)."""

    COPY = "copy"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    choices = [
        (COPY, _l("Copy (I send it myself)")),
        (SMS, _l("SMS")),
        (WHATSAPP, _l("WhatsApp")),
    ]
    values = (COPY, SMS, WHATSAPP)


class LinkPaymentStatusChoices:
    """Payment Link Broadcast's "payment status" filter."""

    DUE = "due"
    UNPAID = "unpaid"
    PARTIAL = "partial"
    choices = [
        (DUE, _l("All with dues")),
        (UNPAID, _l("With unpaid bills")),
        (PARTIAL, _l("With partially paid bills")),
    ]
    values = (DUE, UNPAID, PARTIAL)


class LinkInvalid(Exception):
    """The URL is not a link of this ISP: tampered, unknown, or another ISP's."""


class LinkExpired(Exception):
    """A real link of this ISP whose time is over."""

    def __init__(self, link: PaymentLink):
        super().__init__(f"Payment link {link.pk} expired at {link.expires_at}.")
        self.link = link


class NothingDue(BusinessRuleError):
    """The customer owes nothing now: there is nothing to send a link for."""


#
# The URL
#


def link_signed(link: PaymentLink) -> str:
    """The link's token with the site's signature ("<token>:<signature>")."""
    return signing.Signer(salt=SALT).sign(link.token)


def link_path(link: PaymentLink) -> str:
    return reverse(
        "payments_public:link", kwargs={"isp": link.tenant.slug, "signed": link_signed(link)}
    )


def link_url(link: PaymentLink, base_url: str) -> str:
    """The absolute URL, given the site's base ("https://billing.example.net")."""
    return base_url.rstrip("/") + link_path(link)


def link_resolve(tenant, signed: str) -> PaymentLink:
    """The link of `tenant` that `signed` names. Raises LinkInvalid (bad signature,
    unknown token, another ISP's link) or LinkExpired."""
    try:
        token = signing.Signer(salt=SALT).unsign(signed)
    except signing.BadSignature:
        raise LinkInvalid("Bad signature.") from None
    link = (
        PaymentLink.objects.filter(tenant=tenant, token=token)
        .select_related("tenant", "customer")
        .first()
    )
    if link is None:
        raise LinkInvalid("No such link in this ISP.")
    if link.expires_at <= timezone.now():
        raise LinkExpired(link)
    return link


def link_status(link: PaymentLink, now=None) -> str:
    """paid, expired, opened or sent (in that order of precedence)."""
    now = now or timezone.now()
    if link.paid_at:
        return "paid"
    if link.expires_at <= now:
        return "expired"
    if link.opened_at:
        return "opened"
    return "sent"


STATUS_LABELS = {
    "paid": _l("Paid"),
    "expired": _l("Expired"),
    "opened": _l("Opened"),
    "sent": _l("Sent"),
}


def mask_name(name: str) -> str:
    """ "Rahim Uddin" → "Ra*** Ud***": enough for the customer to recognise, not
    enough for whoever else sees the link to learn the name."""
    parts = []
    for word in (name or "").split():
        keep = 1 if len(word) <= 3 else 2
        parts.append(word[:keep] + "***")
    return " ".join(parts)


#
# Writes
#


def payment_link_create(
    *,
    customer: Customer,
    by,
    channel: str = LinkChannelChoices.COPY,
    valid_days: int = DEFAULT_VALID_DAYS,
    job=None,
) -> PaymentLink:
    """Send Payment Link: a new link for what `customer` owes now, valid for
    `valid_days`. Refused (NothingDue) when nothing is due. Needs payment_links.send
    and the customer in reach."""
    require_permission(by, PERMISSION, customer)
    if channel not in LinkChannelChoices.values:
        raise BusinessRuleError({"channel": [_("Choose copy, SMS or WhatsApp.")]})
    try:
        valid_days = int(valid_days)
    except (TypeError, ValueError):
        valid_days = 0
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        raise BusinessRuleError(
            {"valid_days": [_("A link is valid for 1 to %(max)s days.") % {"max": MAX_VALID_DAYS}]}
        )
    with transaction.atomic():
        amount = customer_due(customer)
        if amount <= Decimal("0"):
            raise NothingDue(
                _("%(username)s owes nothing now: there is nothing to send a link for.")
                % {"username": customer.username},
                code="nothing_due",
            )
        link = PaymentLink.objects.create(
            tenant_id=customer.tenant_id,
            customer=customer,
            token=secrets.token_urlsafe(24),
            amount=amount,
            expires_at=timezone.now() + timedelta(days=valid_days),
            channel=channel,
            created_by=by if getattr(by, "pk", None) else None,
            job=job,
        )
        audit_record(
            tenant=customer.tenant,
            actor=by,
            action="payment_link.created",
            obj=link,
            object_repr=f"{customer.username} {amount}",
            after={
                "customer": customer.username,
                "amount": str(amount),
                "channel": channel,
                "expires_at": link.expires_at.isoformat(),
                "job": job.pk if job is not None else None,
            },
        )
        publish(
            "payment_link.created",
            tenant_id=link.tenant_id,
            link_id=link.pk,
            customer_id=customer.pk,
            channel=channel,
            url_path=link_path(link),
        )
    return link


def link_opened(link: PaymentLink) -> None:
    """The customer opened the link: the first time is kept."""
    if link.opened_at is None:
        now = timezone.now()
        PaymentLink.objects.filter(pk=link.pk, opened_at__isnull=True).update(opened_at=now)
        link.opened_at = now


#
# Reads
#


def broadcast_customers(*, user, zone=None, operator=None, payment_status="due"):
    """Payment Link Broadcast: the customers in `user`'s reach matching the filters who
    owe something now (annotated with `due`), in username order."""
    bills = Bill.objects.filter(customer=OuterRef("pk"))
    if payment_status == LinkPaymentStatusChoices.UNPAID:
        wanted = bills.filter(status=BillStatusChoices.UNPAID)
    elif payment_status == LinkPaymentStatusChoices.PARTIAL:
        wanted = bills.filter(status=BillStatusChoices.PARTIAL)
    else:
        wanted = bills.filter(status__in=OPEN_STATUSES)
    rows = restrict(Customer.objects.all(), user, PERMISSION).filter(Exists(wanted))
    if zone is not None:
        rows = rows.filter(zone=zone)
    if operator is not None:
        rows = rows.filter(operator__path__startswith=operator.path)
    due = (
        Bill.objects.filter(customer=OuterRef("pk"), status__in=OPEN_STATUSES)
        .order_by()
        .values("customer")
        .annotate(d=Sum(F("total") - F("paid_amount")))
        .values("d")
    )
    zero = Value(0, output_field=DecimalField(max_digits=14, decimal_places=2))
    return (
        rows.annotate(due=Coalesce(Subquery(due), zero, output_field=DecimalField()))
        .filter(due__gt=0)
        .order_by("username", "pk")
    )
