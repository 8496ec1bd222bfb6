"""The desk over HTTP: sign-in links, sessions, CSRF, role and unit checks, and numbers equal to the CLI's."""
from __future__ import annotations

import io
import json
import re
from datetime import date

import docx
import openpyxl
from sqlmodel import Session, func, select
from starlette.testclient import TestClient

from handlers.context import Services
from handlers.messages import Incoming
from handlers.router import handle
from services.extensions import request_extension
from services.status import Actor
from storage.models import Assignment, ExtensionRequest, Invite, Plan, StatusChange, Task, Unit
from tests.fixtures.builders import build_docx
from tests.test_console import chat
from tests.test_plan_upload_chat import revised_rows
from tests.test_postgres import pg_engine  # noqa: F401  (fixture)
from tests.web_harness import NOW, counts_in, csrf, link_token, make_desk, signed_in
from web.app import build_desk_app

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def counts(engine) -> tuple[int, ...]:
    with Session(engine) as s:
        return tuple(s.exec(select(func.count()).select_from(m)).one() for m in (Plan, Task, Assignment, StatusChange))


def test_nothing_is_readable_without_a_session_and_a_link_works_once(cli, settings, engine):
    desk = make_desk(settings, engine)
    stranger = TestClient(build_desk_app(desk))
    for path in ("/", "/overdue", "/unit/VP", "/task/1", "/reports", "/units", "/upload", "/evidence/1",
                 "/reports/bao-cao.xlsx"):
        response = stranger.get(path)
        assert response.status_code == 401 and "/web" in response.text and "Văn phòng Sở" not in response.text
    assert stranger.post("/extension/1", data={"verdict": "ok"}).status_code == 401

    result = cli("web", "link", "--officer", "--json", env={"NHACVIEC_PUBLIC_URL": "https://desk.example.vn"})
    url = json.loads(result.output)["url"]
    assert set(json.loads(result.output)) == {"url"} and url.startswith("https://desk.example.vn/login/")
    token = url.rsplit("/", 1)[1]
    officer = TestClient(build_desk_app(desk))
    assert "Đăng nhập" in officer.get(f"/login/{token}").text  # opening (or a chat preview) signs nobody in
    signed = officer.post(f"/login/{token}", follow_redirects=False)
    assert signed.status_code == 303
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=28800" in cookie
    assert "Tiến độ các kế hoạch" in officer.get("/").text
    again = TestClient(build_desk_app(desk)).post(f"/login/{token}")
    assert again.status_code == 403 and "đã được dùng" in again.text
    late = TestClient(build_desk_app(desk)).post(f"/login/{link_token(desk, minutes_ago=11)}")
    assert late.status_code == 403 and "hết hạn" in late.text
    assert cli("web", "link", "--as", "KHONGCO").exit_code == 1


async def test_numbers_equal_the_cli_report_and_the_chat(cli, settings, engine):
    desk = make_desk(settings, engine)
    officer = signed_in(desk)
    cli_all = json.loads(cli("report", "--json", "--as-of", "2026-04-15").output)
    overview = officer.get("/").text
    totals = counts_in(overview, "total")
    for key in ("total", "done_on_time", "done_late", "overdue", "pending", "not_done", "undated", "not_tracked"):
        assert totals[key] == cli_all["assignments"][key], key
    plan1 = json.loads(cli("report", "--json", "--plan", "1", "--as-of", "2026-04-15").output)["assignments"]
    assert counts_in(overview, "plan-1") == {k: plan1[k] for k in counts_in(overview, "plan-1")}
    q1 = json.loads(cli("report", "--json", "--year", "2026", "--quarter", "I", "--as-of", "2026-04-15").output)
    page = officer.get("/reports?year=2026&quarter=I&as_of=2026-04-15").text
    assert counts_in(page, "report-assignments") == {k: q1["assignments"][k] for k in counts_in(page,
                                                                                                "report-assignments")}
    assert counts_in(page, "report-tasks")["total"] == q1["tasks"]["total"]
    vp_cli = json.loads(cli("report", "--json", "--unit", "VP", "--as-of", "2026-04-15").output)["assignments"]
    vp_page = counts_in(officer.get("/unit/VP").text, "unit-counts")
    assert vp_page == {k: vp_cli[k] for k in vp_page} and vp_page["total"] > 0

    code = _invite(engine, "VP", "officer")
    services = Services(engine=engine, settings=settings, clock=desk.clock, inline_buttons={"console": False})
    await handle(Incoming("console", "c1", "u1", "Chị Lan", text=f"/start {code}"), services)
    [chat] = await handle(Incoming("console", "c1", "u1", "Chị Lan", text="/overdue"), services)
    header = chat.text.split(":", 1)[0]
    overdue = officer.get("/overdue").text
    assert header in overdue and f"⚠️ {totals['overdue']} phân công" in header
    assert overdue.count('class="overdue-row"') == totals["overdue"]
    vp = officer.get("/overdue?unit=VP").text
    vp_chat = (await handle(Incoming("console", "c1", "u1", "Chị Lan", text="/overdue VP"), services))[0].text
    assert vp_chat.split(":", 1)[0] in vp and set(re.findall(r'data-unit="([^"]+)"', vp)) == {"VP"}


def _invite(engine, unit: str, role: str) -> str:
    from services.invites import create_invite
    from services.queries import unit_by_code
    with Session(engine) as s:
        invite = create_invite(s, unit=unit_by_code(s, unit), role=role, uses=1, expires_days=1, created_by="t",
                               now=NOW)
        s.commit()
        return invite.code


