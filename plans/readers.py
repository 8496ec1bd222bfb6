"""Open a plan file of any supported kind and return its text as a Document."""
from __future__ import annotations

from pathlib import Path

import msoffcrypto

from i18n import _
from plans.read_common import Document, ImportFileError, RowBudget, strip_controls
from plans.read_csv import read_csv
from plans.read_docx import read_docx
from plans.read_limits import MAX_CELL_CHARS, MAX_PARAGRAPHS, cell_too_long, too_big
from plans.read_markdown import read_markdown
from plans.read_meta import guess_issuer, guess_title, issue_date
from plans.read_pdf import read_pdf
from plans.read_xlsx import read_xlsx

__all__ = ["Document", "ImportFileError", "read_document", "SUPPORTED_SUFFIXES"]

_READERS = {".docx": read_docx, ".xlsx": read_xlsx, ".xlsm": read_xlsx, ".csv": read_csv,
            ".md": read_markdown, ".markdown": read_markdown, ".txt": read_markdown, ".pdf": read_pdf}
SUPPORTED_SUFFIXES = tuple(_READERS)
_OFFICE = {".docx": "Word (.docx)", ".xlsx": "Excel (.xlsx)", ".xlsm": "Excel (.xlsx)"}
_OLD_OFFICE = (".doc", ".xls")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


def read_document(path: Path, *, max_rows: int = 5000) -> Document:
    """Read a plan (.docx, .xlsx, .pdf, .csv, .md, .txt); raise ImportFileError with a message for the user."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(_("Không tìm thấy tệp {name}.").format(name=path.name))
    suffix = path.suffix.lower()
    if suffix in _OLD_OFFICE:
        raise ImportFileError(_old_format_message(path))
    reader = _READERS.get(suffix)
    if reader is None:
        raise ImportFileError(_("Không hỗ trợ tệp {name}. Hãy gửi tệp Word (.docx), Excel (.xlsx), PDF (.pdf), "
                                "CSV (.csv) hoặc văn bản (.md, .txt).").format(name=path.name))
    if suffix in _OFFICE:
        _check_office_container(path, _OFFICE[suffix])
    budget = RowBudget(max_rows, path.name)
    tables, paragraphs = reader(path, budget)
    removed = _clean(tables, paragraphs, path.name)
    lines = paragraphs or _leading_single_cells(tables)
    title = guess_title(lines)
    warnings = budget.warnings + ([_("Đã bỏ {n} ký tự điều khiển (ký tự ẩn không in được) trong tệp {name}.").format(
        n=removed, name=path.name)] if removed else [])
    return Document(tables=tables, paragraphs=paragraphs, title=title, issuer=guess_issuer(lines, title),
                    warnings=warnings, scanned=budget.scanned, issued_on=issue_date(lines))


def _clean(tables: list[list[list[str]]], paragraphs: list[str], name: str) -> int:
    """Strip control characters in place; refuse oversized cells and paragraphs. Returns how many were removed."""
    if len(paragraphs) > MAX_PARAGRAPHS:
        raise too_big(name)
    removed = 0
    for texts in (paragraphs, *(row for table in tables for row in table)):
        for index, text in enumerate(texts):
            if len(text) > MAX_CELL_CHARS:
                raise cell_too_long(name)
            texts[index], count = strip_controls(text)
            removed += count
    paragraphs[:] = [p for p in paragraphs if p.strip()]
    return removed


def _check_office_container(path: Path, kind: str) -> None:
    """Word/Excel files are ZIP packages; an encrypted one is an OLE container instead."""
    with path.open("rb") as fh:
        magic = fh.read(8)
        if magic == _OLE_MAGIC:
            fh.seek(0)
            if _is_encrypted(fh):
                raise ImportFileError(_("Không mở được tệp {name} vì tệp được đặt mật khẩu. "
                                        "Hãy gỡ mật khẩu rồi gửi lại.").format(name=path.name))
            raise ImportFileError(_old_format_message(path))
    if not magic.startswith(_ZIP_MAGIC):
        raise ImportFileError(_("Tệp {name} bị hỏng hoặc không phải tệp {kind} hợp lệ.")
                              .format(name=path.name, kind=kind))


def _is_encrypted(fh) -> bool:
    try:
        return msoffcrypto.OfficeFile(fh).is_encrypted()
    except Exception:  # not an Office container msoffcrypto knows: treat as an old-format file
        return False


def _old_format_message(path: Path) -> str:
    return _("Tệp {name} ở định dạng Word/Excel cũ (.doc/.xls). Hãy mở tệp và lưu lại dưới dạng "
             ".docx hoặc .xlsx rồi gửi lại.").format(name=path.name)


def _leading_single_cells(tables: list[list[list[str]]]) -> list[str]:
    """Spreadsheets have no body text; their title sits in one-cell rows above the table."""
    lines = []
    for table in tables:
        for row in table[:15]:
            texts = [cell for cell in row if cell.strip()]
            if len(texts) == 1:
                lines.extend(texts[0].split("\n"))
    return lines
