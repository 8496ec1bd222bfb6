"""Reporting calendar: presets, dated periods, day-off shifts, check-ins, file errors.

Expected dates were worked out by hand from the 2026 day-off list in VN-DOMAIN.md §2.3
(1/1; 16–20/2 Tết; 27/4 nghỉ bù Giỗ Tổ; 30/4; 1/5; 31/8, 1/9, 2/9; 24/11; Saturday 22/8 is a
make-up working day), never with the code under test.
"""
from __future__ import annotations

from datetime import date

import pytest

from calendars.reporting import (
    UNIT_KINDS,
    CalendarError,
    ReportingCalendar,
    load_calendar,
    period_problems,
    preset_names,
    question_text,
)
from calendars.workdays import WorkCalendar

D = date


@pytest.fixture(scope="module")
def work() -> WorkCalendar:
    return WorkCalendar(overrides={})  # the holidays package alone: the list in VN-DOMAIN.md §2.3


def write_calendar(tmp_path, body: str, name: str = "lich.yaml"):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


ONE_REPORT = """
name: Thử
shift: {shift}
reports:
  - code: r
    name: Báo cáo thử
    cutoff: {{from: "15/12 năm trước", to: "{cutoff_to}"}}
    so_deadline: {so}
    unit_deadlines:
      phong: {unit}
"""


def one_report(tmp_path, *, so: str, unit: str = "{working_days_before: 5, of: so}", cutoff_to: str = "14/9",
               shift: str = "before") -> ReportingCalendar:
    body = ONE_REPORT.format(so=so, unit=unit, cutoff_to=cutoff_to, shift=shift)
    return load_calendar(write_calendar(tmp_path, body))


# --- Sở GDĐT Hà Nội 2026 -------------------------------------------------------------------

HANOI_2026 = [
    # code, cut-off start, cut-off end, Sở nominal, Sở effective, units (5 working days before)
    # 15/3 is a Sunday and Friday 13/3 is before the window closes (14/3): Monday 16/3.
    ("q1", D(2025, 12, 15), D(2026, 3, 14), D(2026, 3, 15), D(2026, 3, 16), D(2026, 3, 9)),
    ("h1", D(2025, 12, 15), D(2026, 6, 14), D(2026, 6, 15), D(2026, 6, 15), D(2026, 6, 8)),
    ("q3", D(2026, 6, 15), D(2026, 9, 14), D(2026, 9, 15), D(2026, 9, 15), D(2026, 9, 8)),
    ("year", D(2025, 12, 15), D(2026, 12, 14), D(2026, 12, 15), D(2026, 12, 15), D(2026, 12, 8)),
]


@pytest.mark.parametrize("code, start, end, so, so_eff, unit", HANOI_2026)
def test_hanoi_2026_periods(work, code, start, end, so, so_eff, unit):
    period = load_calendar("hanoi-2026").period(code, 2026, work)

    assert (period.cutoff_start, period.cutoff_end) == (start, end)
    assert (period.so_deadline, period.so_effective) == (so, so_eff)
    for kind in ("phong", "don_vi", "xa_phuong"):
        assert period.deadline_for(kind) == (unit, unit)


def test_hanoi_q1_sunday_deadline_never_moves_before_the_window_closes(work):
    q1 = load_calendar("hanoi-2026").periods(2026, work)[0]

    assert q1.key == "q1-2026"
    assert q1.label == "Báo cáo CCHC quý I năm 2026"
    assert q1.so_deadline.weekday() == 6  # Sunday 15/3/2026
    # Friday 13/3 would be before the data window closes on Saturday 14/3: the first working day after.
    assert q1.so_effective == D(2026, 3, 16)
    # 5 working days before Monday 16/3: 13, 12, 11, 10, 9/3.
    assert q1.unit_effective["phong"] == D(2026, 3, 9)
    assert period_problems(q1, work) == ["doc_no_working_day", "unit_before_cutoff"]


def test_kind_without_rule_falls_back_to_the_organisations_deadline(work):
    q1 = load_calendar("hanoi-2026").period("q1", 2026, work)

    assert q1.deadline_for("khac") == (D(2026, 3, 15), D(2026, 3, 16))
    assert q1.deadline_for("so") == (D(2026, 3, 15), D(2026, 3, 16))