def test_a_unit_head_sees_only_their_unit(settings, engine):
    desk = make_desk(settings, engine)
    head = signed_in(desk, unit_code="THPT-CVA")
    assert head.get("/", follow_redirects=False).headers["location"] == "/unit/THPT-CVA"
    assert "Trường THPT Chu Văn An" in head.get("/unit/THPT-CVA").text
    with Session(engine) as s:
        school = s.exec(select(Unit).where(Unit.code == "THPT-CVA")).one()
        ours = {a.task_id for a in s.exec(select(Assignment).where(Assignment.unit_id == school.id))}
        theirs = min(set(s.exec(select(Task.id))) - ours)
    task = head.get(f"/task/{min(ours)}").text
    assert set(re.findall(r'class="assignment" data-unit="([^"]+)"', task)) == {"THPT-CVA"}
    assert head.get(f"/task/{theirs}").status_code == 403
    for path in ("/unit/VP", "/overdue", "/reports", "/units", "/upload", "/reports/bao-cao.xlsx"):
        assert head.get(path).status_code == 403, path
    assert head.post("/units/VP/sheet", data={"csrf": csrf(task)}).status_code == 403


def _desk_with_a_vp_request(settings, engine):
    """A desk that records what it sends to chats, and VP's earliest dated assignment with a request to 20/05/2026."""
    sent = []

    async def notify(messages):
        sent.extend(messages)

    desk = make_desk(settings, engine, notify=notify)
    with Session(engine, expire_on_commit=False) as s:
        vp = s.exec(select(Unit).where(Unit.code == "VP")).one()
        a = s.exec(select(Assignment).where(Assignment.unit_id == vp.id, Assignment.due_on != None)  # noqa: E711
                   .order_by(Assignment.due_on)).first()
        req = request_extension(s, assignment=a, new_due=date(2026, 5, 20), now=NOW,
                                actor=Actor(name="Anh Nam", channel="console", unit_id=vp.id))
        s.commit()
    return desk, sent, a, req


def test_an_extension_is_approved_on_the_desk_only_with_the_form_token(settings, engine):
    desk, sent, a, req = _desk_with_a_vp_request(settings, engine)
    officer = signed_in(desk)
    page = officer.get(f"/task/{a.task_id}").text
    assert f'id="ext-{req.id}"' in page and "20/05/2026" in page
    assert officer.post(f"/extension/{req.id}", data={"verdict": "ok"}).status_code == 403
    assert officer.post(f"/extension/{req.id}", data={"verdict": "ok", "csrf": "x" * 32}).status_code == 403
    with Session(engine) as s:
        assert s.get(ExtensionRequest, req.id).state == "pending"
    done = officer.post(f"/extension/{req.id}", data={"verdict": "ok", "csrf": csrf(page)})
    assert done.status_code == 200 and 'id="notice">Đã đồng ý' in done.text
    with Session(engine) as s:
        assert s.get(ExtensionRequest, req.id).state == "approved"
        assert s.get(Assignment, a.id).due_on == date(2026, 5, 20)
        [change] = s.exec(select(StatusChange).where(StatusChange.assignment_id == a.id,
                                                     StatusChange.field == "due_on")).all()
        assert change.channel == "web" and change.actor_name == "Chị Lan"
    again = officer.post(f"/extension/{req.id}", data={"verdict": "no", "csrf": csrf(page)})
    assert again.status_code == 409 and "đã được xử lý" in again.text


def test_upload_previews_then_imports_once(settings, engine, tmp_path):
    desk = make_desk(settings, engine)
    officer = signed_in(desk)
    token = csrf(officer.get("/upload").text)
    revised = build_docx(tmp_path / "KH-sua-doi.docx", revised_rows())
    before = counts(engine)
    without = officer.post("/upload", files={"file": ("KH-sua-doi.docx", revised.read_bytes(), DOCX)})
    assert without.status_code == 403 and counts(engine) == before
    preview = officer.post("/upload", data={"csrf": token},
                           files={"file": ("KH-sua-doi.docx", revised.read_bytes(), DOCX)})
    assert "Sửa đổi kế hoạch #1: 0 nhiệm vụ mới (—), 1 thay đổi (3), 1 bỏ (33)" in preview.text
    assert preview.text.count('class="preview-task"') == 32 and counts(engine) == before
    action = re.search(r'action="(/upload/[0-9a-f]{16})"', preview.text).group(1)
    assert 'name="accept" value="1"' in preview.text and "03/04/2026" in preview.text  # a body deadline offered
    done = officer.post(action, data={"csrf": token, "action": "import", "accept": "1"})
    assert "Đã nhập kế hoạch #1: 1 nhiệm vụ mới, 1 cập nhật, 1 bỏ khỏi kế hoạch" in done.text
    with Session(engine) as s:
        added = s.exec(select(Task).where(Task.number == "BS1")).one()
        assert added.dues == ["2026-04-03"] and added.source == "suggested"
    after = counts(engine)
    twice = officer.post(action, data={"csrf": token, "action": "import"})
    assert twice.status_code == 409 and counts(engine) == after
    broken = officer.post("/upload", data={"csrf": token}, files={"file": ("hong.docx", b"not a zip", DOCX)})
    assert broken.status_code == 400 and "bị hỏng" in broken.text and counts(engine) == after


def test_upload_preview_of_a_revision_lists_each_change_and_the_guess_it_would_accept(settings, engine, tmp_path):
    """Confirming on the page accepts guessed matches, as in chat: the officer must read them first."""
    desk = make_desk(settings, engine)
    officer = signed_in(desk)
    token = csrf(officer.get("/upload").text)
    rows = revised_rows()
    rows[3] = {**rows[3], "title_raw": "Kiểm tra công vụ, kỷ luật hành chính tại các trường học năm 2026"}
    revised = build_docx(tmp_path / "KH-sua-doi.docx", rows)
    preview = officer.post("/upload", data={"csrf": token},
                           files={"file": ("KH-sua-doi.docx", revised.read_bytes(), DOCX)})
    changes = re.search(r'<ul id="changes">(.*?)</ul>', preview.text, re.S)
    assert changes, preview.text
    assert "CẦN XÁC NHẬN: NV 4 “Kiểm tra công vụ, kỷ luật hành chính" in changes.group(1)
    assert "hạn 31/03/2026 → 30/04/2026" in changes.group(1)
    assert "Bỏ khỏi kế hoạch: NV 33" in changes.group(1)


