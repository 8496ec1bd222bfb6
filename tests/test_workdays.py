"""Working days of 2026 as announced, and the override table on top of `holidays`."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from calendars.workdays import OVERRIDES_FILE, WorkCalendar, load_overrides

D = date


@pytest.fixture(scope="module")
def work() -> WorkCalendar:
    return WorkCalendar()


@pytest.mark.parametrize("day", [D(2026, 2, d) for d in range(14, 23)])
def test_civil_service_tet_2026_is_nine_days_off(work, day):
    assert not work.is_working_day(day)


def test_tet_2026_is_bounded_by_working_fridays_and_mondays(work):
    assert work.is_working_day(D(2026, 2, 13)) and work.is_working_day(D(2026, 2, 23))
    assert work.holiday_name(D(2026, 2, 16)) == "Giao thừa Tết Nguyên Đán"
    assert work.holiday_name(D(2026, 2, 20)) == "Mùng bốn Tết Nguyên Đán"
    assert work.holiday_name(D(2026, 2, 14)) is None  # a plain Saturday


@pytest.mark.parametrize("day, working, name_part", [
    (D(2026, 1, 1), False, "Tết Dương lịch"),
    (D(2026, 4, 26), False, "Giỗ Tổ Hùng Vương"),
    (D(2026, 4, 27), False, "nghỉ bù"),
    (D(2026, 4, 30), False, "Ngày Chiến thắng"),
    (D(2026, 5, 1), False, "Quốc tế Lao động"),
    (D(2026, 8, 22), True, None),  # Saturday made a working day for the 31/8 swap
    (D(2026, 8, 31), False, "22/08/2026"),
    (D(2026, 9, 1), False, "Quốc khánh"),
    (D(2026, 9, 2), False, "Quốc khánh"),
    (D(2026, 11, 24), False, "Ngày Văn hóa Việt Nam"),
    (D(2026, 3, 20), True, None),
])
def test_2026_holidays_and_swaps(work, day, working, name_part):
    assert work.is_working_day(day) is working
    name = work.holiday_name(day)
    assert (name is None) if name_part is None else (name_part in name)


def test_2026_has_249_working_days(work):
    assert work.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 249
    assert sum(work.is_working_day(D(2026, 1, 1) + timedelta(days=i)) for i in range(365)) == 249


def test_counting_working_days_around_the_q1_cutoff(work):
    assert work.add_working_days(D(2026, 3, 14), 2) == D(2026, 3, 17)  # Sat cut-off → Tue
    assert work.working_days_before(D(2026, 3, 17), 2) == D(2026, 3, 13)
    assert work.add_working_days(D(2026, 3, 14), 0) == D(2026, 3, 14)
    assert work.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 23)  # across the whole Tết break


def test_last_working_day_on_or_before_and_next(work):
    assert work.on_or_before(D(2026, 6, 20)) == D(2026, 6, 19)  # 6-month report on a Saturday
    assert work.on_or_before(D(2026, 9, 20)) == D(2026, 9, 18)
    assert work.on_or_before(D(2026, 3, 20)) == D(2026, 3, 20)
    assert work.on_or_before(D(2026, 9, 2)) == D(2026, 8, 28)  # 29/8–2/9 off
    assert work.next_working_day(D(2026, 8, 28)) == D(2026, 9, 3)
    assert work.next_working_day(D(2026, 8, 21)) == D(2026, 8, 22)  # the make-up Saturday


def test_working_days_between_is_what_is_left_until_a_deadline(work):
    assert work.working_days_between(D(2026, 3, 16), D(2026, 3, 20)) == 4
    assert work.working_days_between(D(2026, 3, 20), D(2026, 3, 16)) == -4
    assert work.working_days_between(D(2026, 3, 20), D(2026, 3, 20)) == 0
    start = D(2026, 3, 14)
    assert work.add_working_days(start, work.working_days_between(start, D(2026, 3, 27))) == D(2026, 3, 27)


def test_shipped_override_table_is_the_2026_announcement():
    table = load_overrides(OVERRIDES_FILE)
    assert table[2026]["workdays"] == {D(2026, 8, 22): "Làm bù cho ngày 31/08/2026"}
    assert set(table[2026]["days_off"]) == {D(2026, 8, 31), D(2026, 11, 24)}


def test_overrides_add_days_off_and_make_up_saturdays():
    work = WorkCalendar({2027: {"days_off": {D(2027, 4, 30): "Nghỉ hoán đổi"},
                                "workdays": {"2027-05-08": "Làm bù cho ngày 30/4/2027"}},
                         2026: {"days_off": [D(2026, 12, 31)]}})
    assert not work.is_working_day(D(2027, 4, 30))
    assert work.holiday_name(D(2027, 4, 30)) == "Nghỉ hoán đổi"
    assert work.is_working_day(D(2027, 5, 8)) and work.holiday_name(D(2027, 5, 8)) is None
    assert not work.is_working_day(D(2026, 12, 31))
    assert work.holiday_name(D(2026, 12, 31)) == "Ngày nghỉ"
    assert work.on_or_before(D(2026, 12, 31)) == D(2026, 12, 30)
    assert work.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 248


def test_an_override_workday_reopens_a_package_holiday():
    work = WorkCalendar({2026: {"workdays": [D(2026, 11, 24)]}})
    assert work.is_working_day(D(2026, 11, 24)) and work.holiday_name(D(2026, 11, 24)) is None


def test_empty_overrides_fall_back_to_the_package_alone():
    work = WorkCalendar({})
    assert work.is_working_day(D(2026, 8, 22)) and not work.is_working_day(D(2026, 8, 31))
    assert work.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 249


@pytest.mark.parametrize("overrides", [
    {2026: {"days_off": [D(2026, 5, 4)], "workdays": [D(2026, 5, 4)]}},
    {2026: {"days_off": [D(2025, 5, 5)]}},
])
def test_inconsistent_overrides_are_refused(overrides):
    with pytest.raises(ValueError):
        WorkCalendar(overrides)


def test_other_years_come_from_the_package(work):
    assert not work.is_working_day(D(2025, 1, 29))  # Tết Ất Tỵ
    assert work.is_working_day(D(2025, 4, 26))  # make-up Saturday for 2/5/2025
    assert not work.is_working_day(D(2025, 5, 2))
