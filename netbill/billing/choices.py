from django.db import models
from django.utils.translation import gettext_lazy as _


class BillStatusChoices(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    PARTIAL = "partial", _("Partially paid")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (BillStatusChoices.UNPAID, BillStatusChoices.PARTIAL)


class BillKindChoices(models.TextChoices):
    FIRST = "first", _("First bill")
    MONTHLY = "monthly", _("Monthly")
    DAILY = "daily", _("Daily")
    PREPAID = "prepaid", _("Prepaid validity")


class BillRunKindChoices(models.TextChoices):
    MONTHLY = "monthly", _("Monthly bills")
    DAILY = "daily", _("Daily deduction")
    PREPAID = "prepaid", _("Prepaid validity")
    SUSPENSION = "suspension", _("Auto-suspension")


class BillRunStatusChoices(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    AWAITING = "awaiting", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")


class FirstBillChoices(models.TextChoices):
    PRORATA = "prorata", _("Pro-rata to the next due day")
    FULL = "full", _("Full period")
    NONE = "none", _("No first bill: the next run bills the customer")
