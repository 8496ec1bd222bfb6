"""The console channel: same handlers, buttons as numbered choices, `make run` without tokens."""
from __future__ import annotations

import asyncio
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.console import console_identity, run_console
from handlers.context import Services
from services.workspace import ensure_sample_workspace
from storage.models import Assignment, Evidence, ExtensionRequest, Invite, StatusChange, Task, Unit

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def chat(engine, settings, lines: list[str], *, unit: str | None = "VP", officer: bool = False) -> str:
    ensure_sample_workspace(engine)
    with Session(engine, expire_on_commit=False) as session:
        user, u = console_identity(session, unit_code=unit, officer=officer)
    services = Services(engine=engine, settings=settings, clock=lambda: datetime(2026, 4, 15, 9, tzinfo=VN))
    out = io.StringIO()
    asyncio.run(run_console(services, user=user, unit=u, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out))
    return out.getvalue()


def vp_assignment(engine, number: str) -> Assignment:
    with Session(engine) as s:
        vp = s.exec(select(Unit).where(Unit.code == "VP")).one()
        return s.exec(select(Assignment).join(Task).where(Task.number == number, Assignment.unit_id == vp.id)
                      .order_by(Assignment.due_on)).first()


def test_numbered_choices_open_a_task_and_mark_it_done(engine, settings):
    out = chat(engine, settings, ["/viec", "3", "1"])
    assert "Trả lời bằng số:" in out and "Mở NV 1" in out
    assert "📌 Nhiệm vụ 1:" in out and "31/03/2026" in out
    assert "✅ Đã ghi nhận" in out
    done = vp_assignment(engine, "1")
    assert done.status == "done" and done.done_on.isoformat() == "2026-04-15"  # no day stated: the day recorded


def test_reply_to_a_message_with_words_and_a_file(engine, settings, tmp_path):
    report = tmp_path / "bao-cao.pdf"
    report.write_bytes(b"%PDF-1.4 bao cao")
    out = chat(engine, settings, ["/viec", "3", f"#2 /file {report} xong ạ"])
    assert "hoàn thành" in out
    a = vp_assignment(engine, "1")
    assert a.status == "done"
    with Session(engine) as s:
        [ev] = s.exec(select(Evidence).where(Evidence.assignment_id == a.id)).all()
        [change] = s.exec(select(StatusChange).where(StatusChange.assignment_id == a.id,
                                                     StatusChange.field == "status")).all()
    assert ev.original_name == "bao-cao.pdf" and change.evidence_id == ev.id and change.channel == "console"


def test_undo_reverts_the_last_change(engine, settings):
    out = chat(engine, settings, ["/viec", "3", "1", "/undo"])
    assert "Đã hoàn tác" in out
    undone = vp_assignment(engine, "1")
    assert undone.status == "open" and undone.done_on is None


def test_extension_request_reaches_officers(engine, settings):
    chat(engine, settings, ["/start"], unit="VP", officer=True)  # an officer exists
    out = chat(engine, settings, ["/viec", "3", "#2 xin gia hạn đến 30/4"], unit="VP")
    assert "Đã gửi đề nghị gia hạn nhiệm vụ 1 đến 30/04/2026" in out
    assert "(gửi tới officer-VP)" in out and "Đồng ý" in out
    with Session(engine) as s:
        [req] = s.exec(select(ExtensionRequest)).all()
    assert req.requested_on.isoformat() == "2026-04-30" and req.state == "pending"
    out = chat(engine, settings, [f"/help"], unit="VP", officer=True)
    assert "/overdue" in out


def test_staff_cannot_use_officer_commands(engine, settings):
    out = chat(engine, settings, ["/overdue", "/khongco"], unit="TCCB")
    assert "dành cho cán bộ theo dõi CCHC" in out and "Không có lệnh /khongco" in out


def test_make_run_without_tokens_opens_the_console_on_the_sample(cli, engine, tmp_path):
    result = cli("run", input="/viec\n")
    assert result.exit_code == 0, result.output
    assert "NHACVIEC_TELEGRAM_TOKEN" in result.output
    assert "Đơn vị có" in result.output and "Tạm biệt" in result.output
    assert "sample.db" in result.output and "cơ sở dữ liệu thật không bị ghi gì" in result.output
    with Session(engine) as s:  # the real database: still empty
        assert s.exec(select(Unit)).first() is None and s.exec(select(Task)).first() is None
    assert (tmp_path / "sample.db").is_file()


