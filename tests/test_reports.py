"""The summary report: completion × timeliness as of a day, by assignment, task and unit; CLI, workbook, chat."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from i18n import use_locale
from reports.summary import ReportError, make_period, parse_quarter
from services.workspace import ensure_sample_workspace
from storage.models import Assignment, Status, Task, Unit
from tests.test_console import chat

UTC = timezone.utc


@pytest.fixture(autouse=True)
def _vietnamese():
    with use_locale("vi"):  # the CLI sets the locale for the whole thread
        yield


def _set(engine, number: str, unit: str, due: str, *, status: str, done_at: datetime | None = None,
         moved_to: str | None = None) -> None:
    """Give the chủ trì assignment of task `number` due on `due` a known status (and an approved extension)."""
    with Session(engine) as s:
        a = s.exec(select(Assignment).join(Task).join(Unit, Unit.id == Assignment.unit_id).where(
            Task.number == number, Unit.code == unit, Assignment.due_on == date.fromisoformat(due))).one()
        a.status, a.done_at = status, done_at
        if moved_to:
            a.original_due_on, a.due_on, a.extensions = a.due_on, date.fromisoformat(moved_to), 1
        s.add(a)
        s.commit()


@pytest.fixture
def quarter_one(engine):
    """Q1/2026 of the sample plan: 7 dated chủ trì assignments (6 task occurrences) with known outcomes."""
    ensure_sample_workspace(engine)
    _set(engine, "1", "VP", "2026-03-31", status=Status.DONE,
         done_at=datetime(2026, 3, 31, 16, 30, tzinfo=UTC))  # 23:30 on 31/03 in Hà Nội: on time
    _set(engine, "3", "VP", "2026-03-31", status=Status.DONE,
         done_at=datetime(2026, 3, 31, 17, 30, tzinfo=UTC))  # 00:30 on 01/04 in Hà Nội: one day late
    _set(engine, "6", "VP", "2026-01-31", status=Status.DONE, done_at=datetime(2026, 1, 30, 3, tzinfo=UTC))
    _set(engine, "6", "VP", "2026-02-28", status=Status.IN_PROGRESS, moved_to="2026-03-25")
    _set(engine, "13", "VP", "2026-03-31", status=Status.DONE, done_at=datetime(2026, 3, 20, 3, tzinfo=UTC))
    # Left open: NV 6 of March (VP) and NV 13 of KTCN, both overdue by 15/04.
    return engine


def report_json(cli, *args: str) -> dict:
    result = cli("report", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


JAN_MAR = ("--from", "2026-01-01", "--to", "2026-03-31")


def test_counts_by_assignment_task_and_unit(cli, quarter_one):
    data = report_json(cli, *JAN_MAR, "--as-of", "2026-04-15")
    assert data["period"] == {"from": "2026-01-01", "to": "2026-03-31", "year": None, "quarter": None,
                              "code": None, "label": "Từ 01/01/2026 đến 31/03/2026"}
    assert data["roles"] == ["lead"] and data["unit"] is None
    a = data["assignments"]
    assert (a["done_on_time"], a["done_late"], a["overdue"], a["pending"], a["extensions"]) == (3, 1, 4, 0, 1)
    assert (a["dated"], a["undated"], a["total"], a["done"]) == (8, 13, 21, 4)
    # By task: NV 1 on time, NV 3 late, NV 6 (monthly: on time, overdue, overdue), NV 13 (VP done, KTCN
    # not) overdue and NV 27 ("Theo kỳ báo cáo CCHC": due with the reporting calendar's quý I report, 13/03)
    # overdue — five tasks with seven occurrences; the 12 undated ones apart.
    t = data["tasks"]
    assert (t["done_on_time"], t["done_late"], t["overdue"], t["dated"], t["undated"]) == (1, 1, 3, 5, 12)
    assert t["occurrences"] == 7 + 12
    assert [(u["code"], u["overdue"]) for u in data["units"][:1]] == [("VP", 2)]
    assert {(u["code"], u["overdue"]) for u in data["units"][1:3]} == {("KTCN", 1), ("KHTC", 1)}
    vp = data["units"][0]
    assert (vp["dated"], vp["done_on_time"], vp["done_late"], vp["undated"]) == (6, 3, 1, 9)
    assert data["paragraph"] == (
        "Tổng số nhiệm vụ trong kỳ báo cáo có 05 nhiệm vụ; Số nhiệm vụ đã hoàn thành đúng hạn 01; Số nhiệm vụ đã "
        "hoàn thành nhưng quá hạn 01; Số nhiệm vụ đang thực hiện 03, trong đó quá hạn chưa hoàn thành 03. "
        "Ngoài ra có 12 nhiệm vụ chưa xác định hạn.")


def test_quarter_follows_the_data_window_not_the_calendar_quarter(cli, quarter_one):
    data = report_json(cli, "--year", "2026", "--quarter", "I", "--as-of", "2026-04-15")
    assert (data["period"]["from"], data["period"]["to"], data["period"]["code"]) == ("2025-12-15", "2026-03-14",
                                                                                        "q1")
    # In 15/12/2025–14/03/2026: NV 6 of January and NV 27's quý I report (13/03); February's NV 6 was extended
    # to 25/03, the rest are 31/03.
    assert (data["assignments"]["dated"], data["assignments"]["done_on_time"]) == (2, 1)
    q2 = report_json(cli, "--period", "q2", "--year", "2026", "--as-of", "2026-04-15")
    same = report_json(cli, "--from", "2026-03-15", "--to", "2026-06-14", "--as-of", "2026-04-15")
    assert q2["assignments"] == same["assignments"] and q2["period"]["label"] == "Quý II/2026"


def test_as_of_before_a_late_completion_counts_it_as_still_in_progress(cli, quarter_one):
    a = report_json(cli, *JAN_MAR, "--as-of", "2026-03-31", "--unit", "vp")["assignments"]
    # NV 3 was finished on 01/04; on 31/03 it was due that day and still being worked on.
    assert (a["done_on_time"], a["done_late"], a["in_progress"], a["not_started"]) == (3, 0, 1, 1)
    assert (a["overdue"], a["due_soon"]) == (1, 2)  # NV 6 of February, extended to 25/03


def test_due_soon_and_a_task_with_two_lead_units(cli, engine):
    ensure_sample_workspace(engine)
    _set(engine, "4", "VP", "2026-04-30", status=Status.DONE, done_at=datetime(2026, 4, 20, 3, tzinfo=UTC))
    _set(engine, "4", "TCCB", "2026-04-30", status=Status.IN_PROGRESS)
    data = report_json(cli, "--from", "2026-04-01", "--to", "30/04/2026", "--as-of", "2026-04-24")
    a, t = data["assignments"], data["tasks"]
    assert (a["dated"], a["done_on_time"], a["in_progress"], a["not_started"]) == (5, 1, 1, 3)
    assert a["due_soon"] == 4  # the four not done, all due 30/04, within 7 days of 24/04
    # NV 4: VP done, TCCB still working → the task is in progress, not done.
    assert (t["dated"], t["done_on_time"], t["in_progress"], t["not_started"]) == (4, 0, 1, 3)
    assert data["period"]["label"] == "Từ 01/04/2026 đến 30/04/2026" and a["undated"] == 13


def test_text_summary_in_vietnamese_and_english(cli, quarter_one):
    result = cli("report", *JAN_MAR, "--as-of", "15/04/2026")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1] == "Kỳ báo cáo: Từ 01/01/2026 đến 31/03/2026; tính đến ngày 15/04/2026"
    assert ("5 nhiệm vụ: 1 hoàn thành đúng hạn, 1 hoàn thành quá hạn, 0 đang thực hiện — chưa đến hạn, "
            "0 chưa thực hiện — chưa đến hạn, 3 quá hạn chưa hoàn thành") in lines
    assert lines[lines.index("Tính theo phân công (mỗi đơn vị × mỗi kỳ hạn): 8 phân công có hạn:") + 5] == \
        "  - Quá hạn chưa hoàn thành: 4"
    assert "  - Gia hạn đã duyệt: 1 lần" in lines
    assert ("Báo cáo riêng, không tính vào tổng: 12 nhiệm vụ chưa xác định hạn (13 phân công, đã hoàn thành 0)."
            in lines)
    unit = lines[lines.index("Theo đơn vị, tính theo phân công (quá hạn nhiều nhất trước):") + 1]
    assert unit.startswith("  VP Văn phòng Sở: 6 — hoàn thành đúng hạn 3, hoàn thành quá hạn 1, quá hạn chưa")
    english = cli("--lang", "en", "report", "--quarter", "I", "--year", "2026", "--as-of", "2026-04-15")
    assert "Quarter I/2026" in english.stdout and "2 tasks: 1 completed on time" in english.stdout
    assert "nhiệm vụ" not in english.stdout


def test_occurrences_in_the_text_count_only_what_the_totals_count(cli, quarter_one):
    """January's NV 6 left untracked: reported apart, so not one of the task occurrences counted either."""
    lines = cli("report", *JAN_MAR, "--as-of", "2026-04-15").stdout.splitlines()
    assert any(line.startswith("Tính theo nhiệm vụ: 5 nhiệm vụ có hạn (7 lượt theo kỳ hạn;") for line in lines), lines
    _set(quarter_one, "6", "VP", "2026-01-31", status=Status.NOT_TRACKED)
    lines = cli("report", *JAN_MAR, "--as-of", "2026-04-15").stdout.splitlines()
    assert "Tính theo phân công (mỗi đơn vị × mỗi kỳ hạn): 7 phân công có hạn:" in lines
    # NV 1, 3, 13, 27 once each and NV 6 for February and March: six occurrences, as the seven assignments are
    # NV 13 twice (VP, KTCN) and the rest once.
    assert any(line.startswith("Tính theo nhiệm vụ: 5 nhiệm vụ có hạn (6 lượt theo kỳ hạn;") for line in lines), lines


