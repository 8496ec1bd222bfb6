"""Deadline phrases of real plans → kind and every due date in the plan year."""
from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plans.deadlines import KINDS, Deadline, parse_deadline
from tests.conftest import SEEDS

MONTH_ENDS = ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30",
              "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31", "2026-11-30", "2026-12-31"]
QUARTER_ENDS = ["2026-03-31", "2026-06-30", "2026-09-30", "2026-12-31"]
YEAR_END = ["2026-12-31"]
REPORTING_UNIT_DUES = ["2026-03-13", "2026-06-12", "2026-09-11", "2026-12-11"]

# Every "Thời gian hoàn thành" cell of the appendix of hanoi-so-gddt-kh-cchc-2026.md (plan year 2026).
HANOI_APPENDIX = [
    ("Tháng 3/2026", "date", ["2026-03-31"]),
    ("Theo Kế hoạch của Sở Nội vụ", "event", []),
    ("Quý I/2026", "date", ["2026-03-31"]),
    ("Tháng 4 năm 2026", "date", ["2026-04-30"]),
    ("Theo Kế hoạch của Thành phố", "event", []),
    ("Lồng ghép giao ban hàng tháng; giao ban chuyên đề tháng.", "recurring", MONTH_ENDS),
    ("Tháng 12/2026", "date", YEAR_END),
    ("Theo Kế hoạch của Thành phố, của Sở", "event", []),
    ("Ngay khi các Chỉ số được công bố và có Kế hoạch của UBND Thành phố", "event", []),
    ("Sau khi có Kế hoạch, văn bản triển khai của Thành phố", "event", []),
    ("Theo Kế hoạch, văn bản triển khai của Thành phố", "event", []),
    ("Tháng 4/2026", "date", ["2026-04-30"]),
    ("Trong năm 2026", "date", YEAR_END),
    ("Khi có Văn bản của Thành phố", "event", []),
    ("Theo chỉ đạo của UBND TP", "event", []),
    # the date is when Kế hoạch 281 was signed, not a deadline
    ("Theo lộ trình tại Kế hoạch 281/KH-UBND ngày 28/10/2022 của UBND Thành phố", "event", []),
    ("Theo Văn bản của Thành phố", "event", []),
    ("Năm 2026", "date", YEAR_END),
    # every report of the plan's reporting calendar (default preset): the units' deadline, 5 working days
    # before the Sở's own (20th of the cut-off month, or the working day before)
    ("Theo kỳ báo cáo CCHC", "recurring", REPORTING_UNIT_DUES),
    ("Nhiệm vụ thường xuyên theo hướng dẫn của Thành phố", "continuous", []),
    ("Quý II/2026", "date", ["2026-06-30"]),
]