def test_a_drill_clock_set_with_run_at_is_the_consoles_clock(cli):
    """`nhacviec run --console --at` (a drill): days left and late are counted from the drill's day."""
    result = cli("run", "--console", "--at", "2026-04-15T09:00", input="/tasks VP\n")
    assert result.exit_code == 0, result.output
    assert "NV 1: Triển khai công tác CCHC năm 2026 của Ngành (hạn 31/03/2026, quá hạn 15 ngày)" in result.output, \
        result.output
    assert "(hạn 29/04/2026, còn 14 ngày; hạn ghi 30/04/2026 là ngày nghỉ)" in result.output


def test_officer_marks_and_reopens_another_units_assignment(engine, settings):
    out = chat(engine, settings, ["/tasks TCCB", "1", "1", "1"], unit="VP", officer=True)
    assert "📋" in out and "NV 4 [TCCB]" in out
    assert "✅ Đã ghi nhận" in out and "↩️ Mở lại" in out
    with Session(engine) as s:
        changes = s.exec(select(StatusChange).where(StatusChange.channel == "console",
                                                    StatusChange.field == "status")).all()
    assert [(c.before, c.after) for c in changes] == [("open", "done"), ("done", "open")]
    assert all(c.actor_name == "Người dùng console" for c in changes)


def test_words_without_a_reply_apply_to_the_task_just_opened(engine, settings):
    out = chat(engine, settings, ["/viec", "3", "mai em nộp ạ"])
    assert "nhiệm vụ 1 đang thực hiện, dự kiến xong 16/04/2026" in out
    a = vp_assignment(engine, "1")
    assert a.status == "in_progress" and a.promised_on.isoformat() == "2026-04-16"


def test_partner_tasks_are_listed_apart(engine, settings):
    out = chat(engine, settings, ["/viec", "/viec phoihop"], unit="GDMN")
    assert "Đơn vị có 1 nhiệm vụ đang mở" in out and "NV 14:" in out
    assert "gõ /viec phoihop để xem" in out
    assert "Đơn vị phối hợp" in out and "NV 1: Triển khai công tác CCHC" in out
    [hinted] = re.findall(r"Đơn vị còn phối hợp (\d+) nhiệm vụ", out)
    [listed] = re.findall(r"Đơn vị phối hợp (\d+) nhiệm vụ đang mở", out)
    assert hinted == listed and int(listed) > 1  # the hint counts what the list shows (one per recurring task)


def test_officer_find_and_status_summarise_by_task(engine, settings):
    out = chat(engine, settings, ["/find chuyển đổi số", "/status 12"], unit="VP", officer=True)
    assert "🔎 \"chuyển đổi số\": 3 nhiệm vụ" in out
    assert "NV 4: Ban hành và chỉ đạo" in out and "chủ trì: TCCB, VP" in out
    assert "Tình hình nhiệm vụ 12:" in out and "[VP] NV 12:" in out
    assert "Phối hợp: 26 phân công (Chưa thực hiện: 26)" in out


def test_status_finds_a_unit_by_its_name_or_alias(engine, settings):
    out = chat(engine, settings, ["/status Văn phòng", "/status Phòng TCCB", "/status trường THPT Chu Văn An",
                                  "/status vp"], unit="VP", officer=True)
    assert out.count("Tình hình của Văn phòng Sở:") == 2
    assert "Tình hình của Phòng Tổ chức cán bộ:" in out and "NV 4:" in out
    assert "Tình hình của Trường THPT Chu Văn An:" in out
    assert "Không tìm thấy" not in out and "Không rõ" not in out


