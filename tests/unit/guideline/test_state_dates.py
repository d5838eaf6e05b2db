"""Window helpers: calendar-day and hour windows, months, on/after, newest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from builders import AS_OF, days_ago, hours_ago

from cds_hooks.guideline.dates import iso_day, months_before, newest, on_or_after, within


@pytest.mark.parametrize(("days", "inside"), [(0, True), (30, True), (31, False)])
def test_day_windows_count_calendar_days(days: int, inside: bool) -> None:
    assert within(days_ago(days), AS_OF, days=30) is inside


def test_late_evening_of_the_30th_day_counts() -> None:
    evening = AS_OF - timedelta(days=30, hours=11)
    assert within(evening, AS_OF, days=30) is True


def test_calendar_day_is_the_one_the_ehr_meant() -> None:
    # 23:30 at UTC-05:00 is the next day in UTC; the record's own day decides.
    late = datetime(2026, 10, 27, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert within(late, AS_OF, days=30) is False


@pytest.mark.parametrize(("hours", "inside"), [(24, True), (24.01, False)])
def test_hour_windows_compare_instants(hours: float, inside: bool) -> None:
    assert within(hours_ago(hours), AS_OF, hours=24) is inside


@pytest.mark.parametrize(
    ("when", "inside"),
    [(date(2025, 11, 27), True), (date(2025, 11, 26), False)],
)
def test_month_windows(when: date, inside: bool) -> None:
    moment = datetime(when.year, when.month, when.day, tzinfo=UTC)
    assert within(moment, AS_OF, months=12) is inside


def test_months_before_clamps_to_the_month_length() -> None:
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 10) == date(2025, 3, 15)


@pytest.mark.parametrize(
    ("ahead", "inside"), [(timedelta(hours=23), True), (timedelta(days=2), False)]
)
def test_future_dates_beyond_a_day_are_outside_every_window(ahead: timedelta, inside: bool) -> None:
    assert within(AS_OF + ahead, AS_OF, days=30) is inside


def test_undated_is_never_within() -> None:
    assert within(None, AS_OF, days=30) is False


def test_exactly_one_unit() -> None:
    with pytest.raises(ValueError):
        within(AS_OF, AS_OF, days=1, hours=1)
    with pytest.raises(ValueError):
        within(AS_OF, AS_OF)


def test_on_or_after_compares_calendar_days() -> None:
    morning = days_ago(3)
    evening = morning + timedelta(hours=20)
    assert on_or_after(morning, evening) is True
    assert on_or_after(days_ago(4), evening) is False
    assert on_or_after(None, evening) is False


def test_newest_skips_undated() -> None:
    items = [("a", days_ago(5)), ("b", None), ("c", days_ago(1))]
    assert newest(items, lambda i: i[1]) == ("c", days_ago(1))
    assert newest([("b", None)], lambda i: i[1]) is None
    assert iso_day(days_ago(1)) == "2026-11-26"
    assert iso_day(None) == ""


def test_a_naive_datetime_is_read_as_utc() -> None:
    naive = days_ago(30).replace(tzinfo=None)
    assert within(naive, AS_OF, days=30) is True
    assert within(naive, AS_OF, days=29) is False
