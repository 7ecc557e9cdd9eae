"""Billing dates. A monthly profile's due day is 1–28 or 0 for the last day of the
month; a day past the end of a short month (29–31, which the forms refuse but old data
may hold) falls on that month's last day. A period runs from one due date to the day
before the next, so periods never overlap and never leave a gap, whatever the month."""

import calendar
from datetime import date, timedelta

LAST_DAY = 0


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def due_date_in(year: int, month: int, due_day: int) -> date:
    """The due date of `due_day` in the given month."""
    last = days_in_month(year, month)
    if due_day == LAST_DAY or due_day > last:
        return date(year, month, last)
    if due_day < 0:
        raise ValueError("A due day is 1–31, or 0 for the last day of the month.")
    return date(year, month, due_day)


def period_containing(on: date, due_day: int) -> tuple[date, date]:
    """The monthly period (start, end) that `on` falls in: it starts on the latest due
    date on or before `on` and ends the day before the next due date."""
    start = due_date_in(on.year, on.month, due_day)
    if start > on:
        y, m = add_months(on.year, on.month, -1)
        start = due_date_in(y, m, due_day)
    y, m = add_months(start.year, start.month, 1)
    end = due_date_in(y, m, due_day) - timedelta(days=1)
    return start, end


def add_one_month(day: date) -> date:
    """The same day next month, or its last day when the month is shorter."""
    y, m = add_months(day.year, day.month, 1)
    return date(y, m, min(day.day, days_in_month(y, m)))


def validity_end(start: date, *, monthly: bool, days: int | None) -> date:
    """The last day of a prepaid validity that starts on `start`."""
    if monthly:
        # To the day before the same day next month; when next month has no such day
        # (a start on 29–31 Jan), to its last day, so that no day is lost.
        y, m = add_months(start.year, start.month, 1)
        if start.day > days_in_month(y, m):
            return date(y, m, days_in_month(y, m))
        return add_one_month(start) - timedelta(days=1)
    return start + timedelta(days=max(int(days or 1), 1) - 1)
