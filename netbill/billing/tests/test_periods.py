"""Billing dates: every day of 2023–2029 for every due day (0 = last day, 1–28, and the
29–31 that old data may hold), leap years, prepaid validity, and when the nightly runs
are due in the ISP's own time zone."""

import calendar
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import in_scope
from netbill.billing.choices import BillRunKindChoices, BillRunStatusChoices
from netbill.billing.models import BillRun
from netbill.billing.periods import (
    LAST_DAY,
    add_one_month,
    due_date_in,
    period_containing,
    validity_end,
)
from netbill.billing.services import RUN_ORDER, billing_settings_for, runs_due

FIRST, LAST = date(2023, 1, 1), date(2029, 12, 31)
DUE_DAYS = range(0, 32)  # 0 = last day; 29–31 fall on the last day of shorter months
ALL_DAYS = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]


def _expected_due(year: int, month: int, due_day: int) -> date:
    """The due date computed independently of periods.py."""
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if due_day == 0 else min(due_day, last))


def _next_month(day: date) -> tuple[int, int]:
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)


def _check_period(day: date, due_day: int) -> tuple[date, date]:
    start, end = period_containing(day, due_day)
    assert start <= day <= end, (day, due_day, start, end)
    # The period starts on the due date of its own month …
    assert start == _expected_due(start.year, start.month, due_day), (day, due_day, start)
    # … and ends the day before the due date of the next month.
    assert end + timedelta(days=1) == _expected_due(*_next_month(start), due_day), (
        day,
        due_day,
        end,
    )
    assert 28 <= (end - start).days + 1 <= 31
    return start, end


#
# Exhaustive: every day of seven years, every due day
#


@pytest.mark.parametrize("due_day", DUE_DAYS)
def test_every_day_lies_in_exactly_one_period(due_day):
    periods = set()
    for day in ALL_DAYS:
        periods.add(_check_period(day, due_day))
    ordered = sorted(periods)
    # Consecutive periods tile the years: no gap, no overlap.
    for (_s1, e1), (s2, _e2) in zip(ordered, ordered[1:], strict=False):
        assert s2 == e1 + timedelta(days=1), (due_day, e1, s2)
    # One period per month, and the days of all periods add up to the days covered.
    assert len(ordered) in (84, 85)
    covered = sum((e - s).days + 1 for s, e in ordered)
    assert covered == (ordered[-1][1] - ordered[0][0]).days + 1
    assert ordered[0][0] <= FIRST and ordered[-1][1] >= LAST


@pytest.mark.parametrize("due_day", DUE_DAYS)
def test_the_due_date_itself_starts_a_period(due_day):
    for year in range(2023, 2030):
        for month in range(1, 13):
            due = due_date_in(year, month, due_day)
            assert due == _expected_due(year, month, due_day)
            assert period_containing(due, due_day)[0] == due
            assert period_containing(due - timedelta(days=1), due_day)[1] == due - timedelta(days=1)


#
# Property tests over a wider range
#


@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    due_day=st.integers(min_value=0, max_value=31),
)
def test_period_properties(day, due_day):
    start, end = _check_period(day, due_day)
    after = period_containing(end + timedelta(days=1), due_day)
    before = period_containing(start - timedelta(days=1), due_day)
    assert after[0] == end + timedelta(days=1)
    assert before[1] == start - timedelta(days=1)
    assert period_containing(start, due_day) == period_containing(end, due_day) == (start, end)


@given(start=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_monthly_validity_properties(start):
    end = validity_end(start, monthly=True, days=None)
    assert start <= end
    next_month_end = add_one_month(date(start.year, start.month, 1)) + timedelta(days=40)
    next_month_end = next_month_end.replace(day=1) - timedelta(days=1)
    if start.day > next_month_end.day:
        # 29–31 Jan: to the last day of February, so that no day is lost.
        assert end == next_month_end
    else:
        assert end + timedelta(days=1) == add_one_month(start)
    assert 28 <= (end - start).days + 1 <= 31


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2026, 1, 29), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2026, 1, 28), date(2026, 2, 27)),
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 4, 30), date(2026, 5, 29)),
    ],
)
def test_monthly_validity_at_month_ends(start, end):
    assert validity_end(start, monthly=True, days=None) == end


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    days=st.integers(min_value=1, max_value=400),
)
def test_validity_of_n_days_is_n_days(start, days):
    end = validity_end(start, monthly=False, days=days)
    assert (end - start).days + 1 == days


#
# Month ends and leap years, by example
#


