"""core.phone: Bangladeshi mobile numbers in any format → +8801XXXXXXXXX."""

import pytest
from django.core.exceptions import ValidationError

from netbill.core.phone import normalize_mobile, try_normalize_mobile


@pytest.mark.parametrize(
    "raw",
    [
        "01711234567",
        "+8801711234567",
        "8801711234567",
        "008801711234567",
        "1711234567",
        "01711-234567",
        "017-1123-4567",
        "+880 1711 234567",
        "+880-1711-234567",
        "(017) 1123-4567",
        "  01711234567  ",
        "০১৭১১২৩৪৫৬৭",  # Bengali digits
    ],
)
def test_every_format_of_one_number(raw):
    assert normalize_mobile(raw) == "+8801711234567"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01311234567", "+8801311234567"),
        ("01411234567", "+8801411234567"),
        ("01511234567", "+8801511234567"),
        ("01611234567", "+8801611234567"),
        ("01811234567", "+8801811234567"),
        ("01911234567", "+8801911234567"),
    ],
)
def test_every_operator_prefix(raw, expected):
    assert normalize_mobile(raw) == expected


@pytest.mark.parametrize("raw", ["029555555", "0241234567", "+880 2 9555555", "+88029555555"])
def test_landlines_are_refused(raw):
    with pytest.raises(ValidationError) as exc:
        normalize_mobile(raw)
    assert exc.value.code == "not_mobile"
    assert exc.value.messages == ["This is not a mobile number."]


@pytest.mark.parametrize(
    "raw",
    ["hello", "01211234567", "0171123456", "017112345678", "+880", "0", "abc01711"],
)
def test_garbage_is_refused(raw):
    with pytest.raises(ValidationError) as exc:
        normalize_mobile(raw)
    assert exc.value.code == "invalid"
    assert exc.value.messages == ["Enter a valid mobile number."]


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_empty_is_refused(raw):
    with pytest.raises(ValidationError) as exc:
        normalize_mobile(raw)
    assert exc.value.code == "required"
    assert exc.value.messages == ["Enter a mobile number."]


def test_region_can_be_given():
    assert normalize_mobile("07911 123456", region="GB") == "+447911123456"


def test_try_normalize_mobile():
    assert try_normalize_mobile("01711234567") == "+8801711234567"
    assert try_normalize_mobile("029555555") is None
    assert try_normalize_mobile("alice") is None
    assert try_normalize_mobile("") is None
