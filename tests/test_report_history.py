"""A quarter recorded day by day: a report as of a past day says what the report said that day.

Quý I/2026 by its data window (15/12/2025 → 14/03/2026). Units VP and TC. Tasks:
A (VP, 20/02) · B (VP and TC, 10/03) · C monthly (VP, 31/01, 27/02, 13/03) · D undated (VP) ·
E (TC, 12/03), added by a plan revision on 05/03.
"""
from __future__ import annotations

import json
from datetime import date, datetime, time

import pytest
from sqlmodel import Session

from i18n import use_locale
from reports import paragraph, report_json
from reports.periods import data_window
from reports.summary import build_report
from services.extensions import decide_extension, request_extension
from services.status import Actor, set_status, undo_last
from storage.models import Assignment, MemberRole, Plan, Status, StatusChange, Task
from tests.reminders_world import VN, World

D = date
ROLES = ("lead",)


def at(day: date, hhmm: str = "09:00") -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=VN)


@pytest.fixture
def quarter(engine):
    with use_locale("vi"):
        yield _Quarter(engine)


class _Quarter:
    def __init__(self, engine) -> None:
        self.engine = engine
        w = self.world = World(engine)
        w.update(Plan, w.plan.id, imported_at=at(D(2026, 1, 2)))
        vp, tc = w.unit("VP", name="Văn phòng Sở"), w.unit("TC", name="Phòng Tổ chức cán bộ")
        officer = w.link(vp, role=MemberRole.OFFICER)
        with Session(engine) as s:
            from storage.models import ChatUser
            self.officer = Actor(name="Chánh VP", channel="cli", user=s.get(ChatUser, officer.user_id),
                                 unit_id=vp.id, role=MemberRole.OFFICER)
        self.tc_actor = Actor(name="TC", channel="cli", unit_id=tc.id)
        self.a = w.assign(w.task("Ban hành kế hoạch CCHC"), vp, D(2026, 2, 20))
        b = w.task("Rà soát thủ tục hành chính")
        self.b_vp, self.b_tc = w.assign(b, vp, D(2026, 3, 10)), w.assign(b, tc, D(2026, 3, 10))
        c = w.task("Báo cáo tháng", kind="recurring")
        self.c = [w.assign(c, vp, day) for day in (D(2026, 1, 31), D(2026, 2, 27), D(2026, 3, 13))]
        self.d = w.assign(w.task("Tuyên truyền CCHC", kind="continuous"), vp, None)
        self.e_task = w.task("Số hoá hồ sơ")
        self.tc = tc

    def act(self, fn, assignment: Assignment, moment: datetime, **kw):
        with Session(self.engine, expire_on_commit=False) as s:
            result = fn(s, assignment=s.get(Assignment, assignment.id), now=moment, **kw)
            s.commit()
            return result

    def status(self, assignment, status, moment, actor=None, note=None):
        return self.act(set_status, assignment, moment, status=status, actor=actor or self.officer, note=note)

    def report(self, day: date) -> dict:
        with Session(self.engine) as s:
            report = build_report(s, as_of=day, roles=ROLES, period=data_window("q1", 2026), tz=VN)
            return report_json(report)

    def events(self, day: date) -> None:
        """What happened on `day`."""
        if day == D(2026, 1, 30):
            self.status(self.c[0], Status.DONE, at(day))
            self.status(self.a, Status.IN_PROGRESS, at(day))
        elif day == D(2026, 2, 25):
            with Session(self.engine, expire_on_commit=False) as s:
                request = request_extension(s, assignment=s.get(Assignment, self.b_tc.id), new_due=D(2026, 3, 20),
                                            actor=self.tc_actor, now=at(day, "08:00"))
                s.commit()
                decide_extension(s, request_id=request.id, approve=True, actor=self.officer, now=at(day, "10:00"))
                s.commit()
            self.status(self.a, Status.DONE, at(day), note="Đã ban hành Kế hoạch số 04/KH-SGDĐT")
        elif day == D(2026, 3, 5):
            self.e = self.world.assign(self.e_task, self.tc, D(2026, 3, 12))
            self.world._add(StatusChange(assignment_id=self.e.id, at=at(day), field="created", after="open"))
            self.status(self.d, Status.DONE, at(day))
        elif day == D(2026, 3, 11):
            self.status(self.b_vp, Status.DONE, at(day))
            self.status(self.a, Status.OPEN, at(day, "15:00"), note="Mở lại: thiếu phụ lục")
        elif day == D(2026, 3, 14):
            self.status(self.a, Status.DONE, at(day))
            self.status(self.c[2], Status.IN_PROGRESS, at(day))
        elif day == D(2026, 3, 16):
            self.status(self.c[2], Status.DONE, at(day))
            self.status(self.b_vp, Status.NOT_DONE, at(day, "10:00"))
            with Session(self.engine) as s:
                assert undo_last(s, actor=self.officer, now=at(day, "10:05"))
                s.commit()
        elif day == D(2026, 3, 20):
            # A plan revision drops E: its open assignment is cancelled then, the task leaves the plan.
            self.world.update(Task, self.e_task.id, removed=True)
            self.world.update(Assignment, self.e.id, status=Status.CANCELLED)
            self.world._add(StatusChange(assignment_id=self.e.id, at=at(day), field="status", before="open",
                                         after="cancelled", channel="import"))


