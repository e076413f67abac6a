"""The pure SLA engine: table tests on the 2026 calendar and property tests over random histories."""
from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import assume, given, settings, strategies as st

from sla.calendar import SHANGHAI, WorkCalendar
from sla.clocks import ClockInput, Extension, Level, Target, Thresholds, evaluate
from sla.worktime import Pause, WorkingDays, counted

CAL = WorkCalendar()


def bj(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def end_of(y, m, d):
    return bj(y, m, d) + timedelta(days=1)


def wd(n, start, **kw):
    return ClockInput(Target("working_days", n), start, **kw)


@pytest.mark.parametrize("start,n,due", [
    (bj(2026, 9, 28, 10), 5, end_of(2026, 10, 10)),   # National Day; 10-10 is a make-up Saturday
    (bj(2026, 2, 13, 16), 3, end_of(2026, 2, 25)),    # make-up Saturday 2-14, Spring Festival 2-15…2-23
    (bj(2026, 11, 21, 9), 1, end_of(2026, 11, 23)),   # started on a Saturday: Monday is the first day
    (bj(2026, 9, 30, 23, 59), 1, end_of(2026, 10, 8)),  # National Day holiday 10-1…10-7 does not count
])
def test_known_2026_deadlines(start, n, due):
    assert evaluate(wd(n, start), start, CAL).due_at == due


def test_hours_target_ignores_holidays_and_office_hours_do_not():
    start = bj(2026, 9, 30, 20)
    assert evaluate(ClockInput(Target("hours", 24), start), start, CAL).due_at == bj(2026, 10, 1, 20)
    office = evaluate(ClockInput(Target("office_hours", 4), start), start, CAL).due_at
    assert office == bj(2026, 10, 8, 13)  # first office morning after the holiday (10-8), 09:00 + 4 h


def test_levels_move_up_as_time_passes():
    start = bj(2026, 11, 16, 9)  # Monday
    clock = wd(5, start)
    due = end_of(2026, 11, 23)
    expected = [(bj(2026, 11, 16, 10), Level.OK), (bj(2026, 11, 20, 14), Level.OK), (bj(2026, 11, 20, 15), Level.WARNING),
                (due, Level.OVERDUE),
                (end_of(2026, 11, 25), Level.SUPERVISED), (end_of(2026, 11, 30), Level.ESCALATED)]
    for now, level in expected:
        assert evaluate(clock, now, CAL).level is level, now
    status = evaluate(clock, bj(2026, 11, 16, 10), CAL)
    assert status.next_check_at == status.thresholds_at[Level.WARNING]
    assert evaluate(clock, end_of(2026, 12, 1), CAL).next_check_at is None


def test_a_pause_moves_the_deadline_by_the_working_time_it_held():
    start = bj(2026, 11, 16, 9)
    plain = evaluate(wd(5, start), start, CAL).due_at
    held = wd(5, start, pauses=[Pause(bj(2026, 11, 17), bj(2026, 11, 19), "等待企业材料")])
    assert evaluate(held, start, CAL).due_at == plain + timedelta(days=2)
    over_weekend = wd(5, start, pauses=[Pause(bj(2026, 11, 21), bj(2026, 11, 23))])
    assert evaluate(over_weekend, start, CAL).due_at == plain  # a held weekend costs nothing


def test_an_open_pause_has_no_deadline_and_nothing_to_check():
    start = bj(2026, 11, 16, 9)
    status = evaluate(wd(5, start, pauses=[Pause(bj(2026, 11, 17))]), bj(2026, 11, 30), CAL)
    assert status.paused and status.due_at is None and status.next_check_at is None
    assert status.level is Level.OK


def test_extension_adds_working_days_and_stop_freezes_the_level():
    start = bj(2026, 11, 16, 9)
    extended = wd(5, start, extensions=[Extension(2, "需第三方检测", "钱主任")])
    assert evaluate(extended, start, CAL).due_at == end_of(2026, 11, 25)
    stopped = wd(1, start, stopped_at=bj(2026, 11, 18, 10))
    status = evaluate(stopped, bj(2026, 12, 30), CAL)
    assert status.level is Level.OVERDUE and status.breached and not status.running and status.next_check_at is None


def test_segments_explain_weekends_holidays_make_up_days_and_pauses():
    start = bj(2026, 9, 28, 10)
    clock = wd(5, start, pauses=[Pause(bj(2026, 9, 29, 9), bj(2026, 9, 29, 15), "等待材料")])
    status = evaluate(clock, end_of(2026, 10, 10), CAL, explain=True)
    labels = [(s.label, s.counted) for s in status.segments]
    assert ("国庆节", False) in labels and ("挂起：等待材料", False) in labels and ("调休上班", True) in labels
    assert sum(s.seconds for s in status.segments) == (end_of(2026, 10, 10) - start).total_seconds()
    planned = evaluate(clock, start, CAL, explain=True).plan  # explained ahead of time, from the first minute
    assert planned[0].start == start and planned[-1].end == status.due_at
    assert ("国庆节", False) in [(s.label, s.counted) for s in planned]


def test_thresholds_are_configurable():
    start = bj(2026, 11, 16, 9)
    clock = wd(5, start, thresholds=Thresholds(warning_ratio=0.5, supervise_after_wd=1, escalate_after_wd=2))
    status = evaluate(clock, start, CAL)
    assert status.thresholds_at[Level.SUPERVISED] == end_of(2026, 11, 24)
    assert status.thresholds_at[Level.ESCALATED] == end_of(2026, 11, 25)


# ---- property tests ----------------------------------------------------------------------------------------

moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 11, 30),
                       timezones=st.just(timezone.utc))