# Phrases from the body of the seeds (Hà Nội 2026, Đồ Sơn 2025, Hải Phòng) and the issue.
OTHER_PHRASES = [
    ("trước ngày **03/4/2026**", "date", ["2026-04-03"]),
    ("vào tháng 6/2026 và tháng 11/2026", "date", ["2026-06-30", "2026-11-30"]),
    ("trước ngày 25 tháng cuối của mỗi quý, 6 tháng, năm", "recurring",
     ["2026-03-25", "2026-06-25", "2026-09-25", "2026-12-25"]),
    ("định kỳ báo cáo tháng, quý, 6 tháng, năm", "recurring", MONTH_ENDS),
    ("Thường xuyên", "continuous", []),
    # working days on the reminders' calendar (holidays + calendars/overrides.yaml), both ways
    ("5 ngày làm việc trước ngày 15/6/2026", "date", ["2026-06-08"]),
    ("5 ngay lam viec truoc ngay 15/6/2026", "date", ["2026-06-08"]),
    ("3 ngày làm việc trước ngày 20/02/2026", "date", ["2026-02-11"]),  # 20/02 is in Tết
    ("2 ngày làm việc sau ngày 30/4/2026", "date", ["2026-05-05"]),  # 30/4, 1/5 and a weekend
    ("trong vòng 10 ngày làm việc kể từ ngày 02/3/2026", "date", ["2026-03-16"]),  # from the day after
    ("trong thoi han 10 ngay lam viec ke tu ngay 02/3/2026", "date", ["2026-03-16"]),
    ("trước ngày 15/6/2026 ít nhất 5 ngày làm việc", "date", ["2026-06-08"]),
    ("ít nhất 5 ngày làm việc trước ngày 15/6/2026", "date", ["2026-06-08"]),
    ("trong vòng 5 ngày làm việc kể từ ngày nhận được văn bản", "event", []),
    ("5 ngày làm việc trước ngày khai giảng", "unknown", []),
    ("5 ngày làm việc", "unknown", []),
    ("trước ngày 31/2/2026 ít nhất 5 ngày làm việc", "unknown", []),
    # relative to the plan's reporting calendar: every report
    # Sunday 15/03 follows a window closing on Saturday 14/03: stored as Monday 16/03, what either rule gives it
    ("chậm nhất ngày 15 của tháng cuối kỳ báo cáo", "recurring",
     ["2026-03-16", "2026-06-15", "2026-09-15", "2026-12-15"]),
    ("cham nhat ngay 20 cua thang cuoi ky bao cao", "recurring",
     ["2026-03-20", "2026-06-20", "2026-09-20", "2026-12-20"]),
    ("trước thời hạn Sở nhập báo cáo ít nhất 5 ngày làm việc", "recurring", REPORTING_UNIT_DUES),
    ("truoc thoi han So nhap bao cao it nhat 5 ngay lam viec", "recurring", REPORTING_UNIT_DUES),
    ("theo ky bao cao CCHC", "recurring", REPORTING_UNIT_DUES),
    ("trước ngày 25 tháng cuối của mỗi quý", "recurring", ["2026-03-25", "2026-06-25", "2026-09-25", "2026-12-25"]),
    # parts of a month as staff read them: đầu = by the 10th, tuần đầu = by the 7th, giữa = 15th
    ("đầu tháng 4", "date", ["2026-04-10"]),
    ("giữa tháng 6/2026", "date", ["2026-06-15"]),
    ("giua thang 6/2026", "date", ["2026-06-15"]),
    ("cuối tháng 6", "date", ["2026-06-30"]),
    ("tuần đầu tháng 9", "date", ["2026-09-07"]),
    ("Giữa tháng", "recurring", [d[:8] + "15" for d in MONTH_ENDS]),
    ("Cuối tháng", "recurring", MONTH_ENDS),
    ("tuan dau moi thang", "recurring", [d[:8] + "07" for d in MONTH_ENDS]),
    ("ngày 5 hằng tháng", "recurring", [d[:8] + "05" for d in MONTH_ENDS]),
    ("trước ngày 10 của tháng", "recurring", [d[:8] + "10" for d in MONTH_ENDS]),
    ("truoc ngay 10 cua thang", "recurring", [d[:8] + "10" for d in MONTH_ENDS]),
    ("Báo cáo CCHC quý I", "date", ["2026-03-31"]),
    ("Báo cáo CCHC quý I, 6 tháng đầu năm, quý III", "date", ["2026-03-31", "2026-06-30", "2026-09-30"]),
    ("Quý I, năm 2026", "date", ["2026-03-31"]),
    ("6 tháng đầu năm", "date", ["2026-06-30"]),
    ("6 tháng cuối năm", "date", YEAR_END),
    ("Cả năm", "date", YEAR_END),
    ("tháng 12", "date", YEAR_END),
    ("Quy I/2026", "date", ["2026-03-31"]),
    ("quy I/2026", "date", ["2026-03-31"]),
    ("quý 2", "date", ["2026-06-30"]),
    ("Quý IV", "date", YEAR_END),
    ("Q3/2026", "date", ["2026-09-30"]),
    ("THANG 3/2026", "date", ["2026-03-31"]),
    ("trước ngày 15/3", "date", ["2026-03-15"]),
    ("trước 30/6", "date", ["2026-06-30"]),
    ("chậm nhất ngày 15/3/2026", "date", ["2026-03-15"]),
    ("Chậm nhất vào ngày 20/12/2026", "date", ["2026-12-20"]),
    ("ngày 15/3/2026", "date", ["2026-03-15"]),
    ("ngày 15 tháng 3 năm 2026", "date", ["2026-03-15"]),
    ("Hạn chót: 15.3.2026", "date", ["2026-03-15"]),
    ("ngày 06 (sáu) tháng 4", "date", ["2026-04-06"]),
    ("trước ngày mười lăm tháng ba năm 2026", "date", ["2026-03-15"]),
    ("Tháng 6 và tháng 11/2026", "date", ["2026-06-30", "2026-11-30"]),
    ("Quý II và Quý IV", "date", ["2026-06-30", "2026-12-31"]),
    ("Quý I, II/2026", "date", ["2026-03-31", "2026-06-30"]),
    ("Tháng 3, 6, 9, 12", "date", QUARTER_ENDS),
    ("Từ tháng 3 đến tháng 5/2026", "date", ["2026-05-31"]),
    ("Tháng 3 - 5/2026", "date", ["2026-05-31"]),
    ("Tháng 3–5/2026", "date", ["2026-05-31"]),
    ("Từ ngày 01/3/2026 đến hết ngày 15/3/2026", "date", ["2026-03-15"]),
    ("Quý I/2026, trước ngày 15/3", "date", ["2026-03-15"]),
    ("Tháng 3/2026 (theo Kế hoạch của Thành phố)", "date", ["2026-03-31"]),
    ("hằng tháng", "recurring", MONTH_ENDS),
    ("Hàng tháng", "recurring", MONTH_ENDS),
    ("hàng quý", "recurring", QUARTER_ENDS),
    ("Hằng quý", "recurring", QUARTER_ENDS),
    ("Theo quý", "recurring", QUARTER_ENDS),
    ("định kỳ 6 tháng", "recurring", ["2026-06-30", "2026-12-31"]),
    ("trước ngày 10 tháng cuối quý", "recurring", ["2026-03-10", "2026-06-10", "2026-09-10", "2026-12-10"]),
    ("trước ngày 15 hằng tháng", "recurring", [d[:8] + "15" for d in MONTH_ENDS]),
    ("Hằng tháng, trước ngày 25", "recurring", [d[:8] + "25" for d in MONTH_ENDS]),
    ("ngày 30 hằng tháng", "recurring", [d[:8] + ("28" if d[5:7] == "02" else "30") for d in MONTH_ENDS]),
    ("trước ngày 05 tháng sau", "recurring", [f"2026-{m:02d}-05" for m in range(2, 13)] + ["2027-01-05"]),
    ("hằng năm trước ngày 20/11", "recurring", ["2026-11-20"]),
    ("Hằng năm", "recurring", YEAR_END),
    ("Hằng quý năm 2027", "recurring", ["2027-03-31", "2027-06-30", "2027-09-30", "2027-12-31"]),
    ("Thường xuyên; báo cáo hằng quý", "recurring", QUARTER_ENDS),
    ("Hằng quý (trước ngày 15 tháng cuối quý)", "recurring",
     ["2026-03-15", "2026-06-15", "2026-09-15", "2026-12-15"]),
    ("Hằng tháng, từ tháng 9/2026", "recurring", MONTH_ENDS[8:]),
    ("Hằng tháng, từ tháng 3 đến tháng 10/2026", "recurring", MONTH_ENDS[2:10]),
    ("hằng quý đến hết tháng 9", "recurring", QUARTER_ENDS[:3]),
    ("Quý III - IV/2026", "date", YEAR_END),
    ("tháng tư năm 2026", "date", ["2026-04-30"]),
    ("ngày mùng năm tháng chín", "date", ["2026-09-05"]),
    ("Giai đoạn 2026 - 2030", "date", ["2030-12-31"]),
    ("Năm 2026 và các năm tiếp theo", "continuous", []),
    # "quy" in "quy định" is not "quý"
    ("Theo quy định", "event", []),
    ("Thực hiện theo quy trình", "event", []),
    ("Quý I năm sau", "date", ["2027-03-31"]),
    ("trước ngày 15/01 năm sau", "date", ["2027-01-15"]),
    ("Năm tiếp theo", "date", ["2027-12-31"]),
    ("Tháng 3/2027", "date", ["2027-03-31"]),
    ("Quý IV/2025", "date", ["2025-12-31"]),
    ("năm học 2025-2026", "date", ["2026-05-31"]),
    ("Năm học 2025 - 2026", "date", ["2026-05-31"]),
    ("học kỳ I năm học 2025-2026", "date", ["2026-01-31"]),
    ("Học kỳ II năm học 2025-2026", "date", ["2026-05-31"]),
    ("Trong năm", "date", YEAR_END),
    ("Cuối năm 2026", "date", YEAR_END),
    ("Khi có yêu cầu", "event", []),
    ("Đột xuất", "event", []),
    ("Sau khi có kết quả Chỉ số CCHC năm 2025", "event", []),
    ("Theo Kế hoạch, trước ngày 15/3/2026", "date", ["2026-03-15"]),
    ("Nhiệm vụ thường xuyên năm 2026", "continuous", []),
    ("Hằng tuần", "continuous", []),
    ("Liên tục", "continuous", []),
    # never guessed
    ("abc", "unknown", []),
    ("", "unknown", []),
    ("   ", "unknown", []),
    ("Tháng 13/2026", "unknown", []),
    ("31/2/2026", "unknown", []),
    ("Quý V/2026", "unknown", []),
    ("ngày 06 (bảy) tháng 4", "unknown", []),
    ("Giữa năm 2026", "unknown", []),
    ("trước tháng 6/2026", "unknown", []),
    ("trước ngày 15", "unknown", []),
    ("Hằng quý, trước ngày 15", "unknown", []),
    ("học kỳ I", "unknown", []),
    ("năm học 2025-2027", "unknown", []),
    ("Báo cáo 6 tháng", "unknown", []),
    ("Tuần 2 tháng 3/2026", "unknown", []),
]


