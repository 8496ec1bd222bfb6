"""Bounds on what a plan file may ask of a reader, checked before anything big is built.

A plan appendix is a few hundred rows of six columns; every limit here is far above that, and far below what
would take minutes or hundreds of megabytes. A file past a limit is refused with a message, never cut short.
"""
from __future__ import annotations

import re
import zipfile
from collections import Counter
from pathlib import Path

from i18n import _
from plans.read_common import ImportFileError

MAX_FILE_BYTES = 40 * 1024 * 1024  # a Word/Excel/PDF file as received
MAX_TEXT_BYTES = 8 * 1024 * 1024  # a CSV, Markdown or text file
MAX_PART_BYTES = 16 * 1024 * 1024  # one XML part of a Word/Excel package, decompressed
MAX_PACKAGE_BYTES = 64 * 1024 * 1024  # every part of the package, decompressed
MAX_PARTS = 2_000
MAX_ELEMENTS = 600_000  # XML elements in one part (the parsed tree costs ~150 bytes each)
MAX_COLUMNS = 100  # Word tables stop at 63 columns; an appendix has six
MAX_CELLS = 200_000
MAX_MERGES = 10_000
MAX_CELL_CHARS = 20_000  # one cell or paragraph: several pages of text
MAX_PARAGRAPHS = 20_000
_CHUNK = 1 << 20
_OVERLAP = 32


def too_big(name: str) -> ImportFileError:
    """The one message for every size or count limit: what happened and what to do."""
    return ImportFileError(_("Tệp {name} quá lớn hoặc có cấu trúc bất thường (vượt giới hạn an toàn khi đọc), "
                             "nên không được nhập. Hãy kiểm tra lại tệp, hoặc lưu lại bảng phụ lục thành tệp "
                             "mới rồi gửi lại.").format(name=name))


def cell_too_long(name: str) -> ImportFileError:
    """A cell or paragraph longer than MAX_CELL_CHARS."""
    return ImportFileError(_("Tệp {name} có một ô hoặc đoạn văn dài hơn {limit} ký tự, vượt giới hạn cho phép. "
                             "Hãy kiểm tra lại tệp rồi gửi lại.").format(name=name, limit=f"{MAX_CELL_CHARS:,}"
                                                                          .replace(",", ".")))


def check_file_size(path: Path, limit: int) -> None:
    """Refuse a file larger than `limit` bytes (or not a regular file) before reading it."""
    if path.stat().st_size > limit:
        raise too_big(path.name)


def read_text_bounded(path: Path, encoding: str) -> str:
    """The whole text of a small text file; refuse more than MAX_TEXT_BYTES (even from a device)."""
    with path.open("rb") as fh:
        data = fh.read(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        raise too_big(path.name)
    return data.decode(encoding)


def check_package(path: Path, pattern: str, tags: tuple[bytes, ...], stop: dict[bytes, int]) -> Counter:
    """Check a Word/Excel ZIP package's sizes and count `tags` in the parts named like `pattern`.

    Nothing is parsed: the parts are streamed. Counting stops once a count passes its `stop` value, or a part
    passes MAX_PART_BYTES (then counts["oversized"] is 1), so the caller can say which limit was hit.
    Returns the counts summed over the parts, with "*" for all elements.
    """
    check_file_size(path, MAX_FILE_BYTES)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return Counter()  # the reader itself says the file is broken
    counts: Counter = Counter()
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_PARTS or sum(min(i.file_size, MAX_PACKAGE_BYTES) for i in infos) > MAX_PACKAGE_BYTES:
            raise too_big(path.name)
        counted = [i for i in infos if re.fullmatch(pattern, i.filename)]
        if any(i.file_size > MAX_PART_BYTES for i in infos if i not in counted):
            raise too_big(path.name)
        wanted = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(" + b"|".join(map(re.escape, tags)) + rb")[\s/>]")
        for info in counted:
            _count_tags(archive, info, wanted, counts, stop)
            if counts["oversized"] or any(counts[tag] > limit for tag, limit in stop.items()):
                break
    if counts["*"] > MAX_ELEMENTS:
        counts["oversized"] = 1
    return counts


def _count_tags(archive: zipfile.ZipFile, info: zipfile.ZipInfo, wanted: re.Pattern, counts: Counter,
                stop: dict[bytes, int]) -> None:
    """Stream one part, adding its elements and wanted tags (any namespace prefix) to `counts`."""
    tail, size = b"", 0
    try:
        with archive.open(info) as fh:
            while True:
                chunk = fh.read(_CHUNK)
                size += len(chunk)
                data = tail + chunk
                edge = max(len(data) - _OVERLAP, 0) if chunk else len(data)
                counts["*"] += data.count(b"<", 0, edge) - data.count(b"</", 0, edge)
                for match in wanted.finditer(data):
                    if match.start() < edge:
                        counts[match.group(1)] += 1
                if not chunk:
                    return
                tail = data[edge:]
                if size > MAX_PART_BYTES or counts["*"] > MAX_ELEMENTS:
                    counts["oversized"] = 1
                    return
                if any(counts[tag] > limit for tag, limit in stop.items()):
                    return
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError, NotImplementedError):
        return  # a broken or encrypted part: the reader reports it
