"""Unit names written in plan cells resolve to the units of samples/units.csv."""
from __future__ import annotations

import unicodedata

import pytest
from sqlmodel import select

from storage.models import Unit
from tests.conftest import REPO
from units.directory import load_directory
from units.normalize import normalize
from units.resolver import UnitResolver

SAMPLE = REPO / "samples" / "units.csv"
PLAN = REPO / "samples" / "hanoi-so-gddt-kh-cchc-2026.md"

# The sample directory, group by group, in file order (group expansions keep that order).
PHONG = ["VP", "TCCB", "KHTC", "GDMN", "GDTH", "GDTRH", "GDTX", "QLCL", "KTCN", "CTTT", "TTS"]
DON_VI = ["BDCBGD", "TTKTTH", "TTHTGDHN", "TTGDTX-DD"]
TRUONG = ["THPT-CVA", "THPT-PDP", "THPT-VD", "THPT-KL", "THPT-YH", "THPT-SS"]
TRUC_THUOC = DON_VI + TRUONG  # schools under the Sở are đơn vị trực thuộc too
XA = ["P-BADINH", "P-HOANKIEM", "P-CAUGIAY", "P-HADONG", "X-SOCSON", "X-DONGANH"]

ALL3 = PHONG + XA + TRUC_THUOC    # "- Các phòng thuộc Sở - UBND xã, phường - Các đơn vị trực thuộc"
PHONG_DV = PHONG + TRUC_THUOC     # "- Các phòng thuộc Sở - Các đơn vị trực thuộc"

# Appendix row → (lead codes, partner codes), read off the plan by hand.
EXPECTED = {
    "1": (["VP"], ALL3), "2": (["VP"], ALL3), "3": (["VP"], ALL3), "4": (["VP", "TCCB"], ALL3),
    "5": (["VP"], ALL3), "6": (["VP"], ALL3), "7": (["VP"], ALL3), "8": (["VP"], ALL3),
    "9": (["VP"], PHONG_DV), "10": (["VP"], PHONG), "11": (["VP"], PHONG + TRUONG), "12": (["VP"], ALL3),
    "13": (["VP", "KTCN"], ALL3), "14": (PHONG, PHONG_DV), "15": (["GDTRH", "GDTH"], PHONG_DV),
    "16": (["VP"], PHONG_DV), "17": (["VP"], PHONG_DV), "18": (["VP"], PHONG_DV), "19": (["VP"], PHONG),
    "20": (["VP"], PHONG_DV), "21": (["TCCB"], PHONG), "22": (["TCCB"], PHONG), "23": (["TCCB"], PHONG_DV),
    "24": (["TCCB"], PHONG_DV), "25": (["TCCB"], PHONG_DV), "26": (["KHTC"], TRUC_THUOC),
    "27": (["KHTC"], PHONG_DV), "28": (["KHTC"], PHONG_DV), "29": (["VP"], PHONG_DV), "30": (["VP"], PHONG),
    "31": (["VP"], PHONG_DV), "32": (["VP"], PHONG_DV), "33": (["VP"], PHONG),
}
# The only name in the appendix that is no unit: row 11 lead "…phối hợp với các đơn vị có liên quan".
EXPECTED_UNRESOLVED = {("11", "lead"): ["các đơn vị có liên quan"]}


@pytest.fixture
def directory(session):
    load_directory(session, path=SAMPLE)
    session.commit()
    return session


@pytest.fixture
def resolver(directory) -> UnitResolver:
    return UnitResolver.from_session(directory)


@pytest.fixture
def resolve(resolver, directory):
    """Resolve a cell and answer (unit codes, unresolved names)."""
    codes = {u.id: u.code for u in directory.exec(select(Unit)).all()}

    def run(text: str) -> tuple[list[str], list[str]]:
        result = resolver.resolve(text)
        return [codes[i] for i in result.unit_ids], result.unresolved

    return run


def appendix_rows() -> dict[str, tuple[str, str]]:
    """Row number → (lead cell, partners cell), raw as the plan writes them (some hold <ul><li> HTML)."""
    rows = {}
    for line in PLAN.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) >= 6 and cells[0].strip().isdigit():
            rows[cells[0].strip()] = (cells[3], cells[4])
    return rows