# --- default preset (NĐ 09/2019 windows, 581/BNV-CCHC day 20) ----------------------------------

DEFAULT_2026 = [
    ("q1", D(2026, 3, 20), D(2026, 3, 20), D(2026, 3, 13)),
    ("h1", D(2026, 6, 20), D(2026, 6, 19), D(2026, 6, 12)),    # Saturday → Friday
    ("q3", D(2026, 9, 20), D(2026, 9, 18), D(2026, 9, 11)),    # Sunday → Friday
    ("year", D(2026, 12, 20), D(2026, 12, 18), D(2026, 12, 11)),
]


@pytest.mark.parametrize("code, so, so_eff, unit", DEFAULT_2026)
def test_default_2026_deadlines(work, code, so, so_eff, unit):
    period = load_calendar("default").period(code, 2026, work)

    assert (period.so_deadline, period.so_effective) == (so, so_eff)
    assert period.deadline_for("truong") == (unit, unit)  # "default" covers every kind
    assert period.deadline_for("so") == (so, so_eff)


def test_default_cutoff_windows_follow_decree_09(work):
    periods = load_calendar("default").periods(2026, work)

    assert [(p.code, p.cutoff_start, p.cutoff_end) for p in periods] == [
        ("q1", D(2025, 12, 15), D(2026, 3, 14)),
        ("h1", D(2025, 12, 15), D(2026, 6, 14)),
        ("q3", D(2026, 6, 15), D(2026, 9, 14)),
        ("year", D(2025, 12, 15), D(2026, 12, 14)),
    ]


# --- Đồ Sơn (schools by the 25th) and Hải Phòng (units by the 10th, year by 10/12) -------------

@pytest.mark.parametrize("year, expected", [
    (2025, [D(2025, 3, 25), D(2025, 6, 25), D(2025, 9, 25), D(2025, 12, 25)]),
    (2026, [D(2026, 3, 25), D(2026, 6, 25), D(2026, 9, 25), D(2026, 12, 25)]),
])
def test_doson_schools_report_on_the_25th_of_the_last_month(work, year, expected):
    periods = [p for p in load_calendar("doson-2025").periods(year, work) if not p.code.startswith("month:")]

    assert [p.deadline_for("truong") for p in periods] == [(d, d) for d in expected]


def test_haiphong_units_by_the_10th_and_year_by_10_12(work):
    periods = load_calendar("haiphong-2026").periods(2026, work)

    assert [p.code for p in periods] == ["q1", "h1", "m9", "year"]
    assert [p.deadline_for("phong")[0] for p in periods] == [
        D(2026, 3, 10), D(2026, 6, 10), D(2026, 9, 10), D(2026, 12, 10)]
    assert (periods[2].cutoff_start, periods[2].cutoff_end) == (D(2025, 12, 15), D(2026, 9, 14))


# --- shifts around weekends and holidays ----------------------------------------------------

@pytest.mark.parametrize("so, cutoff_to, shift, nominal, effective", [
    ("{day: 20}", "14/6", "after", D(2026, 6, 20), D(2026, 6, 22)),           # Saturday → Monday
    ('{date: "2/9"}', "14/9", "before", D(2026, 9, 2), D(2026, 8, 28)),       # 31/8–2/9 off, 29–30 weekend
    ('{date: "2/9"}', "14/9", "after", D(2026, 9, 2), D(2026, 9, 3)),
    ('{date: "24/11"}', "14/12", "before", D(2026, 11, 24), D(2026, 11, 23)),  # Ngày Văn hóa Việt Nam
    ('{date: "17/2"}', "14/3", "before", D(2026, 2, 17), D(2026, 2, 13)),     # Tết 16–20/2
    ('{date: "17/2"}', "14/3", "after", D(2026, 2, 17), D(2026, 2, 23)),
    ("{day: 27}", "14/4", "before", D(2026, 4, 27), D(2026, 4, 24)),           # nghỉ bù Giỗ Tổ
    ("{working_days_after: 2, of: cutoff}", "14/3", "before", D(2026, 3, 17), D(2026, 3, 17)),
])
def test_deadline_shifts(tmp_path, work, so, cutoff_to, shift, nominal, effective):
    period = one_report(tmp_path, so=so, cutoff_to=cutoff_to, shift=shift).periods(2026, work)[0]

    assert (period.so_deadline, period.so_effective) == (nominal, effective)