def test_workbook_has_the_summary_the_tasks_and_the_detail(cli, quarter_one, tmp_path):
    path = tmp_path / "bao-cao.xlsx"
    result = cli("report", *JAN_MAR, "--as-of", "2026-04-15", "--unit", "VP", "--xlsx", str(path))
    assert result.exit_code == 0, result.output
    book = load_workbook(path)
    assert book.sheetnames == ["Tổng hợp", "Nhiệm vụ", "Chi tiết"]
    summary = {row[0]: row[1:3] for row in book["Tổng hợp"].iter_rows(values_only=True) if row[0]}
    assert summary["Hoàn thành đúng hạn"] == (2, 3) and summary["Quá hạn chưa hoàn thành"] == (1, 2)
    assert summary["Số lần gia hạn"] == (1, 1) and summary["Tổng số có hạn trong kỳ"] == (4, 6)
    tasks = [r for r in book["Nhiệm vụ"].iter_rows(values_only=True) if isinstance(r[0], int)]
    monthly = next(r for r in tasks if str(r[2]).startswith("NV 6."))
    assert (monthly[4], monthly[5]) == (3, "Quá hạn chưa hoàn thành")   # one row, three occurrences
    detail = [r for r in book["Chi tiết"].iter_rows(values_only=True) if isinstance(r[0], int)]
    late = next(r for r in detail if str(r[2]).startswith("NV 3. "))
    assert (late[4], late[6], late[7], late[8], late[9], late[10]) == (
        "Văn phòng Sở", datetime(2026, 3, 31), "Đã hoàn thành", datetime(2026, 4, 1), "Hoàn thành quá hạn", 0)
    extended = next(r for r in detail if r[6] == datetime(2026, 3, 25))
    assert extended[7:11] == ("Đang thực hiện", None, "Quá hạn chưa hoàn thành", 1)
    assert len(detail) == 15 and sum(r[9] == "Chưa xác định hạn" for r in detail) == 9


