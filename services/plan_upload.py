"""A plan file received in chat or on the web: kept aside, previewed (what an import would do), then imported.

The preview runs the real import inside a savepoint and rolls it back, so what it says a revision changes
is exactly what confirming does. Confirming imports all-or-nothing, like `nhacviec import`.
"""
from __future__ import annotations

import json
import re
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from i18n import _, fmt_date
from plans.appendix import NoAppendixError, find_appendix
from plans.read_common import fold
from plans.read_meta import stated_year
from plans.readers import SUPPORTED_SUFFIXES, ImportFileError, read_document
from plans.service import ImportReport, ParsedPlan, import_plan
from plans.suggestions import Suggestion
from services.revision_text import revision_lines
from storage.models import Plan, Unit

KEEP_FOR = timedelta(hours=24)
_TOKEN = re.compile(r"^[0-9a-f]{16}$")
CLAIMED = "meta.importing"  # meta.json while one request imports the file
_YEAR = re.compile(r"\bnăm\s+(20\d\d)\b", re.IGNORECASE)
_DEADLINE_YEAR = re.compile(r"(?:/|\bnăm\s+)(20\d\d)\b", re.IGNORECASE)  # "Quý I/2026", "Năm 2026"
_CITES = re.compile(r"\b\d+/[A-ZĐ]{2,}")  # "Theo Kế hoạch 281/KH-UBND ngày 28/10/2022": another document's date
_IN_DATE = re.compile(r"\btháng\s+\d{1,2}\s*$", re.IGNORECASE)  # "… ngày 15 tháng 7 " before "năm 2021"
# A plan arrives as an office document, a spreadsheet, a PDF (when its reader is installed) or a CSV.
PLAN_SUFFIXES = tuple(s for s in SUPPORTED_SUFFIXES if s not in (".md", ".markdown", ".txt"))


class UploadError(Exception):
    """A staged plan that cannot be previewed or imported; the message is translated."""


class PlanNotImportable(UploadError):
    """A plan all the same, that cannot be imported as sent: the officer is told why, it is never evidence."""


class YearUnknown(PlanNotImportable):
    """A plan that does not say which year it is for: its dates cannot be read."""


class BodyOnlyPlan(PlanNotImportable):
    """A plan without appendix whose body sets dated obligations (the Đồ Sơn plan): made from them by the CLI."""


@dataclass
class Staged:
    """A received plan file waiting for the officer's decision."""

    token: str
    path: Path
    uploader: str
    created_at: datetime


@dataclass
class PreviewTask:
    number: str
    title: str
    leads: list[str]
    partners: list[str]
    deadline_text: str
    dues: list[date]
    unresolved: list[str]


@dataclass
class Preview:
    """What importing the staged file would do, in plain values."""

    token: str
    name: str
    title: str
    year: int
    tasks: list[PreviewTask]
    warnings: list[str]
    suggestions: list[Suggestion]
    unresolved: dict[str, list[str]]
    existing_plan_id: int | None = None
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    assignments_created: int = 0
    assignments_cancelled: int = 0
    per_unit: dict[str, int] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)  # a revision, task by task (guessed matches first)
    duplicates: str = ""  # a new plan repeating one already imported (see plans/service.py)

    @property
    def unchanged(self) -> bool:
        return self.existing_plan_id is not None and not (
            self.created or self.updated or self.removed or self.assignments_created or self.assignments_cancelled)


def looks_like_plan(name: str) -> bool:
    """A file name whose kind a plan can come in."""
    return Path(name or "").suffix.lower() in PLAN_SUFFIXES


def stage(folder: Path, *, data: bytes, name: str, uploader: str, now: datetime) -> Staged:
    """Keep the received bytes under their own name in a fresh folder; nothing is read yet."""
    token = secrets.token_hex(8)
    place = Path(folder) / token
    place.mkdir(parents=True)
    path = place / _safe_name(name)
    path.write_bytes(data)
    (place / "meta.json").write_text(json.dumps({"uploader": uploader, "created_at": now.isoformat(),
                                                 "name": path.name}), encoding="utf-8")
    return Staged(token, path, uploader, now)