DAYS = [D(2026, 1, 30), D(2026, 2, 25), D(2026, 3, 5), D(2026, 3, 11), D(2026, 3, 14), D(2026, 3, 16),
        D(2026, 3, 20)]


def _split(counts: dict) -> tuple:
    return tuple(counts[k] for k in ("dated", "done_on_time", "done_late", "in_progress", "not_started", "overdue",
                                     "undated"))


def test_a_past_days_report_is_what_that_day_said(quarter):
    said = {}
    for day in DAYS:
        quarter.events(day)
        said[day] = quarter.report(day)
    for day in DAYS:
        assert quarter.report(day) == said[day], day

    # 25/02: A done late; B-TC extended to 20/03 (out of quý I); C under way (January done); E not there yet.
    a, t = said[D(2026, 2, 25)]["assignments"], said[D(2026, 2, 25)]["tasks"]
    assert _split(a) == (5, 1, 1, 0, 3, 0, 1) and a["extensions"] == 0
    assert _split(t) == (3, 0, 1, 1, 1, 0, 1) and t["occurrences"] == 6
    assert said[D(2026, 2, 25)]["paragraph"] == (
        "Tổng số nhiệm vụ trong kỳ báo cáo có 03 nhiệm vụ; Số nhiệm vụ đã hoàn thành đúng hạn 00; Số nhiệm vụ đã "
        "hoàn thành nhưng quá hạn 01; Số nhiệm vụ đang thực hiện 02, trong đó quá hạn chưa hoàn thành 00. "
        "Ngoài ra có 01 nhiệm vụ chưa xác định hạn.")
    # 11/03: A reopened (overdue), B-VP done a day late, C's February overdue, E (added 05/03) not started.
    a, t = said[D(2026, 3, 11)]["assignments"], said[D(2026, 3, 11)]["tasks"]
    assert _split(a) == (6, 1, 1, 0, 2, 2, 1) and a["undated_done"] == 1 and a["due_soon"] == 2
    assert _split(t) == (4, 0, 1, 0, 1, 2, 1)
    # 16/03: A done again (late), C's March done late, the "không hoàn thành" undone: B-VP done on 11/03.
    a, t = said[D(2026, 3, 16)]["assignments"], said[D(2026, 3, 16)]["tasks"]
    assert _split(a) == (6, 1, 3, 0, 0, 2, 1) and a["not_done"] == 0
    assert _split(t) == (4, 0, 2, 0, 0, 2, 1)
    # 20/03: E removed from the plan: gone from today's report, still in 16/03's (checked equal above).
    assert _split(said[D(2026, 3, 20)]["assignments"]) == (5, 1, 3, 0, 0, 1, 1)


def test_a_completion_recorded_later_does_not_reach_back(quarter):
    for day in DAYS:
        quarter.events(day)
    # On 14/03 C's March was still being worked on; it was marked done on 16/03, late.
    with Session(quarter.engine) as s:
        report = build_report(s, as_of=D(2026, 3, 14), roles=ROLES, period=data_window("q1", 2026), tz=VN)
        rows = {(r.view.task.title, r.due_on): r for r in report.rows}
        march = rows[("Báo cáo tháng", D(2026, 3, 13))]
        assert (march.status, march.bucket, march.done_on) == (Status.IN_PROGRESS, "overdue", None)
        b_vp = rows[("Rà soát thủ tục hành chính", D(2026, 3, 10))]
        assert (b_vp.bucket, b_vp.done_on) == ("done_late", D(2026, 3, 11))
        assert "04/KH-SGDĐT" not in rows[("Ban hành kế hoạch CCHC", D(2026, 2, 20))].note  # reopened note since
        assert paragraph(report).startswith("Tổng số nhiệm vụ trong kỳ báo cáo có 04 nhiệm vụ")