def test_workbook_counts_a_tasks_occurrences_as_its_row_counts_them(cli, quarter_one, tmp_path):
    """January's NV 6 left untracked: the task's row counts February and March, so its 'Số kỳ' says 2, not 3."""
    _set(quarter_one, "6", "VP", "2026-01-31", status=Status.NOT_TRACKED)
    path = tmp_path / "bao-cao.xlsx"
    assert cli("report", *JAN_MAR, "--as-of", "2026-04-15", "--unit", "VP", "--xlsx", str(path)).exit_code == 0
    tasks = [r for r in load_workbook(path)["Nhiệm vụ"].iter_rows(values_only=True) if isinstance(r[0], int)]
    monthly = next(r for r in tasks if str(r[2]).startswith("NV 6."))
    assert (monthly[4], monthly[5]) == (2, "Quá hạn chưa hoàn thành")


@pytest.mark.parametrize(("args", "message"), [
    (("--quarter", "V"), "Quý \"V\" không hợp lệ"),
    (("--unit", "ZZZ"), "Không có đơn vị mã ZZZ."),
    (("--quarter", "I", "--from", "2026-01-01"), "không dùng cả hai"),
    (("--period", "q1", "--quarter", "I"), "không dùng cả hai"),
    (("--plan", "77"), "Không có kế hoạch #77"),
    (("--year", "1999"), "Năm 1999 không hợp lệ"),
])
def test_bad_input_is_a_clear_error(cli, engine, args, message):
    ensure_sample_workspace(engine)
    result = cli("report", *args)
    assert result.exit_code == 1 and message in result.stderr and result.stderr.startswith("Lỗi: ")


