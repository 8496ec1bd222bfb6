"""A plan without an appendix table (the Đồ Sơn and Hải Phòng plans): the body's dated obligations, recurring
ones included, are offered as suggestions; --accept makes the plan from them; nothing is written before."""
from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from storage.models import Assignment, Plan, Task

# ../shared/seeds beside the repository (a worktree sits one level deeper)
SEEDS = next((p / "shared" / "seeds" for p in Path(__file__).resolve().parents[2:4]
              if (p / "shared" / "seeds").is_dir()), Path("/nonexistent"))
UNITS = """code,name,kind,parent,aliases,groups
PGDDT,Phòng Giáo dục và Đào tạo quận Đồ Sơn,phong,,Phòng GDĐT,
MN-HD,Trường Mầm non Hợp Đức,truong,,,truong
TH-VH,Trường Tiểu học Vạn Hương,truong,,,truong
"""
DOSON_BODY = """Kế hoạch thực hiện công tác cải cách hành chính năm 2025

III. TỔ CHỨC THỰC HIỆN

2. Các trường Mầm non, Tiểu học, TH&THCS, THCS

- Căn cứ chức năng, nhiệm vụ xây dựng kế hoạch thực hiện công tác cải

cách hành chính năm 2025 tại nhà trường; định kỳ báo cáo kết quả triển khai thực

hiện hoàn thành trước ngày 25 tháng cuối của mỗi quý, 6 tháng, năm, đảm bảo theo

đúng thời gian quy định.
"""


@pytest.fixture
def doson(cli, tmp_path) -> Path:
    units = tmp_path / "units.csv"
    units.write_text(UNITS, encoding="utf-8")
    assert cli("units", "load", str(units)).exit_code == 0
    path = tmp_path / "doson-kh-cchc-2025.md"
    seed = SEEDS / "doson-phong-gddt-kh-cchc-2025.txt"
    if seed.is_file():   # the real plan when the seeds are there, else its paragraph as written
        shutil.copy(seed, path)
    else:
        path.write_text(DOSON_BODY, encoding="utf-8")
    return path


def test_body_obligations_are_shown_and_nothing_is_written(cli, doson, engine):
    result = cli("import", str(doson), "--year", "2025")
    assert result.exit_code == 0, result.output
    assert "Văn bản không có bảng phụ lục nhiệm vụ" in result.output
    assert "trước ngày 25 tháng cuối của mỗi quý, 6 tháng, năm" in result.output
    assert "hạn: 25/03/2025, 25/06/2025, 25/09/2025, … (4 kỳ)" in result.output
    assert "--accept 1" in result.output
    data = json.loads(cli("import", str(doson), "--year", "2025", "--json").output)
    assert data["created"] is False and data["suggestions"][0]["dues"] == [
        "2025-03-25", "2025-06-25", "2025-09-25", "2025-12-25"]
    with Session(engine) as session:
        assert session.exec(select(Plan)).all() == []


def test_the_command_offered_without_year_names_the_year_the_title_states(cli, doson, engine):
    """The officer copies the example: "--year None" would be refused by the very command it offers."""
    result = cli("import", str(doson))
    assert result.exit_code == 0, result.output
    assert "--year None" not in result.output
    assert f"nhacviec import {doson} --year 2025 --accept 1" in result.output
    assert cli("import", str(doson), "--year", "2025", "--accept", "1").exit_code == 0


def test_accept_creates_the_plan_with_the_recurring_obligation(cli, doson, engine):
    result = cli("import", str(doson), "--year", "2025", "--accept", "1")
    assert result.exit_code == 0, result.output
    with Session(engine) as session:
        [task] = session.exec(select(Task)).all()
        dues = sorted((a.due_on, a.unit_id) for a in session.exec(select(Assignment)))
    assert task.title.startswith("Định kỳ báo cáo kết quả") and task.deadline_kind == "recurring"
    assert [d for d, _unit in dues[::2]] == [date(2025, 3, 25), date(2025, 6, 25), date(2025, 9, 25),
                                             date(2025, 12, 25)]
    assert len(dues) == 8   # both schools, four periods; the Phòng itself is not a school


def test_no_appendix_and_no_dated_sentence_is_refused_clearly(cli, tmp_path):
    path = tmp_path / "kh.md"
    path.write_text("Kế hoạch CCHC năm 2026\n\n- Thực hiện nghiêm túc quy định về chế độ báo cáo định kỳ.\n",
                    encoding="utf-8")
    result = cli("import", str(path), "--year", "2026")
    assert result.exit_code == 1 and "Không tìm thấy bảng phụ lục" in result.output
    assert "không nêu nghĩa vụ nào có thời hạn" in result.output


def test_the_reason_a_plan_is_refused_is_the_missing_appendix_not_a_warning_about_its_text(cli, tmp_path):
    """A pasted text with a stray colour code (ESC) gets a warning; the refusal still says what is missing."""
    path = tmp_path / "kh.md"
    path.write_text("Kế hoạch CCHC năm 2026\x1b[31m\n\n- Thực hiện nghiêm túc quy định về chế độ báo cáo định kỳ.\n",
                    encoding="utf-8")
    for args in ((), ("--dry-run",)):
        result = cli("import", str(path), "--year", "2026", *args)
        assert result.exit_code == 1 and "Không tìm thấy bảng phụ lục" in result.output, result.output