@pytest.mark.parametrize(
    ("day", "due_day", "period"),
    [
        # Last day of the month (0): February has 29 days in 2024 and 2028.
        (date(2024, 2, 29), LAST_DAY, (date(2024, 2, 29), date(2024, 3, 30))),
        (date(2024, 2, 28), LAST_DAY, (date(2024, 1, 31), date(2024, 2, 28))),
        (date(2025, 2, 28), LAST_DAY, (date(2025, 2, 28), date(2025, 3, 30))),
        (date(2028, 2, 29), LAST_DAY, (date(2028, 2, 29), date(2028, 3, 30))),
        (date(2023, 12, 31), LAST_DAY, (date(2023, 12, 31), date(2024, 1, 30))),
        (date(2024, 1, 1), LAST_DAY, (date(2023, 12, 31), date(2024, 1, 30))),
        # 29–31 fall on the last day of shorter months.
        (date(2024, 2, 29), 29, (date(2024, 2, 29), date(2024, 3, 28))),
        (date(2025, 2, 28), 29, (date(2025, 2, 28), date(2025, 3, 28))),
        (date(2025, 3, 29), 29, (date(2025, 3, 29), date(2025, 4, 28))),
        (date(2025, 2, 28), 31, (date(2025, 2, 28), date(2025, 3, 30))),
        (date(2025, 3, 31), 31, (date(2025, 3, 31), date(2025, 4, 29))),
        (date(2025, 4, 30), 31, (date(2025, 4, 30), date(2025, 5, 30))),
        (date(2028, 2, 29), 30, (date(2028, 2, 29), date(2028, 3, 29))),
        (date(2028, 2, 28), 30, (date(2028, 1, 30), date(2028, 2, 28))),
        # Ordinary due days across a year end.
        (date(2026, 12, 31), 1, (date(2026, 12, 1), date(2026, 12, 31))),
        (date(2027, 1, 14), 15, (date(2026, 12, 15), date(2027, 1, 14))),
        (date(2027, 1, 15), 15, (date(2027, 1, 15), date(2027, 2, 14))),
        (date(2024, 2, 28), 28, (date(2024, 2, 28), date(2024, 3, 27))),
    ],
)
def test_period_examples(day, due_day, period):
    assert period_containing(day, due_day) == period


def test_leap_year_due_dates():
    assert [due_date_in(y, 2, LAST_DAY).day for y in range(2023, 2030)] == [
        28,
        29,
        28,
        28,
        28,
        29,
        28,
    ]
    assert due_date_in(2024, 2, 31) == date(2024, 2, 29)
    assert due_date_in(2100, 2, LAST_DAY) == date(2100, 2, 28)  # not a leap year
    assert due_date_in(2000, 2, LAST_DAY) == date(2000, 2, 29)  # a leap year


def test_a_negative_due_day_is_refused():
    with pytest.raises(ValueError):
        due_date_in(2026, 3, -1)


@pytest.mark.parametrize(
    ("start", "monthly", "days", "end"),
    [
        (date(2026, 1, 15), True, None, date(2026, 2, 14)),
        (date(2026, 1, 31), True, None, date(2026, 2, 28)),
        (date(2024, 1, 31), True, None, date(2024, 2, 29)),
        (date(2024, 2, 29), True, None, date(2024, 3, 28)),
        (date(2026, 12, 31), True, None, date(2027, 1, 30)),
        (date(2026, 12, 1), True, None, date(2026, 12, 31)),
        (date(2026, 1, 1), False, 30, date(2026, 1, 30)),
        (date(2024, 2, 1), False, 29, date(2024, 2, 29)),
        (date(2026, 12, 30), False, 7, date(2027, 1, 5)),
        (date(2026, 5, 5), False, 1, date(2026, 5, 5)),
        (date(2026, 5, 5), False, None, date(2026, 5, 5)),  # no days: one day, not zero
        (date(2026, 5, 5), False, 0, date(2026, 5, 5)),
    ],
)
def test_validity_examples(start, monthly, days, end):
    assert validity_end(start, monthly=monthly, days=days) == end


def test_every_monthly_validity_from_2023_to_2029():
    for day in ALL_DAYS:
        end = validity_end(day, monthly=True, days=None)
        after = add_one_month(day)
        if after.day < day.day:  # 29–31 with no such day next month: to its last day
            assert end == after and (end + timedelta(days=1)).day == 1
        else:
            assert end + timedelta(days=1) == after
        assert 28 <= (end - day).days + 1 <= 31
        # Validities never shrink as the start moves later.
        assert validity_end(day + timedelta(days=1), monthly=True, days=None) >= end


#
# When the runs are due: the ISP's local clock
#


def _utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def dhaka(isp):
    isp.tenant.time_zone = "Asia/Dhaka"  # UTC+6
    isp.tenant.save(update_fields=["time_zone"])
    return isp.tenant