def test_cli_period_as_of_and_plan(cli, quarter):
    for day in DAYS:
        quarter.events(day)
    result = cli("report", "--period", "q1", "--year", "2026", "--as-of", "2026-03-11", "--json",
                 "--plan", str(quarter.world.plan.id))
    data = json.loads(result.stdout)
    assert data["period"]["from"] == "2025-12-15" and data["period"]["to"] == "2026-03-14"
    assert data["period"]["label"] == "Quý I/2026" and data["plan"]["id"] == quarter.world.plan.id
    assert _split(data["assignments"]) == (6, 1, 1, 0, 2, 2, 1)
    assert data["buckets"]["overdue"] == "Quá hạn chưa hoàn thành"
    assert "quá hạn chưa hoàn thành 02" in data["paragraph"]
    other = cli("report", "--period", "q1", "--year", "2026", "--as-of", "2026-03-11", "--json", "--plan", "999")
    assert other.exit_code == 1 and "Không có kế hoạch #999" in other.stderr
    m9 = json.loads(cli("report", "--period", "m9", "--year", "2026", "--as-of", "2026-03-20", "--json").stdout)
    assert (m9["period"]["from"], m9["period"]["to"]) == ("2025-12-15", "2026-09-14")
    assert m9["assignments"]["dated"] == 6   # B-TC (20/03) is in the 9 months; E was removed on 20/03
    month = json.loads(cli("report", "--period", "month:3", "--year", "2026", "--as-of", "2026-03-20",
                           "--json").stdout)
    assert (month["period"]["from"], month["period"]["label"]) == ("2026-02-15", "Tháng 3/2026")
    assert month["assignments"]["dated"] == 4   # A 20/02, B-VP 10/03, C 27/02, C 13/03 (E removed)
    bad = cli("report", "--period", "q5")
    assert bad.exit_code == 1 and "Kỳ báo cáo \"q5\" không hợp lệ" in bad.stderr


def test_undoing_a_change_away_from_done_puts_the_completion_day_back(quarter):
    """"Xong hôm qua", then "đang làm" by mistake, then /undo: done again, on the day first stated (on time)."""
    day = D(2026, 3, 11)
    quarter.act(set_status, quarter.b_vp, at(day), status=Status.DONE, actor=quarter.officer, done_on=D(2026, 3, 10))
    quarter.status(quarter.b_vp, Status.IN_PROGRESS, at(day, "09:02"))
    with Session(quarter.engine) as s:
        assert undo_last(s, actor=quarter.officer, now=at(day, "09:05"))
        s.commit()
        a = s.get(Assignment, quarter.b_vp.id)
        assert (a.status, a.done_on) == (Status.DONE, D(2026, 3, 10))
        assert a.done_at == at(day)
        report = build_report(s, as_of=day, roles=ROLES, period=data_window("q1", 2026), tz=VN)
        row = next(r for r in report.rows if r.view.assignment.id == quarter.b_vp.id)
        assert (row.bucket, row.done_on) == ("done_on_time", D(2026, 3, 10))


def _extend(quarter, assignment, *, to: date, asked: datetime, approved: datetime) -> None:
    with Session(quarter.engine, expire_on_commit=False) as s:
        request = request_extension(s, assignment=s.get(Assignment, assignment.id), new_due=to,
                                    actor=quarter.officer, now=asked)
        s.commit()
        decide_extension(s, request_id=request.id, approve=True, actor=quarter.officer, now=approved)
        s.commit()