def test_status_with_a_name_several_units_share_lists_them_and_picks_none(engine, settings):
    out = chat(engine, settings, ["/status Sóc Sơn"], unit="VP", officer=True)
    assert "THPT-SS — Trường THPT Sóc Sơn" in out and "X-SOCSON — UBND xã Sóc Sơn" in out
    assert "/status <mã đơn vị>" in out and "Tình hình của" not in out
    out = chat(engine, settings, ["/status Phòng Giáo dục"], unit="VP", officer=True)
    assert all(f"{code} — Phòng Giáo dục" in out for code in ("GDMN", "GDTH", "GDTRH", "GDTX"))
    assert "Tình hình của" not in out
    out = chat(engine, settings, ["/status Các phòng thuộc Sở"], unit="VP", officer=True)  # a group: 11 units
    assert "VP — Văn phòng Sở" in out and "và 1 đơn vị khác" in out and "Tình hình của" not in out


def test_status_never_takes_half_a_name_and_says_when_nothing_matches(engine, settings):
    out = chat(engine, settings, ["/status Văn phòng abc"], unit="VP", officer=True)
    assert "Không rõ \"Văn phòng abc\"" in out and "VP — Văn phòng Sở" in out and "Tình hình của" not in out
    out = chat(engine, settings, ["/status Sở Nội vụ"], unit="VP", officer=True)
    assert "Không tìm thấy đơn vị hay nhiệm vụ \"Sở Nội vụ\"." in out and "/status VP" not in out


def test_status_of_a_unit_with_no_task_says_so_instead_of_not_found(engine, settings):
    """A school joined after the plan was loaded: it exists, it just leads nothing yet."""
    ensure_sample_workspace(engine)
    with Session(engine) as s:
        s.add(Unit(code="THCS-MOI", name="Trường THCS Mới", kind="truong"))
        s.commit()
    out = chat(engine, settings, ["/status THCS-MOI", "/status Trường THCS Mới"], unit="VP", officer=True)
    assert out.count("Trường THCS Mới chưa được giao nhiệm vụ nào trong kế hoạch.") == 2
    assert "Không tìm thấy" not in out


def test_upcoming_with_a_day_count_it_cannot_use_says_how_to_ask(engine, settings):
    out = chat(engine, settings, ["/upcoming 9999999999", "/upcoming 3000000", "/upcoming mười", "/upcoming 14"],
               unit="VP", officer=True)
    usage = "Cách dùng: /upcoming [số ngày từ 0 đến 366], ví dụ /upcoming 14"
    assert out.count(usage) == 3, out
    assert "📅 Sắp đến hạn trong 14 ngày:" in out and "Sắp đến hạn trong 7 ngày" not in out
    assert "Tạm biệt!" in out  # the console lived through it


def test_a_bare_date_answers_the_extension_question(engine, settings):
    chat(engine, settings, ["/start"], unit="VP", officer=True)
    out = chat(engine, settings, ["/viec", "3", "3", "đến 30/4"], unit="VP")
    assert "đến ngày nào?" in out and "Đã gửi đề nghị gia hạn nhiệm vụ 1 đến 30/04/2026" in out


def test_a_bare_answer_after_a_list_asks_among_the_listed_tasks(engine, settings):
    out = chat(engine, settings, ["/viec", "xong"], unit="TCCB")
    asked = out.split("Đồng chí trả lời cho nhiệm vụ nào?")[1]
    assert ". NV 4 (hạn" in asked and ". NV 21 " in asked and "Trang sau" not in asked


def test_officer_lists_count_chu_tri_units_only(engine, settings):
    out = chat(engine, settings, ["/tasks GDMN", "/upcoming 60"], unit="VP", officer=True)
    tasks = out.split("📋")[1].split("\n")[0]
    assert tasks.strip().startswith("1 phân công đang mở")
    upcoming = out.split("📅 Sắp đến hạn trong 60 ngày:")[1]
    assert upcoming.startswith(" 7 phân công") and "[TCCB] NV 4:" in upcoming  # with NV 27 due 12/06 (kỳ báo cáo)
    assert "[GDMN]" not in upcoming  # phối hợp units are not listed unless tracked


