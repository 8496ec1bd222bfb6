"""Import a plan document into the database: all-or-nothing, idempotent, history-keeping."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

from pathlib import Path

from sqlmodel import Session, select

from i18n import N_, _
from plans.appendix import Appendix, AppendixRow, NoAppendixError, find_appendix
from plans.deadlines import Deadline, parse_deadline
from plans.read_common import fold
from plans.read_meta import stated_year
from plans.readers import Document, read_document
from plans.suggestions import Suggestion, suggest_tasks
from plans.revision import GuessedMatch, Revision, review_revision
from plans.sync import SyncReport, TaskSpec, sync_plan_tasks
from services.clean_text import clip
from storage.models import Plan, Task
from units.resolver import UnitResolver


@dataclass
class ParsedTask:
    """One appendix row with its meaning: deadline and resolved units."""

    row: AppendixRow
    deadline: Deadline
    start_on: date | None = None
    lead_ids: list[int] = field(default_factory=list)
    partner_ids: list[int] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    expanded: list[tuple[str, list[str]]] = field(default_factory=list)  # group phrase → unit codes
    from_scan: bool = False  # read through OCR: to be checked by eye before importing

    def to_json(self) -> dict:
        r = self.row
        data = {"number": r.number, "section": r.section, "title": r.title_raw or r.title,
                "product": r.product_raw or r.product, "lead_text": r.lead_text,
                "partners_text": r.partners_text, "deadline_text": r.deadline_text,
                "deadline": {"kind": self.deadline.kind, "dues": [d.isoformat() for d in self.deadline.dues]}}
        if r.start_text:  # only plans with a "Thời gian bắt đầu" column
            data["start"] = {"text": r.start_text, "on": self.start_on.isoformat() if self.start_on else None}
        if self.from_scan:
            data["from_scan"] = True
        return data


@dataclass
class ParsedPlan:
    """Everything read from one file, before anything is written."""

    document: Document
    sha256: str
    tasks: list[ParsedTask]
    warnings: list[str]
    suggestions: list[Suggestion]
    year: int
    missing: str = ""   # why no task was read (no appendix table), apart from the warnings
    duplicates: str = ""  # a new plan made of the tasks of one already imported: the warning saying so

    def expansions(self) -> dict[str, tuple[list[str], list[str]]]:
        """Each group phrase the plan uses → (the unit codes it was read as, the task numbers using it)."""
        found: dict[str, tuple[list[str], list[str]]] = {}
        for task in self.tasks:
            for phrase, codes in task.expanded:
                entry = found.setdefault(phrase, ([], []))
                entry[0].extend(c for c in codes if c not in entry[0])
                if task.row.number not in entry[1]:
                    entry[1].append(task.row.number)
        return found


ImportReport = SyncReport
NO_UNITS = N_("Danh bạ chưa có đơn vị nào nên không ai được giao việc; chưa nhập gì. Nạp danh bạ trước: "
              "nhacviec units load units.csv")


def file_sha256(path: Path) -> str:
    """Checksum of the source file, to recognise a re-import."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def parse_plan(path: Path, *, year: int | None, resolver: UnitResolver | None, max_rows: int = 5000,
               year_mismatch_ok: bool = False, reporting: str = "default", day_off_rule: str = "before") -> ParsedPlan:
    """Read a plan file and interpret every appendix row (no database writes).

    `year` None: the year the document's title states. ValueError when neither says it, or when they disagree
    (unless `year_mismatch_ok`): a wrong year would make a second copy of the plan with every date wrong.
    `reporting` is the reporting calendar "kỳ báo cáo" deadlines are read against (NHACVIEC_REPORTING_CALENDAR),
    with NHACVIEC_DAY_OFF_RULE (`day_off_rule`) as `calendar` dates it.
    """
    document = read_document(path, max_rows=max_rows)
    year = plan_year(document, year, mismatch_ok=year_mismatch_ok)
    try:
        appendix: Appendix = find_appendix(document)
    except NoAppendixError as exc:
        # No table: the body's dated obligations become the suggestions the plan can be made from.
        appendix, missing = Appendix(rows=[], warnings=[str(exc)]), str(exc)
    else:
        missing = ""
    warnings = document.warnings + appendix.warnings
    deadlines: dict[str, Deadline] = {}  # most rows share a few deadline cells: each is read once
    tasks = [_interpret(row, year, resolver, (reporting, day_off_rule), deadlines) for row in appendix.rows]
    if document.scanned:
        warnings.insert(0, _("Kế hoạch được đọc từ bản quét bằng nhận dạng chữ (OCR): mọi dòng cần được kiểm tra "
                             "lại với văn bản gốc trước khi nhập."))
        for task in tasks:
            task.from_scan = True
    for task in tasks:
        if task.deadline.kind == "unknown":
            warnings.append(_("Nhiệm vụ {number}: chưa hiểu thời hạn \"{text}\"").format(
                number=task.row.number, text=task.row.deadline_text))
        for name in task.unresolved:
            warnings.append(_("Nhiệm vụ {number}: không nhận ra đơn vị \"{name}\"").format(
                number=task.row.number, name=name))
    warnings += _incomplete_rows(tasks)
    suggestions = suggest_tasks(document.paragraphs, year, reporting=reporting, day_off_rule=day_off_rule)
    return ParsedPlan(document, file_sha256(path), tasks, warnings, suggestions, year, missing)


