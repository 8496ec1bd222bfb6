"""The unit directory: read it from CSV or YAML, upsert units and group memberships, list it."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlmodel import Session, select

from i18n import N_, _
from storage.models import Unit, UnitGroup, UnitGroupMember, UnitKind
from units.normalize import normalize

COLUMNS = ("code", "name", "kind", "parent", "aliases", "groups")
# Column titles a spreadsheet may use instead, folded by normalize().
COLUMN_WORDS = {"ma": "code", "ma don vi": "code", "ten": "name", "ten don vi": "name", "loai": "kind",
                "loai don vi": "kind", "don vi cha": "parent", "cap tren": "parent", "ten goi khac": "aliases",
                "ten khac": "aliases", "viet tat": "aliases", "nhom": "groups"}
KIND_WORDS = {
    "phong": UnitKind.PHONG, "phong thuoc so": UnitKind.PHONG,
    "don vi": UnitKind.DON_VI, "don vi truc thuoc": UnitKind.DON_VI, "don vi thuoc so": UnitKind.DON_VI,
    "don vi su nghiep": UnitKind.DON_VI, "truong": UnitKind.TRUONG, "truong hoc": UnitKind.TRUONG,
    "co so giao duc": UnitKind.TRUONG, "xa phuong": UnitKind.XA_PHUONG, "xa": UnitKind.XA_PHUONG,
    "phuong": UnitKind.XA_PHUONG, "ubnd xa phuong": UnitKind.XA_PHUONG, "khac": UnitKind.KHAC,
}
KIND_LABELS = {UnitKind.PHONG: N_("Phòng"), UnitKind.DON_VI: N_("Đơn vị trực thuộc"), UnitKind.TRUONG: N_("Trường"),
               UnitKind.XA_PHUONG: N_("UBND xã, phường"), UnitKind.KHAC: N_("Khác")}
_BOTH = ("Các phòng, đơn vị thuộc Sở", "Các phòng, đơn vị trực thuộc", "Các phòng, đơn vị",
         "Các phòng và các đơn vị thuộc Sở", "Các phòng và đơn vị thuộc Sở")
# Built-in groups: a group code named in the file gets this display name and these phrases when first created;
# the phrases are then stored on UnitGroup.phrases, where they can be edited.
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "cac_phong": ("Các phòng thuộc Sở", (
        "Các phòng thuộc Sở", "Các phòng cơ quan Sở", "Các phòng chuyên môn", "Các phòng chuyên môn, nghiệp vụ",
        "Các phòng chức năng", "Các phòng Sở", *_BOTH)),
    "don_vi_truc_thuoc": ("Các đơn vị trực thuộc", (
        "Các đơn vị trực thuộc", "Các đơn vị thuộc Sở", "Các đơn vị giáo dục trực thuộc",
        "Các đơn vị sự nghiệp trực thuộc", *_BOTH)),
    "xa_phuong": ("UBND xã, phường", (
        "UBND xã, phường", "Các UBND xã, phường", "UBND các xã, phường", "UBND cấp xã", "UBND cấp xã, phường",
        "Các UBND cấp xã", "Các xã, phường")),
    "truong": ("Các trường", (
        "Các trường", "Các trường học", "Các cơ sở giáo dục", "Các nhà trường", "Các đơn vị trường học",
        "Các trường THPT")),
}
_UNIT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{0,63}$")
_GROUP_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class DirectoryError(Exception):
    """A directory file that cannot be loaded; the message (Vietnamese) names the file and line."""


@dataclass
class UnitRecord:
    """One unit as the file describes it."""

    code: str
    name: str
    kind: str
    parent: str
    aliases: list[str]
    groups: list[str]
    line: int = 0


@dataclass
class LoadReport:
    """Unit codes created, updated and left as they were; group codes the file names."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)


