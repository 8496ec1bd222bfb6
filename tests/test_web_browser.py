"""The desk in a real headless Chromium (Debian's package, driven by Playwright): an officer's day, and refusals.

Screenshots of each page at phone and desktop width go to tests/screenshots/ (git-ignored) for review.
"""
from __future__ import annotations

import asyncio
import re
import socket
import threading
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import uvicorn
from playwright.sync_api import sync_playwright
from sqlmodel import Session, select

from config import Settings
from reports.summary import build_report
from services.extensions import request_extension
from services.status import Actor
from storage.db import make_engine, migrate
from storage.models import Assignment, ExtensionRequest, Task, Unit
from tests.fixtures.builders import build_docx
from tests.test_plan_upload_chat import revised_rows
from tests.web_harness import NOW, VN, link_token, make_desk
from web.app import build_desk_app

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parent / "screenshots"
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The desk on 127.0.0.1 over the sample workspace, a pending extension, and one Chromium."""
    folder = tmp_path_factory.mktemp("desk")
    settings = Settings(_env_file=None, database_url=f"sqlite:///{folder / 'db.sqlite'}", data_dir=folder,
                        evidence_dir=folder / "evidence")
    engine = make_engine(settings.database_url)
    migrate(engine)
    desk = make_desk(settings, engine)
    sock = socket.create_server(("127.0.0.1", 0))
    server = _Server(uvicorn.Config(build_desk_app(desk), lifespan="off", log_level="warning"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    assert server.ready.wait(60)
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        # Playwright starts Chromium on a fresh temporary profile (user-data-dir); each test opens its own
        # context, a browser of its own with no cookies.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield desk, f"http://127.0.0.1:{sock.getsockname()[1]}", browser, folder
        finally:
            browser.close()
            server.should_exit = True
            thread.join(30)
            engine.dispose()


def shoot(page, name: str) -> None:
    """The page at phone and at desktop width."""
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)


def test_an_officer_signs_in_filters_approves_imports_and_downloads(world):
    desk, base, browser, folder = world
    with Session(desk.engine, expire_on_commit=False) as s:
        vp = s.exec(select(Unit).where(Unit.code == "VP")).one()
        a = s.exec(select(Assignment).where(Assignment.unit_id == vp.id, Assignment.due_on != None)  # noqa: E711
                   .order_by(Assignment.due_on)).first()
        request = request_extension(s, assignment=a, new_due=date(2026, 5, 20), now=NOW,
                                    actor=Actor(name="Anh Nam", channel="console", unit_id=vp.id))
        s.commit()
        report = build_report(s, as_of=NOW.date(), roles=("lead",), tz=VN)
    page = browser.new_context(accept_downloads=True, locale="vi-VN").new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{base}/login/{link_token(desk)}")
    shoot(page, "01-login")
    page.click("#signin")
    page.wait_for_selector("#total")
    cells = dict(re.findall(r'data-k="(\w+)">(\d+)<', page.inner_html("#total")))
    assert int(cells["overdue"]) == report.assignments.overdue and int(cells["total"]) == report.assignments.total
    shoot(page, "02-overview")

    page.goto(f"{base}/overdue")
    page.select_option("#f-unit", "VP")
    page.click("#filter")
    page.wait_for_url(re.compile(r".*unit=VP.*"))
    units = page.eval_on_selector_all(".unit-block", "els => els.map(e => e.dataset.unit)")
    assert units == ["VP"] and page.locator(".overdue-row").count() == sum(
        1 for row in report.rows if row.bucket == "overdue" and row.view.unit.code == "VP")
    shoot(page, "03-overdue")

    page.goto(f"{base}/task/{a.task_id}")
    page.click(f"#ext-{request.id} button[value=ok]")
    page.wait_for_selector("#notice")
    assert page.inner_text("#notice") == "Đã đồng ý"
    with Session(desk.engine) as s:
        assert s.get(ExtensionRequest, request.id).state == "approved"
        assert s.get(Assignment, a.id).due_on == date(2026, 5, 20)
    shoot(page, "04-task")
    page.goto(f"{base}/unit/VP")
    shoot(page, "05-unit")

    page.goto(f"{base}/upload")
    page.set_input_files("#plan-file", str(build_docx(folder / "KH-sua-doi.docx", revised_rows())))
    page.click("#preview-button")
    page.wait_for_selector("#revision")
    assert "1 thay đổi (3), 1 bỏ (33)" in page.inner_text("#revision")
    shoot(page, "06-preview")
    page.click("#confirm-import")
    page.wait_for_selector("#imported")
    assert "Đã nhập kế hoạch #1" in page.inner_text("#imported")
    with Session(desk.engine) as s:
        assert s.exec(select(Task).where(Task.number == "33")).one().removed

    page.goto(f"{base}/reports?year=2026&quarter=I&as_of=2026-04-15")
    shoot(page, "07-reports")
    with page.expect_download() as download:
        page.click("#download-xlsx")
    saved = folder / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx" and "Chi tiết" in openpyxl.load_workbook(saved).sheetnames
    page.goto(f"{base}/units")
    shoot(page, "08-units")
    page.click("form[action='/units/THPT-CVA/sheet'] button")
    page.wait_for_selector(".sheet svg")
    shoot(page, "09-invite-sheet")
    page.context.close()


def test_no_session_is_refused_and_a_head_cannot_open_another_units_task(world):
    desk, base, browser, folder = world
    page = browser.new_context(locale="vi-VN").new_page()  # a second browser: no session
    page.set_default_timeout(60_000)
    response = page.goto(f"{base}/")
    assert response.status == 401 and "Chưa đăng nhập" in page.inner_text("#message")
    page.goto(f"{base}/login/{link_token(desk, unit_code='THPT-CVA')}")
    page.click("#signin")
    page.wait_for_url(f"{base}/unit/THPT-CVA")
    with Session(desk.engine) as s:
        school = s.exec(select(Unit).where(Unit.code == "THPT-CVA")).one()
        ours = {a.task_id for a in s.exec(select(Assignment).where(Assignment.unit_id == school.id))}
        other = min(set(s.exec(select(Task.id).where(Task.removed == False))) - ours)  # noqa: E712
    response = page.goto(f"{base}/task/{other}")
    assert response.status == 403 and "không có quyền" in page.inner_text("#message")
    shoot(page, "10-refused")
    page.context.close()


def test_long_unbroken_words_never_push_a_phone_page_sideways(world):
    """A task whose title ends in a web address and a report file named without spaces (as phones name them) wrap
    on a phone instead of widening the page past the screen."""
    desk, base, browser, folder = world
    from storage.models import Evidence
    address = ("https://dichvucong.hanoi.gov.vn/thu-tuc-hanh-chinh/"
               "chi-tiet-thu-tuc-hanh-chinh-cap-so-giao-duc-va-dao-tao")
    with Session(desk.engine, expire_on_commit=False) as s:
        school = s.exec(select(Unit).where(Unit.code == "THPT-CVA")).one()
        task = Task(plan_id=1, number="W1", position=999, section="Cải cách thủ tục hành chính", deadline_text="x",
                    title="Cập nhật, công khai thủ tục hành chính của ngành trên Cổng dịch vụ công " + address)
        s.add(task)
        s.flush()
        a = Assignment(task_id=task.id, unit_id=school.id, due_on=date(2026, 3, 31))
        s.add(a)
        s.flush()
        s.add(Evidence(assignment_id=a.id, stored_path="W1/bao-cao.pdf", size=1, sha256="0" * 64,
                       original_name="Bao_cao_ket_qua_thuc_hien_cong_khai_TTHC_quy_I_nam_2026_THPT_Chu_Van_An.pdf"))
        s.commit()
    width = WIDTHS["phone"][0]
    page = browser.new_context(locale="vi-VN", viewport={"width": width, "height": 844}).new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{base}/login/{link_token(desk)}")
    page.click("#signin")
    page.wait_for_selector("#total")
    for path in (f"/task/{task.id}", "/overdue?unit=THPT-CVA", "/unit/THPT-CVA"):
        page.goto(base + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        tables = page.eval_on_selector_all(".scroll", "els => els.map(e => e.scrollWidth - e.clientWidth)")
        assert max(tables) <= 1, (path, tables)   # the due day and the status in view, not behind a sideways scroll
    shoot(page, "11-long-words")
    page.context.close()


def test_a_report_day_typed_day_first_is_read_day_first_in_an_english_browser(world):
    """Many office computers run Chrome in English: «01/04/2026» typed as on paper is 1 April, never 4 January."""
    desk, base, browser, folder = world
    page = browser.new_context(locale="en-US").new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{base}/login/{link_token(desk)}")
    page.click("#signin")
    page.wait_for_selector("#total")
    page.goto(f"{base}/reports")
    page.select_option("select[name=period]", "q1")
    page.fill("input[name=year]", "2026")
    page.click("#f-asof")
    page.keyboard.press("Control+A")
    page.keyboard.type("01/04/2026")
    page.click("#show-report")
    page.wait_for_url(re.compile(r".*as_of=.*"))
    assert "tính đến ngày 01/04/2026" in page.inner_text("main")
    assert page.input_value("#f-asof") == "01/04/2026"          # the box keeps the day as it was written
    page.context.close()