def test_quarter_words_and_periods():
    assert [parse_quarter(w) for w in ("I", "ii", "3", "Q4", "quý 2")] == [1, 2, 3, 4, 2]
    with pytest.raises(ReportError):
        parse_quarter("5")
    period = make_period(as_of=date(2026, 12, 20), quarter=4)
    assert (period.start, period.end) == (date(2026, 9, 15), date(2026, 12, 14))   # NĐ 09's quý IV window
    assert make_period(as_of=date(2026, 4, 15), code="m9").end == date(2026, 9, 14)
    assert make_period(as_of=date(2026, 4, 15)) is None


def test_officers_get_the_report_and_its_files_in_chat_and_staff_do_not(engine, settings, quarter_one):
    out = chat(engine, settings, ["/baocao II", "/report quý 2 KTCN", "/baocao 9 tháng", "/baocao II ZZZ"],
               unit="VP", officer=True)
    first = out.split("BÁO CÁO TÌNH HÌNH")[1]
    assert "Kỳ báo cáo: Quý II/2026 (số liệu từ 15/03/2026 đến 14/06/2026); tính đến ngày 15/04/2026" in first
    assert len(first.split("📎")[0]) < 3500
    assert "8 nhiệm vụ: 1 hoàn thành đúng hạn, 1 hoàn thành quá hạn, 0 đang thực hiện — chưa đến hạn, 4 chưa" in first
    assert "📎 bao-cao-cchc-q2-2026-den-15-04-2026.docx" in first and "bao-cao-cchc-q2-2026-den-15-04-2026.png" in first
    assert "Đơn vị: Phòng Kiểm tra chuyên ngành (KTCN)" in out.split("BÁO CÁO TÌNH HÌNH")[2]
    assert "9 tháng đầu năm 2026" in out.split("BÁO CÁO TÌNH HÌNH")[3]
    assert "Không có đơn vị mã ZZZ." in out and "Cách dùng: /baocao" in out
    staff = chat(engine, settings, ["/baocao"], unit="TCCB")
    assert "dành cho cán bộ theo dõi CCHC" in staff and "BÁO CÁO" not in staff


def test_a_period_that_does_not_exist_is_named_as_a_period_in_chat(engine, settings):
    out = chat(engine, settings, ["/baocao quý 5", "/baocao tháng 13 VP"], unit="VP", officer=True)
    assert "Không có quý 5: quý từ I đến IV (hoặc 1–4)." in out and "Không có tháng 13: tháng từ 1 đến 12." in out
    assert "q5" not in out and "month:13" not in out                 # never the internal codes
    assert "Không có đơn vị mã" not in out and "BÁO CÁO TÌNH HÌNH" not in out