def test_report_workbook_and_printable_invite_sheets(settings, engine):
    desk = make_desk(settings, engine)
    officer = signed_in(desk)
    xlsx = officer.get("/reports/bao-cao.xlsx?year=2026&quarter=I&as_of=2026-04-15")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert "Chi tiết" in book.sheetnames
    word = officer.get("/reports/bao-cao.docx?period=q1&year=2026&as_of=2026-04-15")
    assert word.headers["content-disposition"] == 'attachment; filename="bao-cao-cchc-q1-2026-den-15-04-2026.docx"'
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert "15/04/2026" in text
    assert officer.get("/reports/bao-cao.png?period=q1").content.startswith(b"\x89PNG")
    assert officer.get("/reports/bao-cao.exe").status_code == 404
    token = csrf(officer.get("/units").text)
    sheet = officer.post("/units/THPT-CVA/sheet", data={"csrf": token}).text
    code = re.search(r'class="code">([A-Z0-9]{8})<', sheet).group(1)
    assert "<svg" in sheet and f"https://t.me/nhacviec_test_bot?start={code}" in sheet
    with Session(engine) as s:
        invite = s.exec(select(Invite).where(Invite.code == code)).one()
        assert s.get(Unit, invite.unit_id).code == "THPT-CVA" and invite.max_uses == 50
    units_page = officer.get("/units").text
    group_id = re.search(r'action="/groups/(\d+)/sheet"', units_page).group(1)
    group = officer.post(f"/groups/{group_id}/sheet", data={"csrf": token}).text
    sheets = re.findall(r'class="sheet" data-unit="([^"]+)"', group)
    assert len(sheets) == len(set(sheets)) >= 2 and group.count("<svg") >= len(sheets)


async def test_web_in_chat_gives_officers_and_heads_a_link_and_refuses_staff(settings, engine):
    desk = make_desk(settings, engine)
    services = Services(engine=engine, settings=settings, clock=desk.clock, inline_buttons={"console": False})
    for chat, unit, role in (("c1", "VP", "officer"), ("c2", "THPT-CVA", "head"), ("c3", "VP", "member")):
        await handle(Incoming("console", chat, chat, "Người " + chat, text=f"/start {_invite(engine, unit, role)}"),
                     services)
    [staff] = await handle(Incoming("console", "c3", "c3", "Người c3", text="/web"), services)
    assert "dành cho cán bộ theo dõi CCHC và lãnh đạo đơn vị" in staff.text and "/login/" not in staff.text
    [head] = await handle(Incoming("console", "c2", "c2", "Người c2", text="/web"), services)
    url = re.search(r"http://127\.0\.0\.1:8080(/login/\S+)", head.text).group(1)
    browser = TestClient(build_desk_app(desk))
    assert browser.post(url, follow_redirects=False).headers["location"] == "/"
    assert browser.get("/", follow_redirects=False).headers["location"] == "/unit/THPT-CVA"
    [officer] = await handle(Incoming("console", "c1", "c1", "Người c1", text="/web"), services)
    desk_browser = TestClient(build_desk_app(desk))
    desk_browser.post(re.search(r"(/login/\S+)", officer.text).group(1))
    assert "Tiến độ các kế hoạch" in desk_browser.get("/").text
    with Session(engine) as s:  # the officer is removed from the bot: the desk closes with the chat
        from storage.models import ChatUser
        user = s.exec(select(ChatUser).where(ChatUser.external_id == "c1")).one()
        user.active = False
        s.add(user)
        s.commit()
    assert desk_browser.get("/").status_code == 401


def test_nhacviec_run_serves_the_desk_beside_the_webhooks(settings, engine):
    from bot.webhooks import Background, WebhookHandlers, build_app

    async def never(_inbound):
        raise AssertionError("an unauthenticated webhook was processed")

    desk = make_desk(settings, engine)
    hooks = WebhookHandlers(zalo_bot_secret="s3cret-token", on_zalo_bot=never)
    server = TestClient(build_app(hooks, Background(), build_desk_app(desk)))
    assert server.post("/zalo/bot", json={"ok": True}).status_code == 401  # webhooks keep their own checks
    assert server.get("/").status_code == 401 and "Chưa đăng nhập" in server.get("/overdue").text
    assert server.post(f"/login/{link_token(desk)}", follow_redirects=False).headers["location"] == "/"
    assert "Tiến độ các kế hoạch" in server.get("/").text


def test_evidence_opens_for_the_officer_and_its_unit_only(settings, engine):
    from services.evidence import store_evidence
    desk = make_desk(settings, engine)
    pdf = b"%PDF-1.4\n% bao cao quy I\n%%EOF\n"
    with Session(engine, expire_on_commit=False) as s:
        school = s.exec(select(Unit).where(Unit.code == "THPT-CVA")).one()
        a = s.exec(select(Assignment).where(Assignment.unit_id == school.id)).first()
        item = store_evidence(s, assignment_id=a.id, data=pdf, name="Báo cáo quý I.pdf", mime="application/pdf",
                              channel="telegram", uploaded_by=None, folder=settings.evidence_dir, limit=10**6)
        s.commit()
    officer = signed_in(desk)
    assert "Báo cáo quý I.pdf" in officer.get(f"/task/{a.task_id}").text
    download = officer.get(f"/evidence/{item.id}")
    assert download.content == pdf and download.headers["content-disposition"].startswith("attachment")
    assert officer.get(f"/evidence/{item.id}?open=1").headers["content-disposition"].startswith("inline")
    assert signed_in(desk, unit_code="THPT-CVA").get(f"/evidence/{item.id}").content == pdf
    assert signed_in(desk, unit_code="THPT-KL").get(f"/evidence/{item.id}").status_code == 403