@dataclass
class _Row:
    """One entry of the file and where it stands, for error messages."""

    file: str
    line: int
    values: dict

    def error(self, problem: str, **values) -> DirectoryError:
        return _error_at(self.file, self.line, problem, **values)

    def text(self, key: str, value=None) -> str:
        value = self.values.get(key) if value is None else value
        if isinstance(value, (list, dict)):
            raise self.error(_("giá trị của \"{key}\" phải là chữ, không phải danh sách"), key=key)
        return " ".join((value or "").split())

    def items(self, key: str) -> list[str]:
        """Aliases or groups: a YAML list, or one text with ";" between items."""
        value = self.values.get(key)
        raw = value if isinstance(value, list) else self.text(key).split(";")
        return list(dict.fromkeys(item for item in (self.text(key, v) for v in raw) if item))


def _error_at(file: str, line: int, problem: str, **values) -> DirectoryError:
    """An error naming the file and line; `problem` is already translated and may hold {placeholders}."""
    return DirectoryError(_("{name}, dòng {line}: {problem}").format(
        name=file, line=line, problem=problem.format(**values)))


def read_directory(path: Path) -> list[UnitRecord]:
    """Parse and check a CSV or YAML directory file; raise DirectoryError on the first problem."""
    text = _read_text(path)
    yaml_file = path.suffix.lower() in (".yaml", ".yml")
    rows = _yaml_rows(text, path.name) if yaml_file else _csv_rows(text, path.name)
    records, seen = [], {}
    for row in rows:
        record = _record(row)
        if record.code in seen:
            raise row.error(_("mã \"{code}\" trùng với dòng {first}"), code=record.code, first=seen[record.code])
        seen[record.code] = row.line
        records.append(record)
    if not records:
        raise DirectoryError(_("Tệp {name} không có đơn vị nào").format(name=path.name))
    return records


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DirectoryError(_("Không tìm thấy tệp {name}").format(name=path.name)) from None
    except OSError as exc:
        raise DirectoryError(_("Không đọc được tệp {name}: {reason}").format(
            name=path.name, reason=exc.strerror or exc)) from None
    try:
        return data.decode("utf-8-sig")  # Excel writes a BOM
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise DirectoryError(_("Tệp {name} không phải văn bản UTF-8 (lỗi ở dòng {line}); "
                               "hãy lưu lại với bảng mã UTF-8").format(name=path.name, line=line)) from None


def _csv_rows(text: str, name: str) -> list[_Row]:
    reader = csv.reader(io.StringIO(text))
    header = next((row for row in reader if any(c.strip() for c in row)), None)
    if header is None:
        return []
    columns = _columns(header, name, reader.line_num)
    rows = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(columns):
            raise _error_at(name, reader.line_num, _("nhiều ô hơn dòng tiêu đề (tên có dấu phẩy thì đặt trong "
                                                    "ngoặc kép)"))
        rows.append(_Row(name, reader.line_num, dict(zip(columns, row))))
    return rows


def _columns(titles: list[str], name: str, line: int) -> list[str]:
    columns = []
    for title in titles:
        folded = normalize(title).replace(" ", "_")
        column = folded if folded in COLUMNS else COLUMN_WORDS.get(normalize(title))
        if column is None:
            raise _error_at(name, line, _("cột lạ \"{column}\"; các cột là: {columns}"), column=title.strip(),
                            columns=", ".join(COLUMNS))
        if column in columns:
            raise _error_at(name, line, _("cột {column} có hai lần"), column=column)
        columns.append(column)
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise _error_at(name, line, _("dòng tiêu đề thiếu cột {missing}; cần đủ: {columns}"),
                        missing=", ".join(missing), columns=",".join(COLUMNS))
    return columns