def test_units_count_back_over_a_make_up_saturday(tmp_path, work):
    period = one_report(tmp_path, so='{date: "2/9"}').periods(2026, work)[0]

    # From Friday 28/8: 27, 26, 25, 24/8, then Saturday 22/8, a make-up working day.
    assert period.deadline_for("phong") == (D(2026, 8, 22), D(2026, 8, 22))


def test_unit_rule_may_count_from_another_unit(tmp_path, work):
    body = ONE_REPORT.format(so="{day: 15}", unit="{day: 10}", cutoff_to="14/6", shift="before") + \
        "      truong: {working_days_before: 2, of: phong}\n"
    period = load_calendar(write_calendar(tmp_path, body)).periods(2026, work)[0]

    assert period.unit_effective == {"phong": D(2026, 6, 10), "truong": D(2026, 6, 8)}


# --- one day-off rule: NHACVIEC_DAY_OFF_RULE, unless a file states its document's own ---------

def test_a_preset_follows_the_day_off_setting():
    after = WorkCalendar(overrides={}, day_off_rule="after")
    h1 = load_calendar("default").period("h1", 2026, after)

    # 20/6/2026 is a Saturday: with "after" the Sở may send on Monday 22/6, the units 5 working days before it.
    assert (h1.so_deadline, h1.so_effective) == (D(2026, 6, 20), D(2026, 6, 22))
    assert h1.deadline_for("truong") == (D(2026, 6, 15), D(2026, 6, 15))
    # The same deadline on a task: the same working day.
    assert after.effective(D(2026, 6, 20)) == h1.so_effective
    # Moved by the rule, not by the Nghị định 09 guard: nothing to warn about.
    assert "so_moved_later" not in period_problems(h1, after)


def test_a_file_that_states_its_documents_rule_keeps_it(tmp_path):
    after = WorkCalendar(overrides={}, day_off_rule="after")
    stated = one_report(tmp_path, so="{day: 20}", cutoff_to="14/6", shift="before").periods(2026, after)[0]
    unstated = load_calendar(write_calendar(tmp_path, ONE_REPORT.replace("shift: {shift}\n", "").format(
        so="{day: 20}", unit="{day: 10}", cutoff_to="14/6"), "khong-ghi.yaml")).periods(2026, after)[0]

    assert stated.so_effective == D(2026, 6, 19)
    assert unstated.so_effective == D(2026, 6, 22)


@pytest.mark.parametrize("rule", ["before", "after"])
def test_the_decree_09_guard_is_part_of_the_one_rule(rule):
    work = WorkCalendar(overrides={}, day_off_rule=rule)

    # Sunday 15/3/2026 after a data window closing on Saturday 14/3: never Friday 13/3, whatever the rule.
    assert work.effective(D(2026, 3, 15), after=D(2026, 3, 14)) == D(2026, 3, 16)
    assert work.effective(D(2026, 3, 15)) == (D(2026, 3, 13) if rule == "before" else D(2026, 3, 16))
    q1 = load_calendar("hanoi-2026").period("q1", 2026, work)
    assert q1.so_effective == D(2026, 3, 16) and q1.deadline_for("phong") == (D(2026, 3, 9), D(2026, 3, 9))


# --- check-ins -------------------------------------------------------------------------------

def test_monthly_checkins_on_first_working_day(work):
    days = load_calendar("hanoi-2026").checkin_dates(2026, work)

    assert days == [D(2026, 1, 2), D(2026, 2, 2), D(2026, 3, 2), D(2026, 4, 1), D(2026, 5, 4), D(2026, 6, 1),
                    D(2026, 7, 1), D(2026, 8, 3), D(2026, 9, 3), D(2026, 10, 1), D(2026, 11, 2), D(2026, 12, 1)]


def test_weekly_checkins_skip_the_tet_week(work):
    days = load_calendar("hanoi-2026").checkin_dates(2026, work, every="weekly")

    assert days[:2] == [D(2026, 1, 2), D(2026, 1, 5)]
    assert D(2026, 2, 9) in days and D(2026, 2, 23) in days
    assert not [d for d in days if D(2026, 2, 14) <= d <= D(2026, 2, 22)]
    assert D(2026, 9, 3) in days  # Mon 31/8 to Wed 2/9 are off
    assert len(days) == len(set(days)) == 52