def test_the_desk_names_a_report_period_not_its_code(cli, settings, engine):
    """Lists, the task page and the unit's message after a decision read «Báo cáo CCHC quý I năm 2026», never 'q1'."""
    sent = []

    async def notify(messages):
        sent.extend(messages)

    desk = make_desk(settings, engine, notify=notify)
    chat(engine, settings, ["/quit"], unit="THPT-CVA")   # the school's chat, which hears the decision
    cli("calendar", "apply", "--preset", "hanoi-2026", "--year", "2026", "--track-from", "2026-01-01")
    with Session(engine, expire_on_commit=False) as s:
        cva = s.exec(select(Unit).where(Unit.code == "THPT-CVA")).one()
        a = s.exec(select(Assignment).join(Task).where(Assignment.unit_id == cva.id, Task.number == "q1")).one()
        req = request_extension(s, assignment=a, new_due=date(2026, 4, 30), now=NOW,
                                actor=Actor(name="Anh Nam", channel="console", unit_id=cva.id))
        s.commit()
    officer = signed_in(desk)
    unit_page = officer.get("/unit/THPT-CVA").text
    overdue = officer.get("/overdue?unit=THPT-CVA").text
    task = officer.get(f"/task/{a.task_id}").text
    row = f'<a href="/task/{a.task_id}">Lịch báo cáo</a></td><td>Báo cáo CCHC quý I năm 2026</td>'
    assert row in unit_page and row in overdue
    assert "<h1>Báo cáo CCHC quý I năm 2026</h1>" in task and "<title>Báo cáo CCHC quý I năm 2026" in task
    assert officer.post(f"/extension/{req.id}", data={"verdict": "ok", "csrf": csrf(task)}).status_code == 200
    assert sent and {m.text for m in sent} == {
        "✅ Đề nghị gia hạn nhiệm vụ «Báo cáo CCHC quý I năm 2026» đã được đồng ý. Hạn mới: 30/04/2026."}
    for html in (unit_page, overdue, task):
        assert not re.search(r">(q1|h1|q3|year)<|Nhiệm vụ q1", html), html


def test_an_extension_form_without_a_clear_verdict_decides_nothing(settings, engine):
    """Only "Đồng ý" or "Từ chối" decides: a form with no verdict (or a garbled one) is refused, not read as a no."""
    desk, sent, a, req = _desk_with_a_vp_request(settings, engine)
    due = a.due_on
    officer = signed_in(desk)
    token = csrf(officer.get(f"/task/{a.task_id}").text)
    for form in ({"csrf": token}, {"csrf": token, "verdict": "maybe"}, {"csrf": token, "verdict": ""}):
        refused = officer.post(f"/extension/{req.id}", data=form)
        assert refused.status_code == 400 and "Đồng ý" in refused.text and "Từ chối" in refused.text, form
        assert "Đã từ chối" not in refused.text
    with Session(engine) as s:
        assert s.get(ExtensionRequest, req.id).state == "pending" and s.get(Assignment, a.id).due_on == due
    assert sent == []
    page = officer.get(f"/task/{a.task_id}").text
    assert f'id="ext-{req.id}"' in page


def test_an_overdue_filter_for_a_unit_or_plan_that_does_not_exist_says_so(settings, engine):
    """As `/overdue KHONGCO` in chat: a wrong code in the link never shows every unit's list as if it were filtered."""
    desk = make_desk(settings, engine)
    officer = signed_in(desk)
    for path, said in (("/overdue?unit=KHONGCO", "Không có đơn vị mã KHONGCO."),
                       ("/overdue?plan=99", "Không có kế hoạch #99"),
                       ("/overdue?plan=abc", "Không có kế hoạch #abc")):
        page = officer.get(path)
        assert page.status_code == 400 and said in page.text, path
        assert 'class="overdue-row"' not in page.text and "phân công quá hạn ở" not in page.text, path
    assert officer.get("/overdue?unit=vp").text.count('class="overdue-row"') == 6  # codes are case-insensitive


def test_an_id_too_large_for_the_database_is_a_page_not_found(settings, engine):
    """A mistyped long number in a link gets the desk's "Không tìm thấy" page, not a server error in English."""
    desk = make_desk(settings, engine)
    officer = TestClient(build_desk_app(desk), raise_server_exceptions=False)
    officer.post(f"/login/{link_token(desk)}")
    token = csrf(officer.get("/units").text)
    before = counts(engine)
    huge = "9" * 25
    for response in (officer.get(f"/task/{huge}"), officer.get(f"/evidence/{huge}"), officer.get("/task/2147483648"),
                     officer.post(f"/extension/{huge}", data={"verdict": "ok", "csrf": token}),
                     officer.post(f"/groups/{huge}/sheet", data={"csrf": token})):
        assert response.status_code == 404 and "Không tìm thấy trang này." in response.text, response.url
    assert counts(engine) == before


def test_a_report_day_written_dd_mm_yyyy_is_read_and_a_wrong_one_is_named(settings, engine):
    """A link with «as_of=15/04/2026» gives that day's report; a day that is no date says which value is wrong."""
    desk = make_desk(settings, engine)
    officer = signed_in(desk)
    iso = officer.get("/reports?year=2026&quarter=I&as_of=2026-04-15").text
    written = officer.get("/reports?year=2026&quarter=I&as_of=15/04/2026")
    assert written.status_code == 200 and "tính đến ngày 15/04/2026" in written.text
    assert counts_in(written.text, "report-assignments") == counts_in(iso, "report-assignments")
    for path in ("/reports?as_of=hom-nay", "/reports?from=31/02/2026", "/reports/bao-cao.docx?as_of=hom-nay"):
        wrong = officer.get(path)
        assert wrong.status_code in (200, 400) and "không hợp lệ" in wrong.text, path
        assert "«hom-nay»" in wrong.text or "«31/02/2026»" in wrong.text, path
        assert 'id="report-assignments"' not in wrong.text