def test_console_on_an_empty_database_uses_the_sample_database_not_the_real_one(cli, engine, tmp_path):
    result = cli("console", "--as", "TCCB", input="/viec\n")
    assert result.exit_code == 0, result.output
    assert "Không gian làm việc mẫu" in result.output and "Phòng Tổ chức cán bộ" in result.output
    assert "NV 4:" in result.output
    with Session(engine) as s:
        assert s.exec(select(Unit)).first() is None
    # once real units are loaded, the console works on them, without the sample's 976 assignments
    units = tmp_path / "units.csv"
    units.write_text("code,name,kind,parent,aliases,groups\nVP,Văn phòng Sở,phong,,,\nTCCB,Phòng Tổ chức cán bộ,phong,,,\n",
                     encoding="utf-8")
    assert cli("units", "load", str(units)).exit_code == 0
    real = cli("console", "--as", "TCCB", input="/viec\n")
    assert real.exit_code == 0 and "Không gian làm việc mẫu" not in real.output
    with Session(engine) as s:
        assert s.exec(select(Assignment)).first() is None


def vp_rows(engine, number: str) -> list[Assignment]:
    with Session(engine) as s:
        vp = s.exec(select(Unit).where(Unit.code == "VP")).one()
        return list(s.exec(select(Assignment).join(Task).where(Task.number == number, Assignment.unit_id == vp.id)
                           .order_by(Assignment.due_on)))


def test_typed_task_numbers_apply_each_to_that_task_and_confirm_each(engine, settings):
    out = chat(engine, settings, ["Dạ em báo cáo: NV 12 xong rồi ạ, NV 13 đang làm", "nhiem vu 14 xong"])
    assert "nhiệm vụ 12 hoàn thành" in out and "nhiệm vụ 13 đang thực hiện" in out and "nhiệm vụ 14 hoàn thành" in out
    assert [a.status for a in vp_rows(engine, "12") + vp_rows(engine, "13") + vp_rows(engine, "14")] == [
        "done", "in_progress", "done"]
    assert "Đồng chí trả lời cho nhiệm vụ nào?" not in out


def test_a_task_number_of_a_monthly_task_asks_which_month(engine, settings):
    out = chat(engine, settings, ["23 xong", "NV 6 xong"])
    assert "không có nhiệm vụ số 23 đang mở" in out
    assert "NV 6 (hạn 30/01)" in out and "NV 6 (hạn 27/02)" in out   # Saturdays 31/01, 28/02: the Friday meant
    assert all(a.status == "open" for a in vp_rows(engine, "6"))


def test_the_stated_completion_day_is_recorded_and_audited(engine, settings):
    out = chat(engine, settings, ["NV 12 đã xong ngày 10/4", "Đã ban hành KH số 45/KH-SGDĐT ngày 03/01/2026 (NV 13)"])
    assert "Ngày hoàn thành ghi nhận: 10/04/2026" in out
    [a12], [a13] = vp_rows(engine, "12"), vp_rows(engine, "13")
    assert (a12.status, a12.done_on.isoformat()) == ("done", "2026-04-10")
    assert (a13.status, a13.done_on.isoformat()) == ("done", "2026-01-03")
    with Session(engine) as s:
        audit = s.exec(select(StatusChange).where(StatusChange.assignment_id == a12.id,
                                                  StatusChange.field == "done_on")).one()
    assert audit.after == "2026-04-10" and audit.actor_name and audit.channel == "console"


def test_a_completion_day_before_the_plan_or_to_come_is_not_recorded(engine, settings):
    out = chat(engine, settings, ["NV 12 đã xong ngày 10/12/2025", "NV 12 đã xong ngày 20/4/2026"])
    assert "trước ngày giao nhiệm vụ" in out
    assert "Chưa rõ ý về nhiệm vụ 12" in out  # a day still to come: asked, not recorded
    [a12] = vp_rows(engine, "12")
    assert a12.status == "open" and a12.done_on is None


def test_ok_asks_whether_the_task_is_done(engine, settings):
    out = chat(engine, settings, ["/viec", "3", "ok ạ"])
    assert "Đồng chí đã hoàn thành nhiệm vụ 1 chưa?" in out
    assert vp_assignment(engine, "1").status == "open"