def staged(folder: Path, token: str, *, uploader: str, now: datetime) -> Staged:
    """The staged file for `token`, if it is this person's and still fresh; else UploadError."""
    place = Path(folder) / token if _TOKEN.match(token or "") else None
    try:
        meta = json.loads((place / "meta.json").read_text(encoding="utf-8")) if place else None
    except FileNotFoundError:  # never staged, or taken meanwhile by an import (claimed) or its end (discarded)
        meta = None
    if meta is None and place is not None and (place / CLAIMED).is_file():
        raise UploadError(_("Kế hoạch từ tệp này đang được nhập (lệnh nhập đã gửi trước đó); Hệ thống chỉ nhập một "
                            "lần."))
    if meta is None:
        raise UploadError(_("Tệp kế hoạch này đã được nhập hoặc đã huỷ. Hãy gửi lại tệp nếu cần."))
    created = datetime.fromisoformat(meta["created_at"])
    if meta["uploader"] != uploader:
        raise UploadError(_("Chỉ người đã gửi tệp mới nhập được kế hoạch này."))
    if now - created > KEEP_FOR:
        discard(folder, token)
        raise UploadError(_("Tệp kế hoạch đã quá 24 giờ chưa được xác nhận. Hãy gửi lại tệp."))
    return Staged(token, place / meta["name"], meta["uploader"], created)


def discard(folder: Path, token: str) -> None:
    """Forget a staged file (after import or when cancelled)."""
    if _TOKEN.match(token or ""):
        shutil.rmtree(Path(folder) / token, ignore_errors=True)


def plan_year(path: Path, today: date, *, max_rows: int = 5000) -> int:
    """The plan's year as its title or opening says ('… năm 2026'), else the one year its deadlines name
    ("Quý I/2026"); YearUnknown when neither does.

    A year inside a date ("ngày 15 tháng 7 năm 2021": the signing date, a resolution cited) or in a "Căn cứ" line
    is not the plan's: "Quý I" read against it would be a wrong deadline stated with confidence.
    """
    document = read_document(path, max_rows=max_rows)
    for line in [document.title, *document.paragraphs[:40]]:
        if re.match(r"\s*căn cứ\b", line or "", re.IGNORECASE):
            continue
        for found in _YEAR.finditer(line or ""):
            if not _IN_DATE.search(line[:found.start()]):
                return int(found.group(1))
    try:
        rows = find_appendix(document).rows
    except ImportFileError:
        return today.year  # no appendix: not read as a plan at all (the preview says so)
    named = {int(y) for row in rows if not _CITES.search(row.deadline_text)
             for y in _DEADLINE_YEAR.findall(row.deadline_text)}
    if len(named) == 1:
        return named.pop()
    raise YearUnknown(_("Tệp {name} không ghi rõ kế hoạch của năm nào (tên kế hoạch không có “năm …”), nên Hệ "
                        "thống không đọc được các thời hạn như “Quý I”, “Tháng 3”. Chưa nhập gì. Hãy sửa tên kế "
                        "hoạch cho có năm (ví dụ “… năm {year}”) rồi gửi lại, hoặc nhập bằng lệnh "
                        "nhacviec import TỆP --year NĂM.").format(name=path.name, year=today.year))


def preview(session: Session, item: Staged, *, today: date, actor: str, max_rows: int = 5000,
            reporting: str = "default", day_off_rule: str = "before") -> Preview:
    """Read the file and run the import in a savepoint that is rolled back: nothing is written."""
    try:
        year = plan_year(item.path, today, max_rows=max_rows)
        nested = session.begin_nested()
        try:
            existing = _existing_ids(session)
            parsed, report = import_plan(session, path=item.path, year=year, actor=actor, max_rows=max_rows,
                                         reporting=reporting, day_off_rule=day_off_rule, confirm=True, today=today)
            result = _preview(item, parsed, report, year, existing, _codes(session))
        finally:
            nested.rollback()
    except NoAppendixError as exc:
        raise _without_appendix(exc, item.path.name) from None
    except (ImportFileError, ValueError) as exc:
        raise UploadError(str(exc)) from None
    if not result.tasks:
        raise UploadError(_("Không tìm thấy bảng nhiệm vụ (phụ lục) trong tệp {name}.").format(name=item.path.name))
    return result


def _without_appendix(exc: NoAppendixError, name: str) -> UploadError:
    """A plan (its title says "Kế hoạch") setting dated obligations in its body only: say which, and how to make
    the plan from them; any other file without appendix is no plan (evidence, as before)."""
    parsed = exc.parsed
    title = parsed.document.title if parsed is not None else ""
    if not (parsed and parsed.suggestions and fold(title).startswith("ke hoach") and stated_year(title)):
        return UploadError(str(exc))  # its dates read against a year it does not state would be guesses
    lines = [_("Tệp {name} là kế hoạch nhưng không có bảng phụ lục nhiệm vụ; chưa nhập gì. Các nghĩa vụ có thời "
               "hạn trong nội dung:").format(name=name)]
    for i, s in enumerate(parsed.suggestions[:5], 1):
        dues = ", ".join(fmt_date(d) for d in (s.dues or ((s.due,) if s.due else ()))) or _("không rõ")
        lines.append(_("  {i}. {sentence} — hạn: {dues}").format(i=i, sentence=s.sentence, dues=dues))
    lines.append(_("Tạo kế hoạch từ các nghĩa vụ đã chọn bằng lệnh: nhacviec import TỆP --year {year} --accept 1. "
                   "Nếu tệp là tài liệu kiểm chứng, hãy gửi lại bằng cách trả lời tin nhắn của nhiệm vụ.").format(
        year=parsed.year))
    return BodyOnlyPlan("\n".join(lines))


