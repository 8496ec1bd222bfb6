"""Loading the unit directory from CSV/YAML, upserting it, listing it, and refusing bad files whole."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlmodel import Session, func, select

from storage.models import Unit, UnitGroup, UnitGroupMember
from tests.conftest import REPO
from units.directory import DirectoryError, load_directory, read_directory

SAMPLE = REPO / "samples" / "units.csv"
HEADER = "code,name,kind,parent,aliases,groups\n"
SMALL = HEADER + ("VP,Văn phòng Sở,phong,,VP;Văn phòng,cac_phong\n"
                  "TCCB,Phòng Tổ chức cán bộ,phong,,TCCB,cac_phong\n"
                  "CVA,Trường THPT Chu Văn An,truong,,,truong;don_vi_truc_thuoc\n")


def write(tmp_path, name: str, content: str | bytes):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def listed(cli) -> list[dict]:
    result = cli("units", "list", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def counts(engine) -> tuple[int, int, int]:
    with Session(engine) as s:
        return tuple(s.exec(select(func.count()).select_from(t)).one() for t in (Unit, UnitGroup, UnitGroupMember))


def test_sample_directory_loads_and_lists_as_json(cli):
    result = cli("units", "load", str(SAMPLE))
    assert result.exit_code == 0, result.output
    assert "27 đơn vị mới, 0 cập nhật, 0 không đổi" in result.stdout
    rows = listed(cli)
    assert len(rows) == 27
    assert rows[0] == {"code": "VP", "name": "Văn phòng Sở", "kind": "phong", "parent": None,
                       "aliases": ["VP", "Văn phòng", "Văn phòng Sở GDĐT", "Bộ phận CNTT", "Bộ phận CCHC",
                                   "Bộ phận Cải cách hành chính", "Bộ phận Một cửa"], "groups": ["cac_phong"],
                       "level": []}
    school = next(r for r in rows if r["code"] == "THPT-CVA")
    assert (school["kind"], sorted(school["groups"])) == ("truong", ["don_vi_truc_thuoc", "truong", "truong_thpt"])
    assert school["level"] == ["thpt"]  # read from its name
    assert all(r["code"].isascii() and r["code"] == r["code"].upper() for r in rows)


def test_list_prints_a_readable_directory(cli, tmp_path):
    assert "chưa có đơn vị nào" in cli("units", "list").stdout
    cli("units", "load", str(write(tmp_path, "units.csv", SMALL)))
    out = cli("units", "list").stdout
    assert "Danh bạ có 3 đơn vị" in out
    assert "CVA" in out and "Trường THPT Chu Văn An — Trường" in out and "nhóm: cac_phong" in out


def test_loading_twice_does_not_duplicate(cli, engine):
    cli("units", "load", str(SAMPLE))
    first = counts(engine)
    again = cli("units", "load", str(SAMPLE))
    assert again.exit_code == 0
    assert "0 đơn vị mới, 0 cập nhật, 27 không đổi" in again.stdout
    assert counts(engine) == first == (27, 6, 40)  # + the THPT and GDTX level groups


def test_loading_again_updates_and_replaces_memberships(session, tmp_path):
    load_directory(session, path=write(tmp_path, "v1.csv", SMALL))
    session.commit()
    v2 = HEADER + ("VP,Văn phòng Sở GDĐT,phong,,VP,cac_phong\n"
                   "TCCB,Phòng Tổ chức cán bộ,phong,VP,TCCB,\n"
                   "GDTH,Phòng Giáo dục Tiểu học,phòng,,GDTH,cac_phong\n")
    report = load_directory(session, path=write(tmp_path, "v2.csv", v2))
    session.commit()
    assert (report.created, report.updated, report.unchanged) == (["GDTH"], ["VP", "TCCB"], [])
    units = {u.code: u for u in session.exec(select(Unit)).all()}
    assert (units["VP"].name, units["VP"].aliases) == ("Văn phòng Sở GDĐT", ["VP"])
    assert units["TCCB"].parent_id == units["VP"].id
    members = session.exec(select(UnitGroup.code, Unit.code)
                           .join(UnitGroupMember, UnitGroupMember.group_id == UnitGroup.id)
                           .join(Unit, Unit.id == UnitGroupMember.unit_id)).all()
    # TCCB left cac_phong; CVA, not in v2, keeps its groups.
    assert sorted(members) == [("cac_phong", "GDTH"), ("cac_phong", "VP"), ("don_vi_truc_thuoc", "CVA"),
                               ("truong", "CVA"), ("truong_thpt", "CVA")]


def test_parent_may_come_later_in_the_file_or_from_the_database(session, tmp_path):
    load_directory(session, path=write(tmp_path, "a.csv", HEADER + "VP,Văn phòng Sở,phong,,,\n"))
    later = HEADER + "CNTT,Tổ Công nghệ thông tin,khac,TCHC,,\nTCHC,Phòng Tổ chức - Hành chính,phong,VP,,\n"
    load_directory(session, path=write(tmp_path, "b.csv", later))
    units = {u.code: u for u in session.exec(select(Unit)).all()}
    assert units["CNTT"].parent_id == units["TCHC"].id and units["TCHC"].parent_id == units["VP"].id


def test_group_phrases_are_built_in_stored_and_kept_when_edited(session, tmp_path):
    path = write(tmp_path, "u.csv", HEADER + "VP,Văn phòng Sở,phong,,,cac_phong;nhom_cchc\n")
    report = load_directory(session, path=path)
    assert report.groups == ["cac_phong", "nhom_cchc"]
    groups = {g.code: g for g in session.exec(select(UnitGroup)).all()}
    assert groups["cac_phong"].name == "Các phòng thuộc Sở"
    built_in = {"Các phòng thuộc Sở", "Các phòng cơ quan Sở", "Các phòng, đơn vị thuộc Sở"}
    assert built_in <= set(groups["cac_phong"].phrases)
    assert (groups["nhom_cchc"].name, groups["nhom_cchc"].phrases) == ("nhom_cchc", [])
    groups["cac_phong"].phrases = ["Khối phòng"]
    session.add(groups["cac_phong"])
    session.commit()
    load_directory(session, path=path)
    assert session.exec(select(UnitGroup).where(UnitGroup.code == "cac_phong")).one().phrases == ["Khối phòng"]


@pytest.mark.parametrize("written, kind", [
    ("phòng", "phong"), ("Đơn vị trực thuộc", "don_vi"), ("don_vi", "don_vi"), ("trường", "truong"),
    ("xã-phường", "xa_phuong"), ('"xã, phường"', "xa_phuong"), ("Khác", "khac"),
])
def test_kind_accepts_vietnamese_words(tmp_path, written, kind):
    path = write(tmp_path, "k.csv", HEADER + f"X1,Đơn vị X,{written},,,\n")
    assert read_directory(path)[0].kind == kind


def test_yaml_form_equals_csv_form(cli, tmp_path):
    csv_text = HEADER + ("VP,Văn phòng Sở,phòng,,VP;Văn phòng,cac_phong\n"
                         "tccb,Phòng  Tổ chức cán bộ ,phong,vp,TCCB,cac_phong\n"
                         "P-BD,UBND phường Ba Đình,\"xã, phường\",,Phường Ba Đình,xa_phuong\n")
    yaml_text = """\