def test_last_working_day_checkins_from_file(tmp_path, work):
    body = ONE_REPORT.format(so="{day: 15}", unit="{day: 10}", cutoff_to="14/6", shift="before") + \
        "check_ins: {every: monthly, day: last_working_day, question: events}\n"
    calendar = load_calendar(write_calendar(tmp_path, body))

    assert calendar.checkin_dates(2026, work)[7] == D(2026, 8, 28)  # 29–30 weekend, 31/8 off
    assert calendar.check_ins.question == "events"
    assert "«{task}»" in question_text("events")
    assert question_text("no-such-key") == question_text("progress")


# --- presets and broken files ----------------------------------------------------------------

def test_every_preset_loads_and_dates_2026(work):
    assert {"default", "hanoi-2026", "haiphong-2026", "doson-2025"} <= set(preset_names())
    for name in preset_names():
        calendar = load_calendar(name)
        periods = calendar.periods(2026, work)
        assert calendar.name and calendar.source and periods
        for period in periods:
            assert work.is_working_day(period.so_effective)
            assert all(work.is_working_day(d) for d in period.unit_effective.values())
            assert "unit_after_so" not in period_problems(period)


def test_unit_kinds_match_the_stored_values():
    from storage.models.directory import UnitKind

    assert set(UNIT_KINDS) == set(UnitKind.ALL)


VALID = """
name: Thử
reports:
  - code: q1
    name: Báo cáo CCHC quý I
    cutoff: {from: "15/12 năm trước", to: "14/3"}
    so_deadline: {day: 15}
    unit_deadlines:
      phong: {working_days_before: 5, of: so}
"""

BROKEN = [
    ("name: [unclosed", ""),
    (VALID.replace("{day: 15}", "{day: 32}"), "reports.q1.so_deadline"),
    (VALID.replace("{day: 15}", '"ngày 15 tháng cuối kỳ"'), "reports.q1.so_deadline"),
    (VALID.replace("    so_deadline: {day: 15}\n", ""), "reports.q1.so_deadline"),
    (VALID.replace('"14/3"', '"31/2"'), "reports.q1.cutoff.to"),
    (VALID.replace('"15/12 năm trước"', '"15/12 năm kia"'), "reports.q1.cutoff.from"),
    (VALID.replace('"15/12 năm trước"', '"15/6"'), "reports.q1.cutoff"),
    (VALID.replace("phong:", "phogn:"), "reports.q1.unit_deadlines"),
    (VALID.replace("of: so", "of: truong"), "reports.q1.unit_deadlines.phong.of"),
    (VALID.replace("{day: 15}", "{working_days_after: 1, of: phong}"), "reports.q1.unit_deadlines.phong.of"),
    (VALID.replace("code: q1", "code: Quý 1"), "reports[1].code"),
    (VALID + VALID.split("reports:\n")[1], "reports.q1"),
    (VALID.replace("name: Thử", "name: Thử\nshift: later"), "shift"),
    (VALID.replace("name: Thử", "name: Thử\nreport: []"), ""),
    (VALID + "check_ins: {every: daily}\n", "check_ins.every"),
    ("name: Thử\nreports: []\n", "reports"),
]


@pytest.mark.parametrize("body, field", BROKEN)
def test_broken_file_gives_calendar_error_naming_file_and_field(tmp_path, body, field):
    path = write_calendar(tmp_path, body, "so-x.yaml")

    with pytest.raises(CalendarError) as caught:
        load_calendar(path)

    assert caught.value.source == "so-x.yaml"
    assert caught.value.field == field
    assert "so-x.yaml" in str(caught.value) and field in str(caught.value)


def test_valid_sample_of_the_broken_cases_loads(tmp_path):
    assert load_calendar(write_calendar(tmp_path, VALID)).codes == ["q1"]


def test_unknown_preset_lists_the_available_ones():
    with pytest.raises(CalendarError, match="hanoi-2026"):
        load_calendar("hanoi-2099")


def test_missing_file_is_a_calendar_error(tmp_path):
    with pytest.raises(CalendarError, match="khong-co.yaml"):
        load_calendar(tmp_path / "khong-co.yaml")
