"""'Thời gian bắt đầu | Thời gian hoàn thành': the deadline is the completion column; the start is kept apart."""
from __future__ import annotations

import json

import openpyxl
from sqlmodel import Session, select

from services.workspace import SAMPLE_UNITS
from storage.models import Task

ROWS = [("1", "Rà soát quy trình nội bộ", "Quyết định", "Văn phòng Sở", "", "01/3/2026", "Tháng 5/2026"),
        ("2", "Tập huấn CCHC", "Lớp tập huấn", "Phòng Tổ chức cán bộ", "", "Quý II/2026", "Tháng 9/2026")]


def _one_row_header(path):
    header = "STT;Nhiệm vụ;Sản phẩm;Đơn vị chủ trì;Đơn vị phối hợp;Thời gian bắt đầu;Thời gian hoàn thành\n"
    path.write_text(header + "".join(";".join(r) + "\n" for r in ROWS), encoding="utf-8")
    return path


def _two_row_header(path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["STT", "Nhiệm vụ", "Sản phẩm", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian", None])
    sheet.append([None, None, None, None, None, "Bắt đầu", "Hoàn thành"])
    sheet.merge_cells("F1:G1")
    for column in "ABCDE":
        sheet.merge_cells(f"{column}1:{column}2")
    for row in ROWS:
        sheet.append(list(row))
    book.save(path)
    return path


def test_the_start_column_is_not_read_as_the_deadline(cli, engine, tmp_path):
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0
    for path in (_one_row_header(tmp_path / "bat-dau.csv"), _two_row_header(tmp_path / "bat-dau.xlsx")):
        result = cli("import", str(path), "--year", "2026", "--dry-run", "--json")
        assert result.exit_code == 0, result.output
        tasks = json.loads(result.output)["tasks"]
        assert [t["deadline"]["dues"] for t in tasks] == [["2026-05-31"], ["2026-09-30"]], path.name
        assert [t["start"]["on"] for t in tasks] == ["2026-03-01", "2026-04-01"], path.name
    assert cli("import", str(tmp_path / "bat-dau.csv"), "--year", "2026", "--track-from", "2026-01-01").exit_code == 0
    with Session(engine) as s:
        starts = {t.number: (t.start_on.isoformat(), t.dues) for t in s.exec(select(Task))}
    assert starts == {"1": ("2026-03-01", ["2026-05-31"]), "2": ("2026-04-01", ["2026-09-30"])}


def test_no_reminder_before_the_work_starts(cli, engine):
    from datetime import date

    from tests.reminders_world import World

    world = World(engine)
    unit = world.unit("VP", name="Văn phòng Sở")
    world.link(unit)
    task = world.task("Tổng kết công tác CCHC")
    world.update(Task, task.id, start_on=date(2026, 3, 20))
    world.assign(task, unit, date(2026, 3, 25))
    before = json.loads(cli("reminders", "preview", "--date", "2026-03-18", "--json").output)
    assert before["chats"] == []  # seven days before the deadline, but the work starts on 20/03
    after = json.loads(cli("reminders", "preview", "--date", "2026-03-24", "--json").output)
    assert "Tổng kết công tác CCHC" in after["chats"][0]["text"]