def plan_year(document: Document, year: int | None, *, mismatch_ok: bool = False) -> int:
    """The plan's year: as given, checked against the year the title states."""
    stated = stated_year(document.title)
    if year is None:
        if stated is None:
            raise ValueError(_("Văn bản không ghi rõ kế hoạch của năm nào. Hãy ghi năm: --year NĂM."))
        return stated
    if stated is not None and stated != year and not mismatch_ok:
        raise ValueError(_("Tên văn bản ghi năm {stated} nhưng --year là {year}; chưa nhập gì. Bỏ --year để dùng "
                           "năm {stated}; nếu đúng là kế hoạch năm {year}, thêm --year-mismatch-ok.").format(
            stated=stated, year=year))
    return year


def _incomplete_rows(tasks: list[ParsedTask]) -> list[str]:
    """Rows nobody will be reminded of: no chủ trì, or no task title."""
    warnings = []
    no_lead = [t.row.number for t in tasks if not t.row.lead_text.strip()]
    no_title = [t.row.number for t in tasks if not t.row.title.strip()]
    if no_lead:
        warnings.append(_("Nhiệm vụ không có đơn vị chủ trì (không ai được nhắc): {numbers}").format(
            numbers=", ".join(no_lead)))
    if no_title:
        warnings.append(_("Dòng không có tên nhiệm vụ: {numbers}").format(numbers=", ".join(no_title)))
    return warnings


def _interpret(row: AppendixRow, year: int, resolver: UnitResolver | None, reading: tuple[str, str],
               deadlines: dict[str, Deadline]) -> ParsedTask:
    deadline = deadlines.get(row.deadline_text)
    if deadline is None:
        reporting, day_off_rule = reading
        deadline = deadlines[row.deadline_text] = parse_deadline(row.deadline_text, year, reporting=reporting,
                                                                 day_off_rule=day_off_rule)
    task = ParsedTask(row=row, deadline=deadline)
    if row.start_text:
        starts = parse_deadline(row.start_text, year)
        task.start_on = _first_day(row.start_text, starts)
    if resolver is None:
        return task
    lead = resolver.resolve(row.lead_text)
    partners = resolver.resolve(row.partners_text)
    task.lead_ids = lead.unit_ids
    task.partner_ids = [uid for uid in partners.unit_ids if uid not in lead.unit_ids]
    task.unresolved = lead.unresolved + partners.unresolved
    task.expanded = [(phrase, [resolver.code_of(uid) for uid in ids])
                     for phrase, ids in lead.expanded + partners.expanded]
    return task


_DAY_MONTH = re.compile(r"\b\d{1,2}\s*[/.-]\s*\d{1,2}\b")