def test_dhaka_is_already_on_the_first_at_1830_utc_on_the_31st(dhaka):
    with in_scope(dhaka):
        settings = billing_settings_for(dhaka)
        settings.run_hour = 0
        settings.save()
        today, kinds = runs_due(dhaka, _utc(2026, 1, 31, 18, 30))
        assert today == date(2026, 2, 1)
        assert kinds == list(RUN_ORDER)
        # A minute earlier it is still the 31st in Dhaka.
        today, kinds = runs_due(dhaka, _utc(2026, 1, 31, 17, 59))
        assert today == date(2026, 1, 31)
        # And the whole year: 18:00 UTC is local midnight, always the next day.
        for day in (d for d in ALL_DAYS if d.year == 2028):
            assert runs_due(dhaka, _utc(day.year, day.month, day.day, 18, 0))[0] == day + (
                timedelta(days=1)
            )


def test_before_the_run_hour_nothing_is_due(dhaka):
    with in_scope(dhaka):
        settings = billing_settings_for(dhaka)
        settings.run_hour = 2
        settings.save()
        # 19:59 UTC = 01:59 in Dhaka on the 1st: before the run hour.
        assert runs_due(dhaka, _utc(2026, 1, 31, 19, 59)) == (date(2026, 2, 1), [])
        # 20:00 UTC = 02:00 local: everything is due.
        assert runs_due(dhaka, _utc(2026, 1, 31, 20, 0)) == (date(2026, 2, 1), list(RUN_ORDER))


def test_the_default_run_hour_is_one_in_the_morning_local(dhaka):
    with in_scope(dhaka):
        assert runs_due(dhaka, _utc(2026, 2, 28, 18, 59)) == (date(2026, 3, 1), [])
        assert runs_due(dhaka, _utc(2026, 2, 28, 19, 0))[1] == list(RUN_ORDER)


def test_a_utc_tenant_is_still_on_the_31st(isp):
    isp.tenant.time_zone = "UTC"
    isp.tenant.save(update_fields=["time_zone"])
    with in_scope(isp.tenant):
        assert runs_due(isp.tenant, _utc(2026, 1, 31, 18, 30)) == (
            date(2026, 1, 31),
            list(RUN_ORDER),
        )


def test_a_half_hour_zone(isp):
    isp.tenant.time_zone = "Asia/Kolkata"  # UTC+5:30
    isp.tenant.save(update_fields=["time_zone"])
    with in_scope(isp.tenant):
        settings = billing_settings_for(isp.tenant)
        settings.run_hour = 0
        settings.save()
        assert runs_due(isp.tenant, _utc(2024, 2, 28, 18, 29))[0] == date(2024, 2, 28)
        assert runs_due(isp.tenant, _utc(2024, 2, 28, 18, 30))[0] == date(2024, 2, 29)


def test_runs_done_today_are_not_due_again_unless_failed(dhaka):
    now = _utc(2026, 1, 31, 20, 0)  # 02:00 on 1 February in Dhaka
    with in_scope(dhaka):
        # Yesterday's runs do not count.
        for kind in RUN_ORDER:
            BillRun.objects.create(
                tenant=dhaka, kind=kind, run_date=date(2026, 1, 31), status="done"
            )
        assert runs_due(dhaka, now)[1] == list(RUN_ORDER)
        BillRun.objects.create(
            tenant=dhaka,
            kind=BillRunKindChoices.MONTHLY,
            run_date=date(2026, 2, 1),
            status=BillRunStatusChoices.DONE,
        )
        BillRun.objects.create(
            tenant=dhaka,
            kind=BillRunKindChoices.DAILY,
            run_date=date(2026, 2, 1),
            status=BillRunStatusChoices.FAILED,
        )
        # A suspension run held by the circuit breaker has run: it waits for a Group
        # Admin, not for the next beat.
        BillRun.objects.create(
            tenant=dhaka,
            kind=BillRunKindChoices.SUSPENSION,
            run_date=date(2026, 2, 1),
            status=BillRunStatusChoices.AWAITING,
        )
        assert runs_due(dhaka, now) == (
            date(2026, 2, 1),
            [BillRunKindChoices.DAILY, BillRunKindChoices.PREPAID],
        )


def test_another_isps_runs_do_not_count(isp, other_isp):
    now = _utc(2026, 3, 1, 12, 0)
    with in_scope(other_isp.tenant):
        for kind in RUN_ORDER:
            BillRun.objects.create(
                tenant=other_isp.tenant,
                kind=kind,
                run_date=runs_due(other_isp.tenant, now)[0],
                status="done",
            )
        assert runs_due(other_isp.tenant, now)[1] == []
    with in_scope(isp.tenant):
        assert runs_due(isp.tenant, now)[1] == list(RUN_ORDER)
