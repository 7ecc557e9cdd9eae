"""network.ratelimit: our Mikrotik-Rate-Limit parser (radius-mikrotik.md §2.1)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netbill.network.ratelimit import (
    Pair,
    RateLimit,
    RateLimitError,
    format_rate,
    normalize,
    parse,
)

#
# Examples
#


def test_the_spec_example_round_trips():
    text = "5M/10M 8M/15M 4M/8M 16/16 8 2M/4M"
    limit = parse(text)
    assert limit == RateLimit(
        rate=Pair(5_000_000, 10_000_000),
        burst_rate=Pair(8_000_000, 15_000_000),
        burst_threshold=Pair(4_000_000, 8_000_000),
        burst_time=Pair(16, 16),
        priority=8,
        rate_min=Pair(2_000_000, 4_000_000),
    )
    assert str(limit) == text
    # rx is the customer's upload, tx the download.
    assert (limit.upload, limit.download) == (5_000_000, 10_000_000)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("5M", "5M/5M"),
        ("10M/10M", "10M/10M"),
        ("512k/1G", "512k/1G"),
        ("512K/2048k", "512k/2048k"),
        ("1500/64000", "1500/64k"),
        ("0/0", "0/0"),
        ("  10M/10M   12M/12M  8M/8M 10/10 ", "10M/10M 12M/12M 8M/8M 10/10"),
        ("10M/10M 12M 8M 10s", "10M/10M 12M/12M 8M/8M 10/10"),
        ("2M/4M 0/0 0/0 1/1 1", "2M/4M 0/0 0/0 1/1 1"),
        ("0/0 0/0 0/0 0/0 8 5M/5M", "0/0 0/0 0/0 0/0 8 5M/5M"),  # 0 is unlimited
        ("1000000/2000000", "1M/2M"),
    ],
)
def test_valid_rate_limits_normalise(text, canonical):
    assert normalize(text) == canonical
    assert normalize(canonical) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a rate limit"),
        ("10m", "lower-case m is not a unit"),
        ("10Mb/10Mb", "is not a rate"),
        ("1.5M", "is not a rate"),
        ("-5M", "is not a rate"),
        ("5M/5M/5M", "rx/tx"),
        ("5M/", "rx/tx"),
        ("/5M", "rx/tx"),
        ("5M 6M 7M 8s 9", "from 1 (highest) to 8"),
        ("5M 6M 7M 8s 0", "from 1 (highest) to 8"),
        ("5M 6M 7M 8s x", "from 1 (highest) to 8"),
        ("5M 6M 7M 8x", "is not a burst time"),
        ("5M 6M 7M 100000", "over a day"),
        ("5M 6M 7M 8 1 6M/1M", "The minimum rate 6M/1M exceeds the rate 5M/5M."),
        ("2T", "is not a rate"),
        ("2000G", "faster than 1 Tbit/s"),
        ("1M 1M 1M 1 1 1M 1M", "at most six parts"),
    ],
)
def test_invalid_rate_limits_say_why(text, message):
    with pytest.raises(RateLimitError) as exc:
        parse(text)
    assert message in str(exc.value)


def test_a_part_needs_every_part_before_it():
    with pytest.raises(RateLimitError, match="needs every part before it"):
        RateLimit(rate=Pair(1, 1), priority=3)


def test_format_rate_picks_the_largest_exact_unit():
    assert [format_rate(v) for v in (0, 999, 1000, 1500, 2_000_000, 3_000_000_000)] == [
        "0",
        "999",
        "1k",
        "1500",
        "2M",
        "3G",
    ]


#
# Properties
#

rates = st.one_of(
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=0, max_value=1000).map(lambda n: n * 1000),
    st.integers(min_value=0, max_value=1000).map(lambda n: n * 1_000_000),
    st.integers(min_value=0, max_value=1000).map(lambda n: n * 1_000_000_000),
)
rate_pairs = st.builds(Pair, rates, rates)
time_pairs = st.builds(
    Pair, st.integers(min_value=0, max_value=86_400), st.integers(min_value=0, max_value=86_400)
)


@st.composite
def rate_limits(draw):
    """Any valid RateLimit: 1 to 6 parts, minimum rates never above the rates."""
    depth = draw(st.integers(min_value=1, max_value=6))
    rate = draw(rate_pairs)
    values = {"rate": rate}
    if depth >= 2:
        values["burst_rate"] = draw(rate_pairs)
    if depth >= 3:
        values["burst_threshold"] = draw(rate_pairs)
    if depth >= 4:
        values["burst_time"] = draw(time_pairs)
    if depth >= 5:
        values["priority"] = draw(st.integers(min_value=1, max_value=8))
    if depth >= 6:

        def floor(limit):
            return draw(st.integers(min_value=0, max_value=limit or 10**9))

        values["rate_min"] = Pair(floor(rate.rx), floor(rate.tx))
    return RateLimit(**values)


@given(rate_limits())
def test_format_then_parse_gives_back_the_same_rate_limit(limit):
    assert parse(str(limit)) == limit


@given(rate_limits())
def test_the_canonical_form_is_a_fixed_point(limit):
    text = str(limit)
    assert normalize(text) == text
    assert len(text.split()) == sum(
        getattr(limit, name) is not None
        for name in ("rate", "burst_rate", "burst_threshold", "burst_time", "priority", "rate_min")
    )


@given(rates)
def test_rates_round_trip_through_their_text(bits):
    assert parse(format_rate(bits)).rate == Pair(bits, bits)


@given(st.text(max_size=40))
def test_any_text_parses_or_says_why(text):
    try:
        limit = parse(text)
    except RateLimitError as exc:
        assert str(exc)
    else:
        assert parse(str(limit)) == limit


@pytest.mark.parametrize("text", ["٥M", "５M", "5M 6M 7M 8 ８"])
def test_only_ascii_digits_count(text):
    with pytest.raises(RateLimitError):
        parse(text)
