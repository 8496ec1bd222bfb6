"""Cell texts shared by the workbook and the document: a task's name, the status then, evidence."""
from __future__ import annotations

import re

from i18n import _
from reports.summary import Row, bucket_label
from services.labels import status_label, task_ref
from storage.models import Task

# "Số 04/KH-SGDĐT", "CV 307/SGDĐT-VP", "5256/QĐ-UBND", "01/2023/QĐ-UBND": the numbers officers quote as proof.
# The symbol after the number (and the year, if any) starts with a letter: "xong ngày 28/3", "03/01/2026" are days.
DOCUMENT_NUMBER = re.compile(r"\b\d{1,5}/(?:\d{4}/)?[A-ZĐƯƠÂÊÔĂ][0-9A-Za-zĐđƯưƠơÂâÊêÔôĂă&\-]*(?:/[0-9A-ZĐ&\-]+)?")


def task_name(task: Task) -> str:
    """'NV 3. Title' for a plan's task, the period's Vietnamese name for a reporting-calendar one."""
    title = " ".join(task.title.split())
    if task.source == "calendar":
        return title
    return _("{ref}. {title}").format(ref=task_ref(task.number, task.source), title=title)


def status_then(row: Row) -> str:
    """The status on the report day."""
    return status_label(row.status)


def verdict(row: Row) -> str:
    """The bucket, in the one vocabulary."""
    return bucket_label(row.bucket)


def document_numbers(*texts: str) -> list[str]:
    """Document numbers quoted in notes or file names, in order, once each; a date ("ngày 03/01/2026") has no
    kind of document in it ("KH", "QĐ-UBND") and is none."""
    found: list[str] = []
    for text in texts:
        for match in DOCUMENT_NUMBER.findall(text or ""):
            if match not in found and any(c.isalpha() for c in match):
                found.append(match)
    return found


def evidence_text(row: Row) -> str:
    """'Số văn bản: 04/KH-SGDĐT; Tệp: bao-cao.pdf' (empty when nothing was sent by the report day)."""
    parts = []
    numbers = document_numbers(row.note, *row.evidence)
    if numbers:
        parts.append(_("Số văn bản: {numbers}").format(numbers=", ".join(numbers)))
    if row.evidence:
        parts.append(_("Tệp: {names}").format(names=", ".join(row.evidence)))
    return "; ".join(parts)
