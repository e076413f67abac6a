"""Pure functions: credit codes, mobile numbers, working days, access codes."""
from datetime import date, datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st

from app.validators import credit_code_check_char, is_valid_credit_code, is_valid_mobile
from sla.calendar import SHANGHAI, WorkCalendar, covered_years


@pytest.mark.parametrize("code", ["91350100M000100Y43"])
def test_known_credit_codes_pass(code):
    assert is_valid_credit_code(code)


@pytest.mark.parametrize("code", ["91350100M000100Y44", "91350100M000100Y4", "91350100M000100Y4OO",
                                  "9135010OM000100Y43", "", "ABCDEFGHIJKLMNOPQR"])
def test_bad_credit_codes_fail(code):
    assert not is_valid_credit_code(code)


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_every_generated_code_validates_and_any_other_check_char_fails(body):
    check = credit_code_check_char(body)
    assert is_valid_credit_code(body + check)
    assert is_valid_credit_code((body + check).lower())  # people type lower case
    for other in "0A":
        if other != check:
            assert not is_valid_credit_code(body + other)


@pytest.mark.parametrize("number,ok", [("13812345678", True), ("19912345678", True), ("12812345678", False),
                                      ("1381234567", False), ("138123456789", False), ("1381234567a", False)])
def test_mobile_numbers(number, ok):
    assert is_valid_mobile(number) is ok


cal = WorkCalendar()


@pytest.mark.parametrize("start,n,expected", [
    (date(2026, 9, 28), 5, date(2026, 10, 10)),   # National Day: 10-10 is a make-up Saturday
    (date(2026, 2, 13), 1, date(2026, 2, 14)),    # 2-14 (Saturday) is a make-up working day before Spring Festival
    (date(2026, 2, 14), 1, date(2026, 2, 24)),    # Spring Festival 2-15 … 2-23
    (date(2026, 11, 20), 1, date(2026, 11, 23)),  # Friday → Monday
    (date(2026, 11, 16), 0, date(2026, 11, 16)),
])
def test_working_days_on_the_2026_calendar(start, n, expected):
    assert cal.add_working_days(start, n) == expected


def test_make_up_saturday_is_a_working_day_and_holiday_has_a_name():
    assert cal.is_workday(date(2026, 10, 10)) and not cal.is_workday(date(2026, 10, 1))
    assert cal.holiday_name(date(2026, 10, 1)) == "国庆节"


def test_deadline_is_the_end_of_the_nth_working_day_in_beijing():
    start = datetime(2026, 9, 28, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Beijing
    due = cal.working_days_deadline(start, 5)
    assert due.astimezone(SHANGHAI) == datetime(2026, 10, 11, 0, 0, tzinfo=SHANGHAI)


def test_overrides_win_and_uncovered_years_fall_back_to_weekdays():
    overridden = WorkCalendar({date(2026, 11, 23): False})
    assert overridden.add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 24)
    future = max(covered_years()) + 1
    assert WorkCalendar().uncovered_years([2026, future]) == [future]
    assert not WorkCalendar().is_covered(date(future, 1, 5))


@settings(max_examples=200)
@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 1)), st.integers(0, 30))
def test_adding_working_days_agrees_with_counting_day_by_day(start, n):
    end = cal.add_working_days(start, n)
    days = [date.fromordinal(o) for o in range(start.toordinal() + 1, end.toordinal() + 1)]
    assert sum(cal.is_workday(d) for d in days) == n
    assert n == 0 or cal.is_workday(end)


def test_access_codes_are_long_and_derived_per_form(app):
    from app.tickets.codes import access_code_for, code_matches, code_hash
    with app.app_context():
        a, b = access_code_for("key-one" * 6), access_code_for("key-two" * 6)
        assert a != b and len(a.replace("-", "")) * 5 >= 128
        assert code_matches(a.lower(), code_hash(a)) and not code_matches(b, code_hash(a))
        assert not code_matches("", code_hash("")) and not code_matches("   ", None)
