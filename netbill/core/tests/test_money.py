"""core.money: Decimal with two places, half up, one currency, never float."""

from decimal import Decimal, InvalidOperation

import pytest
from django.db import models

from netbill.core.money import TWO_PLACES, Money, MoneyAmountField, quantize, zero


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2.675", "2.68"),  # half up, where float rounding would give 2.67
        ("2.665", "2.67"),
        ("2.664", "2.66"),
        ("-2.675", "-2.68"),  # half away from zero
        ("-2.664", "-2.66"),
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("1000", "1000.00"),
        (7, "7.00"),
        (Decimal("99.999"), "100.00"),
        ("1e3", "1000.00"),
    ],
)
def test_quantize_rounds_half_up_to_two_places(raw, expected):
    result = quantize(raw)
    assert result == Decimal(expected)
    assert str(result) == expected
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize("value", [0.1, 2.675, 0.0, float("nan")])
def test_quantize_refuses_float(value):
    with pytest.raises(TypeError, match="never a float"):
        quantize(value)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", Decimal("NaN")])
def test_quantize_refuses_non_finite_numbers(value):
    with pytest.raises(ValueError, match="finite"):
        quantize(value)


def test_quantize_refuses_text_that_is_not_a_number():
    with pytest.raises(InvalidOperation):
        quantize("12 taka")


def test_money_quantizes_its_amount():
    assert Money(Decimal("10.005"), "BDT").amount == Decimal("10.01")
    assert Money("3", "BDT").amount == Decimal("3.00")


def test_money_refuses_float():
    with pytest.raises(TypeError):
        Money(10.5, "BDT")


def test_money_is_immutable():
    m = Money(Decimal("1"), "BDT")
    with pytest.raises(AttributeError):
        m.amount = Decimal("2")


def test_money_arithmetic():
    a = Money(Decimal("100.10"), "BDT")
    b = Money(Decimal("0.25"), "BDT")
    assert a + b == Money(Decimal("100.35"), "BDT")
    assert a - b == Money(Decimal("99.85"), "BDT")
    assert b - a == Money(Decimal("-99.85"), "BDT")
    assert (a + b).currency == "BDT"
    assert sum([a, b], zero("BDT")) == Money(Decimal("100.35"), "BDT")


def test_money_equality_is_by_value():
    assert Money(Decimal("1"), "BDT") == Money(Decimal("1.00"), "BDT")
    assert Money(Decimal("1"), "BDT") != Money(Decimal("1"), "USD")


@pytest.mark.parametrize("op", ["add", "sub"])
def test_money_refuses_to_mix_currencies(op):
    bdt, usd = Money(Decimal("1"), "BDT"), Money(Decimal("1"), "USD")
    with pytest.raises(ValueError, match="Cannot mix BDT and USD"):
        bdt + usd if op == "add" else bdt - usd


@pytest.mark.parametrize("other", [5, Decimal("5"), "5"])
def test_money_refuses_bare_numbers(other):
    m = Money(Decimal("1"), "BDT")
    with pytest.raises(TypeError):
        m + other
    with pytest.raises(TypeError):
        m - other
    with pytest.raises(TypeError):
        other + m


def test_money_str():
    assert str(Money(Decimal("1234567.5"), "BDT")) == "BDT 1,234,567.50"
    assert str(Money(Decimal("-3"), "BDT")) == "BDT -3.00"


def test_zero():
    assert zero("BDT") == Money(Decimal("0.00"), "BDT")
    assert str(zero("BDT").amount) == "0.00"


def test_money_amount_field():
    field = MoneyAmountField(verbose_name="balance")
    assert isinstance(field, models.DecimalField)
    assert (field.max_digits, field.decimal_places, field.default) == (14, 2, Decimal("0.00"))
    assert str(field.verbose_name) == "balance"
    custom = MoneyAmountField(default=Decimal("5.00"), max_digits=16)
    assert (custom.max_digits, custom.default) == (16, Decimal("5.00"))
    assert Decimal("0.01") == TWO_PLACES