def confirm(session: Session, item: Staged, *, today: date, actor: str, folder: Path, max_rows: int = 5000,
            accept: list[int] | None = None, reporting: str = "default",
            day_off_rule: str = "before") -> tuple[ParsedPlan, ImportReport]:
    """Import the staged file (with the accepted body deadlines, numbered from 1), all or nothing; the caller
    commits, and the staged copy is then forgotten.

    The staged file is claimed first (its meta.json renamed, which only one caller can do): a double click, or
    the same preview confirmed in two tabs or on two workers, imports the plan once."""
    place = item.path.parent
    try:
        (place / "meta.json").rename(place / CLAIMED)
    except FileNotFoundError:
        raise UploadError(_("Kế hoạch từ tệp này đang được nhập (lệnh nhập đã gửi trước đó); Hệ thống chỉ nhập "
                            "một lần.")) from None
    try:
        year = plan_year(item.path, today, max_rows=max_rows)
        with session.begin_nested():
            parsed, report = import_plan(session, path=item.path, year=year, actor=actor, max_rows=max_rows,
                                         accept=accept or [], reporting=reporting, day_off_rule=day_off_rule,
                                         confirm=True, today=today)
    except BaseException as exc:
        (place / CLAIMED).rename(place / "meta.json")  # not imported: the officer may correct and confirm again
        if isinstance(exc, (ImportFileError, ValueError)):
            raise UploadError(str(exc)) from None
        raise
    discard(folder, item.token)
    return parsed, report


def preview_apart(engine: Engine, item: Staged, **options) -> Preview:
    """`preview` on a connection of its own, rolled back before it returns.

    For a chat turn that runs the preview in a worker thread: the dry run writes (in a savepoint), and SQLite keeps
    its write lock until the whole transaction ends. Run in the turn's own session, the lock would outlive the
    worker while the event loop runs reminder rounds and other chats, which would then wait on the loop itself."""
    with Session(engine) as session:
        return preview(session, item, **options)


def confirm_apart(engine: Engine, item: Staged, **options) -> tuple[ParsedPlan, ImportReport]:
    """`confirm` and its commit on a connection of its own, in the worker thread that runs it (see `preview_apart`)."""
    with Session(engine) as session:
        result = confirm(session, item, **options)
        session.commit()
        return result


def _preview(item: Staged, parsed: ParsedPlan, report: ImportReport, year: int, existing: set[int],
             codes: dict[int, str]) -> Preview:
    tasks = [PreviewTask(number=t.row.number, title=t.row.title, leads=[codes.get(i, "?") for i in t.lead_ids],
                         partners=[codes.get(i, "?") for i in t.partner_ids], deadline_text=t.row.deadline_text,
                         dues=list(t.deadline.dues), unresolved=list(t.unresolved)) for t in parsed.tasks]
    revision = report.plan_id if report.plan_id in existing else None
    return Preview(token=item.token, name=item.path.name, title=parsed.document.title or item.path.stem, year=year,
                   tasks=tasks, warnings=list(parsed.warnings), suggestions=list(parsed.suggestions),
                   unresolved=dict(report.unresolved), existing_plan_id=revision, created=list(report.created),
                   updated=list(report.updated), removed=list(report.removed),
                   assignments_created=report.assignments_created,
                   assignments_cancelled=report.assignments_cancelled, per_unit=dict(report.per_unit),
                   changes=revision_lines(report.changes, revision)[1:] if revision else [],
                   duplicates=parsed.duplicates)


def _existing_ids(session: Session) -> set[int]:
    return set(session.exec(select(Plan.id)))


def _codes(session: Session) -> dict[int, str]:
    return {u.id: u.code for u in session.exec(select(Unit))}


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^\w.\- ]+", "_", Path(name or "ke-hoach").name, flags=re.UNICODE).strip(" .")
    return cleaned[:120] or "ke-hoach"