def test_every_appendix_cell_resolves_to_the_expected_units(resolve):
    rows = appendix_rows()
    assert sorted(rows, key=int) == sorted(EXPECTED, key=int)
    for number, (lead_cell, partner_cell) in rows.items():
        lead, partners = EXPECTED[number]
        for role, cell, codes in (("lead", lead_cell, lead), ("partners", partner_cell, partners)):
            got, unresolved = resolve(cell)
            assert got == codes, (number, role, cell)
            assert unresolved == EXPECTED_UNRESOLVED.get((number, role), []), (number, role, cell)


@pytest.mark.parametrize("cell, codes", [
    ("- Văn phòng Sở - Phòng TCCB", ["VP", "TCCB"]),
    ("Văn phòng Sở Phòng TCCB", ["VP", "TCCB"]),
    ("Văn phòng; Thanh tra Sở", ["VP", "TTS"]),
    ("Văn phòng Sở; các phòng thuộc Sở", PHONG),
    ("Phòng Giáo dục Trung học và phòng Giáo dục Tiểu học", ["GDTRH", "GDTH"]),
    ("Văn phòng Sở (Bộ phận CNTT)", ["VP"]),
    ("Các phòng thuộc Sở, các cơ sở giáo dục", PHONG + TRUONG),
    ("Các phòng, đơn vị thuộc Sở", PHONG + TRUC_THUOC),
    ("UBND cấp xã", XA),
    ("Các UBND xã, phường", XA),
    ("Ủy ban nhân dân phường Ba Đình", ["P-BADINH"]),
    ("THPT Chu Văn An, trường THPT Việt Đức", ["THPT-CVA", "THPT-VD"]),
    ("phòng KHTC, TCCB và VP", ["KHTC", "TCCB", "VP"]),
    ("Văn phòng Sở Giáo dục và Đào tạo - bộ phận Cải cách hành chính", ["VP"]),
    ("<ul><li>- Các đơn vị trực thuộc</li><li>- UBND xã, phường</li></ul>", TRUC_THUOC + XA),
])
def test_several_names_in_one_cell(resolve, cell, codes):
    assert resolve(cell) == (codes, [])


@pytest.mark.parametrize("cell, code", [
    ("Van phong So", "VP"), ("phong to chuc can bo", "TCCB"), ("PHÒNG KẾ HOẠCH TÀI CHÍNH", "KHTC"),
    ("Phòng Kế hoạch - Tài chính", "KHTC"), ("Phong Quan ly chat luong", "QLCL"),
    ("VP", "VP"), ("TCCB", "TCCB"), ("KH-TC", "KHTC"), ("GDTrH", "GDTRH"), ("Phòng GD TH", "GDTH"),
    ("GDNN-GDTX", "GDTX"), ("TTr", "TTS"), ("Thanh tra", "TTS"), ("Phòng CNTT", "VP"),
    ("Phòng Khảo thí và Kiểm định chất lượng giáo dục", "QLCL"),
])
def test_case_diacritics_prefixes_and_abbreviations_do_not_matter(resolve, cell, code):
    assert resolve(cell) == ([code], [])


@pytest.mark.parametrize("cell, code", [
    ("Văn phòg Sở", "VP"),
    ("Phòng Tổ chứccán bộ", "TCCB"),
    ("Phòng Giáo dụk Trung học", "GDTRH"),
    ("Phòng Kế hoạch và Tài chính", "KHTC"),
])
def test_a_close_misspelling_matches_when_unambiguous(resolve, cell, code):
    assert resolve(cell) == ([code], [])


def test_an_ambiguous_misspelling_is_reported_not_guessed(resolve):
    # "T học" is as close to Tiểu học as to Trung học.
    assert resolve("Phòng Giáo dục T học") == ([], ["Phòng Giáo dục T học"])