def test_an_extension_approved_after_the_deadline_does_not_make_the_work_on_time(quarter, cli):
    """A (due 20/02) extended on 25/02, once late: done by the new day, still late. B-TC (due 10/03) extended on
    its deadline day: done by the new day, on time. B-VP extended late then again in time: late all the same."""
    _extend(quarter, quarter.a, to=D(2026, 3, 5), asked=at(D(2026, 2, 24)), approved=at(D(2026, 2, 25)))
    quarter.status(quarter.a, Status.DONE, at(D(2026, 3, 3)))
    _extend(quarter, quarter.b_tc, to=D(2026, 3, 13), asked=at(D(2026, 3, 9)), approved=at(D(2026, 3, 10), "16:00"))
    quarter.status(quarter.b_tc, Status.DONE, at(D(2026, 3, 12)), actor=quarter.tc_actor)
    _extend(quarter, quarter.b_vp, to=D(2026, 3, 12), asked=at(D(2026, 3, 11)), approved=at(D(2026, 3, 11)))
    _extend(quarter, quarter.b_vp, to=D(2026, 3, 13), asked=at(D(2026, 3, 12)), approved=at(D(2026, 3, 12)))
    quarter.status(quarter.b_vp, Status.DONE, at(D(2026, 3, 13)))
    with Session(quarter.engine) as s:
        report = build_report(s, as_of=D(2026, 3, 14), roles=ROLES, period=data_window("q1", 2026), tz=VN)
        buckets = {r.view.assignment.id: (r.bucket, r.due_on, r.extensions) for r in report.rows}
    assert buckets[quarter.a.id] == ("done_late", D(2026, 3, 5), 1)
    assert buckets[quarter.b_tc.id] == ("done_on_time", D(2026, 3, 13), 1)
    assert buckets[quarter.b_vp.id] == ("done_late", D(2026, 3, 13), 2)
    data = json.loads(cli("report", "--period", "q1", "--year", "2026", "--as-of", "2026-03-14", "--json").stdout)
    assert (data["assignments"]["done_on_time"], data["assignments"]["done_late"]) == (1, 2)


def test_a_day_stated_in_an_answer_is_not_taken_for_a_document_number(quarter):
    """"xong ngày 28/2" names a day; "KH số 04/KH-SGDĐT ngày 03/01/2026", "QĐ 01/2023/QĐ-UBND" name documents."""
    from io import BytesIO

    from docx import Document
    from openpyxl import load_workbook

    from reports.files import build_files
    quarter.status(quarter.a, Status.DONE, at(D(2026, 3, 2)), note="Xong ngày 28/2, gửi ngày 1/3/2026")
    quarter.status(quarter.b_vp, Status.DONE, at(D(2026, 3, 9)),
                   note="Đã ban hành KH số 04/KH-SGDĐT ngày 03/01/2026 theo QĐ 01/2023/QĐ-UBND")
    with Session(quarter.engine) as s:
        files = build_files(build_report(s, as_of=D(2026, 3, 14), roles=ROLES, period=data_window("q1", 2026),
                                         tz=VN))
    detail = load_workbook(BytesIO(files.xlsx))["Chi tiết"]
    cells = {str(r[2]): r for r in detail.iter_rows(values_only=True) if r[2]}
    row_a = next(r for title, r in cells.items() if "Ban hành kế hoạch CCHC" in title)
    row_b = next(r for title, r in cells.items() if "Rà soát thủ tục hành chính" in title)
    assert not any("Số văn bản" in str(c) for c in row_a)
    assert "Số văn bản: 04/KH-SGDĐT, 01/2023/QĐ-UBND" in row_b
    appendix = Document(BytesIO(files.docx)).tables[-1]
    texts = {r.cells[1].text: r.cells[-1].text for r in appendix.rows}
    assert texts["NV 1. Ban hành kế hoạch CCHC"] == ""


def tccb_q2(cli, day: str) -> dict:
    """TCCB's quý II of 2026 as of `day`, as `nhacviec report --json` gives it."""
    result = cli("report", "--period", "q2", "--year", "2026", "--as-of", day, "--json", "--unit", "TCCB")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_task_done_then_removed_by_a_revision_stays_in_the_reports_of_the_days_before(engine, settings, cli,
                                                                                         tmp_path):
    """TCCB sent task 4 on 15/04; a later revision drops task 4. Quý II as of 20/04 said it was done on time, and
    still says so; the reports of days after the revision leave the task out, like its cancelled assignments."""
    from services.workspace import SAMPLE_PLAN
    from tests.test_console import chat
    from tests.test_revisions import revise
    with use_locale("vi"):
        chat(engine, settings, ["/viec", "1", "xong ạ"], unit="TCCB")   # the console's day: 15/04/2026

    def q2(day: str) -> dict:
        return tccb_q2(cli, day)

    said = q2("2026-04-20")
    assert said["assignments"]["done_on_time"] == 1
    revised = tmp_path / "ke-hoach-dieu-chinh.md"
    revised.write_text(revise(SAMPLE_PLAN.read_text(encoding="utf-8"), delete="4"), encoding="utf-8")
    assert cli("import", str(revised), "--year", "2026").exit_code == 0
    assert q2("2026-04-20") == said
    assert q2(datetime.now(VN).date().isoformat())["assignments"]["done_on_time"] == 0   # after it: out of the plan


