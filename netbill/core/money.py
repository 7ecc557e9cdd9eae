"""Money: Decimal with two places, one currency per tenant, never float."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models

TWO_PLACES = Decimal("0.01")


def quantize(value: Decimal | int | str) -> Decimal:
    """Round to two places, half up (the rule of BDT receipts)."""
    if isinstance(value, float):
        raise TypeError("Money is never a float; pass a Decimal or a string.")
    value = Decimal(value)
    if not value.is_finite():
        # Decimal("NaN") would quantize to NaN and slip into every sum after it.
        raise ValueError("An amount of money must be a finite number.")
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self):
        object.__setattr__(self, "amount", quantize(self.amount))

    def __add__(self, other: "Money") -> "Money":
        if not isinstance(other, Money):
            return NotImplemented  # a bare number has no currency: TypeError
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def _same_currency(self, other: "Money") -> None:
        if other.currency != self.currency:
            raise ValueError(f"Cannot mix {self.currency} and {other.currency}.")

    def __str__(self) -> str:
        return f"{self.currency} {self.amount:,.2f}"


def zero(currency: str) -> Money:
    return Money(Decimal("0"), currency)


def MoneyAmountField(**kwargs) -> models.DecimalField:  # noqa: N802 (a field factory)
    """The one model field for amounts of money."""
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 2)
    kwargs.setdefault("default", Decimal("0.00"))
    return models.DecimalField(**kwargs)