def test_a_number_answers_the_extension_request_not_an_earlier_card(engine, settings):
    earlier = chat(engine, settings, ["/viec", "3"], unit="VP", officer=True)  # the officer's chat shows a card
    assert "1. ✅ Đã hoàn thành" in earlier
    chat(engine, settings, ["NV 12 xin gia hạn đến 30/5"], unit="VP")
    out = chat(engine, settings, ["1"], unit="VP", officer=True)
    assert "Đã đồng ý gia hạn nhiệm vụ 12" in out
    [a12] = vp_rows(engine, "12")
    assert a12.due_on.isoformat() == "2026-05-30" and a12.status == "open"
    assert vp_assignment(engine, "1").status == "open"  # the card shown earlier is untouched


def test_officers_list_pending_requests_and_answer_them_in_words(engine, settings):
    chat(engine, settings, ["/start"], unit="VP", officer=True)
    chat(engine, settings, ["NV 12 xin gia hạn đến 30/5"], unit="VP")
    out = chat(engine, settings, ["/status 12", "1"], unit="VP", officer=True)
    assert "[VP] NV 12: " in out and "— xin gia hạn đến 30/05/2026" in out  # /status shows the pending request
    assert "Đang chờ duyệt gia hạn đến 30/05/2026." in out  # and so does the card
    out = chat(engine, settings, ["/giahan"], unit="VP", officer=True)
    assert "Hạn hiện tại: 30/04/2026 → xin đến: 30/05/2026" in out and "1. Đồng ý\n2. Từ chối" in out
    out = chat(engine, settings, ["không đồng ý"], unit="VP", officer=True)
    assert "Đã từ chối gia hạn nhiệm vụ 12" in out
    [a12] = vp_rows(engine, "12")
    assert a12.due_on.isoformat() == "2026-04-30"
    out = chat(engine, settings, ["/giahan", "đồng ý"], unit="VP", officer=True)
    assert "Không có đề nghị gia hạn nào đang chờ duyệt" in out and "trả lời cho đề nghị gia hạn nào" in out


def test_an_officer_deciding_after_the_deadline_is_told_the_report_still_counts_it_late(engine, settings):
    chat(engine, settings, ["/start"], unit="VP", officer=True)
    chat(engine, settings, ["NV 1 xin gia hạn đến 30/4", "NV 12 xin gia hạn đến 30/5"], unit="VP")  # on 15/04
    out = chat(engine, settings, ["/giahan"], unit="VP", officer=True)
    late, in_time = out.split("Hạn hiện tại: 31/03/2026")[1], out.split("Hạn hiện tại: 30/04/2026")[1]
    assert late.split("\n")[1] == ("⚠️ Hạn 31/03/2026 đã qua: duyệt bây giờ thì hạn và lời nhắc dời theo, nhưng "
                                   "báo cáo vẫn tính nhiệm vụ là quá hạn."), out
    assert "đã qua" not in in_time.split("Đồng ý")[0], out   # NV 12's deadline has not passed: nothing to warn


def test_message_numbers_go_on_across_sessions_and_a_missing_one_is_named(engine, settings):
    first = chat(engine, settings, ["/viec", "3"])
    assert "[#1]" in first and "[#2] 📌 Nhiệm vụ 1:" in first
    second = chat(engine, settings, ["/help", "#99 đang làm"])
    assert "[#1]" not in second and "[#3]" in second  # a new session does not reuse #1, #2
    assert "Không có tin #99 trong cuộc trò chuyện này." in second
    assert vp_assignment(engine, "1").status == "open"
    third = chat(engine, settings, ["#2 đang làm"])  # #2 is still the card of NV 1 shown in the first session
    assert "nhiệm vụ 1 đang thực hiện" in third and vp_assignment(engine, "1").status == "in_progress"


def test_a_unit_that_only_cooperates_is_told_the_lead_unit_reports(engine, settings):
    """A school that is only "phối hợp" answers "xong": it is told who reports, not that it has nothing at all."""
    out = chat(engine, settings, ["/viec", "xong"], unit="THPT-CVA")
    assert "Đơn vị còn phối hợp" in out
    reply = out.split("> xong")[1]
    assert "không chủ trì nhiệm vụ nào đang mở" in reply and "đơn vị chủ trì cập nhật" in reply
    assert "/viec phoihop" in reply
    with Session(engine) as s:
        assert s.exec(select(StatusChange).where(StatusChange.channel == "console")).all() == []