def _yaml_rows(text: str, name: str) -> list[_Row]:
    try:  # BaseLoader keeps every value a string: no "NO" → False, no 012 → 10
        data = yaml.load(text, Loader=yaml.BaseLoader)
        root = yaml.compose(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DirectoryError(_("Tệp YAML {name} bị lỗi cú pháp ở dòng {line}: {problem}").format(
            name=name, line=mark.line + 1 if mark else "?", problem=getattr(exc, "problem", exc))) from None
    if data is None or data == "":
        return []
    if not isinstance(data, list):
        raise DirectoryError(_("Tệp YAML {name} phải là một danh sách đơn vị, mỗi mục có code, name, kind…")
                             .format(name=name))
    rows = []
    for item, node in zip(data, root.value):
        line = node.start_mark.line + 1
        if not isinstance(item, dict):
            raise _error_at(name, line, _("mỗi đơn vị phải là một bảng khóa: giá trị (code, name, kind…)"))
        unknown = [k for k in item if k not in COLUMNS]
        if unknown:
            raise _error_at(name, line, _("khóa lạ \"{column}\"; các khóa là: {columns}"), column=unknown[0],
                            columns=", ".join(COLUMNS))
        rows.append(_Row(name, line, item))
    return rows


def _record(row: _Row) -> UnitRecord:
    code, title, parent = row.text("code").upper(), row.text("name"), row.text("parent").upper()
    if not code:
        raise row.error(_("thiếu mã đơn vị (cột code)"))
    if not _UNIT_CODE.match(code):
        raise row.error(_("mã \"{code}\" chỉ được gồm chữ cái không dấu, chữ số, \"-\", \"_\", \".\""), code=code)
    if not title:
        raise row.error(_("thiếu tên đơn vị (cột name)"))
    kind = KIND_WORDS.get(normalize(row.text("kind")))
    if kind is None:
        raise row.error(_("loại đơn vị \"{kind}\" không hợp lệ; dùng một trong: {kinds}"), kind=row.text("kind"),
                        kinds=", ".join(UnitKind.ALL))
    if parent == code:
        raise row.error(_("đơn vị \"{code}\" không thể là đơn vị cha của chính nó"), code=code)
    groups = [g.lower() for g in row.items("groups")]
    bad = next((g for g in groups if not _GROUP_CODE.match(g)), None)
    if bad:
        raise row.error(_("mã nhóm \"{group}\" chỉ được gồm chữ thường không dấu, chữ số, \"_\", \"-\""), group=bad)
    return UnitRecord(code=code, name=title, kind=kind, parent=parent, aliases=row.items("aliases"),
                      groups=list(dict.fromkeys(groups)), line=row.line)


def load_directory(session: Session, *, path: Path) -> LoadReport:
    """Upsert the file's units (by code), their parents and group memberships; the caller commits."""
    records = read_directory(path)
    existing = {u.code: u for u in session.exec(select(Unit)).all()}
    _check_parents(records, existing, path.name)
    groups = _ensure_groups(session, records)
    before = _snapshots(session, existing)
    units = dict(existing)
    report = LoadReport(groups=list(groups))
    for record in records:
        unit = units.get(record.code)
        if unit is None:
            unit = units[record.code] = Unit(code=record.code, name=record.name)
            report.created.append(record.code)
        elif before[record.code] == _snapshot_of(record):
            report.unchanged.append(record.code)
        else:
            report.updated.append(record.code)
        unit.name, unit.kind, unit.aliases, unit.active = record.name, record.kind, record.aliases, True
        session.add(unit)
    session.flush()  # new units need ids before parents and memberships can point at them
    for record in records:
        units[record.code].parent_id = units[record.parent].id if record.parent else None
    _replace_memberships(session, records, units, groups)
    session.flush()
    return report


def _check_parents(records: list[UnitRecord], existing: dict[str, Unit], name: str) -> None:
    # Checked before any write, so a bad file leaves nothing half-loaded even if a caller forgets to roll back.
    codes = {u.id: code for code, u in existing.items()}
    parents = {code: codes.get(u.parent_id, "") for code, u in existing.items()}
    parents.update({r.code: r.parent for r in records})
    for record in records:
        if record.parent and record.parent not in parents:
            raise _error_at(name, record.line, _("không có đơn vị cha mã \"{parent}\" trong tệp hay trong danh bạ"),
                            parent=record.parent)
    for record in records:
        seen, code = {record.code}, record.parent
        while code and code not in seen:
            seen.add(code)
            code = parents.get(code, "")
        if code == record.code:
            raise _error_at(name, record.line, _("đơn vị cha của \"{code}\" quay vòng về chính nó"), code=record.code)


def _ensure_groups(session: Session, records: list[UnitRecord]) -> dict[str, UnitGroup]:
    codes = list(dict.fromkeys(g for r in records for g in r.groups))
    stored = {g.code: g for g in session.exec(select(UnitGroup)).all()}
    for code in codes:
        if code not in stored:
            title, phrases = GROUPS.get(code, (code, ()))
            stored[code] = UnitGroup(code=code, name=title, phrases=list(phrases))
            session.add(stored[code])
    session.flush()
    return {code: stored[code] for code in codes}


def _snapshots(session: Session, units: dict[str, Unit]) -> dict[str, tuple]:
    """Each stored unit in the shape of a file record, to tell "updated" from "unchanged"."""
    by_id = {u.id: u for u in units.values()}
    groups = _groups_by_unit(session)
    return {u.code: (u.name, u.kind, by_id[u.parent_id].code if u.parent_id in by_id else "", tuple(u.aliases),
                     tuple(sorted(groups.get(u.id, []))), u.active) for u in units.values()}


def _snapshot_of(record: UnitRecord) -> tuple:
    return (record.name, record.kind, record.parent, tuple(record.aliases), tuple(sorted(record.groups)), True)


def _replace_memberships(session: Session, records: list[UnitRecord], units: dict[str, Unit],
                         groups: dict[str, UnitGroup]) -> None:
    """The file says which groups each of its units is in; units not in the file keep theirs."""
    ids = [units[r.code].id for r in records]
    wanted = {(groups[g].id, units[r.code].id) for r in records for g in r.groups}
    stored = session.exec(select(UnitGroupMember).where(UnitGroupMember.unit_id.in_(ids))).all()
    for member in stored:
        if (member.group_id, member.unit_id) not in wanted:
            session.delete(member)
    have = {(m.group_id, m.unit_id) for m in stored}
    for group_id, unit_id in sorted(wanted - have):
        session.add(UnitGroupMember(group_id=group_id, unit_id=unit_id))


def _groups_by_unit(session: Session) -> dict[int, list[str]]:
    rows = session.exec(select(UnitGroupMember.unit_id, UnitGroup.code)
                        .join(UnitGroup, UnitGroup.id == UnitGroupMember.group_id)
                        .order_by(UnitGroup.id)).all()
    groups: dict[int, list[str]] = {}
    for unit_id, code in rows:
        groups.setdefault(unit_id, []).append(code)
    return groups


def list_units(session: Session) -> list[Unit]:
    """All units, phòng first, then đơn vị, trường, xã-phường, in the order they were loaded."""
    units = session.exec(select(Unit).order_by(Unit.id)).all()
    return sorted(units, key=lambda u: UnitKind.ALL.index(u.kind) if u.kind in UnitKind.ALL else len(UnitKind.ALL))


def describe_units(session: Session) -> list[dict]:
    """The directory as plain rows: code, name, kind, parent (code or None), aliases, groups."""
    units = list_units(session)
    codes = {u.id: u.code for u in units}
    groups = _groups_by_unit(session)
    return [{"code": u.code, "name": u.name, "kind": u.kind, "parent": codes.get(u.parent_id),
             "aliases": list(u.aliases), "groups": groups.get(u.id, [])} for u in units]


def kind_label(kind: str) -> str:
    """The kind as the reader says it ("Phòng", "Trường"…)."""
    return _(KIND_LABELS.get(kind, KIND_LABELS[UnitKind.KHAC]))
