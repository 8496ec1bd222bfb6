"""An officer sends a plan file in chat: preview, then "Nhập kế hoạch" or "Huỷ"; staff files stay evidence."""
from __future__ import annotations

from sqlmodel import Session, func, select

from storage.models import Assignment, Evidence, Plan, StatusChange, Task
from tests.fakes import FakeFile
from tests.fakes.zalo_api import oa_attachment_event
from tests.fixtures.builders import build_docx, build_xlsx, seed_rows
from tests.telegram_harness import running_bot
from tests.zalo_harness import FileHost, running_zalo

OFFICER, STAFF = 2002, 1001
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def revised_rows() -> list[dict]:
    """The seed revised: task 3 due a month later, the last task dropped."""
    rows = seed_rows()
    rows[2] = {**rows[2], "deadline_text": "Tháng 4/2026"}
    return rows[:-1]


def counts(engine) -> tuple[int, ...]:
    with Session(engine) as s:
        return tuple(s.exec(select(func.count()).select_from(m)).one() for m in (Plan, Task, Assignment, StatusChange))


def texts_to(fake, chat_id: int) -> list[str]:
    return [m["text"] for m in fake.sent if str(m["chat_id"]) == str(chat_id)]


async def join(h, user_id: int, unit: str, role: str) -> None:
    before = len(h.fake.sent)
    h.fake.push_message(user_id, user_id, f"/start {h.invite(unit, role)}")
    await h.fake.wait_for_sent_async(before + 1)


async def send_file(h, user_id: int, path, mime: str = DOCX) -> dict:
    before = len(h.fake.sent)
    h.fake.push_message(user_id, user_id, "", document=FakeFile(path.name, path.read_bytes(), mime))
    await h.fake.wait_for_sent_async(before + 1)
    return h.fake.sent[-1]


async def press(h, user_id: int, message: dict, label: str) -> str:
    data = next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row
                if b["text"] == label)
    before = len(h.fake.answers)
    h.fake.push_callback(user_id, user_id, data, message["message_id"])
    await h.fake.wait_for_async(lambda: len(h.fake.answers) > before)
    return texts_to(h.fake, user_id)[-1]


async def test_officer_previews_a_revision_confirms_it_once_and_staff_file_stays_evidence(settings, engine, tmp_path):
    revised = build_docx(tmp_path / "KH-CCHC-2026-sua-doi.docx", revised_rows())
    async with running_bot(settings, engine) as h:
        await join(h, OFFICER, "VP", "officer")
        await join(h, STAFF, "VP", "member")
        before = counts(engine)

        preview = await send_file(h, OFFICER, revised)
        text = preview["text"]
        assert text.startswith("📄 Tệp KH-CCHC-2026-sua-doi.docx:") and "(năm 2026)" in text
        assert "Sửa đổi kế hoạch #1: 0 nhiệm vụ mới (—), 1 thay đổi (3), 1 bỏ (33)" in text
        assert "NV 1: " in text and "chủ trì: VP" in text and "31/03/2026" in text
        assert "\"các đơn vị có liên quan\"" in text  # a name the directory does not know
        assert "03/04/2026" in text  # the body's own deadline, offered apart
        labels = [b["text"] for row in preview["reply_markup"]["inline_keyboard"] for b in row]
        assert labels == ["Nhập kế hoạch", "Huỷ"]
        assert counts(engine) == before  # a preview writes nothing

        done = await press(h, OFFICER, preview, "Nhập kế hoạch")
        assert done.startswith("Đã nhập kế hoạch #1: 0 nhiệm vụ mới, 1 cập nhật, 1 bỏ khỏi kế hoạch")
        with Session(engine) as s:
            task3 = s.exec(select(Task).where(Task.number == "3")).one()
            task33 = s.exec(select(Task).where(Task.number == "33")).one()
            assert task3.deadline_text == "Tháng 4/2026" and task33.removed
            dues = {a.due_on.isoformat() for a in s.exec(select(Assignment).where(Assignment.task_id == task3.id))}
            assert dues == {"2026-04-30"}
        after = counts(engine)

        again = await press(h, OFFICER, preview, "Nhập kế hoạch")
        assert "đã được nhập hoặc đã huỷ" in again and counts(engine) == after

        answer = await send_file(h, STAFF, revised)  # staff: the same file is evidence, never an import
        assert answer["text"].startswith("Tệp \"KH-CCHC-2026-sua-doi.docx\" là tài liệu kiểm chứng")
        assert counts(engine) == after