def test_closed_assignments_are_not_said_to_be_late_in_status_find_and_card(engine, settings):
    """A task done (or not tracked) is not "quá hạn N ngày" weeks later: only open work counts days."""
    chat(engine, settings, ["/viec", "3", "1"])   # VP: NV 1 (due 31/03/2026) done on 15/04/2026
    nv4 = vp_assignment(engine, "4")               # NV 4 (due 30/04/2026) left before tracking started
    with Session(engine) as s:
        row = s.get(Assignment, nv4.id)
        row.due_on = row.original_due_on = datetime(2026, 3, 20).date()
        row.status = "not_tracked"
        s.add(row)
        s.commit()
    out = chat(engine, settings, ["/status VP", "/find Triển khai công tác CCHC năm 2026", "1"],
               unit="VP", officer=True)
    done = [line for line in out.splitlines() if "NV 1:" in line and "Đã hoàn thành" in line]
    untracked = [line for line in out.splitlines() if "NV 4:" in line and "Không theo dõi" in line]
    assert done and untracked, out
    assert all("hạn 31/03/2026" in line and "quá hạn" not in line for line in done), done
    assert all("hạn 20/03/2026" in line and "quá hạn" not in line for line in untracked), untracked
    found = next(line for line in out.splitlines() if line.startswith("NV 1: Triển khai công tác CCHC"))
    assert "hạn 31/03/2026" in found and "quá hạn" not in found, found
    card = out.split("📌 Nhiệm vụ 1:", 1)[1]
    assert "Thời hạn: hạn 31/03/2026\n" in card and "Trạng thái: Đã hoàn thành" in card, card


def test_invite_with_a_use_count_it_cannot_keep_says_how_and_creates_nothing(engine, settings):
    out = chat(engine, settings, ["/invite VP member 99999999999999999999", "/invite VP member nhiều"],
               unit="VP", officer=True)
    assert out.count("Số lần dùng phải là số từ 1 đến 1000") == 2 and "Traceback" not in out
    with Session(engine) as s:
        assert s.exec(select(Invite)).all() == []


def test_invite_takes_a_unit_by_its_name_and_lists_the_units_a_vague_name_may_mean(engine, settings):
    """Officers name schools as they write them: "/invite Trường THPT Chu Văn An head 3"."""
    out = chat(engine, settings, ["/invite Trường THPT Chu Văn An head 3", "/invite Phòng Giáo dục",
                                  "/invite Văn phòng"], unit="VP", officer=True)
    assert "Mã mời cho Trường THPT Chu Văn An (lãnh đạo đơn vị)" in out and "dùng được 3 lần" in out, out
    assert "Không rõ \"Phòng Giáo dục\" là đơn vị nào" in out and "Gõ /invite <mã đơn vị>" in out, out
    assert "Mã mời cho Văn phòng Sở (cán bộ đơn vị)" in out, out
    with Session(engine) as s:
        invites = {(i.unit_id, i.role, i.max_uses) for i in s.exec(select(Invite)).all()}
        cva = s.exec(select(Unit).where(Unit.code == "THPT-CVA")).one()
        vp = s.exec(select(Unit).where(Unit.code == "VP")).one()
    assert invites == {(cva.id, "head", 3), (vp.id, "member", 20)}


def test_a_fault_inside_a_command_is_answered_and_changes_nothing(engine, settings, monkeypatch):
    """Whatever goes wrong inside, the person gets an answer in Vietnamese, never a traceback or silence."""
    from handlers import officers, router

    def broken(turn, args):
        turn.session.add(Unit(code="MA", name="Đơn vị ma"))
        raise RuntimeError("boom")

    monkeypatch.setitem(router.COMMANDS, "overdue", broken)
    out = chat(engine, settings, ["/overdue", "/status VP"], unit="VP", officer=True)
    assert "Hệ thống gặp lỗi khi xử lý tin này nên chưa ghi nhận gì" in out
    assert "boom" not in out and "Traceback" not in out
    assert "Tình hình của Văn phòng Sở:" in out                     # the next message is handled as usual
    with Session(engine) as s:
        assert s.exec(select(Unit).where(Unit.code == "MA")).first() is None


