"""A plan's life from the CLI: listing tasks, removing a plan or a unit, the plan's year, imports that must stop."""
from __future__ import annotations

import json

from sqlmodel import Session, func, select

from services.workspace import SAMPLE_PLAN, SAMPLE_UNITS
from storage.models import Assignment, Plan, StatusChange, Task, Unit

TASK_KEYS = {"assignment_id", "plan_id", "number", "title", "unit", "role", "due_on", "status", "done_on"}


def _load(cli):
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0
    result = cli("import", str(SAMPLE_PLAN), "--year", "2026", "--track-from", "2026-01-01")
    assert result.exit_code == 0, result.output


def _assignment(engine, code: str, number: str) -> Assignment:
    with Session(engine) as s:
        return s.exec(select(Assignment).join(Task).join(Unit, Unit.id == Assignment.unit_id).where(
            Unit.code == code, Task.number == number, Assignment.role == "lead")).one()


def _mark(engine, assignment_id: int, status: str) -> None:
    with Session(engine) as s:
        a = s.get(Assignment, assignment_id)
        s.add(StatusChange(assignment_id=a.id, actor_name="test", before=a.status, after=status))
        a.status = status
        s.add(a)
        s.commit()


def test_tasks_json_items_carry_exactly_the_agreed_keys_and_filter_by_status(cli, engine):
    _load(cli)
    done = _assignment(engine, "TCCB", "4")
    _mark(engine, done.id, "done")
    rows = json.loads(cli("tasks", "--unit", "TCCB", "--json").output)
    assert rows and all(set(r) == TASK_KEYS for r in rows)
    mine = {r["assignment_id"]: r for r in rows}[done.id]
    assert (mine["plan_id"], mine["number"], mine["unit"], mine["role"], mine["due_on"], mine["status"]) == (
        1, "4", "TCCB", "lead", "2026-04-30", "done")
    assert mine["title"].startswith("Ban hành và chỉ đạo")
    opened = json.loads(cli("tasks", "--unit", "TCCB", "--status", "open", "--json").output)
    assert opened and done.id not in {r["assignment_id"] for r in opened}
    assert {r["status"] for r in opened} <= {"open", "in_progress"}
    finished = json.loads(cli("tasks", "--status", "done", "--plan", "1", "--json").output)
    assert [r["assignment_id"] for r in finished] == [done.id]
    everything = json.loads(cli("tasks", "--unit", "TCCB", "--status", "all", "--json").output)
    assert len(everything) == len(rows) and {r["assignment_id"] for r in opened} < {r["assignment_id"] for r in everything}
    bad = cli("tasks", "--status", "xong")
    assert bad.exit_code != 0


def test_removing_a_plan_asks_then_hides_it_and_keeps_its_history(cli, engine):
    _load(cli)
    done = _assignment(engine, "VP", "1")
    _mark(engine, done.id, "done")
    asked = cli("plans", "remove", "1", input="n\n")
    assert asked.exit_code != 0 and "Gỡ kế hoạch #1" in asked.output
    assert json.loads(cli("plans", "list", "--json").output)[0]["id"] == 1
    removed = cli("plans", "remove", "1", "--yes")
    assert removed.exit_code == 0, removed.output
    assert "Đã gỡ kế hoạch #1" in removed.output
    assert json.loads(cli("plans", "list", "--json").output) == []
    assert json.loads(cli("tasks", "--json").output) == []
    with Session(engine) as s:
        assert s.get(Plan, 1).removed
        statuses = set(s.exec(select(Assignment.status)).all())
        assert statuses == {"done", "cancelled"}  # what was done stays done; nothing is left to remind
        assert s.exec(select(func.count()).select_from(StatusChange).where(
            StatusChange.after == "cancelled")).one() > 0
    missing = cli("plans", "remove", "7", "--yes")
    assert missing.exit_code != 0 and "Không có kế hoạch #7" in missing.output
    again = cli("import", str(SAMPLE_PLAN), "--year", "2026")
    assert again.exit_code == 0 and "33 nhiệm vụ mới" in again.output


def test_removing_a_unit_is_refused_while_it_has_open_work_unless_forced(cli, engine):
    _load(cli)
    refused = cli("units", "remove", "TCCB")
    assert refused.exit_code != 0 and "TCCB" in refused.output and "--force" in refused.output
    forced = cli("units", "remove", "TCCB", "--force")
    assert forced.exit_code == 0, forced.output
    assert "TCCB" not in {u["code"] for u in json.loads(cli("units", "list", "--json").output)}
    assert [r for r in json.loads(cli("tasks", "--unit", "TCCB", "--status", "open", "--json").output)] == []
    with Session(engine) as s:
        tccb = s.exec(select(Unit).where(Unit.code == "TCCB")).one()
        assert not tccb.active
        kept = s.exec(select(Assignment).where(Assignment.unit_id == tccb.id)).all()
        assert kept and {a.status for a in kept} == {"cancelled"}
    assert cli("units", "remove", "KHONGCO").exit_code != 0