- code: VP
  name: Văn phòng Sở
  kind: phong
  aliases: [VP, Văn phòng]
  groups: [cac_phong]
- {code: TCCB, name: Phòng Tổ chức cán bộ, kind: phòng, parent: VP, aliases: TCCB, groups: cac_phong}
- code: P-BD
  name: UBND phường Ba Đình
  kind: xã-phường
  parent: ""
  aliases: "Phường Ba Đình"
  groups: [xa_phuong]
"""
    from_csv = read_directory(write(tmp_path, "u.csv", csv_text))
    from_yaml = read_directory(write(tmp_path, "u.yaml", yaml_text))
    assert [replace(r, line=0) for r in from_csv] == [replace(r, line=0) for r in from_yaml]
    assert [r.line for r in from_yaml] == [1, 6, 7]
    assert cli("units", "load", str(tmp_path / "u.yaml")).exit_code == 0
    assert [r["code"] for r in listed(cli)] == ["VP", "TCCB", "P-BD"]


def test_vietnamese_column_titles_and_excel_bom_are_accepted(tmp_path):
    text = "\ufeffMã,Tên,Loại,Đơn vị cha,Tên gọi khác,Nhóm\nVP,Văn phòng Sở,phòng,,VP,cac_phong\n"
    (record,) = read_directory(write(tmp_path, "u.csv", text))
    assert (record.code, record.name, record.aliases, record.groups) == ("VP", "Văn phòng Sở", ["VP"], ["cac_phong"])


# Each bad file also renames VP on a good line, so a half-applied load would show.
RENAME = "VP,Văn phòng ĐÃ ĐỔI,phong,,,\n"
BAD_FILES = [
    ("missing-column.csv", "code,name,kind,parent,aliases\nVP,Văn phòng,phong,,\n",
     "dòng 1: dòng tiêu đề thiếu cột groups"),
    ("unknown-kind.csv", HEADER + RENAME + "X,Đơn vị X,phong ban,,,\n",
     "dòng 3: loại đơn vị \"phong ban\" không hợp lệ"),
    ("unknown-parent.csv", HEADER + RENAME + "X,Đơn vị X,phong,ZZ,,\n", "dòng 3: không có đơn vị cha mã \"ZZ\""),
    ("duplicate.csv", HEADER + RENAME + "vp,Văn phòng 2,phong,,,\n", "dòng 3: mã \"VP\" trùng với dòng 2"),
    ("empty-code.csv", HEADER + RENAME + ",Đơn vị X,phong,,,\n", "dòng 3: thiếu mã đơn vị"),
    ("empty-name.csv", HEADER + RENAME + "X,,phong,,,\n", "dòng 3: thiếu tên đơn vị"),
    ("bad-code.csv", HEADER + RENAME + "PHÒNG X,Đơn vị X,phong,,,\n", "dòng 3: mã \"PHÒNG X\" chỉ được gồm"),
    ("extra-cell.csv", HEADER + RENAME + "X,Đơn vị X, Hà Nội,phong,,,\n", "dòng 3: nhiều ô hơn dòng tiêu đề"),
    ("self-parent.csv", HEADER + RENAME + "X,Đơn vị X,phong,X,,\n", "dòng 3: đơn vị \"X\" không thể là đơn vị cha"),
    ("parent-loop.csv", HEADER + RENAME + "X,Đơn vị X,phong,Y,,\nY,Đơn vị Y,phong,X,,\n",
     "dòng 3: đơn vị cha của \"X\" quay vòng về chính nó"),
    ("not-utf8.csv", (HEADER + RENAME + "X,Đơn vị X,phong,,,\n").encode("cp1258", "replace"),
     "không phải văn bản UTF-8 (lỗi ở dòng 2)"),
    ("broken.yaml", "- code: VP\n  name: Văn phòng ĐÃ ĐỔI\n  kind: phong\n- code: X\n  name: [Đơn vị X\n",
     "bị lỗi cú pháp ở dòng 6"),
    ("unknown-key.yaml",
     "- {code: VP, name: Văn phòng ĐÃ ĐỔI, kind: phong}\n- {code: X, name: X, kind: khac, alias: Y}\n",
     "dòng 2: khóa lạ \"alias\""),
    ("not-a-list.yaml", "code: VP\nname: Văn phòng ĐÃ ĐỔI\n", "phải là một danh sách đơn vị"),
    ("empty.csv", HEADER, "không có đơn vị nào"),
]


@pytest.mark.parametrize("name, content, message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_is_refused_with_a_clear_message_and_changes_nothing(cli, engine, tmp_path, name, content, message):
    cli("units", "load", str(write(tmp_path, "good.csv", SMALL)))
    before, rows_before = counts(engine), listed(cli)
    result = cli("units", "load", str(write(tmp_path, name, content)))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Lỗi: {name}") or result.stderr.startswith("Lỗi: Tệp")
    assert message in result.stderr
    assert (counts(engine), listed(cli)) == (before, rows_before)


def test_missing_file_is_reported(cli, tmp_path):
    result = cli("units", "load", str(tmp_path / "khong-co.csv"))
    assert result.exit_code == 1 and "Không tìm thấy tệp khong-co.csv" in result.stderr


def test_read_directory_error_message_is_the_exception_text(tmp_path):
    with pytest.raises(DirectoryError) as caught:
        read_directory(write(tmp_path, "x.csv", HEADER + "X,,phong,,,\n"))
    assert str(caught.value) == "x.csv, dòng 2: thiếu tên đơn vị (cột name)"