async def test_cancel_forgets_the_file_and_an_unreadable_one_is_evidence(settings, engine, tmp_path):
    other = build_xlsx(tmp_path / "ke-hoach-moi.xlsx", revised_rows())
    async with running_bot(settings, engine) as h:
        await join(h, OFFICER, "VP", "officer")
        before = counts(engine)
        preview = await send_file(h, OFFICER, other, "application/vnd.ms-excel")
        assert "ke-hoach-moi (năm 2026)\nKế hoạch mới: 32 nhiệm vụ" in preview["text"]
        await press(h, OFFICER, preview, "Huỷ")
        assert h.fake.message(OFFICER, preview["message_id"])["text"] == "Đã huỷ, không nhập kế hoạch từ tệp ke-hoach-moi.xlsx."
        assert counts(engine) == before and not list((settings.data_dir / "uploads").iterdir())
        late = await press(h, OFFICER, preview, "Nhập kế hoạch")
        assert "đã được nhập hoặc đã huỷ" in late and counts(engine) == before

        letter = tmp_path / "cong-van.csv"
        letter.write_text("Kính gửi các đơn vị\nđề nghị báo cáo\n", encoding="utf-8")
        answer = await send_file(h, OFFICER, letter, "text/csv")
        assert "là tài liệu kiểm chứng" in answer["text"] and counts(engine) == before


async def test_officer_on_zalo_oa_imports_by_number(settings, engine, tmp_path):
    revised = build_docx(tmp_path / "ke-hoach-sua.docx", revised_rows())
    with FileHost({"kh.docx": revised.read_bytes()}) as cdn:
        async with running_zalo(settings, engine) as h:
            officer = "8401234"
            await h.oa_says(officer, h.invite("VP", "officer"))
            before = counts(engine)
            await h.post_oa(oa_attachment_event(h.oa.app_id, officer, "file", cdn.url("kh.docx"),
                                                name="ke-hoach-sua.docx"))
            preview = h.oa_texts(officer)[-1]
            assert "Sửa đổi kế hoạch #1" in preview or any("Sửa đổi kế hoạch #1" in t for t in h.oa_texts(officer))
            assert "1. Nhập kế hoạch\n2. Huỷ" in h.oa_texts(officer)[-1]
            assert counts(engine) == before
            await h.oa_says(officer, "1")
            assert h.oa_texts(officer)[-1].startswith("Đã nhập kế hoạch #1: 0 nhiệm vụ mới, 1 cập nhật, 1 bỏ")
            with Session(engine) as s:
                assert s.exec(select(Task).where(Task.number == "33")).one().removed
                assert s.exec(select(func.count()).select_from(Evidence)).one() == 0


async def test_officer_sends_the_plan_as_pdf_and_it_imports_like_the_word_file(settings, engine, tmp_path):
    """Plans circulate as the signed PDF: the same preview and the same tasks as the Word file it was printed from."""
    from plans.readers import read_document
    from tests.fixtures.pdf_builder import print_plan

    revised = build_docx(tmp_path / "KH-CCHC-2026-sua-doi.docx", revised_rows())
    pdf, _ = print_plan(read_document(revised), tmp_path / "KH-CCHC-2026-sua-doi.pdf")
    async with running_bot(settings, engine) as h:
        await join(h, OFFICER, "VP", "officer")
        preview = await send_file(h, OFFICER, pdf, "application/pdf")
        text = preview["text"]
        assert text.startswith("📄 Tệp KH-CCHC-2026-sua-doi.pdf:") and "(năm 2026)" in text
        assert "Sửa đổi kế hoạch #1: 0 nhiệm vụ mới (—), 1 thay đổi (3), 1 bỏ (33)" in text
        done = await press(h, OFFICER, preview, "Nhập kế hoạch")
        assert done.startswith("Đã nhập kế hoạch #1: 0 nhiệm vụ mới, 1 cập nhật, 1 bỏ khỏi kế hoạch")
    with Session(engine) as s:
        task3 = s.exec(select(Task).where(Task.number == "3")).one()
        dues = {a.due_on.isoformat() for a in s.exec(select(Assignment).where(Assignment.task_id == task3.id))}
        assert task3.deadline_text == "Tháng 4/2026" and dues == {"2026-04-30"}
        assert s.exec(select(func.count()).select_from(Task).where(Task.removed == False)).one() == 32  # noqa: E712


def _plan_without_its_year(path):
    """A plan whose title names no year; its first lines cite a 2021 resolution and carry its signing date."""
    import docx
    document = docx.Document()
    for text in ("SỞ GIÁO DỤC VÀ ĐÀO TẠO", "Hải Phòng, ngày 26 tháng 12 năm 2025", "KẾ HOẠCH",
                 "Thực hiện cải cách hành chính nhà nước",
                 "Căn cứ Nghị quyết số 76/NQ-CP ngày 15 tháng 7 năm 2021 của Chính phủ ban hành Chương trình tổng thể "
                 "cải cách hành chính nhà nước giai đoạn 2021 - 2030;"):
        document.add_paragraph(text)
    table = document.add_table(rows=2, cols=6)
    for row, values in zip(table.rows, (["STT", "Nhiệm vụ", "Sản phẩm", "Đơn vị chủ trì", "Đơn vị phối hợp",
                                         "Thời gian hoàn thành"],
                                        ["1", "Rà soát thủ tục hành chính nội bộ", "Báo cáo", "Văn phòng Sở", "",
                                         "Quý I"])):
        for cell, value in zip(row.cells, values):
            cell.text = value
    document.save(str(path))
    return path


