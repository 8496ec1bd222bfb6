"""`nhacviec import` through the CLI: dry-run JSON, real import, re-import, edits, and bad files."""
from __future__ import annotations

import io
import json
import shutil

import openpyxl
import pytest
from msoffcrypto.format.ooxml import OOXMLFile
from sqlmodel import Session, func, select

from services.workspace import SAMPLE_PLAN, SAMPLE_UNITS
from storage.models import Assignment, Plan, Status, StatusChange, Task, Unit
from tests.fixtures.builders import build_docx, build_xlsx, seed_rows

KEYS = {"number", "section", "title", "product", "lead_text", "partners_text", "deadline_text", "deadline"}


def counts(engine) -> tuple[int, int, int, int]:
    with Session(engine) as s:
        return tuple(s.exec(select(func.count()).select_from(m)).one() for m in (Plan, Task, Assignment, StatusChange))


@pytest.fixture
def units(cli):
    result = cli("units", "load", str(SAMPLE_UNITS))
    assert result.exit_code == 0, result.output


def test_dry_run_json_lists_every_appendix_row_and_writes_nothing(cli, engine, units):
    result = cli("import", str(SAMPLE_PLAN), "--year", "2026", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"tasks", "warnings"}
    truth = seed_rows()
    assert [t["number"] for t in data["tasks"]] == [r["number"] for r in truth] == [str(i) for i in range(1, 34)]
    for task, row in zip(data["tasks"], truth):
        assert set(task) == KEYS and set(task["deadline"]) == {"kind", "dues"}
        assert (task["section"], task["lead_text"], task["partners_text"], task["deadline_text"]) == (
            row["section"], row["lead_text"], row["partners_text"], row["deadline_text"])
    first = data["tasks"][0]
    assert first["section"] == "Công tác chỉ đạo, điều hành CCHC"
    assert first["deadline"] == {"kind": "date", "dues": ["2026-03-31"]}
    assert data["tasks"][1]["deadline"] == {"kind": "event", "dues": []}
    assert data["tasks"][2]["deadline"] == {"kind": "date", "dues": ["2026-03-31"]}
    assert any("các đơn vị có liên quan" in w for w in data["warnings"])
    assert counts(engine)[:3] == (0, 0, 0)


def test_import_creates_assignments_and_reimport_changes_nothing(cli, engine, units):
    first = cli("import", str(SAMPLE_PLAN), "--year", "2026", "--track-from", "2026-01-01")
    assert first.exit_code == 0, first.output
    assert "33 nhiệm vụ mới" in first.output and "các đơn vị có liên quan" in first.output
    assert "03/04/2026" in first.output  # suggested task from the body text, not added
    before = counts(engine)
    with Session(engine) as s:
        vp = s.exec(select(Unit).where(Unit.code == "VP")).one()
        task4 = s.exec(select(Task).where(Task.number == "4")).one()
        leads = {s.get(Unit, a.unit_id).code for a in s.exec(select(Assignment).where(
            Assignment.task_id == task4.id, Assignment.role == "lead"))}
        vp_task1 = s.exec(select(Assignment).join(Task).where(Task.number == "1", Assignment.unit_id == vp.id)).one()
    assert leads == {"VP", "TCCB"}
    assert vp_task1.due_on.isoformat() == "2026-03-31" and vp_task1.status == Status.OPEN
    assert before[1] == 33
    again = cli("import", str(SAMPLE_PLAN), "--year", "2026")
    assert again.exit_code == 0 and "không có gì thay đổi" in again.output
    assert counts(engine) == before


def test_edited_file_updates_plan_and_keeps_history(cli, engine, units, tmp_path):
    assert cli("import", str(SAMPLE_PLAN), "--year", "2026").exit_code == 0
    with Session(engine) as s:
        vp = s.exec(select(Unit).where(Unit.code == "VP")).one()
        a = s.exec(select(Assignment).join(Task).where(Task.number == "1", Assignment.unit_id == vp.id)).one()
        a.status = Status.DONE
        s.add(StatusChange(assignment_id=a.id, actor_name="test", channel="cli", before="open", after="done"))
        s.commit()
        done_id = a.id
    edited = tmp_path / SAMPLE_PLAN.name
    text = SAMPLE_PLAN.read_text(encoding="utf-8")
    text = text.replace("Các đơn vị trực thuộc\tTháng 3/2026", "Các đơn vị trực thuộc\tTháng 5/2026", 1)
    text = "\n".join(line for line in text.splitlines() if not line.startswith("33\t"))
    edited.write_text(text, encoding="utf-8")
    result = cli("import", str(edited), "--year", "2026")
    assert result.exit_code == 0, result.output
    assert "1 cập nhật" in result.output and "1 bỏ khỏi kế hoạch" in result.output
    with Session(engine) as s:
        moved = s.get(Assignment, done_id)
        assert moved.status == Status.DONE and moved.due_on.isoformat() == "2026-05-31"
        history = s.exec(select(StatusChange).where(StatusChange.assignment_id == done_id)).all()
        assert [h.field for h in history] == ["created", "status", "due_on"]
        removed = s.exec(select(Task).where(Task.number == "33")).one()
        assert removed.removed
        assert {a.status for a in s.exec(select(Assignment).where(Assignment.task_id == removed.id))} == {"cancelled"}
        assert len(s.exec(select(Plan)).all()) == 1