def test_a_tasks_history_names_changes_in_words_and_dates_dd_mm_yyyy(settings, engine):
    """The history on a task's page reads «Hạn: 30/04/2026 → 20/05/2026», never «due_on: 2026-04-30 → 2026-05-20»."""
    desk = make_desk(settings, engine)
    with Session(engine, expire_on_commit=False) as s:
        tccb = s.exec(select(Unit).where(Unit.code == "TCCB")).one()   # task 21: 11 units, one deadline
        a = s.exec(select(Assignment).join(Task).where(Assignment.unit_id == tccb.id, Task.number == "21")).one()
        req = request_extension(s, assignment=a, new_due=date(2026, 5, 20), now=NOW,
                                actor=Actor(name="Anh Nam", channel="console", unit_id=tccb.id))
        s.commit()
    officer = signed_in(desk)
    page = officer.post(f"/extension/{req.id}", data={"verdict": "ok",
                                                      "csrf": csrf(officer.get(f"/task/{a.task_id}").text)}).text
    history = page.split("Lịch sử", 1)[1]
    assert "Hạn: 30/04/2026 → 20/05/2026" in history
    assert "Chưa thực hiện" in history  # the import's row: the status given, in words
    for raw in ("due_on", "2026-05-20", "2026-04-30", "created", "→ open"):
        assert raw not in history, raw
    channels = re.findall(r'<span class="muted">([^<]*)</span></td>', history)
    assert channels and "Nhập kế hoạch" in channels and "Trang làm việc" in channels
    assert not {"import", "web", "console", "system"} & set(channels), channels


def test_a_link_cannot_write_its_own_notice_on_a_task_page(settings, engine):
    """The green notice after a decision comes from the desk, not from whatever text a link carries."""
    desk = make_desk(settings, engine)
    officer = signed_in(desk)
    with Session(engine) as s:
        task = s.exec(select(Task).where(Task.number == "21")).one()
    forged = "Đã đồng ý gia hạn. Hệ thống yêu cầu đồng chí gửi lại mã đăng nhập qua Zalo 0901234567"
    page = officer.get(f"/task/{task.id}", params={"notice": forged}).text
    assert forged not in page and "0901234567" not in page and 'id="notice"' not in page
    assert 'id="notice"' not in officer.get(f"/task/{task.id}?notice=Đã đồng ý").text


def test_a_fault_inside_a_page_is_a_vietnamese_error_page_not_a_bare_server_error(settings, engine, monkeypatch):
    from services import desk as desk_queries

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(desk_queries, "plan_progress", broken)
    desk = make_desk(settings, engine)
    client = TestClient(build_desk_app(desk), raise_server_exceptions=False)
    assert client.post(f"/login/{link_token(desk)}", follow_redirects=False).status_code == 303
    response = client.get("/")
    assert response.status_code == 500 and "Hệ thống gặp lỗi khi xử lý yêu cầu này" in response.text
    assert "boom" not in response.text and "Internal Server Error" not in response.text
    assert client.get("/units").status_code == 200                        # the next page works as usual


def test_a_long_plan_title_in_the_overdue_filter_is_cut_visibly(settings, engine):
    officer = signed_in(make_desk(settings, engine))
    options = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', officer.get("/overdue").text)
    assert options and all(" (20" in o for o in options)
    long_ones = [o for o in options if len(o.rsplit(" (", 1)[0]) >= 59]
    assert long_ones and all(o.rsplit(" (", 1)[0].endswith("…") for o in long_ones), options


def test_a_form_from_a_page_opened_before_signing_in_again_says_reload(settings, engine):
    desk = make_desk(settings, engine)
    officer = signed_in(desk)
    with Session(engine, expire_on_commit=False) as s:
        a = s.exec(select(Assignment).where(Assignment.status == "open", Assignment.due_on < date(2026, 12, 1))).first()
        req = request_extension(s, assignment=a, new_due=date(2026, 12, 20), now=NOW,
                                actor=Actor(name="Anh Nam", channel="console", unit_id=a.unit_id))
        s.commit()
    response = officer.post(f"/extension/{req.id}", data={"verdict": "ok", "csrf": "from-an-old-tab"})
    assert response.status_code == 403 and "Trang này đã cũ" in response.text and "tải lại" in response.text
    with Session(engine) as s:
        assert s.get(ExtensionRequest, req.id).state == "pending"


def test_a_report_or_overdue_filter_the_desk_cannot_use_is_named_not_ignored(settings, engine):
    officer = signed_in(make_desk(settings, engine))
    for url, words in (("/reports?year=abc", "Năm «abc» không hợp lệ"), ("/reports?period=q9", "Kỳ báo cáo «q9»"),
                       ("/overdue?section=Không có mục này", "Không có mục «Không có mục này»")):
        response = officer.get(url)
        assert response.status_code in (200, 400) and words in response.text, (url, response.text[-400:])
        assert "🎉" not in response.text and 'id="report-tasks"' not in response.text


def test_report_days_written_dd_mm_yyyy_stay_in_the_form_boxes(settings, engine):
    """A link with as_of=15/04/2026 (or 2026-04-15) shows that day in the box, dd/mm/yyyy, so 'Xem' keeps it."""
    officer = signed_in(make_desk(settings, engine))
    for as_of in ("15/04/2026", "2026-04-15"):
        html = officer.get("/reports", params={"as_of": as_of, "from": "01/01/2026", "to": "2026-03-31"}).text
        assert 'name="as_of" id="f-asof" value="15/04/2026"' in html
        assert 'name="from" value="01/01/2026"' in html and 'name="to" value="31/03/2026"' in html


def test_a_report_as_of_a_day_still_to_come_is_refused_and_named(cli, settings, engine):
    """The records of a day that has not come do not exist: the desk and the CLI say so instead of counting
    every open task as overdue on that day."""
    officer = signed_in(make_desk(settings, engine))   # the desk's today: 15/04/2026
    for path in ("/reports?year=2026&quarter=II&as_of=2026-07-01", "/reports/bao-cao.xlsx?as_of=01/07/2026"):
        response = officer.get(path)
        assert response.status_code in (200, 400) and "Ngày tính đến 01/07/2026 chưa tới" in response.text, path
        assert 'id="report-assignments"' not in response.text
    assert officer.get("/reports?year=2026&quarter=I&as_of=2026-04-15").status_code == 200
    result = cli("report", "--period", "q1", "--year", "2026", "--as-of", "2099-03-14", "--json")
    assert result.exit_code == 1 and "Ngày tính đến 14/03/2099 chưa tới" in result.stderr, result.output
    assert result.stdout == ""


