"""Time-window helpers shared by every rule module.

Day and month windows compare calendar days, because the guidance counts days ("within 30
days") and a FHIR date without a time arrives as 00:00 UTC of the day the EHR meant: comparing
datetimes would silently drop the 30th day. Hour windows (24 h, 48 h, 72 h) compare instants.

A finding dated in the future by more than `FUTURE_TOLERANCE` is ignored by every window: it is
a scheduling or data error, not a recent event. The small tolerance absorbs clock skew and
"today" dates sent from time zones ahead of UTC.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

T = TypeVar("T")

FUTURE_TOLERANCE = timedelta(days=1)


def _aware(when: datetime) -> datetime:
    """Findings are timezone-aware by convention; a naive one is read as UTC rather than let a
    comparison with an aware `as_of` fail the whole request."""
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _not_future(when: datetime, as_of: datetime) -> bool:
    return when <= as_of + FUTURE_TOLERANCE


def within(
    when: datetime | None,
    as_of: datetime,
    *,
    days: int | None = None,
    hours: int | None = None,
    months: int | None = None,
) -> bool:
    """True when `when` lies in the window counted back from `as_of` (exactly one unit given).

    `days=30`: the calendar day of `when` is at most 30 days before that of `as_of` (30 days
    ago counts, 31 does not). `months=12`: on or after the same calendar day 12 months earlier.
    `hours=24`: at most 24 hours before `as_of`. Undated findings are never within a window.
    """
    if (days is None) + (hours is None) + (months is None) != 2:
        raise ValueError("give exactly one of days, hours or months")
    if when is None:
        return False
    when, as_of = _aware(when), _aware(as_of)
    if not _not_future(when, as_of):
        return False
    if hours is not None:
        return as_of - when <= timedelta(hours=hours)
    if days is not None:
        return (as_of.date() - when.date()).days <= days
    assert months is not None
    return when.date() >= months_before(as_of.date(), months)


def months_before(day: date, months: int) -> date:
    """The same calendar day `months` earlier, clamped to the month's length (Mar 31 -> Feb 28)."""
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def on_or_after(a: datetime | None, b: datetime | None) -> bool:
    """Calendar-day comparison: `a` is on the same day as `b` or later; False if either is None."""
    if a is None or b is None:
        return False
    return a.date() >= b.date()


def iso_day(when: datetime | None) -> str:
    """YYYY-MM-DD of the day the EHR meant, or "" when undated."""
    return when.date().isoformat() if when is not None else ""


def newest(items: Iterable[T], key: Callable[[T], datetime | None]) -> T | None:
    """The item with the latest `key(item)`; undated items are skipped; None when none is dated."""
    dated = [(when, item) for item in items if (when := key(item)) is not None]
    if not dated:
        return None
    return max(dated, key=lambda pair: pair[0])[1]


def age_years(birth: date | None, today: date) -> int | None:
    """Age in whole years on `today` (catalog: "age in whole years on the day of the hook"); a
    year or year-month birthDate arrives as its first day. None when the birth date is unknown.
    Born on 29 February: the birthday is 1 March in a common year. A birth date after `today`
    is a data error: the age is unknown (as without a birth date)."""
    if birth is None or birth > today:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))