def _first_day(text: str, start: Deadline) -> date | None:
    """The day work starts: a written date as is; a month, quarter or year from its first day (not its end)."""
    if not start.dues:
        return None
    due, folded = start.dues[0], fold(text)
    if _DAY_MONTH.search(text):
        return due
    if "quy" in folded:
        return date(due.year, 3 * ((due.month - 1) // 3) + 1, 1)
    if "thang" in folded:
        return due.replace(day=1)
    return date(due.year, 1, 1) if due.month == 12 and due.day == 31 else due


def accepted_specs(parsed: ParsedPlan, accept: list[int], resolver: UnitResolver) -> list[TaskSpec]:
    """Suggested tasks the officer accepted (1-based numbers as listed), as task specs."""
    specs = []
    for index in accept:
        if not 1 <= index <= len(parsed.suggestions):
            raise ValueError(_("Không có đề xuất số {n}").format(n=index))
        s = parsed.suggestions[index - 1]
        found = resolver.resolve(s.unit_text) if s.unit_text else None
        units = found.unit_ids if found else []
        unresolved = (found.unresolved or ([] if units else [s.unit_text])) if found else []
        dues = s.dues or ((s.due,) if s.due else ())
        specs.append(TaskSpec(number=f"BS{index}", section=_("Nhiệm vụ bổ sung từ nội dung kế hoạch"),
                              title=s.sentence[:1].upper() + s.sentence[1:], product="", lead_text=s.unit_text,
                              partners_text="",
                              deadline_text=s.deadline_text, kind=(s.kind if s.kind != "unknown" else "date")
                              if dues else "unknown",
                              dues=tuple(dues), lead_ids=units, partner_ids=[], source="suggested",
                              unresolved=unresolved))
    return specs


def _accepted_warnings(specs: list[TaskSpec]) -> list[str]:
    """An accepted body deadline nobody would be reminded of: its unit unknown, or none written."""
    warnings = [_("Nhiệm vụ {number}: không nhận ra đơn vị \"{name}\"").format(number=spec.number, name=name)
                for spec in specs for name in spec.unresolved]
    no_lead = [spec.number for spec in specs if not spec.lead_ids and not spec.unresolved]
    if no_lead:
        warnings.append(_("Nhiệm vụ không có đơn vị chủ trì (không ai được nhắc): {numbers}").format(
            numbers=", ".join(no_lead)))
    return warnings


@dataclass
class Preview:
    """What an import would do: the reading, the plan it revises (None: a new plan) and the task changes."""

    parsed: ParsedPlan
    specs: list[TaskSpec]
    plan: Plan | None
    revision: Revision
    has_units: bool = True


def preview_import(session: Session, *, path: Path, year: int | None, accept: list[int] | None = None,
                   max_rows: int = 5000, year_mismatch_ok: bool = False, reporting: str = "default",
                   day_off_rule: str = "before") -> Preview:
    """Read the file and match its rows against the plan it revises; writes nothing."""
    resolver = UnitResolver.from_session(session)
    parsed = parse_plan(path, year=year, resolver=resolver, max_rows=max_rows, year_mismatch_ok=year_mismatch_ok,
                        reporting=reporting, day_off_rule=day_off_rule)
    if not parsed.tasks and not accept:
        error = NoAppendixError(parsed.missing or _("Không tìm thấy nhiệm vụ nào trong bảng phụ lục."))
        error.parsed = parsed   # the CLI shows the body's obligations to accept; nothing is written
        raise error
    if not resolver.has_units:
        parsed.warnings.insert(0, _(NO_UNITS))
    issued = parsed.document.issued_on
    accepted = accepted_specs(parsed, accept or [], resolver)
    parsed.warnings += _accepted_warnings(accepted)
    specs = [_spec(t, issued) for t in parsed.tasks] + accepted
    plan = _find_plan(session, parsed, path, parsed.year)
    if plan is None:
        parsed.duplicates = _duplicates(session, specs, parsed.year)
        parsed.warnings[:0] = [parsed.duplicates] if parsed.duplicates else []
    return Preview(parsed, specs, plan, review_revision(session, plan=plan, specs=specs), resolver.has_units)


def import_plan(session: Session, *, path: Path, year: int | None, actor: str, accept: list[int] | None = None,
                max_rows: int = 5000, confirm: bool = False, year_mismatch_ok: bool = False,
                track_from: date | None = None, today: date | None = None,
                reporting: str = "default", day_off_rule: str = "before") -> tuple[ParsedPlan, ImportReport]:
    """Create or update the plan from `path`; the caller commits (or rolls back on error).

    ValueError (nothing written) when no unit is loaded; GuessedMatch when a row is only guessed to be an
    existing task, unless `confirm`. Occurrences due before `track_from` are created as not tracked; without it,
    given `today`, tracking starts today for a plan whose year has begun.
    """
    preview = preview_import(session, path=path, year=year, accept=accept, max_rows=max_rows,
                             year_mismatch_ok=year_mismatch_ok, reporting=reporting, day_off_rule=day_off_rule)
    if not preview.has_units:
        raise ValueError(_(NO_UNITS))
    if preview.revision.guesses and not confirm:
        raise GuessedMatch(preview.revision)
    parsed, plan = preview.parsed, preview.plan
    if track_from is None and today is not None and parsed.year <= today.year:
        track_from = today
    if plan is None:
        plan = Plan(title=parsed.document.title or path.stem, issuer=parsed.document.issuer, year=parsed.year,
                    source_name=path.name, source_sha256=parsed.sha256)
        session.add(plan)
        session.flush()
    report = sync_plan_tasks(session, plan=plan, specs=preview.specs, actor=actor, accept_guesses=True,
                             revision=preview.revision, track_from=track_from)
    if plan.source_sha256 != parsed.sha256 or plan.issued_on != parsed.document.issued_on:
        plan.source_sha256, plan.issued_on = parsed.sha256, parsed.document.issued_on
        plan.source_name = path.name
        session.add(plan)
    for task in parsed.tasks:
        for name in task.unresolved:
            report.unresolved.setdefault(name, []).append(task.row.number)
    for spec in preview.specs:
        for name in spec.unresolved:
            report.unresolved.setdefault(name, []).append(spec.number)
    return parsed, report


def _spec(task: ParsedTask, issued: date | None) -> TaskSpec:
    r = task.row
    dues = tuple(task.deadline.dues)
    if issued is not None and task.deadline.kind == "recurring":
        dues = tuple(d for d in dues if d >= issued)  # a monthly task starts with the plan, not before it
    return TaskSpec(number=r.number, section=r.section, title=r.title_raw or r.title,
                    product=r.product_raw or r.product, lead_text=r.lead_text, partners_text=r.partners_text,
                    deadline_text=r.deadline_text, kind=task.deadline.kind, dues=dues,
                    lead_ids=task.lead_ids, partner_ids=task.partner_ids, source="appendix",
                    start_on=task.start_on)


def _duplicates(session: Session, specs: list[TaskSpec], year: int) -> str:
    """When most tasks of a new plan are those of a plan already imported (the revision as a sheet without the
    plan's title): a second copy would remind every unit twice, so the officer is told which plan it repeats."""
    titles = {fold(s.title) for s in specs if s.source == "appendix"}
    if len(titles) < 2:
        return ""
    rows = session.execute(select(Task.plan_id, Task.title).join(Plan, Plan.id == Task.plan_id).where(
        Plan.year == year, Plan.removed == False, Task.removed == False,  # noqa: E712
        Task.source == "appendix")).all()
    shared: dict[int, int] = {}
    for plan_id, title in rows:
        shared[plan_id] = shared.get(plan_id, 0) + (fold(title) in titles)
    plan_id, count = max(shared.items(), key=lambda item: item[1], default=(None, 0))
    if plan_id is None or count * 2 < len(titles):
        return ""
    title = session.get(Plan, plan_id).title
    return _("{n}/{total} nhiệm vụ trùng với kế hoạch #{id} “{title}” đã nhập: nhập tệp này sẽ tạo kế hoạch thứ "
             "hai và nhắc các đơn vị hai lần. Nếu đây là bản điều chỉnh, hãy gửi văn bản có tên kế hoạch (ở đầu "
             "văn bản) như bản đã nhập.").format(n=count, total=len(titles), id=plan_id, title=clip(title, 80))


def _find_plan(session: Session, parsed: ParsedPlan, path: Path, year: int) -> Plan | None:
    """The plan this file revises: same file, else same title, else same file name (removed plans excepted)."""
    live = select(Plan).where(Plan.year == year, Plan.removed == False)  # noqa: E712
    same_file = session.exec(live.where(Plan.source_sha256 == parsed.sha256)).first()
    if same_file:
        return same_file
    title = parsed.document.title or path.stem
    by_title = session.exec(live.where(Plan.title == title)).first()
    if by_title:
        return by_title
    return session.exec(live.where(Plan.source_name == path.name)).first()
