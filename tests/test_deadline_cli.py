"""`nhacviec deadline`: one JSON object per phrase, exactly as the importer reads the cell."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from cli.deadline import current_year


def test_prints_one_json_object_per_phrase(cli):
    result = cli("deadline", "--year", "2026", "Quý I/2026", "Theo kỳ báo cáo CCHC", "hằng quý", "abc")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [json.loads(line) for line in lines] == [
        {"text": "Quý I/2026", "kind": "date", "dues": ["2026-03-31"]},
        # every report of the configured reporting calendar (default preset): the units' deadline
        {"text": "Theo kỳ báo cáo CCHC", "kind": "recurring", "dues": ["2026-03-13", "2026-06-12", "2026-09-11",
                                                                       "2026-12-11"]},
        {"text": "hằng quý", "kind": "recurring", "dues": ["2026-03-31", "2026-06-30", "2026-09-30", "2026-12-31"]},
        {"text": "abc", "kind": "unknown", "dues": []},
    ]
    # Vietnamese stays readable, and the keys come in the documented order
    assert lines[0] == '{"text": "Quý I/2026", "kind": "date", "dues": ["2026-03-31"]}'


def test_the_phrase_is_echoed_as_given(cli):
    result = cli("deadline", "--year", "2026", "trước ngày **03/4/2026**")
    assert json.loads(result.output) == {"text": "trước ngày **03/4/2026**", "kind": "date", "dues": ["2026-04-03"]}


def test_year_decides_undated_phrases(cli):
    result = cli("deadline", "--year", "2027", "Quý I năm sau", "tháng 12")
    assert [json.loads(line)["dues"] for line in result.output.splitlines()] == [["2028-03-31"], ["2027-12-31"]]


def test_year_defaults_to_the_current_year_in_vietnam(cli):
    result = cli("deadline", "Cả năm")
    assert json.loads(result.output)["dues"] == [f"{current_year()}-12-31"]


def test_current_year_turns_over_at_midnight_in_hanoi_not_utc():
    assert current_year(datetime(2025, 12, 31, 17, 30, tzinfo=timezone.utc)) == 2026  # 00:30 on 1/1 in VN
    assert current_year(datetime(2025, 12, 31, 16, 59, tzinfo=timezone.utc)) == 2025


def test_bad_year_and_missing_phrase_are_refused(cli):
    assert cli("deadline", "--year", "26", "Quý I").exit_code != 0
    assert cli("deadline", "--year", "2026").exit_code != 0


def test_working_days_and_reporting_periods_count_on_the_reminders_calendar(cli):
    result = cli("deadline", "--year", "2026", "3 ngày làm việc trước ngày 20/02/2026",
                 "trong vòng 10 ngày làm việc kể từ ngày 02/3/2026", "chậm nhất ngày 15 của tháng cuối kỳ báo cáo",
                 "5 ngày làm việc trước ngày khai giảng")
    assert [json.loads(line) for line in result.output.splitlines()] == [
        {"text": "3 ngày làm việc trước ngày 20/02/2026", "kind": "date", "dues": ["2026-02-11"]},  # Tết skipped
        {"text": "trong vòng 10 ngày làm việc kể từ ngày 02/3/2026", "kind": "date", "dues": ["2026-03-16"]},
        # Sunday 15/03 right after the window closing on Saturday 14/03: Monday 16/03 under either day-off
        # rule (Nghị định 09/2019), the date `calendar` gives the same report.
        {"text": "chậm nhất ngày 15 của tháng cuối kỳ báo cáo", "kind": "recurring",
         "dues": ["2026-03-16", "2026-06-15", "2026-09-15", "2026-12-15"]},
        {"text": "5 ngày làm việc trước ngày khai giảng", "kind": "unknown", "dues": []},  # understood in part
    ]


def test_reporting_phrases_follow_the_configured_calendar(cli):
    result = cli("deadline", "--year", "2026", "Theo kỳ báo cáo CCHC",
                 env={"NHACVIEC_REPORTING_CALENDAR": "hanoi-2026"})
    dues = json.loads(result.output)["dues"]
    assert len(dues) == 4 and dues != ["2026-03-13", "2026-06-12", "2026-09-11", "2026-12-11"]


def test_phrases_counted_from_the_report_deadline_follow_the_day_off_setting(cli):
    # Default calendar: the Sở sends "ngày 20 tháng cuối kỳ"; 20/06/2026 is a Saturday. With "after" it is
    # Monday 22/06 (as `calendar` shows), so 5 working days before it is Monday 15/06, not Friday 12/06.
    env = {"NHACVIEC_DAY_OFF_RULE": "after"}
    result = cli("deadline", "--year", "2026", "trước thời hạn Sở nhập báo cáo ít nhất 5 ngày làm việc", env=env)
    assert json.loads(result.output)["dues"][1] == "2026-06-15"
    shown = cli("calendar", "--year", "2026", "--preset", "default", env=env).output
    assert "Báo cáo CCHC 6 tháng đầu năm (số liệu từ 15/12/2025 đến 14/06/2026)\n" \
           "  Cơ quan gửi lên cấp trên: 20/06/2026 (thứ Bảy) → 22/06/2026\n  Các đơn vị khác: 15/06/2026" in shown
