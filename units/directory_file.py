"""Reading a unit directory file (CSV or YAML) into checked records, with line-numbered Vietnamese errors."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from i18n import _
from storage.models import UnitKind
from units.levels import parse_levels
from units.normalize import normalize

COLUMNS = ("code", "name", "kind", "parent", "aliases", "groups")
OPTIONAL = ("level",)  # school level: mn, th, thcs, thpt, gdtx (several with ";"); else read from the name
# Column titles a spreadsheet may use instead, folded by normalize().
COLUMN_WORDS = {"ma": "code", "ma don vi": "code", "ten": "name", "ten don vi": "name", "loai": "kind",
                "loai don vi": "kind", "don vi cha": "parent", "cap tren": "parent", "ten goi khac": "aliases",
                "ten khac": "aliases", "viet tat": "aliases", "nhom": "groups", "cap hoc": "level",
                "bac hoc": "level", "cap": "level"}
KIND_WORDS = {
    "phong": UnitKind.PHONG, "phong thuoc so": UnitKind.PHONG,
    "don vi": UnitKind.DON_VI, "don vi truc thuoc": UnitKind.DON_VI, "don vi thuoc so": UnitKind.DON_VI,
    "don vi su nghiep": UnitKind.DON_VI, "truong": UnitKind.TRUONG, "truong hoc": UnitKind.TRUONG,
    "co so giao duc": UnitKind.TRUONG, "xa phuong": UnitKind.XA_PHUONG, "xa": UnitKind.XA_PHUONG,
    "phuong": UnitKind.XA_PHUONG, "ubnd xa phuong": UnitKind.XA_PHUONG, "khac": UnitKind.KHAC,
}

MAX_FILE_BYTES = 4 * 1024 * 1024  # tens of thousands of units; /dev/zero must not be read to the end
MAX_UNITS = 20_000
MAX_VALUE_CHARS = 1_000
# NUL, ESC, other controls and bidi overrides: invisible in a name, they break reports and PostgreSQL.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

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
    levels: list[str] | None = None   # None: not given in the file


@dataclass
class _Row:
    """One entry of the file and where it stands, for error messages."""

    file: str
    line: int
    values: dict

    def error(self, problem: str, **values) -> DirectoryError:
        return error_at(self.file, self.line, problem, **values)

    def text(self, key: str, value=None) -> str:
        value = self.values.get(key) if value is None else value
        if isinstance(value, (list, dict)):
            raise self.error(_("giá trị của \"{key}\" phải là chữ, không phải danh sách"), key=key)
        value = value or ""
        if len(value) > MAX_VALUE_CHARS:
            raise self.error(_("giá trị của \"{key}\" dài hơn {limit} ký tự"), key=key, limit=MAX_VALUE_CHARS)
        if _CONTROL.search(value):
            raise self.error(_("giá trị của \"{key}\" có ký tự điều khiển (ký tự ẩn không in được); "
                               "hãy gõ lại giá trị này"), key=key)
        return " ".join(value.split())

    def items(self, key: str) -> list[str]:
        """Aliases or groups: a YAML list, or one text with ";" between items."""
        value = self.values.get(key)
        raw = value if isinstance(value, list) else self.text(key).split(";")
        return list(dict.fromkeys(item for item in (self.text(key, v) for v in raw) if item))


def error_at(file: str, line: int, problem: str, **values) -> DirectoryError:
    """An error naming the file and line; `problem` is already translated and may hold {placeholders}."""
    return DirectoryError(_("{name}, dòng {line}: {problem}").format(
        name=file, line=line, problem=problem.format(**values)))


def read_directory(path: Path) -> list[UnitRecord]:
    """Parse and check a CSV or YAML directory file; raise DirectoryError on the first problem."""
    text = _read_text(path)
    yaml_file = path.suffix.lower() in (".yaml", ".yml")
    rows = _yaml_rows(text, path.name) if yaml_file else _csv_rows(text, path.name)
    if len(rows) > MAX_UNITS:
        raise DirectoryError(_("Tệp {name} có hơn {limit} đơn vị, vượt giới hạn cho phép").format(
            name=path.name, limit=MAX_UNITS))
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
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise DirectoryError(_("Không tìm thấy tệp {name}").format(name=path.name)) from None
    except OSError as exc:
        raise DirectoryError(_("Không đọc được tệp {name}: {reason}").format(
            name=path.name, reason=exc.strerror or exc)) from None
    if len(data) > MAX_FILE_BYTES:
        raise DirectoryError(_("Tệp {name} lớn hơn {limit} MB, không phải một danh bạ đơn vị").format(
            name=path.name, limit=MAX_FILE_BYTES // (1024 * 1024)))
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
            raise error_at(name, reader.line_num, _("nhiều ô hơn dòng tiêu đề (tên có dấu phẩy thì đặt trong "
                                                    "ngoặc kép)"))
        rows.append(_Row(name, reader.line_num, dict(zip(columns, row))))
    return rows


def _columns(titles: list[str], name: str, line: int) -> list[str]:
    columns = []
    for title in titles:
        folded = normalize(title).replace(" ", "_")
        column = folded if folded in COLUMNS + OPTIONAL else COLUMN_WORDS.get(normalize(title))
        if column is None:
            raise error_at(name, line, _("cột lạ \"{column}\"; các cột là: {columns}"), column=title.strip(),
                            columns=", ".join(COLUMNS))
        if column in columns:
            raise error_at(name, line, _("cột {column} có hai lần"), column=column)
        columns.append(column)
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise error_at(name, line, _("dòng tiêu đề thiếu cột {missing}; cần đủ: {columns}"),
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
            raise error_at(name, line, _("mỗi đơn vị phải là một bảng khóa: giá trị (code, name, kind…)"))
        unknown = [k for k in item if k not in COLUMNS + OPTIONAL]
        if unknown:
            raise error_at(name, line, _("khóa lạ \"{column}\"; các khóa là: {columns}"), column=unknown[0],
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
    levels = None
    if row.text("level"):
        levels = parse_levels(row.text("level"))
        if levels is None:
            raise row.error(_("cấp học \"{level}\" không hợp lệ; dùng: mn, th, thcs, thpt, gdtx"), level=row.text("level"))
    return UnitRecord(code=code, name=title, kind=kind, parent=parent, aliases=row.items("aliases"),
                      groups=list(dict.fromkeys(groups)), line=row.line, levels=levels)
