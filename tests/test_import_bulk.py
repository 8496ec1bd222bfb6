"""A large plan written in bulk: exactly one assignment per unit and occurrence, one "created" history row each,
nothing touched by a re-import, answers kept through a revision. On SQLite and on PostgreSQL.

generate_rows(n): row k is led by one phòng (4 alternate) with "Các phòng thuộc Sở - Các đơn vị trực thuộc" as
partners, so every row names the 11 phòng and 10 đơn vị trực thuộc of samples/units.csv: 21 units, one date each.
"""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlmodel import Session, func, select

from plans.service import import_plan
from services.workspace import SAMPLE_UNITS
from storage.models import Assignment, StatusChange, Task, Unit
from tests.fixtures.builders import build_xlsx, generate_rows
from tests.test_postgres import pg_engine  # noqa: F401  (fixture)
from units.directory import load_directory

ROWS = 240
UNITS = 21
MARCH_ROWS = ROWS // 5     # "Tháng 3/2026" every fifth row: due 31/03, before tracking starts on 01/04
TRACK_FROM = date(2026, 4, 1)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, engine):
    """A fresh database with the sample unit directory."""
    chosen = engine if request.param == "sqlite" else request.getfixturevalue("pg_engine")
    with Session(chosen) as s:
        load_directory(s, path=SAMPLE_UNITS)
        s.commit()
    return chosen


def run_import(engine, path):
    with Session(engine, expire_on_commit=False) as s:
        _parsed, report = import_plan(s, path=path, year=2026, actor="Chuyên viên Văn phòng", max_rows=1000,
                                      track_from=TRACK_FROM)
        s.commit()
    return report


def counts(engine) -> tuple[int, int, int]:
    with Session(engine) as s:
        return tuple(s.exec(select(func.count()).select_from(table)).one()
                     for table in (Task, Assignment, StatusChange))


def assignment(s: Session, number: str, code: str, *, removed: bool = False) -> Assignment:
    return s.exec(select(Assignment).join(Task).join(Unit).where(
        Task.number == number, Task.removed == removed, Unit.code == code)).one()


def test_a_large_plan_gets_each_assignment_and_its_history_once_and_a_reimport_changes_nothing(db, tmp_path):
    path = build_xlsx(tmp_path / "ke-hoach.xlsx", generate_rows(ROWS))
    report = run_import(db, path)

    assert report.assignments_created == ROWS * UNITS
    assert report.not_tracked == MARCH_ROWS * UNITS
    assert len(report.created) == ROWS and set(report.per_unit.values()) == {ROWS} and len(report.per_unit) == UNITS
    assert counts(db) == (ROWS, ROWS * UNITS, ROWS * UNITS)
    with Session(db) as s:
        statuses = Counter(s.exec(select(Assignment.status)).all())
        assert statuses == {"open": (ROWS - MARCH_ROWS) * UNITS, "not_tracked": MARCH_ROWS * UNITS}
        history = s.exec(select(StatusChange, Assignment.status).join(Assignment)).all()
        assert len({h.assignment_id for h, _status in history}) == ROWS * UNITS
        assert {(h.field, h.before, h.after == status, h.actor_name, h.channel, h.actor_id, h.undone)
                for h, status in history} == {("created", None, True, "Chuyên viên Văn phòng", "import", None, False)}
        # row 17: led by Phòng Tổ chức cán bộ, "Trước ngày 15/6/2026"; Văn phòng Sở among the partners
        task = s.exec(select(Task).where(Task.number == "17")).one()
        assert (task.position, task.deadline_kind, task.dues, task.lead_text, task.removed) == (
            16, "date", ["2026-06-15"], "Phòng Tổ chức cán bộ", False)
        lead, partner = assignment(s, "17", "TCCB"), assignment(s, "17", "VP")
        assert (lead.role, lead.period, lead.due_on, lead.original_due_on, lead.status, lead.extensions) == (
            "lead", "2026-06-15", date(2026, 6, 15), date(2026, 6, 15), "open", 0)
        assert (partner.role, partner.due_on, partner.status) == ("partner", date(2026, 6, 15), "open")
        assert lead.updated_at.tzinfo is not None
        march = assignment(s, "20", "VP")
        assert (march.due_on, march.status) == (date(2026, 3, 31), "not_tracked")
        stamps = dict(s.exec(select(Assignment.id, Assignment.updated_at)).all())

    again = run_import(db, path)
    assert again.unchanged and again.assignments_created == 0 and again.assignments_cancelled == 0
    assert counts(db) == (ROWS, ROWS * UNITS, ROWS * UNITS)
    with Session(db) as s:
        assert dict(s.exec(select(Assignment.id, Assignment.updated_at)).all()) == stamps


def test_a_revision_of_a_large_plan_keeps_the_answers_and_records_each_change(db, tmp_path):
    rows = generate_rows(ROWS)
    run_import(db, build_xlsx(tmp_path / "ke-hoach.xlsx", rows))
    with Session(db) as s:
        answers = {("17", "TCCB"): "done", ("18", "VP"): "done", ("18", "TCCB"): "in_progress"}
        for (number, code), status in answers.items():
            row = assignment(s, number, code)
            row.status = status
            s.add(row)
        s.commit()
        done_17 = assignment(s, "17", "TCCB").id
    before = counts(db)

    revised = [dict(r) for r in rows if r["number"] != "3"]       # row 3 deleted, the rest renumbered
    for new_number, row in enumerate(revised, start=1):
        row["number"] = str(new_number)
    revised[15]["deadline_text"] = "Tháng 9/2026"                  # old row 17, now 16
    revised[16]["partners_text"] = ""                             # old row 18, now 17: its partners dropped
    (tmp_path / "dieu-chinh").mkdir()
    report = run_import(db, build_xlsx(tmp_path / "dieu-chinh" / "ke-hoach.xlsx", revised))

    assert report.removed == ["3"] and report.created == [] and report.assignments_created == 0
    # row 3's 21 units, and row 18's partners but the one that had finished (VP)
    assert report.assignments_cancelled == UNITS + (UNITS - 1 - 1)
    # each cancelled assignment, and the 21 of row 17 moved to 30/09
    assert counts(db) == (before[0], before[1], before[2] + report.assignments_cancelled + UNITS)
    with Session(db) as s:
        moved = assignment(s, "16", "TCCB")
        assert (moved.id, moved.status, moved.due_on, moved.period) == (done_17, "done", date(2026, 9, 30),
                                                                        "2026-09-30")
        [change] = s.exec(select(StatusChange).where(StatusChange.assignment_id == done_17,
                                                     StatusChange.field == "due_on")).all()
        assert (change.before, change.after, change.actor_name, change.channel) == (
            "2026-06-15", "2026-09-30", "Chuyên viên Văn phòng", "import")
        assert assignment(s, "17", "VP").status == "done"
        assert assignment(s, "17", "KHTC").status == "open"       # the lead stays
        stopped = assignment(s, "17", "TCCB")
        assert stopped.status == "cancelled"
        assert s.exec(select(StatusChange.before, StatusChange.after).where(
            StatusChange.assignment_id == stopped.id, StatusChange.field == "status")).all() == [
            ("in_progress", "cancelled")]
        retired = s.exec(select(Assignment.status).join(Task).where(Task.removed == True)).all()  # noqa: E712
        assert retired == ["cancelled"] * UNITS

    after = counts(db)
    again = run_import(db, tmp_path / "dieu-chinh" / "ke-hoach.xlsx")
    assert again.unchanged and counts(db) == after
