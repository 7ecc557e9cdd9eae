"""Billing forms: cancelling a bill, Settings → Billing Settings, and a customer's
auto-suspension exemptions. Each validates input for one service call."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import FirstBillChoices

__all__ = ["BillCancelForm", "BillingSettingsForm", "CustomerExemptionsForm"]


class BillCancelForm(forms.Form):
    """Bill → Cancel: the reason goes into the reversing journal entry and the audit log."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        help_text=_(
            "Kept in the reversing journal entry and the activity log. What was already "
            "paid on the bill becomes the customer's advance."
        ),
    )

    def __init__(self, *args, user=None, instance=None, **kwargs):
        self.user, self.instance = user, instance
        super().__init__(*args, **kwargs)


class BillingSettingsForm(forms.Form):
    """Settings → Billing Settings."""

    first_bill = forms.ChoiceField(label=_("First bill"), choices=FirstBillChoices.choices)
    run_hour = forms.IntegerField(
        label=_("Run hour"),
        min_value=0,
        max_value=23,
        help_text=_("The hour (in the ISP's time zone) after which the day's bill runs start."),
    )
    suspension_breaker_percent = forms.DecimalField(
        label=_("Suspension circuit breaker (%)"),
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        help_text=_(
            "A suspension run that would suspend more than this share of the customers "
            "waits for a Group Admin's confirmation."
        ),
    )

    def __init__(self, *args, instance=None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs["initial"] = {
                "first_bill": instance.first_bill,
                "run_hour": instance.run_hour,
                "suspension_breaker_percent": instance.suspension_breaker_percent,
                **(kwargs.get("initial") or {}),
            }
        super().__init__(*args, **kwargs)


class CustomerExemptionsForm(forms.Form):
    """Customer profile → auto-suspension exemptions: "never auto-suspend", and a
    promise-to-pay date until which the customer is not auto-suspended."""

    never_auto_suspend = forms.BooleanField(label=_("Never auto-suspend"), required=False)
    suspension_extended_until = forms.DateField(
        label=_("Promise to pay until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Not auto-suspended until this date (inclusive). Leave empty for none."),
    )

    def __init__(self, *args, user=None, instance=None, **kwargs):
        self.user, self.instance = user, instance
        if instance is not None:
            kwargs["initial"] = {
                "never_auto_suspend": instance.never_auto_suspend,
                "suspension_extended_until": instance.suspension_extended_until,
                **(kwargs.get("initial") or {}),
            }
        super().__init__(*args, **kwargs)