def test_a_year_that_contradicts_the_document_stops_the_import(cli, engine):
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0
    wrong = cli("import", str(SAMPLE_PLAN), "--year", "2025")
    assert wrong.exit_code != 0 and "2026" in wrong.output and "--year-mismatch-ok" in wrong.output
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Plan)).one() == 0
    stated = cli("import", str(SAMPLE_PLAN))
    assert stated.exit_code == 0, stated.output
    with Session(engine) as s:
        assert [p.year for p in s.exec(select(Plan))] == [2026]
    forced = cli("import", str(SAMPLE_PLAN), "--year", "2025", "--year-mismatch-ok", "--dry-run")
    assert forced.exit_code == 0, forced.output


def test_a_plan_without_a_stated_year_needs_year(cli, tmp_path):
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0
    plan = tmp_path / "khong-nam.csv"
    plan.write_text("STT;Nhiệm vụ;Sản phẩm;Đơn vị chủ trì;Đơn vị phối hợp;Thời gian hoàn thành\n"
                    "1;Rà soát quy trình;Báo cáo;Văn phòng Sở;;Tháng 3\n", encoding="utf-8")
    result = cli("import", str(plan))
    assert result.exit_code != 0 and "--year" in result.output


def test_import_stops_when_no_unit_is_loaded(cli, engine):
    result = cli("import", str(SAMPLE_PLAN), "--year", "2026")
    assert result.exit_code != 0 and "nhacviec units load" in result.output
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Plan)).one() == 0


def test_rows_without_lead_or_title_are_listed_by_number(cli, tmp_path):
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0
    plan = tmp_path / "thieu.csv"
    plan.write_text("STT;Nhiệm vụ;Sản phẩm;Đơn vị chủ trì;Đơn vị phối hợp;Thời gian hoàn thành\n"
                    "1;Rà soát quy trình;Báo cáo;Văn phòng Sở;;Tháng 3/2026\n"
                    "2;Tuyên truyền CCHC;Tin bài;;Văn phòng Sở;Tháng 4/2026\n"
                    "3;;Báo cáo;Văn phòng Sở;;Tháng 5/2026\n"
                    "4;Tập huấn;Lớp học;;;Tháng 6/2026\n", encoding="utf-8")
    result = cli("import", str(plan), "--year", "2026")
    assert result.exit_code == 0, result.output
    assert "không có đơn vị chủ trì (không ai được nhắc): 2, 4" in result.output
    assert "không có tên nhiệm vụ: 3" in result.output


MONTHLY_PLAN = """UBND THÀNH PHỐ HÀ NỘI
SỞ GIÁO DỤC VÀ ĐÀO TẠO

Hà Nội, ngày 10 tháng 02 năm 2026

KẾ HOẠCH
Thực hiện công tác cải cách hành chính năm 2026

| STT | Nhiệm vụ | Sản phẩm | Đơn vị chủ trì | Đơn vị phối hợp | Thời gian hoàn thành |
|---|---|---|---|---|---|
| 1 | Báo cáo tình hình CCHC | Báo cáo tháng | Văn phòng Sở | | Hằng tháng |
| 2 | Rà soát quy trình nội bộ | Quyết định | Phòng Tổ chức cán bộ | | Tháng 12/2026 |
"""


def test_starting_mid_year_leaves_earlier_occurrences_untracked_and_closes_them_in_bulk(cli, engine, tmp_path):
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0
    plan = tmp_path / "ke-hoach-thang.md"
    plan.write_text(MONTHLY_PLAN, encoding="utf-8")
    result = cli("import", str(plan), "--track-from", "2026-11-01")
    assert result.exit_code == 0, result.output
    assert "Bắt đầu theo dõi từ 01/11/2026: 9 phân công" in result.output
    rows = json.loads(cli("tasks", "--unit", "VP", "--status", "all", "--json").output)
    dues = {r["due_on"]: r["status"] for r in rows}
    assert "2026-01-31" not in dues  # the plan was signed on 10/02/2026: nothing is due before it
    assert dues["2026-02-28"] == dues["2026-10-31"] == "not_tracked"
    assert dues["2026-11-30"] == dues["2026-12-31"] == "open"
    opened = json.loads(cli("tasks", "--unit", "VP", "--status", "open", "--json").output)
    assert [r["due_on"] for r in opened] == ["2026-11-30", "2026-12-31"]
    counted = json.loads(cli("report", "--year", "2026", "--as-of", "2026-11-15", "--json").output)["assignments"]
    assert (counted["not_tracked"], counted["overdue"]) == (9, 0)  # counted apart, never late

    closed = cli("tasks", "close", "--before", "2026-12-01", "--unit", "VP", "--as", "done")
    assert closed.exit_code == 0, closed.output
    assert "Đã đóng 1 phân công" in closed.output
    rows = {r["due_on"]: r for r in json.loads(cli("tasks", "--unit", "VP", "--status", "all", "--json").output)}
    assert rows["2026-11-30"]["status"] == "done" and rows["2026-12-31"]["status"] == "open"
    assert rows["2026-02-28"]["status"] == "not_tracked"
    tccb = json.loads(cli("tasks", "--unit", "TCCB", "--json").output)
    assert [r["status"] for r in tccb] == ["open"]
    with Session(engine) as s:
        history = s.exec(select(StatusChange).where(StatusChange.assignment_id == rows["2026-11-30"]["assignment_id"],
                                                    StatusChange.field == "status")).all()
    assert [(h.before, h.after, h.channel) for h in history] == [("open", "done", "cli")]