@pytest.mark.parametrize("cell, codes, unresolved", [
    ("Văn phòng Sở phối hợp với các đơn vị có liên quan", ["VP"], ["các đơn vị có liên quan"]),
    ("Sở Nội vụ; Văn phòng Sở", ["VP"], ["Sở Nội vụ"]),
    ("Văn phòng, Sở Nội vụ", ["VP"], ["Sở Nội vụ"]),  # "Sở" after a comma starts the next name
    ("Các phòng có liên quan", [], ["Các phòng có liên quan"]),
    ("Các phòng, đơn vị có liên quan; VP", ["VP"], ["Các phòng, đơn vị có liên quan"]),  # not every phòng
    ("Các trường được giao nhiệm vụ và Phòng TCCB", ["TCCB"], ["Các trường được giao nhiệm vụ"]),
    ("Phòng Giáo dục", [], ["Phòng Giáo dục"]),
    ("Sóc Sơn", [], ["Sóc Sơn"]),  # a xã and a school share it
    ("Ban Giám đốc, Ban Giám đốc", [], ["Ban Giám đốc"]),
])
def test_unknown_names_are_reported_by_name(resolve, cell, codes, unresolved):
    assert resolve(cell) == (codes, unresolved)


def test_ids_are_deduplicated_in_written_order(resolver, resolve):
    assert resolve("Phòng TCCB; Văn phòng; VP; Văn phòng Sở; TCCB") == (["TCCB", "VP"], [])
    assert resolve("") == ([], [])
    assert resolver.resolve(None).unit_ids == []


def test_matched_pairs_keep_the_name_as_written(resolver):
    result = resolver.resolve("Văn phòng Sở Phòng TCCB")
    assert result.matched == [("Văn phòng Sở", "VP"), ("Phòng TCCB", "TCCB")]


def test_words_in_parentheses_after_a_name_only_qualify_it(resolve):
    assert resolve("Văn phòng Sở (chủ trì)") == (["VP"], [])
    assert resolve("Văn phòng Sở (Bộ phận Tin học)") == (["VP"], [])
    assert resolve("(Sở Nội vụ)") == ([], ["Sở Nội vụ"])


def test_inactive_units_are_not_matched(directory):
    unit = directory.exec(select(Unit).where(Unit.code == "TTS")).one()
    unit.active = False
    directory.add(unit)
    directory.commit()
    result = UnitResolver.from_session(directory).resolve("Thanh tra Sở; Các phòng thuộc Sở")
    assert unit.id not in result.unit_ids
    assert result.unresolved == ["Thanh tra Sở"]


def test_a_name_two_units_share_resolves_to_neither():
    resolver = UnitResolver(units=[(1, "THCS-CVA", ["Trường THCS Chu Văn An", "Chu Văn An"]),
                                   (2, "THPT-CVA", ["Trường THPT Chu Văn An", "Chu Văn An"])], groups=[])
    assert resolver.resolve("Chu Văn An").unresolved == ["Chu Văn An"]
    assert resolver.resolve("THPT Chu Văn An").unit_ids == [2]


def test_a_phrase_on_two_groups_names_both_and_an_empty_group_names_nobody():
    resolver = UnitResolver(units=[(1, "A", ["Phòng A"]), (2, "B", ["Trung tâm B"])],
                            groups=[("cac_phong", ["Các phòng thuộc Sở", "Các phòng, đơn vị"], [1]),
                                    ("don_vi", ["Các đơn vị trực thuộc", "Các phòng, đơn vị"], [2]),
                                    ("xa_phuong", ["UBND xã, phường"], [])])
    assert resolver.resolve("Các phòng, đơn vị").unit_ids == [1, 2]
    assert resolver.resolve("Phòng A; UBND xã, phường").unresolved == ["UBND xã, phường"]


def test_normalize_folds_diacritics_case_and_punctuation():
    assert normalize("  Đơn vị TRỰC THUỘC,  Sở GD&ĐT (Hà Nội) ") == "don vi truc thuoc so gd dt ha noi"
    assert normalize(unicodedata.normalize("NFD", "Phòng Giáo dục Tiểu học")) == "phong giao duc tieu hoc"
    assert normalize("KH-TC; GDNN_GDTX") == "kh tc gdnn gdtx"