async def test_a_plan_whose_title_names_no_year_is_not_dated_from_a_cited_resolution(settings, engine, tmp_path):
    """"Quý I" of which year? Not 2021 (the resolution cited), nor 2025 (the signing date): the officer is asked."""
    plan = _plan_without_its_year(tmp_path / "ke-hoach-cchc.docx")
    async with running_bot(settings, engine) as h:
        await join(h, OFFICER, "VP", "officer")
        before = counts(engine)
        answer = await send_file(h, OFFICER, plan)
        assert "không ghi rõ kế hoạch của năm nào" in answer["text"], answer["text"]
        assert "2021" not in answer["text"] and "tài liệu kiểm chứng" not in answer["text"]
        assert not answer.get("reply_markup") and counts(engine) == before


async def test_a_plan_sent_with_a_caption_about_the_plan_is_previewed_not_taken_for_an_answer(
        settings, engine, tmp_path):
    """"Kế hoạch đã điều chỉnh, gửi lại ạ" reads as "done" and "KH … sửa đổi" as "not done": said of the plan sent,
    they are no answer about a task. A caption naming a task is still an answer with its evidence."""
    revised = build_docx(tmp_path / "KH-CCHC-2026-dieu-chinh.docx", revised_rows())
    async with running_bot(settings, engine) as h:
        await join(h, OFFICER, "VP", "officer")
        before = counts(engine)
        for caption in ("Kế hoạch đã điều chỉnh, gửi lại ạ", "KH CCHC 2026 sửa đổi"):
            sent = len(h.fake.sent)
            h.fake.push_message(OFFICER, OFFICER, caption,
                                document=FakeFile(revised.name, revised.read_bytes(), DOCX))
            await h.fake.wait_for_sent_async(sent + 1)
            preview = h.fake.sent[-1]
            assert "Sửa đổi kế hoạch #1: 0 nhiệm vụ mới (—), 1 thay đổi (3), 1 bỏ (33)" in preview["text"], caption
            await press(h, OFFICER, preview, "Huỷ")
        assert counts(engine) == before
        sent = len(h.fake.sent)
        h.fake.push_message(OFFICER, OFFICER, "NV 1 xong, kế hoạch gửi kèm",
                            document=FakeFile(revised.name, revised.read_bytes(), DOCX))
        await h.fake.wait_for_sent_async(sent + 1)
        assert "hoàn thành" in h.fake.sent[-1]["text"] and "Sửa đổi kế hoạch" not in h.fake.sent[-1]["text"]
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Evidence)).one() == 1


async def test_a_new_plan_made_of_the_tasks_of_one_already_imported_says_so_before_it_is_imported(
        settings, engine, tmp_path):
    """The revision sent as an Excel sheet without the plan's title reads as a new plan: importing it would make a
    second copy of 32 tasks, reminded twice. The preview must say so."""
    sheet = build_xlsx(tmp_path / "phu-luc.xlsx", revised_rows())
    async with running_bot(settings, engine) as h:
        await join(h, OFFICER, "VP", "officer")
        preview = await send_file(h, OFFICER, sheet, "application/vnd.ms-excel")
        assert "Kế hoạch mới: 32 nhiệm vụ" in preview["text"]
        assert "32/32 nhiệm vụ trùng với kế hoạch #1" in preview["text"], preview["text"]


async def test_a_plan_without_appendix_sent_in_chat_names_its_dated_obligations_not_a_task_to_file_it_under(
        settings, engine, tmp_path):
    """The Đồ Sơn plan has no appendix, only a dated obligation in its body: the officer is told so and how to
    make the plan from it, instead of being asked which task the file is evidence of."""
    import docx
    document = docx.Document()
    for text in ("KẾ HOẠCH", "Thực hiện công tác Cải cách hành chính lĩnh vực giáo dục và đào tạo năm 2025",
                 "2. Các trường Mầm non, Tiểu học, TH&THCS, THCS",
                 "- Định kỳ báo cáo kết quả triển khai thực hiện hoàn thành trước ngày 25 tháng cuối của mỗi quý, "
                 "6 tháng, năm, đảm bảo theo đúng thời gian quy định."):
        document.add_paragraph(text)
    plan = tmp_path / "KH-CCHC-2025-doson.docx"
    document.save(str(plan))
    async with running_bot(settings, engine) as h:
        await join(h, OFFICER, "VP", "officer")
        before = counts(engine)
        answer = await send_file(h, OFFICER, plan)
        text = answer["text"]
        assert "không có bảng phụ lục nhiệm vụ" in text and "tài liệu kiểm chứng của nhiệm vụ nào" not in text, text
        assert "trước ngày 25 tháng cuối của mỗi quý" in text and "25/03/2025, 25/06/2025, 25/09/2025" in text
        assert "--accept 1" in text and counts(engine) == before