def test_a_unit_row_with_only_untracked_assignments_says_so_not_zero_dashes():
    from reports import unit_line
    from reports.summary import Counts
    with use_locale("vi"):
        line = unit_line("KTCN", "Phòng Khảo thí", Counts(total=2, not_tracked=2))
        assert line == "  KTCN Phòng Khảo thí: 0 — chưa theo dõi 2"
        mixed = unit_line("VP", "Văn phòng Sở", Counts(total=3, done_on_time=1, not_tracked=2))
        assert mixed.startswith("  VP Văn phòng Sở: 1 — hoàn thành đúng hạn 1") and "chưa theo dõi 2" in mixed


def test_a_period_not_begun_or_a_year_without_a_plan_is_said_in_words_without_files(cli, engine, settings,
                                                                                     quarter_one):
    """On 15/04/2026 quý III (from 15/06) has not begun and the year 2027 neither; 2024 has no plan."""
    out = chat(engine, settings, ["/baocao III", "/baocao 2027", "/baocao 2024", "/baocao 2026"], unit="VP",
               officer=True)
    assert ("Kỳ báo cáo Quý III/2026 chưa bắt đầu: số liệu của kỳ tính từ 15/06/2026, sau ngày tính đến "
            "15/04/2026.") in out
    assert "Kỳ báo cáo Năm 2027 chưa bắt đầu: số liệu của kỳ tính từ 15/12/2026" in out
    assert "Chưa có kế hoạch nào của năm 2024 trong Hệ thống: không có gì để báo cáo cho Năm 2024." in out
    assert out.count("BÁO CÁO TÌNH HÌNH") == 1 and out.count("📎") == 3   # only 2026's report and its files
    result = cli("report", "--period", "year", "--year", "2024", "--as-of", "2026-04-15", "--json")
    assert result.exit_code == 1 and "Chưa có kế hoạch nào của năm 2024" in result.stderr and result.stdout == ""
    result = cli("report", "--period", "q3", "--year", "2026", "--as-of", "2026-04-15")
    assert result.exit_code == 1 and "Kỳ báo cáo Quý III/2026 chưa bắt đầu" in result.stderr


def test_a_period_written_as_plans_write_it_is_that_period_in_chat(engine, settings, quarter_one):
    """"Quý II năm 2026" is quý II (never the whole year), "quý I/2026", "tháng 3/2026", "6 tháng đầu năm 2026"
    and "6 tháng cuối năm" are what they say; two periods at once are refused, never the last one taken."""
    said = {}
    for text in ("Quý II năm 2026", "quý I/2026", "tháng 3/2026", "6 tháng đầu năm 2026", "9 tháng đầu năm",
                 "6 tháng cuối năm 2026", "quý I quý II"):
        out = chat(engine, settings, [f"/baocao {text}"], unit="VP", officer=True)
        said[text] = out.split(f"> /baocao {text}")[1]
        assert "Không có đơn vị mã" not in said[text] and "month:" not in said[text], (text, said[text])
    assert "Kỳ báo cáo: Quý II/2026 (số liệu từ 15/03/2026" in said["Quý II năm 2026"]
    assert "Kỳ báo cáo: Quý I/2026 (số liệu từ 15/12/2025" in said["quý I/2026"]
    assert "Kỳ báo cáo: Tháng 3/2026 (số liệu từ 15/02/2026" in said["tháng 3/2026"]
    assert "Kỳ báo cáo: 6 tháng đầu năm 2026 (số liệu" in said["6 tháng đầu năm 2026"]
    assert "Kỳ báo cáo: 9 tháng đầu năm 2026 (số liệu" in said["9 tháng đầu năm"]
    assert "Kỳ báo cáo 6 tháng cuối năm 2026 chưa bắt đầu" in said["6 tháng cuối năm 2026"]
    assert "Chỉ chọn một kỳ báo cáo" in said["quý I quý II"] and "BÁO CÁO TÌNH HÌNH" not in said["quý I quý II"]
