"""/api/v1/accounts/ and /api/v1/journal-entries/: Accounting → Accounts and the
journal, read-only (accounting.view, at the root of the ISP only: see
`permissions.AtISPRoot`)."""

from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, OuterRef, Subquery, Sum, When
from django.db.models.functions import Coalesce
from rest_framework import mixins

from netbill.core.api import CodePermission, TenantViewSet

from ..choices import AccountTypeChoices
from ..models import Account, JournalEntry
from .filters import AccountAPIFilterSet, JournalEntryAPIFilterSet
from .permissions import AtISPRoot
from .serializers import AccountSerializer, JournalEntryDetailSerializer, JournalEntrySerializer

MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Decimal("0.00")


def _sum(field: str):
    return Coalesce(Sum(field), ZERO, output_field=MONEY)


class AccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The chart of accounts with each account's debits, credits and balance (from
    the ledger, never a cached figure). Statements are on the panel's account page."""

    model = Account
    queryset = Account.objects.none()
    serializer_class = AccountSerializer
    filterset_class = AccountAPIFilterSet
    permission_classes = [CodePermission, AtISPRoot]
    permission_codes = {"*": "accounting.view"}

    def get_base_queryset(self):
        debit, credit = F("debit_total"), F("credit_total")
        return (
            Account.objects.annotate(
                debit_total=_sum("lines__debit"), credit_total=_sum("lines__credit")
            )
            .annotate(
                balance_total=Case(
                    When(
                        type__in=[AccountTypeChoices.ASSET, AccountTypeChoices.EXPENSE],
                        then=debit - credit,
                    ),
                    default=credit - debit,
                    output_field=MONEY,
                )
            )
            .order_by("code")
        )


class JournalEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Posted journal entries, newest first (filters: date range, source, account).
    One entry shows its lines; entries are immutable, corrections are reversals."""

    model = JournalEntry
    queryset = JournalEntry.objects.none()
    serializer_class = JournalEntrySerializer
    filterset_class = JournalEntryAPIFilterSet
    permission_classes = [CodePermission, AtISPRoot]
    permission_codes = {"*": "accounting.view"}

    def get_serializer_class(self):
        if self.action == "retrieve":
            return JournalEntryDetailSerializer
        return JournalEntrySerializer

    def get_base_queryset(self):
        reversal = JournalEntry.objects.filter(reverses_id=OuterRef("pk")).values("pk")[:1]
        entries = JournalEntry.objects.annotate(
            debit_total=_sum("lines__debit"),
            line_count=Count("lines"),
            reversal_id=Subquery(reversal),
        ).order_by("-date", "-id")
        if getattr(self, "action", None) == "retrieve":
            entries = entries.prefetch_related("lines__account")
        return entries


def register(router) -> None:
    """Add the accounting viewsets to the /api/v1/ router."""
    router.register("accounts", AccountViewSet, basename="account")
    router.register("journal-entries", JournalEntryViewSet, basename="journal-entry")