@pytest.mark.parametrize("text, kind, dues", HANOI_APPENDIX + OTHER_PHRASES)
def test_phrase_meaning(text, kind, dues):
    deadline = parse_deadline(text, 2026)
    assert (deadline.kind, [d.isoformat() for d in deadline.dues]) == (kind, dues)
    assert deadline.text == text


def test_table_is_big_enough():
    assert len(HANOI_APPENDIX + OTHER_PHRASES) >= 60


def test_every_appendix_cell_of_the_hanoi_seed_is_in_the_table():
    text = (SEEDS / "hanoi-so-gddt-kh-cchc-2026.md").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.split("PHỤ LỤC", 1)[1].splitlines()]
    cells = {row[-1].strip() for row in rows if len(row) > 2 and re.fullmatch(r"\d+", row[0].strip())}
    assert len(cells) >= 15
    assert cells <= {phrase for phrase, _, _ in HANOI_APPENDIX}


@pytest.mark.parametrize("text", ["Quý I/2026", "<b>Quý I</b>/2026", "**Quý I/2026**", "quy i/2026",
                                  "QUÝ  I / 2026", "Quý\u00a0I/2026", "Quy\u0301 I/2026"])
def test_markup_case_spacing_and_unicode_forms_do_not_matter(text):
    assert parse_deadline(text, 2026).dues == (date(2026, 3, 31),)


