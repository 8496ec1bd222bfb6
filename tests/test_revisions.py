"""A plan's revision ("Kế hoạch điều chỉnh") after units answered: statuses and evidence stay with their task."""
from __future__ import annotations

import json
import re

import pytest
from sqlmodel import Session, select

from services.workspace import SAMPLE_PLAN
from storage.models import Assignment, Evidence, Plan, StatusChange, Task, Unit
from tests.test_console import chat

NEW_ROW = ("Tổ chức hội nghị sơ kết công tác CCHC 6 tháng đầu năm 2026\tBáo cáo sơ kết\tVăn phòng Sở\t"
           "- Các phòng thuộc Sở\tTháng 7/2026")


def revise(text: str, *, delete: str | None = None, deadlines: dict[str, str] | None = None,
           titles: dict[str, str] | None = None, leads: dict[str, str] | None = None,
           add: str | None = None) -> str:
    """The sample plan as an officer revises it: delete a row and renumber the rest, edit rows, add one."""
    out, shift, last = [], 0, 0
    for line in text.split("\n"):
        match = re.match(r"^(\d+)\t", line)
        if not match:
            out.append(line)
            continue
        number = match.group(1)
        cells = line.split("\t")
        if number == delete:
            shift = 1
            continue
        if deadlines and number in deadlines:
            cells[5] = deadlines[number]
        if titles and number in titles:
            cells[1] = titles[number]
        if leads and number in leads:
            cells[3] = leads[number]
        last = int(number) - shift
        cells[0] = str(last)
        out.append("\t".join(cells))
        if add and int(number) == 33:
            out.append(f"{last + 1}\t{add}")
    return "\n".join(out)


@pytest.fixture
def answered(engine, settings, tmp_path):
    """The sample plan after TCCB sent its report for task 4 with a file and is working on task 21."""
    report = tmp_path / "bao-cao-kiem-tra.pdf"
    report.write_bytes(b"%PDF-1.4 bao cao kiem tra cong vu")
    chat(engine, settings, ["/viec", "1", f"#2 /file {report} xong ạ"], unit="TCCB")
    chat(engine, settings, ["/viec", "1", "mai em nộp ạ"], unit="TCCB")
    assert _tccb(engine) == {"4": "done", "21": "in_progress", "14": "open", "22": "open", "23": "open",
                             "24": "open", "25": "open"}
    return engine


def _tccb(engine) -> dict[str, str]:
    with Session(engine) as s:
        tccb = s.exec(select(Unit).where(Unit.code == "TCCB")).one()
        rows = s.exec(select(Task.number, Assignment.status).join(Assignment).where(
            Assignment.unit_id == tccb.id, Assignment.role == "lead", Task.removed == False)).all()  # noqa: E712
    return dict(rows)