overrides = st.dictionaries(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 6, 30)), st.booleans(),
                            max_size=15)


@st.composite
def pauses(draw, start):
    result, cursor = [], start
    for _ in range(draw(st.integers(0, 3))):
        gap = timedelta(minutes=draw(st.integers(0, 60 * 24 * 10)))
        length = timedelta(minutes=draw(st.integers(0, 60 * 24 * 5)))
        result.append(Pause(cursor + gap, cursor + gap + length))
        cursor = cursor + gap + length
    return result


@settings(max_examples=150, deadline=None)
@given(start=moments, n=st.integers(1, 20), data=st.data(), extra=overrides)
def test_adding_a_pause_never_moves_the_deadline_earlier(start, n, data, extra):
    cal = WorkCalendar(extra)
    existing = data.draw(pauses(start))
    more = data.draw(pauses(start))
    before = evaluate(wd(n, start, pauses=existing), start, cal).due_at
    after = evaluate(wd(n, start, pauses=existing + more), start, cal).due_at
    assert after >= before


@settings(max_examples=150, deadline=None)
@given(start=moments, n=st.integers(1, 20), at=moments, extra=overrides)
def test_a_zero_length_pause_changes_nothing(start, n, at, extra):
    cal = WorkCalendar(extra)
    plain = evaluate(wd(n, start), at, cal)
    paused = evaluate(wd(n, start, pauses=[Pause(at, at)]), at, cal)
    assert (paused.due_at, paused.level, paused.thresholds_at) == (plain.due_at, plain.level, plain.thresholds_at)


@settings(max_examples=200, deadline=None)
@given(start=moments, n=st.integers(0, 25), extra=overrides)
def test_working_day_deadline_agrees_with_counting_day_by_day(start, n, extra):
    assume(n > 0)
    cal = WorkCalendar(extra)
    due = evaluate(wd(n, start), start, cal).due_at
    start_day = start.astimezone(SHANGHAI).date()
    last_day = (due.astimezone(SHANGHAI) - timedelta(seconds=1)).date()
    days = [start_day + timedelta(days=i) for i in range(1, (last_day - start_day).days + 1)]
    assert sum(cal.is_workday(d) for d in days) == n and cal.is_workday(last_day)
    assert due.astimezone(SHANGHAI).time() == time(0)
    assert due == cal.working_days_deadline(start, n)


@settings(max_examples=150, deadline=None)
@given(start=moments, n=st.integers(1, 20), data=st.data(), hours=st.integers(0, 24 * 60), extra=overrides)
def test_segments_sum_to_the_elapsed_time(start, n, data, hours, extra):
    cal = WorkCalendar(extra)
    now = start + timedelta(hours=hours)
    status = evaluate(wd(n, start, pauses=data.draw(pauses(start))), now, cal, explain=True)
    assert sum(s.seconds for s in status.segments) == pytest.approx((now - start).total_seconds())
    assert sum((s.length for s in status.segments if s.counted), timedelta(0)) == status.used
    assert all(a.end == b.start for a, b in zip(status.segments, status.segments[1:], strict=False))


@settings(max_examples=100, deadline=None)
@given(start=moments, n=st.integers(1, 10), at=moments)
def test_level_never_goes_down_as_time_passes(start, n, at):
    clock = wd(n, start)
    later = at + timedelta(days=3)
    assert evaluate(clock, later, CAL).level >= evaluate(clock, at, CAL).level


def test_counted_seconds_of_a_working_week():
    assert counted(WorkingDays(CAL), bj(2026, 11, 16), bj(2026, 11, 23)) == timedelta(days=5)