def test_a_typed_answer_is_confirmed_with_the_tasks_title(engine, settings):
    """'NV 3 xong' is typed from memory (and numbers move when a plan is revised): the reply names the task."""
    out = chat(engine, settings, ["NV 3 xong"], unit="VP")
    confirmation = out.split("✅ Đã ghi nhận: nhiệm vụ 3 hoàn thành")[1]
    assert "📌 Ban hành Kế hoạch Chuyển đổi số ngành Giáo dục" in confirmation.split("\n>")[0]


def test_a_date_that_is_not_in_the_calendar_is_named_and_nothing_is_recorded(engine, settings):
    out = chat(engine, settings, ["NV 3 xin gia hạn đến 32/7", "xin gia hạn đến 31/2", "NV 3 xong ngày 45/3"])
    assert "Ngày 32/7 không có trong lịch" in out and "Ngày 31/2 không có trong lịch" in out
    assert "Ngày 45/3 không có trong lịch" in out and "Chưa rõ ý" not in out and "chưa hiểu" not in out
    with Session(engine) as s:
        assert s.exec(select(ExtensionRequest)).all() == []
    assert vp_assignment(engine, "3").status == "open"


def test_overdue_and_tasks_take_a_unit_by_name_and_never_guess_between_two(engine, settings):
    out = chat(engine, settings, ["/overdue Văn phòng", "/tasks Phòng TCCB", "/overdue Sóc Sơn"],
               unit="VP", officer=True)
    overdue, tasks, ambiguous = out.split("\n> ")[1:4]
    assert "phân công quá hạn ở 1 đơn vị" in overdue and "Văn phòng Sở (VP):" in overdue
    assert "Không có đơn vị mã" not in out
    assert "phân công đang mở" in tasks and "[TCCB]" in tasks and "[VP]" not in tasks
    assert "THPT-SS — Trường THPT Sóc Sơn" in ambiguous and "X-SOCSON — UBND xã Sóc Sơn" in ambiguous
    assert "/overdue <mã đơn vị>" in ambiguous and "quá hạn ở" not in ambiguous


def test_remove_with_a_number_no_person_can_have_says_so(engine, settings):
    out = chat(engine, settings, ["/remove 999999999999999999999", "/remove ١٢"], unit="VP", officer=True)
    assert "Không có người mang mã số 999999999999" in out and "Hệ thống gặp lỗi" not in out
    assert out.count("Cách dùng: /remove <mã số>") == 1                 # Arabic-Indic digits are not a number here


def test_an_extension_by_some_days_that_ends_before_the_deadline_offers_those_days_after_it(engine, settings):
    """On 15/04 'NV 4 xin gia hạn 5 ngày' (NV 4 due 30/04) gives 20/04, before the deadline: the unit surely
    meant five days more. Never guessed: the refusal offers 05/05/2026 as a choice, and only a choice records it."""
    out = chat(engine, settings, ["NV 4 xin gia hạn 5 ngày"], unit="VP")
    assert "phải sau hạn hiện tại (30/04/2026)" in out and "Xin gia hạn đến 05/05/2026" in out
    with Session(engine) as s:
        assert s.exec(select(ExtensionRequest)).all() == []
    out = chat(engine, settings, ["NV 4 xin gia hạn 5 ngày", "1"], unit="VP")
    assert "Đã gửi đề nghị gia hạn nhiệm vụ 4 đến 05/05/2026" in out
    with Session(engine) as s:
        [request] = s.exec(select(ExtensionRequest)).all()
    assert request.requested_on.isoformat() == "2026-05-05" and request.state == "pending"
    for written in ("NV 4 xin gia hạn đến 20/4", "NV 4 xin gia hạn đến 20 tháng 4"):   # a day written: no offer
        out = chat(engine, settings, [written], unit="VP")
        assert "phải sau hạn hiện tại" in out and "Xin gia hạn đến" not in out.split("> " + written)[1], written
    out = chat(engine, settings, ["NV 4 xin gia han 5 ngay"], unit="VP")      # typed without marks: the same offer
    assert "Xin gia hạn đến 05/05/2026" in out