def test_a_units_latest_answer_names_the_change_and_writes_its_day_dd_mm_yyyy(settings, engine):
    """After a new deadline is approved, the unit's page reads «Hạn: 30/04/2026 → 20/05/2026», never «2026-05-20»."""
    desk = make_desk(settings, engine)
    with Session(engine, expire_on_commit=False) as s:
        tccb = s.exec(select(Unit).where(Unit.code == "TCCB")).one()
        a = s.exec(select(Assignment).join(Task).where(Assignment.unit_id == tccb.id, Task.number == "21")).one()
        req = request_extension(s, assignment=a, new_due=date(2026, 5, 20), now=NOW,
                                actor=Actor(name="Anh Nam", channel="console", unit_id=tccb.id))
        s.commit()
    officer = signed_in(desk)
    officer.post(f"/extension/{req.id}", data={"verdict": "ok", "csrf": csrf(officer.get(f"/task/{a.task_id}").text)})
    latest = officer.get("/unit/TCCB").text.split("Trả lời gần nhất", 1)[1].split("</div>", 1)[0]
    assert "Hạn: 30/04/2026 → 20/05/2026" in latest and "2026-" not in latest, latest


def test_an_overdue_filter_typed_in_lower_case_shows_the_unit_chosen_in_its_box(settings, engine):
    """/overdue?unit=vp lists VP only; the box must say VP, not «Tất cả» over a list that is not all."""
    officer = signed_in(make_desk(settings, engine))
    html = officer.get("/overdue?unit=vp").text
    assert set(re.findall(r'data-unit="([^"]+)"', html)) == {"VP"}
    assert re.search(r'<option value="VP"\s+selected>', html), re.findall(r'<option value="VP"[^>]*>', html)


def _many_tasks_for(engine, code: str, n: int) -> None:
    """`n` more tasks of plan 1 led by `code`, with a long Vietnamese title, one due day after another from 05/01."""
    from datetime import timedelta
    title = ("Rà soát, đơn giản hoá thủ tục hành chính nội bộ trong hệ thống hành chính nhà nước thuộc phạm vi quản "
             "lý của ngành Giáo dục và Đào tạo giai đoạn 2026–2030, báo cáo kết quả về Văn phòng Sở ")
    with Session(engine) as s:
        unit = s.exec(select(Unit).where(Unit.code == code)).one()
        for i in range(n):
            task = Task(plan_id=1, number=f"P{i + 1}", position=1000 + i, section="Mục bổ sung", title=title * 2,
                        deadline_text="theo ngày")
            s.add(task)
            s.flush()
            s.add(Assignment(task_id=task.id, unit_id=unit.id, due_on=date(2026, 1, 5) + timedelta(days=i)))
        s.commit()


def test_a_unit_with_hundreds_of_tasks_is_shown_page_by_page_with_the_same_counts(cli, settings, engine):
    desk = make_desk(settings, engine)
    _many_tasks_for(engine, "VP", 400)
    officer = signed_in(desk)
    first = officer.get("/unit/VP").text
    total = counts_in(first, "unit-counts")["total"]
    cli_vp = json.loads(cli("report", "--json", "--unit", "VP", "--as-of", "2026-04-15").output)["assignments"]
    assert total == cli_vp["total"] and total > 400                 # the counts are the unit's, not the page's
    rows = first.count('class="task-row"')
    assert 0 < rows <= 100 and "Trang 1/" in first
    pages = int(re.search(r"Trang 1/(\d+)", first).group(1))
    seen = []
    for number in range(1, pages + 1):
        html = officer.get(f"/unit/VP?page={number}").text
        assert f"Trang {number}/{pages}" in html
        seen += re.findall(r'<tr class="task-row">((?:(?!</tr>).)*)</tr>', html, re.S)   # a row: task, due, status
    with Session(engine) as s:
        vp = s.exec(select(Unit).where(Unit.code == "VP")).one()
        listed = len(s.exec(select(Assignment).where(Assignment.unit_id == vp.id,
                                                     Assignment.status != "cancelled")).all())
    assert len(seen) == len(set(seen)) == listed                    # every assignment once, none twice
    assert 'href="/unit/VP?page=2"' in first
    for wrong in ("0", "-1", "abc", "99999"):                       # a mistyped page number: a page, not an error
        response = officer.get(f"/unit/VP?page={wrong}")
        assert response.status_code == 200 and 'class="task-row"' in response.text, wrong


async def test_hundreds_of_overdue_assignments_are_paged_and_the_header_stays_the_chats(settings, engine):
    desk = make_desk(settings, engine)
    _many_tasks_for(engine, "VP", 400)                              # about a hundred of them overdue on 15/04/2026
    officer = signed_in(desk)
    code = _invite(engine, "VP", "officer")
    services = Services(engine=engine, settings=settings, clock=desk.clock, inline_buttons={"console": False})
    await handle(Incoming("console", "c1", "u1", "Chị Lan", text=f"/start {code}"), services)
    [chat] = await handle(Incoming("console", "c1", "u1", "Chị Lan", text="/overdue"), services)
    header = chat.text.split(" (", 1)[0].split(":", 1)[0]
    first = officer.get("/overdue").text
    assert header in first and 0 < first.count('class="overdue-row"') <= 100
    total = int(re.search(r"⚠️ (\d+) phân công", header).group(1))
    pages = int(re.search(r"Trang 1/(\d+)", first).group(1))
    rows = []
    for number in range(1, pages + 1):
        html = officer.get(f"/overdue?page={number}").text
        assert header in html                                       # every page counts the whole list
        rows += re.findall(r'class="overdue-row"><td><a href="/task/(\d+)"', html)
    assert len(rows) == total
    vp = officer.get("/overdue?unit=VP&page=2").text
    assert 'href="/overdue?unit=VP&amp;page=3"' in vp and set(re.findall(r'data-unit="([^"]+)"', vp)) == {"VP"}