def test_revision_deleting_renumbering_moving_and_adding_keeps_every_answer_on_its_task(answered, cli, tmp_path):
    revised = tmp_path / "ke-hoach-dieu-chinh.md"
    revised.write_text(revise(SAMPLE_PLAN.read_text(encoding="utf-8"), delete="2", deadlines={"21": "Tháng 6/2026"},
                              add=NEW_ROW), encoding="utf-8")
    dry = cli("import", str(revised), "--year", "2026", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Bỏ khỏi kế hoạch: NV 2 “Phát động phong trào thi đua" in dry.output
    assert re.search(r"Đánh số lại: NV 4 → 3 “Ban hành và chỉ đạo[^\n]*mang theo: TCCB Đã hoàn thành "
                     r"\(1 tệp kiểm chứng\)", dry.output)
    assert re.search(r"Đánh số lại: NV 21 → 20 [^\n]*hạn 30/04/2026 → 30/06/2026 — mang theo: TCCB Đang thực hiện",
                     dry.output)
    assert "Thêm mới: NV 33 “Tổ chức hội nghị sơ kết" in dry.output
    assert _tccb(answered)["4"] == "done"  # a dry run writes nothing

    real = cli("import", str(revised), "--year", "2026", "--json")
    assert real.exit_code == 0, real.output
    data = json.loads(real.output)
    assert data["created"] == ["33"] and data["removed"] == ["2"]
    assert _tccb(answered) == {"3": "done", "20": "in_progress", "13": "open", "21": "open", "22": "open",
                               "23": "open", "24": "open"}
    with Session(answered) as s:
        [plan] = s.exec(select(Plan)).all()
        task3 = s.exec(select(Task).where(Task.number == "3", Task.removed == False)).one()  # noqa: E712
        assert task3.title.startswith("Ban hành và chỉ đạo tổ chức thực hiện Kế hoạch kiểm tra công vụ")
        [done] = s.exec(select(Assignment).where(Assignment.task_id == task3.id, Assignment.status == "done")).all()
        [evidence] = s.exec(select(Evidence).where(Evidence.assignment_id == done.id)).all()
        assert evidence.original_name == "bao-cao-kiem-tra.pdf"
        task20 = s.exec(select(Task).where(Task.number == "20", Task.removed == False)).one()  # noqa: E712
        moved = s.exec(select(Assignment).where(Assignment.task_id == task20.id,
                                                Assignment.status == "in_progress")).one()
        assert moved.due_on.isoformat() == "2026-06-30" and moved.promised_on is not None
        retired = s.exec(select(Task).where(Task.removed == True)).one()  # noqa: E712
        assert retired.title.startswith("Phát động phong trào thi đua")
        statuses = {a.status for a in s.exec(select(Assignment).where(Assignment.task_id == retired.id))}
        assert statuses == {"cancelled"}
        history = s.exec(select(StatusChange).join(Assignment).where(Assignment.task_id == retired.id,
                                                                     StatusChange.after == "cancelled")).all()
        assert history and plan.id == task3.plan_id

    listed = json.loads(cli("tasks", "--unit", "TCCB", "--json").output)
    by_number = {r["number"]: r for r in listed if r["role"] == "lead"}
    assert by_number["3"]["status"] == "done" and by_number["20"]["status"] == "in_progress"

    again = cli("import", str(revised), "--year", "2026")
    assert again.exit_code == 0 and "không có gì thay đổi" in again.output


def test_a_title_rewritten_under_the_same_number_stops_the_import_until_confirmed(answered, cli, tmp_path):
    revised = tmp_path / "ke-hoach-sua-ten.md"
    revised.write_text(revise(SAMPLE_PLAN.read_text(encoding="utf-8"),
                              titles={"4": "Kiểm tra công vụ, kỷ luật hành chính tại các trường học năm 2026"}),
                       encoding="utf-8")
    stopped = cli("import", str(revised), "--year", "2026")
    assert stopped.exit_code == 1
    assert "CẦN XÁC NHẬN: NV 4 “Kiểm tra công vụ" in stopped.output
    assert "mang theo: TCCB Đã hoàn thành (1 tệp kiểm chứng)" in stopped.output
    assert "--yes" in stopped.output
    with Session(answered) as s:
        assert s.exec(select(Task).where(Task.number == "4")).one().title.startswith("Ban hành và chỉ đạo")

    accepted = cli("import", str(revised), "--year", "2026", "--yes")
    assert accepted.exit_code == 0, accepted.output
    assert _tccb(answered)["4"] == "done"
    with Session(answered) as s:
        assert s.exec(select(Task).where(Task.number == "4")).one().title.startswith("Kiểm tra công vụ")



def test_a_lead_unit_changed_by_the_revision_is_shown_and_answers_stay_with_the_unit_that_gave_them(
        answered, cli, tmp_path):
    """NV 21 passes from Phòng TCCB (which said it was under way) to Văn phòng Sở, both already on the task."""
    revised = tmp_path / "ke-hoach-doi-chu-tri.md"
    revised.write_text(revise(SAMPLE_PLAN.read_text(encoding="utf-8"), leads={"21": "Văn phòng Sở"}),
                       encoding="utf-8")
    dry = cli("import", str(revised), "--year", "2026", "--dry-run")
    assert re.search(r"NV 21 “Triển khai thực hiện Nghị quyết[^\n]*chủ trì TCCB → VP — mang theo: TCCB Đang thực "
                     r"hiện", dry.output), dry.output
    change = next(c for c in json.loads(cli("import", str(revised), "--year", "2026", "--dry-run", "--json")
                                        .output)["revision"]["changes"] if c["number"] == "21")
    assert change["leads_before"] == ["TCCB"] and change["leads_after"] == ["VP"]

    real = cli("import", str(revised), "--year", "2026")
    assert real.exit_code == 0 and "chủ trì TCCB → VP" in real.output, real.output
    with Session(answered) as s:
        task = s.exec(select(Task).where(Task.number == "21")).one()
        roles = {code: (a.role, a.status) for code, a in s.exec(
            select(Unit.code, Assignment).join(Assignment).where(Assignment.task_id == task.id))}
        assert roles["VP"] == ("lead", "open") and roles["TCCB"] == ("partner", "in_progress")
        history = s.exec(select(StatusChange).join(Assignment).join(Unit).where(
            Assignment.task_id == task.id, Unit.code == "TCCB", StatusChange.field == "role")).one()
        assert (history.before, history.after) == ("lead", "partner")
    assert "không có gì thay đổi" in cli("import", str(revised), "--year", "2026").output


def test_a_revision_never_shortens_an_approved_extension(engine, settings, cli, tmp_path):
    """VP was told "Hạn mới: 30/06/2026" for NV 12; the revised plan moves NV 12 from April to May."""
    chat(engine, settings, ["/start"], unit="VP", officer=True)
    chat(engine, settings, ["NV 12 xin gia hạn đến 30/6"], unit="VP")
    assert "Hạn mới: 30/06/2026" in chat(engine, settings, ["/giahan", "1"], unit="VP", officer=True)
    revised = tmp_path / "ke-hoach-doi-han.md"
    revised.write_text(revise(SAMPLE_PLAN.read_text(encoding="utf-8"), deadlines={"12": "Tháng 5/2026"}),
                       encoding="utf-8")
    dry = cli("import", str(revised), "--year", "2026", "--dry-run")
    assert re.search(r"NV 12 [^\n]*hạn 30/04/2026 → 31/05/2026 — VP giữ hạn đã gia hạn 30/06/2026", dry.output), \
        dry.output
    assert cli("import", str(revised), "--year", "2026").exit_code == 0

    def vp12():
        with Session(engine) as s:
            return s.exec(select(Assignment).join(Task).join(Unit).where(
                Task.number == "12", Unit.code == "VP")).one()
    kept = vp12()
    assert (kept.due_on.isoformat(), kept.original_due_on.isoformat(), kept.extensions) == (
        "2026-06-30", "2026-05-31", 1)
    revised.write_text(revise(SAMPLE_PLAN.read_text(encoding="utf-8"), deadlines={"12": "Tháng 9/2026"}),
                       encoding="utf-8")
    assert cli("import", str(revised), "--year", "2026").exit_code == 0
    assert vp12().due_on.isoformat() == "2026-09-30"  # a later plan date still moves it


def test_a_long_title_in_the_revision_preview_is_cut_visibly_not_mid_word():
    """The officer reads the preview before confirming: a cut title must look cut ("…"), never like the whole."""
    from plans.revision import TaskChange
    from services.revision_text import describe
    title = "Triển khai thực hiện Kế hoạch số 45/KH-UBND về cải cách hành chính nhà nước thành phố Hà Nội năm 2026"
    line = describe(TaskChange(kind="added", number="33", title=title))
    quoted = line.split("“")[1].split("”")[0]
    assert quoted.endswith("…") and not quoted.endswith(" …") and len(quoted) <= 60
    assert title.startswith(quoted[:-1])
