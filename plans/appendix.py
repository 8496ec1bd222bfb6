"""Find the task appendix ("Phụ lục") among a document's tables and read its rows as tasks."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from i18n import _
from plans.readers import Document, ImportFileError
from plans.read_common import collapse, fold, tidy_lines
from services.clean_text import clip

ROLES = ("number", "title", "product", "lead", "partners", "deadline", "start")
_DEADLINE_WORDS = ("hoan thanh", "ket thuc", "han chot", "thoi han")
_NUMBER_WORDS = {"stt", "tt", "so tt", "so thu tu", "thu tu", "s tt"}
_ROMAN = r"(?=[IVXLC])C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
_SECTION_NUMBER = re.compile(rf"^(?:{_ROMAN}|[A-Z])$")
_SECTION_PREFIX = re.compile(rf"^(?:Phần\s+|PHẦN\s+)?(?:{_ROMAN}|[A-Z]|\d{{1,2}})\s*[.):\-–]\s*(.+)$")
_NUMBERING_CELL = re.compile(r"^\(?(?:\d{1,2}|[A-Za-z])\)?\.?$")
_GROUP_NUMBER = re.compile(r"^\d+$")
# A signature block or "Nơi nhận" under the table (common in spreadsheets) ends the appendix.
_END_WORDS = ("noi nhan", "giam doc", "pho giam doc", "kt. ", "kt ", "tm. ", "truong phong", "hieu truong",
              "nguoi lap")


@dataclass
class AppendixRow:
    """One task row of the appendix, as written."""

    number: str
    section: str
    title: str
    product: str
    lead_text: str
    partners_text: str
    deadline_text: str
    title_raw: str = ""
    product_raw: str = ""
    start_text: str = ""


@dataclass
class Appendix:
    """The appendix tasks in order, and what looked odd while reading them."""

    rows: list[AppendixRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def column_role(header_cell: str) -> str | None:
    """Which task field a header cell names, whatever its wording and accents."""
    text = fold(header_cell).strip(" :.*()")
    if not text:
        return None
    if text in _NUMBER_WORDS:
        return "number"
    if "bat dau" in text:  # "Thời gian bắt đầu" beside "Thời gian hoàn thành": the start, not the deadline
        return "start"
    product = "san pham" in text or text.startswith("ket qua")
    if text == "han" or (any(word in text for word in _DEADLINE_WORDS) and not product):
        return "deadline"
    if "thoi gian" in text or "thoi han" in text or "han hoan thanh" in text or "tien do" in text:
        return "deadline"
    if "chu tri" in text or (("don vi" in text or "co quan" in text) and "thuc hien" in text):
        return "lead"
    if "phoi hop" in text:
        return "partners"
    if "san pham" in text or text.startswith("ket qua"):
        return "product"
    if "nhiem vu" in text or "noi dung" in text or "cong viec" in text:
        return "title"
    return None


def header_roles(row: list[str]) -> dict[str, int] | None:
    """Column index of each field if `row` is an appendix header (a task column and two more), else None."""
    return _as_header(_named_roles(row))


def subheader_roles(row: list[str]) -> dict[str, int] | None:
    """Column index of each field a second header row names ("Chủ trì", "Phối hợp"), else None."""
    return _as_subheader(_named_roles(row))


def _named_roles(row: list[str]) -> dict[int, str | None]:
    return {index: column_role(cell) for index, cell in enumerate(row) if cell.strip()}


def _as_header(named: dict[int, str | None]) -> dict[str, int] | None:
    roles: dict[str, int] = {}
    for index, role in named.items():
        if role and role not in roles:
            roles[role] = index
    if "title" in roles and len(roles.keys() & {"product", "lead", "partners", "deadline"}) >= 2:
        return roles
    return None


def _as_subheader(named: dict[int, str | None]) -> dict[str, int] | None:
    if len(named) < 2 or None in named.values() or {"number", "title"} & set(named.values()):
        return None
    return {role: index for index, role in named.items()}


def _repeats_header(row: list[str]) -> bool:
    """The header (either of its rows) printed again on a new page; each cell read once."""
    named = _named_roles(row)
    return bool(_as_header(named) or _as_subheader(named))


class NoAppendixError(ImportFileError):
    """The document has no appendix table at all (its body may still set dated obligations)."""

    parsed = None  # the ParsedPlan with the body's suggestions, set by plans.service.import_plan


def find_appendix(doc: Document) -> Appendix:
    """The tasks of every table headed like an appendix; ImportFileError if there is none."""
    bodies: list[tuple[dict[str, int], list[list[str]]]] = []
    lacks_deadline = False
    for table in doc.tables:
        for index, row in enumerate(table):
            roles = header_roles(row)
            if roles is None:
                continue
            body = table[index + 1:]
            # "Đơn vị thực hiện" over "Chủ trì" | "Phối hợp": the second header row names the columns (and repeats
            # the first row's titles when "TT", "Nội dung"… are merged down over both rows)
            sub = (header_roles(body[0]) or subheader_roles(body[0])) if body else None
            if sub:
                roles, body = {**roles, **sub}, body[1:]
            if "deadline" in roles:
                bodies.append((roles, body))
            else:
                lacks_deadline = True
            break
    if not bodies:
        if lacks_deadline:
            raise ImportFileError(_("Bảng phụ lục thiếu cột Thời gian hoàn thành (thời hạn). "
                                    "Hãy thêm cột này rồi nhập lại."))
        raise NoAppendixError(_("Không tìm thấy bảng phụ lục nhiệm vụ. Bảng cần có dòng tiêu đề gồm các cột "
                                "STT, Nhiệm vụ, Đơn vị chủ trì, Đơn vị phối hợp, Thời gian hoàn thành."))
    reader = _RowReader()
    for roles, body in bodies:
        reader.read(roles, body)
    if not reader.rows:
        raise ImportFileError(_("Bảng phụ lục không có nhiệm vụ nào."))
    return Appendix(rows=reader.rows, warnings=reader.warnings + reader.fix_duplicates())


class _RowReader:
    """Walks the body rows, tracking the current section and the last task for continuation rows."""

    def __init__(self):
        self.rows: list[AppendixRow] = []
        self.keys: list[str] = []  # the roman numeral of each task's section, to tell restarts from mistakes
        self.warnings: list[str] = []
        self.section = ""
        self.section_key = ""
        self.group = ""

    def read(self, roles: dict[str, int], body: list[list[str]]) -> None:
        groups = _group_numbers(body, roles)
        for row in body:
            cells = {role: _cell(row, roles, role) for role in ROLES}
            filled = [cell for cell in row if cell.strip()]
            if not filled or _is_numbering(filled) or _repeats_header(row):
                continue  # empty row, "(1) (2) (3)…" row, or the header (either row) repeated on a new page
            if not cells["number"].strip() and fold(filled[0]).startswith(_END_WORDS):
                break
            if not self._section(row, filled, cells, groups):
                self._task(cells, numbered="number" in roles)

    def _section(self, row: list[str], filled: list[str], cells: dict[str, str], groups: set[str]) -> bool:
        number = _clean_number(cells["number"])
        no_details = not (cells["lead"] or cells["partners"] or cells["deadline"])
        if len(filled) == 1 and row[0].strip() and not _GROUP_NUMBER.match(number):
            key, text = _split_section(collapse(row[0]))  # one cell spanning the row: "I. Công tác …"
        elif _SECTION_NUMBER.match(number) and no_details:
            key, text = number, collapse(" ".join(c for c in row if _clean_number(c) != number))
        elif number in groups and no_details and not cells["product"]:
            self.group = collapse(cells["title"])
            return True
        else:
            return False
        self.section, self.section_key, self.group = text, key, ""
        return True

    def _task(self, cells: dict[str, str], *, numbered: bool) -> None:
        number = _clean_number(cells["number"]) if numbered else str(len(self.rows) + 1)
        title_raw, product_raw = tidy_lines(cells["title"]), tidy_lines(cells["product"])
        lead, partners, deadline = (collapse(cells[k]) for k in ("lead", "partners", "deadline"))
        last = self.rows[-1] if self.rows else None
        if last is not None and number == last.number and collapse(title_raw) in ("", last.title):
            # STT (and title) merged down over two rows: one task with two product lines, not "1" and "1 (2)"
            _merge_into(last, product_raw, lead, partners, deadline)
            return
        if not number:
            if last is not None and not (title_raw and (lead or partners or deadline)):
                _extend(last, title_raw, product_raw, lead, partners, deadline)
                self.warnings.append(_("Dòng không có STT (“{text}”) được nối vào nhiệm vụ {number}.").format(
                    text=clip(" ".join(cells.values()), 60), number=last.number))
                return
            number = self._auto_number(last)
            self.warnings.append(_("Dòng không có STT (“{text}”) được coi là nhiệm vụ {number}.").format(
                text=clip(title_raw or " ".join(cells.values()), 60), number=number))
        section = f"{self.section} – {self.group}" if self.section and self.group else self.section or self.group
        self.rows.append(AppendixRow(number=number, section=section, title=collapse(title_raw),
                                     product=collapse(product_raw), lead_text=lead, partners_text=partners,
                                     deadline_text=deadline, title_raw=title_raw, product_raw=product_raw,
                                     start_text=collapse(cells["start"])))
        self.keys.append(self.section_key)

    def _auto_number(self, last: AppendixRow | None) -> str:
        taken = {row.number for row in self.rows}
        base = last.number if last else "0"
        for letter in "abcdefghijklmnopqrstuvwxyz":
            if base + letter not in taken:
                return base + letter
        return f"{base}.{len(self.rows) + 1}"

    def fix_duplicates(self) -> list[str]:
        """Make numbers unique (the database keys tasks by number) and say what was changed."""
        counts = Counter(row.number for row in self.rows)
        if all(n == 1 for n in counts.values()):
            return []
        per_section = Counter(zip(self.keys, (row.number for row in self.rows)))
        if all(self.keys) and all(n == 1 for n in per_section.values()):
            for row, key in zip(self.rows, self.keys):
                row.number = f"{key}.{row.number}"
            return [_("Số thứ tự được đánh lại từ 1 ở mỗi mục nên nhiệm vụ được ghi kèm số mục "
                      "(ví dụ {example}).").format(example=self.rows[0].number)]
        warnings, seen = [], Counter()
        for row in self.rows:
            seen[row.number] += 1
            if seen[row.number] > 1:
                new = f"{row.number} ({seen[row.number]})"
                warnings.append(_("Số thứ tự {number} bị trùng; nhiệm vụ “{title}” được ghi là {new}.").format(
                    number=row.number, title=clip(row.title, 60), new=new))
                row.number = new
        return warnings


def _cell(row: list[str], roles: dict[str, int], role: str) -> str:
    index = roles.get(role)
    return row[index] if index is not None and index < len(row) else ""


def _clean_number(text: str) -> str:
    number = collapse(text).rstrip(".")
    return "" if number in ("-", "+", "*", "•", "–") else number  # a bullet is not a number


def _is_numbering(filled: list[str]) -> bool:
    return len(filled) >= 3 and all(_NUMBERING_CELL.match(collapse(cell)) for cell in filled)


def _split_section(text: str) -> tuple[str, str]:
    match = _SECTION_PREFIX.match(text)
    if not match:
        return "", text
    key = text[:match.start(1)].strip(" .):-–")
    return key.split()[-1] if key else "", match.group(1).strip()


def _group_numbers(body: list[list[str]], roles: dict[str, int]) -> set[str]:
    """Plain numbers that have sub-numbered rows under them ("1" above "1.1"): they head a group."""
    numbers = [_clean_number(_cell(row, roles, "number")) for row in body]
    # Every "n" that some number continues as "n.…": one pass over the numbers, not one per number (10k rows).
    heads = {m[:i] for m in numbers for i, char in enumerate(m) if char == "."}
    return {n for n in numbers if _GROUP_NUMBER.match(n) and n in heads}


def _merge_into(row: AppendixRow, product_raw: str, lead: str, partners: str, deadline: str) -> None:
    """Add the second row of a merged task: its own product line, and units or deadline it adds."""
    if product_raw and product_raw not in row.product_raw:
        row.product_raw = "\n".join(t for t in (row.product_raw, product_raw) if t)
        row.product = collapse(row.product_raw)
    for name, text in (("lead_text", lead), ("partners_text", partners), ("deadline_text", deadline)):
        current = getattr(row, name)
        if text and text not in current:
            setattr(row, name, "; ".join(t for t in (current, text) if t))


def _extend(row: AppendixRow, title_raw: str, product_raw: str, *texts: str) -> None:
    """Add a continuation row (a cell split over two rows) to the task above it."""
    row.title_raw = "\n".join(t for t in (row.title_raw, title_raw) if t)
    row.product_raw = "\n".join(t for t in (row.product_raw, product_raw) if t)
    row.title, row.product = collapse(row.title_raw), collapse(row.product_raw)
    lead, partners, deadline = texts
    row.lead_text = " ".join(t for t in (row.lead_text, lead) if t)
    row.partners_text = " ".join(t for t in (row.partners_text, partners) if t)
    row.deadline_text = " ".join(t for t in (row.deadline_text, deadline) if t)
