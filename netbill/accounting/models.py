"""The double-entry ledger: a chart of accounts per ISP, journal entries and their lines.

Debits equal credits in every entry: the posting service checks it, and on PostgreSQL a
deferred constraint trigger checks it again at commit (migration 0002). Posted entries
are never changed or deleted (triggers refuse UPDATE and DELETE); a correction is a
reversing entry. Receivables and customer advances keep a per-customer sub-ledger, and
operator deposits and commissions a per-operator one, on the lines.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from netbill.core.models import TenantOwnedModel
from netbill.core.money import MoneyAmountField

from .choices import AccountTypeChoices, EntrySourceChoices


class Account(TenantOwnedModel):
    """An account of the chart. System accounts carry a `key` the services post to
    ("receivable", "gateway:bkash", ...); their key and type never change."""

    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=128)
    type = models.CharField(_("type"), max_length=16, choices=AccountTypeChoices.choices)
    key = models.CharField(_("system key"), max_length=32, null=True, blank=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="account_unique_code"),
            models.UniqueConstraint(
                fields=["tenant", "key"], condition=Q(key__isnull=False), name="account_unique_key"
            ),
            models.CheckConstraint(
                condition=Q(type__in=AccountTypeChoices.values), name="account_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("accounting:account", args=[self.pk])

    @property
    def is_system(self) -> bool:
        return bool(self.key)

    @property
    def debit_normal(self) -> bool:
        """Assets and expenses grow with debits; the others with credits."""
        return self.type in (AccountTypeChoices.ASSET, AccountTypeChoices.EXPENSE)


class JournalEntry(TenantOwnedModel):
    """One posting: a date in the ISP's time zone, what caused it, and balanced lines.

    `idempotency_key` (unique per ISP) makes a repeated request post nothing new;
    `reverses` points at the entry this one cancels (each entry is reversed at most
    once)."""

    date = models.DateField(_("date"))
    memo = models.CharField(_("memo"), max_length=255)
    source = models.CharField(_("source"), max_length=32, choices=EntrySourceChoices.choices)
    source_id = models.BigIntegerField(_("source id"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=96, null=True, blank=True)
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="journalentry_unique_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "date"], name="journalentry_tenant_date"),
            models.Index(fields=["tenant", "source", "source_id"], name="journalentry_source"),
        ]

    def __str__(self) -> str:
        return f"JE-{self.pk} {self.memo}"

    def get_absolute_url(self) -> str:
        return reverse("accounting:journal_entry", args=[self.pk])

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise ValueError("A posted journal entry is immutable; post a reversal instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A posted journal entry is immutable; post a reversal instead.")


class JournalLine(TenantOwnedModel):
    """A debit or a credit (never both, never zero) to one account, with the customer
    or operator of a sub-ledger where the account keeps one."""

    # The ISP is copied from the entry; as on bills, its foreign key is not checked row
    # by row (a bill run writes 100k lines in one commit). Tenants are never deleted.
    tenant = models.ForeignKey(
        "tenancy.Tenant",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=True,
        db_constraint=False,
    )
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    debit = MoneyAmountField(verbose_name=_("debit"))
    credit = MoneyAmountField(verbose_name=_("credit"))
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="journal_lines",
    )
    operator = models.ForeignKey(
        "accounts.Operator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="journal_lines",
    )
    # A card distributor's sub-ledger (its prepaid balance for recharge cards). Not
    # checked row by row either: bill runs never set it, and users are never deleted
    # while they have lines (PROTECT in the service that removes them).
    distributor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    memo = models.CharField(_("memo"), max_length=255, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(credit__gt=0) & Q(debit=0)),
                name="journalline_one_side",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "account"], name="journalline_account"),
            models.Index(fields=["customer", "account"], name="journalline_customer"),
            models.Index(fields=["operator", "account"], name="journalline_operator"),
        ]

    def __str__(self) -> str:
        side = f"Dr {self.debit}" if self.debit else f"Cr {self.credit}"
        return f"{self.account} {side}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A posted journal line is immutable; post a reversal instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A posted journal line is immutable; post a reversal instead.")
