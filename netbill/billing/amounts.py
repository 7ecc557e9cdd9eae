"""Bill arithmetic, in whole paisa (integers), so that Python and the set-based SQL of
the bill runs agree to the paisa on every database. VAT is rounded once per bill line,
half up (the rule of BDT receipts)."""

from dataclasses import dataclass
from decimal import Decimal

from netbill.core.money import quantize

MILLION = 1_000_000  # a rate of 1 % is 10,000 in rate_e4 units (four decimal places)


def to_paisa(amount: Decimal) -> int:
    return int(quantize(amount) * 100)


def rate_e4(rate: Decimal) -> int:
    return int((Decimal(rate) * 10000).to_integral_value())


def from_paisa(paisa: int) -> Decimal:
    return quantize(Decimal(paisa) / 100)


def half_up_div(numerator: int, denominator: int) -> int:
    """round(numerator / denominator), halves up, for numerator ≥ 0."""
    return (2 * numerator + denominator) // (2 * denominator)


def vat_paisa(subtotal: int, rate: int, inclusive: bool) -> int:
    if not rate or subtotal <= 0:
        return 0
    if inclusive:
        return half_up_div(subtotal * rate, MILLION + rate)
    return half_up_div(subtotal * rate, MILLION)


def prorate_paisa(price: int, days: int, period_days: int) -> int:
    return half_up_div(price * days, period_days)


@dataclass(frozen=True)
class Amounts:
    price: Decimal
    discount: Decimal
    vat: Decimal
    total: Decimal

    @property
    def net(self) -> Decimal:
        return self.total - self.vat


def bill_amounts(
    price: Decimal, vat_rate: Decimal | None, inclusive: bool, discount: Decimal = Decimal("0")
) -> Amounts:
    """Price less discount, with VAT added (exclusive) or contained (inclusive)."""
    price_p, discount_p = to_paisa(price), to_paisa(discount)
    if discount_p < 0 or discount_p > price_p:
        raise ValueError("A discount is between zero and the price.")
    subtotal = price_p - discount_p
    vat = vat_paisa(subtotal, rate_e4(vat_rate or 0), inclusive)
    total = subtotal if inclusive else subtotal + vat
    return Amounts(from_paisa(price_p), from_paisa(discount_p), from_paisa(vat), from_paisa(total))
