"""Schools by level: "Các trường Mầm non" reaches the kindergartens only; officers edit groups and phrases."""
from __future__ import annotations

import json

UNITS = """code,name,kind,parent,aliases,groups,level
VP,Văn phòng Sở,phong,,VP,cac_phong,
MN-HS,Trường Mầm non Hoa Sen,truong,,,truong,
MN-SM,Trường Mầm non Sơn Ca,truong,,,truong,mn
TH-KL,Trường Tiểu học Kim Liên,truong,,,truong,
THCS-L,Trường THCS Láng,truong,,,truong,
LC-DTD,Trường Liên cấp Đoàn Thị Điểm,truong,,,truong,th;thcs
THPT-VD,Trường THPT Việt Đức,truong,,,truong,
"""
PLAN = ("STT;Nhiệm vụ;Sản phẩm;Đơn vị chủ trì;Đơn vị phối hợp;Thời gian hoàn thành\n"
        "1;Rà soát thủ tục tuyển sinh mầm non;Báo cáo;Các trường Mầm non;Văn phòng Sở;Tháng 3/2026\n"
        "2;Tự đánh giá chỉ số CCHC;Báo cáo;các trường MN, TH, THCS;;Tháng 5/2026\n"
        "3;Công khai kết quả học tập;Báo cáo;Trường TH;;Tháng 6/2026\n"
        "4;Kiểm tra nề nếp;Báo cáo;Các trường THPT công lập;;Tháng 9/2026\n"
        "5;Báo cáo cơ sở vật chất;Báo cáo;Khối mầm non;;Tháng 10/2026\n")


def _leads(cli) -> dict[str, list[str]]:
    rows = json.loads(cli("tasks", "--status", "all", "--json").output)
    leads: dict[str, list[str]] = {}
    for r in rows:
        if r["role"] == "lead":
            leads.setdefault(r["number"], []).append(r["unit"])
    return {n: sorted(units) for n, units in leads.items()}


def test_level_phrases_reach_the_schools_of_that_level_and_the_import_says_so(cli, tmp_path):
    (tmp_path / "units.csv").write_text(UNITS, encoding="utf-8")
    assert cli("units", "load", str(tmp_path / "units.csv")).exit_code == 0
    plan = tmp_path / "truong.csv"
    plan.write_text(PLAN, encoding="utf-8")
    result = cli("import", str(plan), "--year", "2026", "--track-from", "2026-01-01")
    assert result.exit_code == 0, result.output
    assert "“Các trường Mầm non” → 2 đơn vị (MN-HS, MN-SM) — nhiệm vụ 1" in result.output
    assert "không nhận ra đơn vị \"Khối mầm non\"" in result.output
    leads = _leads(cli)
    assert leads["1"] == ["MN-HS", "MN-SM"]
    assert leads["2"] == ["LC-DTD", "MN-HS", "MN-SM", "TH-KL", "THCS-L"]
    assert leads["3"] == ["LC-DTD", "TH-KL"]
    assert leads["4"] == ["THPT-VD"]
    assert "5" not in leads  # a phrase the directory does not know reaches nobody, and is reported

    groups = {g["code"]: g for g in json.loads(cli("units", "groups", "--json").output)}
    assert groups["truong_mn"]["units"] == ["MN-HS", "MN-SM"] and "Các trường MN" in groups["truong_mn"]["phrases"]
    edited = cli("units", "group", "truong_mn", "--add-phrase", "Khối mầm non")
    assert edited.exit_code == 0, edited.output
    again = cli("import", str(plan), "--year", "2026", "--track-from", "2026-01-01")
    assert again.exit_code == 0, again.output
    assert _leads(cli)["5"] == ["MN-HS", "MN-SM"]
    assert cli("units", "group", "moi").exit_code != 0  # a new group needs a name
    assert cli("units", "group", "truong_mn", "--add-unit", "KHONGCO").exit_code != 0
