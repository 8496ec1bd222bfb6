"""Read a PDF plan (exported from Word or Excel, or a scan when OCR is installed) into tables and paragraphs."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from i18n import _
from plans.read_common import ImportFileError, RowBudget
from plans.read_limits import MAX_FILE_BYTES, check_file_size, too_big

_WALL_SECONDS = 240  # the child's CPU limit stops a hostile file sooner; this only guards a stuck child
_REPO = Path(__file__).resolve().parents[1]


def ocr_available() -> bool:
    """Tesseract with its Vietnamese data and pytesseract are installed (the optional OCR extra), and
    NHACVIEC_OCR is not "off"."""
    if os.environ.get("NHACVIEC_OCR", "").lower() in ("off", "0", "false", "no"):
        return False
    try:
        import pytesseract  # noqa: F401
    except ImportError:
        return False
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        return False
    found = subprocess.run([tesseract, "--list-langs"], capture_output=True, text=True, timeout=30)
    return "vie" in found.stdout.split()


def read_pdf(path: Path, budget: RowBudget) -> tuple[list[list[list[str]]], list[str]]:
    """Tables and paragraphs of a PDF's text layer, read in a child process with bounded memory and time."""
    check_file_size(path, MAX_FILE_BYTES)
    with path.open("rb") as fh:
        if b"%PDF-" not in fh.read(1024):
            raise _broken(path)
    result = _run_worker(path, ocr=False)
    if result.get("error") == "scanned":
        if not ocr_available():
            raise ImportFileError(_(
                "Tệp {name} là bản quét (ảnh chụp), không có lớp chữ nên Hệ thống không đọc được. Hãy gửi tệp "
                "Word/Excel gốc hoặc bản PDF xuất từ Word/Excel; hoặc nhờ quản trị cài phần nhận dạng chữ (OCR)."
            ).format(name=path.name))
        result = _run_worker(path, ocr=True)
    elif result.get("image_pages"):   # scanned pages among text pages: read them too, or say they were not
        if ocr_available():
            result = _run_worker(path, ocr=True)
        else:
            budget.warnings.append(_(
                "Trang {pages} của tệp {name} là ảnh quét, Hệ thống không đọc được: các nhiệm vụ trên trang này "
                "chưa có trong danh sách. Hãy gửi bản Word/Excel gốc, hoặc nhờ quản trị cài phần nhận dạng chữ "
                "(OCR).").format(pages=", ".join(map(str, result["image_pages"])), name=path.name))
    if result.get("error") == "too_big":
        raise too_big(path.name)
    if "error" in result:
        raise _broken(path)
    budget.scanned = bool(result["scanned"])
    for table in result["tables"]:
        for _row in table:
            budget.take()
    return result["tables"], result["paragraphs"]


def _run_worker(path: Path, *, ocr: bool) -> dict:
    # The child runs in the program's folder: give it the file's full path, not the one typed.
    command = [sys.executable, "-m", "plans.pdf_worker", str(path.resolve())] + (["--ocr"] if ocr else [])
    try:
        done = subprocess.run(command, capture_output=True, timeout=_WALL_SECONDS, cwd=_REPO)
    except subprocess.TimeoutExpired:
        return {"error": "too_big"}
    if done.returncode != 0:  # killed at its CPU or memory limit
        return {"error": "too_big"}
    try:
        return json.loads(done.stdout)
    except ValueError:
        return {"error": "too_big"}


def _broken(path: Path) -> ImportFileError:
    return ImportFileError(_("Tệp {name} bị hỏng hoặc không phải tệp PDF hợp lệ.").format(name=path.name))
