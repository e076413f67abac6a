"""The indexed working-time arithmetic answers exactly what the day-by-day walk answers (issue 13).

The walk (`WorkingDays.pieces`) is the definition: it labels every day and is what the deadline explanation
shows. The index is the fast path for badges, sorting and deadlines; here both are asked the same questions
over random instants, spans of up to four years and calendars with overrides, and must agree to the second.
"""
from datetime import date, datetime, timedelta, timezone

from hypothesis import given, settings, strategies as st

from sla.calendar import SHANGHAI, WorkCalendar
from sla.dayindex import DayIndex
from sla.worktime import DAY, WorkingDays, counted, reach


class WalkedDays(WorkingDays):
    """The same measure with the index switched off: every question is answered by walking the days."""

    fast = False


instants = st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2027, 12, 31),
                        timezones=st.just(timezone.utc))
overrides = st.dictionaries(st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31)), st.booleans(),
                            max_size=12)


@settings(max_examples=150, deadline=None)
@given(instants, instants, overrides)
def test_counted_time_agrees_with_the_walk(a, b, extra):
    calendar = WorkCalendar(extra)
    start, end = min(a, b), max(a, b)
    assert counted(WorkingDays(calendar), start, end) == counted(WalkedDays(calendar), start, end)


@settings(max_examples=150, deadline=None)
@given(instants, st.lists(st.integers(min_value=0, max_value=60 * 24 * 3600), min_size=1, max_size=4), overrides)
def test_deadlines_agree_with_the_walk(start, seconds, extra):
    calendar = WorkCalendar(extra)
    budgets = sorted(timedelta(seconds=s) for s in seconds)
    assert reach(WorkingDays(calendar), start, budgets) == reach(WalkedDays(calendar), start, budgets)


def test_a_make_up_working_day_and_a_holiday_by_hand():
    # 2025-09-28 (Sunday) is a make-up working day; 2025-10-01..08 is the National Day holiday.
    # From Friday 2025-09-26 00:00 Beijing to Thursday 2025-10-09 12:00 the working days are
    # 09-26, 09-28, 09-29, 09-30 (four whole days) and half of 10-09: 4.5 days.
    calendar = WorkCalendar()
    start = datetime(2025, 9, 26, tzinfo=SHANGHAI)
    end = datetime(2025, 10, 9, 12, tzinfo=SHANGHAI)
    assert counted(WorkingDays(calendar), start, end) == 4.5 * DAY
    # Five working days from 2025-09-26 00:00: 09-26, 09-28, 09-29, 09-30, then 10-09 (the holiday and
    # 10-11, a Saturday make-up day, come after): the budget runs out at the end of 10-09.
    assert reach(WorkingDays(calendar), start, [5 * DAY]) == [datetime(2025, 10, 10, tzinfo=SHANGHAI)]


def test_the_index_grows_both_ways_and_counts_by_hand():
    # Monday–Friday only: from Monday 2030-01-07 to Monday 2030-01-21 there are ten working days
    index = DayIndex(lambda d: d.weekday() < 5, date(2030, 1, 1), date(2030, 1, 2))
    assert index.workdays_between(date(2030, 1, 7), date(2030, 1, 21)) == 10
    # the 3rd working day after Friday 2010-01-01 is Wednesday 2010-01-06 (Mon 4, Tue 5, Wed 6)
    assert index.nth_workday_after(date(2010, 1, 1), 3) == date(2010, 1, 6)
    assert index.workdays_between(date(2030, 1, 21), date(2030, 1, 7)) == 0
