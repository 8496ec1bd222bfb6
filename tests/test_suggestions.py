"""Dated deadlines in the body text of a plan, offered as extra tasks."""
from __future__ import annotations

from datetime import date

from plans.readers import read_document
from plans.suggestions import Suggestion, suggest_tasks
from tests.fixtures.builders import build_docx, seed_md_path

HANOI_SENTENCE = ("Xây dựng kế hoạch CCHC năm 2026 và gửi về Sở Giáo dục và Đào tạo để tổng hợp "
                  "trước ngày 03/4/2026.")


def test_hanoi_seed_offers_the_plan_deadline_for_its_units():
    suggestions = suggest_tasks(read_document(seed_md_path()).paragraphs, 2026)
    # the Sở's own report, "chậm nhất ngày 15 của tháng cuối kỳ báo cáo", is read against the reporting calendar;
    # Sunday 15/03 right after the window closing 14/03 is Monday 16/03 (Nghị định 09/2019), as `calendar` says
    sent_upward, plan = suggestions
    assert (sent_upward.kind, sent_upward.dues) == ("recurring", (date(2026, 3, 16), date(2026, 6, 15),
                                                                  date(2026, 9, 15), date(2026, 12, 15)))
    assert plan == Suggestion(sentence=HANOI_SENTENCE, unit_text="Các phòng, đơn vị thuộc Sở",
                              due=date(2026, 4, 3), deadline_text="trước ngày 03/4/2026")


def test_docx_body_gives_the_same_suggestion(tmp_path):
    suggestions = suggest_tasks(read_document(build_docx(tmp_path / "plan.docx")).paragraphs, 2026)
    assert [(s.sentence, s.unit_text, s.due) for s in suggestions] == [
        (HANOI_SENTENCE, "Các phòng, đơn vị thuộc Sở", date(2026, 4, 3))]


def test_unit_comes_from_the_nearest_heading_naming_one():
    paragraphs = ["IV. TỔ CHỨC THỰC HIỆN", "3. Đề nghị UBND xã, phường",
                  "- Gửi danh sách cán bộ đầu mối chậm nhất ngày 20/4/2026.",
                  "a) Nội dung phối hợp", "- Báo cáo kết quả trước 15/5.",
                  "Các đơn vị trực thuộc", "+ Nộp hồ sơ trước ngày 10/6/2026; tham gia tập huấn."]
    found = [(s.sentence, s.unit_text, s.due, s.deadline_text) for s in suggest_tasks(paragraphs, 2026)]
    assert found == [
        ("Gửi danh sách cán bộ đầu mối chậm nhất ngày 20/4/2026.", "UBND xã, phường", date(2026, 4, 20),
         "chậm nhất ngày 20/4/2026"),
        ("Báo cáo kết quả trước 15/5.", "UBND xã, phường", date(2026, 5, 15), "trước 15/5"),
        ("Nộp hồ sơ trước ngày 10/6/2026", "Các đơn vị trực thuộc", date(2026, 6, 10), "trước ngày 10/6/2026")]


def test_unit_named_in_the_sentence_wins_over_the_heading():
    paragraphs = ["2. Các phòng, đơn vị thuộc Sở",
                  "- Các trường gửi báo cáo về Sở chậm nhất là ngày 15/12/2026.",
                  "- Đề nghị UBND xã, phường cung cấp số liệu trước ngày 05/11/2026."]
    assert [s.unit_text for s in suggest_tasks(paragraphs, 2026)] == ["Các trường", "UBND xã, phường"]


def test_no_heading_means_no_unit():
    [suggestion] = suggest_tasks(["Hoàn thành trước ngày 30/9/2026."], 2026)
    assert (suggestion.unit_text, suggestion.due) == ("", date(2026, 9, 30))


def test_dates_that_are_not_deadlines_are_not_offered():
    paragraphs = ["Thực hiện Quyết định số 600/QĐ-UBND ngày 09/02/2026 của UBND Thành phố.",
                  "+ Báo cáo CCHC quý I: Thời gian chốt số liệu từ ngày 15/12/2025 đến ngày 14/3/2026.",
                  "Phấn đấu 100% hồ sơ được giải quyết trước hạn."]
    assert suggest_tasks(paragraphs, 2026) == []


def test_sentence_broken_over_lines_by_pdf_conversion_is_joined():
    paragraphs = ["1. Văn phòng Sở", "- Tổng hợp kết quả tự chấm điểm và gửi Sở Nội vụ trước", "ngày 20/11/2026."]
    [suggestion] = suggest_tasks(paragraphs, 2026)
    assert suggestion.sentence == "Tổng hợp kết quả tự chấm điểm và gửi Sở Nội vụ trước ngày 20/11/2026."
    assert (suggestion.unit_text, suggestion.due) == ("Văn phòng Sở", date(2026, 11, 20))