def test_a_year_in_the_phrase_beats_the_plan_year():
    assert parse_deadline("Tháng 3/2027", 2026).dues == (date(2027, 3, 31),)
    assert parse_deadline("Tháng 3", 2027).dues == (date(2027, 3, 31),)


def test_to_json_keeps_the_phrase_as_given():
    deadline = parse_deadline("Quý II và Quý IV", 2026)
    assert deadline.to_json() == {"text": "Quý II và Quý IV", "kind": "date", "dues": ["2026-06-30", "2026-12-31"]}
    assert parse_deadline("Thường xuyên", 2026).to_json() == {"text": "Thường xuyên", "kind": "continuous", "dues": []}


def test_a_wrong_plan_year_is_the_callers_error():
    with pytest.raises(ValueError):
        parse_deadline("Quý I", 0)


VOCABULARY = [
    "tháng", "Tháng", "quý", "Quý", "quy", "năm", "Năm", "ngày", "trước", "chậm nhất", "hằng", "hàng", "mỗi",
    "định kỳ", "thường xuyên", "theo", "Kế hoạch", "khi có", "sau khi", "ngay khi", "từ", "đến", "hết", "và",
    ",", ";", "-", "–", "/", ".", "(", ")", "**", "<b>", "</b>", "I", "II", "III", "IV", "V", "6 tháng",
    "đầu", "cuối", "năm học", "học kỳ", "năm sau", "tiếp theo", "sáu", "mười lăm", "0", "1", "3", "06", "12",
    "13", "15", "20", "29", "31", "32", "2025", "2026", "2027", "99", "281/KH-UBND", "giai đoạn", "tuần",
]


def _assert_valid(deadline: Deadline, text: str) -> None:
    assert isinstance(deadline, Deadline) and deadline.text == text
    assert deadline.kind in KINDS
    assert list(deadline.dues) == sorted(set(deadline.dues))
    assert all(isinstance(d, date) for d in deadline.dues)
    assert bool(deadline.dues) == (deadline.kind in ("date", "recurring"))
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", s) for s in deadline.to_json()["dues"])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.integers(2000, 2100))
def test_any_text_gives_a_valid_deadline(text, year):
    _assert_valid(parse_deadline(text, year), text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(VOCABULARY), max_size=12), st.sampled_from([" ", "", "  "]),
       st.integers(2000, 2100))
def test_any_mix_of_deadline_words_gives_a_valid_deadline(words, joiner, year):
    text = joiner.join(words)
    _assert_valid(parse_deadline(text, year), text)