def test_a_unit_a_revision_turns_from_lead_to_partner_keeps_its_lead_work_in_the_reports_before(engine, settings,
                                                                                              cli, tmp_path):
    """TCCB (chủ trì of task 4 with VP) sent it on 15/04; a later revision leaves VP alone as chủ trì and TCCB as
    phối hợp. The reports of the days before, which count chủ trì units, still count TCCB's task 4."""
    from services.workspace import SAMPLE_PLAN
    from tests.test_console import chat
    with use_locale("vi"):
        chat(engine, settings, ["/viec", "1", "xong ạ"], unit="TCCB")   # the console's day: 15/04/2026

    def q2(day: str) -> dict:
        return tccb_q2(cli, day)

    said = q2("2026-04-20")
    assert said["assignments"]["done_on_time"] == 1
    lines = []
    for line in SAMPLE_PLAN.read_text(encoding="utf-8").split("\n"):
        cells = line.split("\t")
        if cells[0] == "4":
            cells[3], cells[4] = "Văn phòng Sở", cells[4] + " - Phòng TCCB"
        lines.append("\t".join(cells))
    revised = tmp_path / "ke-hoach-dieu-chinh.md"
    revised.write_text("\n".join(lines), encoding="utf-8")
    result = cli("import", str(revised), "--year", "2026")
    assert result.exit_code == 0, result.output
    assert q2("2026-04-20") == said
    assert q2(datetime.now(VN).date().isoformat())["assignments"]["done_on_time"] == 0   # phối hợp now


def test_a_removed_plan_counts_in_the_reports_before_its_removal_and_not_after(engine, settings, cli):
    """TCCB sent task 4 on 15/04; the plan is removed later. Quý II as of 20/04 still says what it said; from the
    removal on, the plan's done work no longer makes a report of its own ("7 of 7 done") of a plan no one follows."""
    from tests.test_console import chat
    with use_locale("vi"):
        chat(engine, settings, ["/viec", "1", "xong ạ"], unit="TCCB")   # the console's day: 15/04/2026

    def q2(day: str):
        return cli("report", "--period", "q2", "--year", "2026", "--as-of", day, "--json")

    said = q2("2026-04-20").stdout
    assert json.loads(said)["assignments"]["done_on_time"] == 1
    assert cli("plans", "remove", "1", "--yes").exit_code == 0
    assert q2("2026-04-20").stdout == said
    after = q2(datetime.now(VN).date().isoformat())
    assert after.exit_code == 1 and "Chưa có kế hoạch nào của năm 2026" in after.stderr, after.output


def test_a_date_given_to_an_undated_task_is_not_an_extension(quarter):
    """D ("Tuyên truyền CCHC", continuous) gets its date from VP's "📅 Báo hạn" on 02/03 (as the check-in
    records it): a first date, not an approved extension; done on it, on time."""
    quarter.world._add(StatusChange(assignment_id=quarter.d.id, at=at(D(2026, 3, 2)), actor_name="VP",
                                    channel="telegram", field="due_on", before=None, after="2026-03-10",
                                    note="đơn vị báo hạn khi được hỏi tiến độ"))
    quarter.world.update(Assignment, quarter.d.id, due_on=D(2026, 3, 10), original_due_on=D(2026, 3, 10))
    quarter.status(quarter.d, Status.DONE, at(D(2026, 3, 10)))
    data = quarter.report(D(2026, 3, 14))
    assert data["assignments"]["extensions"] == 0 and data["assignments"]["undated"] == 0
    assert data["assignments"]["done_on_time"] == 1


def test_last_years_undated_tasks_are_not_in_this_years_quarter(quarter):
    """Quý I/2026's window opens on 15/12/2025, but the 2025 plan's "Thường xuyên" tasks are 2025's: the report
    of 2026 names 2026's one undated task (D), not last year's again."""
    old = quarter.world._add(Plan(title="Kế hoạch CCHC năm 2025", year=2025))
    task = quarter.world._add(Task(plan_id=old.id, number="1", title="Tuyên truyền CCHC năm 2025",
                                   deadline_text="Thường xuyên", deadline_kind="continuous"))
    quarter.world._add(Assignment(task_id=task.id, unit_id=quarter.tc.id, due_on=None))
    data = quarter.report(D(2026, 3, 14))
    assert (data["tasks"]["undated"], data["assignments"]["undated"]) == (1, 1)
    assert data["paragraph"].endswith("Ngoài ra có 01 nhiệm vụ chưa xác định hạn.")
