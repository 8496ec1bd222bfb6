"""Deadlines set in the body of a plan, outside the appendix, offered to the officer as extra tasks."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from plans.deadlines import parse_deadline
from plans.read_common import collapse

# "25 tháng cuối của mỗi quý, 6 tháng, năm", "10 hằng tháng": recurring obligations, read by plans.deadlines.
_RECURRING = (r"\d{1,2}\s+(?:của\s+)?tháng\s+cuối(?:\s+của)?(?:\s+mỗi)?\s+(?:quý|kỳ(?:\s+báo\s+cáo)?)"
              r"(?:\s*,\s*(?:6\s+tháng|9\s+tháng|năm))*|\d{1,2}\s+(?:hằng|hàng)\s+(?:tháng|quý)")
_RECURRING_ONLY = re.compile(_RECURRING, re.IGNORECASE)
_DATE = _RECURRING + r"|\d{1,2}\s*[/.-]\s*\d{1,2}(?:\s*[/.-]\s*\d{2,4})?(?![\d/])|\d{1,2}\s+tháng\s+\d{1,2}(?:\s+năm\s+\d{4})?"
_DATE_PHRASE = re.compile(rf"\b(?:trước|chậm nhất|hạn chót|hạn nộp|không muộn hơn)"
                          rf"(?:\s+(?:là|vào|trong))*(?:\s+ngày)?\s+(?:{_DATE})", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+")
_BULLET = re.compile(r"^(?:[-+*•–]\s*)+")
_HEADING = re.compile(r"^((?:(?:[IVX]{1,5}|\d{1,2}|[a-zđ])[.)]\s*)+)(\S.*)$")
_UNIT = re.compile(r"(?:\bSở\b|\bPhòng\b|\bUBND\b|\bỦy ban\b|\bUỷ ban\b|\bđơn vị\b|\b[Cc]ác trường\b|\bTrường\b"
                   r"|\b[Cc]ác phòng\b|\b[Nn]hà trường\b|\bVăn phòng\b|\bThanh tra\b|\bTrung tâm\b|\b[Hh]iệu trưởng\b"
                   r"|\b[Tt]hủ trưởng\b|\bcơ sở giáo dục\b|\b[Bb]ộ phận\b)")
_LEAD_IN = re.compile(r"^(?:Trách nhiệm của|Nhiệm vụ của|Đề nghị|Đối với|Giao|Thời hạn)\s+", re.IGNORECASE)
_VERB = re.compile(r"\s(?:gửi|nộp|xây dựng|hoàn thành|báo cáo|thực hiện|tổ chức|triển khai|có trách nhiệm"
                   r"|chịu trách nhiệm|chủ trì|phối hợp|rà soát|cập nhật|tổng hợp|tham mưu|chủ động|khẩn trương"
                   r"|lập|đăng ký|cung cấp|trình|ban hành)\b")
_UNNUMBERED_LEVEL = 9  # a bare heading such as "Các đơn vị trực thuộc" sits below every numbered one


@dataclass
class Suggestion:
    """A body sentence with an explicit date: who (if said) and by when."""

    sentence: str
    unit_text: str
    due: date | None
    deadline_text: str
    dues: tuple[date, ...] = ()   # every occurrence of a recurring obligation (the first is `due`)
    kind: str = "date"


def suggest_tasks(paragraphs: list[str], year: int, *, reporting: str = "default",
                  day_off_rule: str = "before") -> list[Suggestion]:
    """Sentences that set a dated deadline ("trước ngày 03/4/2026"), with the unit the text names."""
    suggestions: list[Suggestion] = []
    headings: list[tuple[int, str]] = []  # (level, unit named by the heading or "") from the outside in
    for paragraph in _join_wrapped(paragraphs):
        heading = _heading(paragraph)
        if heading is not None:
            level, unit = heading
            headings = [h for h in headings if h[0] < level] + [(level, unit)]
            continue
        for sentence in _SENTENCE_END.split(_without_label(paragraph)):
            phrase = _DATE_PHRASE.search(sentence)
            if phrase is None:
                continue
            unit = _subject(sentence) or next((u for _, u in reversed(headings) if u), "")
            deadline = parse_deadline(phrase.group(0), year, reporting=reporting, day_off_rule=day_off_rule)
            dues = tuple(deadline.dues)
            if not dues and _RECURRING_ONLY.search(phrase.group(0)):
                continue   # a recurring phrase the deadline reader cannot date yet: not offered as a guess
            suggestions.append(Suggestion(sentence=sentence.strip(" ;,"), unit_text=unit,
                                          due=dues[0] if dues else None, deadline_text=phrase.group(0),
                                          dues=dues if len(dues) > 1 else (),
                                          kind=deadline.kind if dues else "unknown"))
    return suggestions


def _without_label(paragraph: str) -> str:
    text = _BULLET.sub("", paragraph)
    numbered = _HEADING.match(text)
    return numbered.group(2) if numbered else text


def _join_wrapped(paragraphs: list[str]) -> list[str]:
    """Re-join lines a PDF-to-text conversion broke mid-sentence (the next line starts in lower case)."""
    joined: list[str] = []
    for text in (collapse(p) for p in paragraphs):
        if not text:
            continue
        if joined and not joined[-1].endswith((".", ";", ":", "!", "?")) and (text[0].islower() or text[0].isdigit()) \
                and not _HEADING.match(text):
            joined[-1] = f"{joined[-1]} {text}"
        else:
            joined.append(text)
    return joined


def _heading(text: str) -> tuple[int, str] | None:
    """(level, unit) if `text` is a heading: short, no closing full stop; numbered, or a bare unit name."""
    if len(text) > 150 or text.endswith((".", ";", ",")) or _BULLET.match(text) or _DATE_PHRASE.search(text):
        return None
    numbered = _HEADING.match(text)
    if numbered:
        return _level(numbered.group(1)), _unit_name(numbered.group(2))
    if len(text) <= 80 and _UNIT.search(text):
        return _UNNUMBERED_LEVEL, _unit_name(text)
    return None


def _level(label: str) -> int:
    first = label.split(".")[0].split(")")[0].strip()
    if re.fullmatch(r"[IVX]+", first):
        return 1
    if first.isdigit():
        return 1 + label.count(".")
    return 5  # "a)", "b)"


def _unit_name(text: str) -> str:
    text = _LEAD_IN.sub("", text.strip(" :"))
    verb = _VERB.search(text)
    if verb:
        text = text[:verb.start()]
    return text.strip(" ,;:") if _UNIT.search(text) else ""


def _subject(sentence: str) -> str:
    """The unit a sentence opens with ("Các trường gửi …" -> "Các trường"), or ""."""
    text = _LEAD_IN.sub("", sentence.strip())
    verb = _VERB.search(text)
    if verb is None or verb.start() > 100:
        return ""
    subject = text[:verb.start()].strip(" ,;:")
    return subject if _UNIT.match(subject) or _UNIT.match(subject.removeprefix("Các ")) else ""