def test_a_decision_from_a_second_tab_says_what_was_decided_and_changes_nothing(settings, engine):
    """Two tabs (or two officers): «Từ chối» in one, then «Đồng ý» in the stale other. The refusal stands, the unit
    hears once, and both the error page and the task's page say it was refused, and when."""
    desk, sent, a, req = _desk_with_a_vp_request(settings, engine)
    due = a.due_on
    officer = signed_in(desk)
    stale = officer.get(f"/task/{a.task_id}").text                  # the second tab, opened before the decision
    refused = officer.post(f"/extension/{req.id}", data={"verdict": "no", "csrf": csrf(stale)})
    assert 'id="notice">Đã từ chối' in refused.text and len(sent) == len(
        {(m.channel, m.chat_id) for m in sent})
    heard = len(sent)
    again = officer.post(f"/extension/{req.id}", data={"verdict": "ok", "csrf": csrf(stale)})
    assert again.status_code == 409
    message = re.search(r'id="message">([^<]*)<', again.text).group(1)
    assert "đã từ chối" in message and "09:00 15/04/2026" in message and "không ghi nhận gì thêm" in message, message
    assert f'href="/task/{a.task_id}"' in again.text                 # a way back to the task
    with Session(engine) as s:
        assert s.get(ExtensionRequest, req.id).state == "rejected" and s.get(Assignment, a.id).due_on == due
        assert not s.exec(select(StatusChange).where(StatusChange.assignment_id == a.id,
                                                     StatusChange.field == "due_on")).all()
    assert len(sent) == heard
    page = officer.get(f"/task/{a.task_id}").text
    decided = page.split("Đề nghị gia hạn đã xử lý", 1)[1].split("</div>", 1)[0]
    assert "20/05/2026" in decided and "Đã từ chối" in decided and "09:00 15/04/2026" in decided, decided
    assert f'id="ext-{req.id}"' not in page                          # no buttons left for it


def test_a_report_for_a_plan_written_wrongly_is_named_not_the_whole_report(settings, engine):
    """/reports?plan=abc showed every plan's numbers under a link that asked for one plan."""
    officer = signed_in(make_desk(settings, engine))
    for wrong in ("abc", "-1", "1.0"):
        page = officer.get("/reports", params={"plan": wrong})
        assert f"Không có kế hoạch #{wrong}" in page.text and 'id="report-tasks"' not in page.text, wrong
        word = officer.get("/reports/bao-cao.docx", params={"plan": wrong})
        assert word.status_code == 400 and f"Không có kế hoạch #{wrong}" in word.text, wrong


def test_a_units_connected_chats_are_named_in_words(settings, engine):
    """«Zalo (nhóm), Telegram (cá nhân)», never the stored codes «zalo_bot (group), telegram (private)»."""
    from storage.models import ChatLink
    desk = make_desk(settings, engine)
    with Session(engine) as s:
        vp = s.exec(select(Unit).where(Unit.code == "VP")).one()
        s.add(ChatLink(channel="zalo_bot", chat_id="g1", kind="group", unit_id=vp.id))
        s.add(ChatLink(channel="telegram", chat_id="42", kind="private", unit_id=vp.id))
        s.commit()
    card = signed_in(desk).get("/unit/VP").text.split("Liên hệ đã kết nối", 1)[1].split("Trả lời gần nhất", 1)[0]
    assert "Zalo (nhóm)" in card and "Telegram (cá nhân)" in card, card
    for raw in ("zalo_bot", "group", "private"):
        assert raw not in card, raw


def _new_plan_docx(path):
    """The seed plan as next year's: a new plan, not a revision of #1."""
    from tests.fixtures.builders import TITLE_LINES
    build_docx(path)
    document = docx.Document(str(path))
    for paragraph in document.paragraphs:
        if paragraph.text in TITLE_LINES and "2026" in paragraph.text:
            paragraph.text = paragraph.text.replace("2026", "2027")
    document.save(str(path))
    return path


async def _confirm_twice_at_once(desk, path):
    import asyncio
    import httpx
    transport = httpx.ASGITransport(app=build_desk_app(desk), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
        await client.post(f"/login/{link_token(desk)}")
        token = csrf((await client.get("/upload")).text)
        preview = await client.post("/upload", data={"csrf": token},
                                    files={"file": (path.name, path.read_bytes(), DOCX)})
        assert "Kế hoạch mới: 33 nhiệm vụ" in preview.text
        action = re.search(r'action="(/upload/[0-9a-f]{16})"', preview.text).group(1)
        form = {"csrf": token, "action": "import"}
        return await asyncio.gather(client.post(action, data=form), client.post(action, data=form))


async def _plan_imported_once(desk, engine, tmp_path):
    answers = await _confirm_twice_at_once(desk, _new_plan_docx(tmp_path / "KH-2027.docx"))
    texts = sorted((r.status_code, re.search(r'class="(?:error|notice)"[^>]*>([^<]*)<', r.text).group(1).strip())
                   for r in answers)
    assert texts[0][0] == 200 and re.match(r"Đã nhập kế hoạch #\d+: 33 nhiệm vụ mới", texts[0][1]), texts
    assert texts[1][0] == 409 and ("chỉ nhập một lần" in texts[1][1] or "đã được nhập" in texts[1][1]), texts
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Plan)).one() == 2


async def test_import_pressed_twice_at_once_imports_the_plan_once(settings, engine, tmp_path):
    """A double click on «Nhập kế hoạch» (or the same preview confirmed in two tabs): one plan, and a clear page."""
    await _plan_imported_once(make_desk(settings, engine), engine, tmp_path)


async def test_import_pressed_twice_at_once_imports_the_plan_once_on_postgres(settings, pg_engine, tmp_path):
    await _plan_imported_once(make_desk(settings, pg_engine), pg_engine, tmp_path)