def test_accepting_a_suggestion_adds_it_and_it_survives_reimport(cli, engine, units):
    # suggestion 1 is the Sở's own report ("chậm nhất ngày 15 của tháng cuối kỳ báo cáo"), 2 the plan due 03/4
    result = cli("import", str(SAMPLE_PLAN), "--year", "2026", "--accept", "2")
    assert result.exit_code == 0, result.output
    assert cli("import", str(SAMPLE_PLAN), "--year", "2026").exit_code == 0
    with Session(engine) as s:
        task = s.exec(select(Task).where(Task.number == "BS2")).one()
        assert not task.removed and task.dues == ["2026-04-03"] and task.source == "suggested"
        assert s.exec(select(func.count()).select_from(Assignment).where(Assignment.task_id == task.id)).one() > 0


def test_an_accepted_suggestion_whose_unit_is_unknown_is_named_not_kept_silently_unassigned(cli, engine, units):
    """Suggestion 1 is due from "Sở Giáo dục và Đào tạo", a name the directory does not hold: the officer must
    hear that nobody will be reminded of it, in the dry run and the import."""
    for args in (("--dry-run",), ()):
        result = cli("import", str(SAMPLE_PLAN), "--year", "2026", "--accept", "1", *args)
        assert result.exit_code == 0, result.output
        assert 'Nhiệm vụ BS1: không nhận ra đơn vị "Sở Giáo dục và Đào tạo"' in result.output, result.output
    assert '"Sở Giáo dục và Đào tạo" — nhiệm vụ BS1' in result.output
    data = json.loads(cli("import", str(SAMPLE_PLAN), "--year", "2026", "--accept", "1", "--json").output)
    assert data["unresolved"]["Sở Giáo dục và Đào tạo"] == ["BS1"]


def test_docx_and_xlsx_forms_import_the_same_tasks(cli, engine, units, tmp_path):
    docx_file = build_docx(tmp_path / "ke-hoach.docx")
    xlsx_file = build_xlsx(tmp_path / "ke-hoach.xlsx")
    outs = [json.loads(cli("import", str(p), "--year", "2026", "--dry-run", "--json").output)
            for p in (SAMPLE_PLAN, docx_file, xlsx_file)]
    simple = [[(t["number"], t["lead_text"], t["deadline"]["dues"]) for t in o["tasks"]] for o in outs]
    assert simple[0] == simple[1] == simple[2] and len(simple[0]) == 33


def _corrupt(tmp_path):
    path = tmp_path / "hong.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip" * 10)
    return path, "bị hỏng"


def _encrypted(tmp_path):
    plain = build_xlsx(tmp_path / "plain.xlsx")
    out = io.BytesIO()
    with plain.open("rb") as fh:
        OOXMLFile(fh).encrypt("1234", out)
    path = tmp_path / "mat-khau.xlsx"
    path.write_bytes(out.getvalue())
    return path, "mật khẩu"


def _no_appendix(tmp_path):
    path = tmp_path / "khong-phu-luc.md"
    path.write_text("# KẾ HOẠCH\n\nChỉ có phần nội dung, không có bảng phụ lục.\n", encoding="utf-8")
    return path, "phụ lục"


def _no_deadline_column(tmp_path):
    path = tmp_path / "thieu-cot.csv"
    path.write_text("STT;Nhiệm vụ;Sản phẩm;Đơn vị chủ trì;Đơn vị phối hợp\n1;Việc;Báo cáo;Văn phòng Sở;\n",
                    encoding="utf-8")
    return path, "Thời gian"


def _huge_sheet(tmp_path):
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["STT", "Nhiệm vụ", "Sản phẩm", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian hoàn thành"])
    for i in range(50_000):
        ws.append([i + 1, f"Nhiệm vụ {i}", "Báo cáo", "Văn phòng Sở", "", "Quý I/2026"])
    path = tmp_path / "qua-lon.xlsx"
    wb.save(path)
    return path, "dòng"


@pytest.mark.parametrize("make", [_corrupt, _encrypted, _no_appendix, _no_deadline_column, _huge_sheet])
def test_bad_files_get_a_vietnamese_error_and_change_nothing(cli, engine, units, tmp_path, make):
    assert cli("import", str(SAMPLE_PLAN), "--year", "2026").exit_code == 0
    before = counts(engine)
    path, words = make(tmp_path)
    result = cli("import", str(path), "--year", "2026")
    assert result.exit_code != 0
    assert "Lỗi:" in result.output and words in result.output
    assert counts(engine) == before


def test_a_cell_counted_from_the_report_deadline_follows_the_day_off_setting(cli, engine, units, tmp_path):
    path = tmp_path / "ke-hoach.csv"
    path.write_text("STT;Nhiệm vụ;Sản phẩm;Đơn vị chủ trì;Đơn vị phối hợp;Thời gian hoàn thành\n"
                    "1;Gửi số liệu CCHC;Báo cáo;Văn phòng Sở;;Trước thời hạn Sở nhập báo cáo ít nhất 5 ngày làm việc\n",
                    encoding="utf-8")
    result = cli("import", str(path), "--year", "2026", "--dry-run", "--json", env={"NHACVIEC_DAY_OFF_RULE": "after"})
    # 20/06/2026 (Saturday) means Monday 22/06 under "after": five working days before it is 15/06.
    assert json.loads(result.output)["tasks"][0]["deadline"]["dues"][1] == "2026-06-15"