def _sign_in_at_once(desk, times: int = 4):
    """The same link posted from `times` browsers at one moment (each its own thread, as on several workers)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor
    token = link_token(desk)
    clients = [TestClient(build_desk_app(desk), raise_server_exceptions=False) for _ in range(times)]
    start = threading.Barrier(times)

    def press(client):
        start.wait()
        return client.post(f"/login/{token}", follow_redirects=False)
    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(press, clients))


def test_a_sign_in_link_used_from_several_places_at_once_signs_in_once_on_postgres(settings, pg_engine):
    """A one-time link is one sign-in, even when the same link is posted from four browsers at the same moment."""
    for _ in range(5):
        answers = _sign_in_at_once(make_desk(settings, pg_engine))
        assert sorted(r.status_code for r in answers) == [303, 403, 403, 403]
        assert all("đã được dùng" in r.text for r in answers if r.status_code == 403)


async def test_a_deadline_on_a_sunday_reads_on_the_desk_as_in_chat(settings, engine):
    """Due Sunday 31/05/2026: chat's /status VP says «hạn 29/05/2026; hạn ghi 31/05/2026 là ngày nghỉ»; the unit's
    and the task's pages say the same two days, never 31/05/2026 alone as if the Sunday were the working deadline."""
    desk = make_desk(settings, engine)
    with Session(engine, expire_on_commit=False) as s:
        vp = s.exec(select(Unit).where(Unit.code == "VP")).one()
        a = s.exec(select(Assignment).where(Assignment.unit_id == vp.id, Assignment.role == "lead",
                                            Assignment.due_on > date(2026, 6, 1))).first()
        a.due_on = date(2026, 5, 31)
        s.add(a)
        s.commit()
    code = _invite(engine, "VP", "officer")
    services = Services(engine=engine, settings=settings, clock=desk.clock, inline_buttons={"console": False})
    await handle(Incoming("console", "c1", "u1", "Chị Lan", text=f"/start {code}"), services)
    [chat] = await handle(Incoming("console", "c1", "u1", "Chị Lan", text="/status VP"), services)
    assert "hạn 29/05/2026, còn 44 ngày; hạn ghi 31/05/2026 là ngày nghỉ" in chat.text
    officer = signed_in(desk)
    for url in ("/unit/VP", f"/task/{a.task_id}"):
        html = "".join(officer.get(url, params={"page": n}).text for n in range(1, 8))  # whichever page has it
        row = re.search(r'<tr class="(?:task-row|assignment)"[^>]*>(?:(?!</tr>).)*31/05/2026(?:(?!</tr>).)*</tr>', html,
                        re.S)
        assert row, url
        text = re.sub(r"<[^>]+>", " ", row.group(0))
        assert "29/05/2026" in text and "hạn ghi 31/05/2026 là ngày nghỉ" in text, (url, text)


def test_a_decision_whose_chat_message_cannot_go_out_is_still_shown_as_recorded(settings, engine):
    """The decision is committed before the unit is told; a failure to send must not show «Hệ thống gặp lỗi… thử
    lại» over a decision already recorded (the retry then met «đã được xử lý»)."""
    desk, sent, a, req = _desk_with_a_vp_request(settings, engine)

    async def broken(messages):
        raise RuntimeError("Zalo down")

    desk.notify = broken
    officer = TestClient(build_desk_app(desk), raise_server_exceptions=False)
    assert officer.post(f"/login/{link_token(desk)}", follow_redirects=False).status_code == 303
    token = csrf(officer.get(f"/task/{a.task_id}").text)
    done = officer.post(f"/extension/{req.id}", data={"verdict": "ok", "csrf": token})
    assert done.status_code == 200 and "Hệ thống gặp lỗi" not in done.text
    notice = re.search(r'id="notice">([^<]*)<', done.text).group(1)
    assert notice.startswith("Đã đồng ý") and "chưa gửi được" in notice, notice
    with Session(engine) as s:
        assert s.get(ExtensionRequest, req.id).state == "approved"


def test_a_units_list_marks_the_tasks_it_only_supports(cli, settings, engine):
    """VP's counts are of what it leads (as `report --unit VP` and chat's /status VP); the tasks it only supports
    are listed too, so each such row says «Phối hợp» — 46 rows under «Tổng số 35» were otherwise unexplained."""
    officer = signed_in(make_desk(settings, engine))
    html = officer.get("/unit/VP").text
    rows = re.findall(r'<tr class="task-row">((?:(?!</tr>).)*)</tr>', html, re.S)
    supporting = [r for r in rows if '<span class="role muted">Phối hợp</span>' in r]
    total = counts_in(html, "unit-counts")["total"]
    assert len(rows) - len(supporting) == total and supporting


def test_a_task_given_to_hundreds_of_schools_lists_them_page_by_page_and_keeps_its_requests(settings, engine):
    """A task for every school of the city: its page lists the schools 50 at a time; a school's request for more
    time is on every page, with the school named, wherever the school falls in the list."""
    desk = make_desk(settings, engine)
    with Session(engine, expire_on_commit=False) as s:
        task = s.exec(select(Task).where(Task.number == "21")).one()
        last = None
        for i in range(300):
            school = Unit(code=f"TH-{i:03d}", name=f"Trường Tiểu học số {i + 1} quận Hoàn Kiếm", kind="truong")
            s.add(school)
            s.flush()
            last = Assignment(task_id=task.id, unit_id=school.id, role="lead", due_on=date(2026, 4, 30))
            s.add(last)
        s.flush()
        req = request_extension(s, assignment=last, new_due=date(2026, 5, 20), now=NOW,
                                actor=Actor(name="Cô Hà", channel="console", unit_id=last.unit_id))
        s.commit()
    officer = signed_in(desk)
    first = officer.get(f"/task/{task.id}").text
    assert first.count('class="assignment"') <= 50 and "Trang 1/7" in first
    assert f'id="ext-{req.id}"' in first and "Trường Tiểu học số 300 quận Hoàn Kiếm xin gia hạn đến 20/05/2026" in first
    units = set()
    for number in range(1, 8):
        units |= set(re.findall(r'class="assignment" data-unit="([^"]+)"',
                                officer.get(f"/task/{task.id}?page={number}").text))
    assert len(units) == 311
