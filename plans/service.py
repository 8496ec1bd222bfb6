"""Import a plan document into the database: all-or-nothing, idempotent, history-keeping."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from pathlib import Path

from sqlmodel import Session, select

from i18n import _
from plans.appendix import Appendix, AppendixRow, NoAppendixError, find_appendix
from plans.deadlines import Deadline, parse_deadline
from plans.readers import Document, read_document
from plans.suggestions import Suggestion, suggest_tasks
from plans.sync import SyncReport, TaskSpec, sync_plan_tasks
from storage.models import Plan
from units.resolver import UnitResolver


@dataclass
class ParsedTask:
    """One appendix row with its meaning: deadline and resolved units."""

    row: AppendixRow
    deadline: Deadline
    lead_ids: list[int] = field(default_factory=list)
    partner_ids: list[int] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    from_scan: bool = False  # read through OCR: to be checked by eye before importing

    def to_json(self) -> dict:
        r = self.row
        data = {"number": r.number, "section": r.section, "title": r.title_raw or r.title,
                "product": r.product_raw or r.product, "lead_text": r.lead_text,
                "partners_text": r.partners_text, "deadline_text": r.deadline_text,
                "deadline": {"kind": self.deadline.kind, "dues": [d.isoformat() for d in self.deadline.dues]}}
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


ImportReport = SyncReport


def file_sha256(path: Path) -> str:
    """Checksum of the source file, to recognise a re-import."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def parse_plan(path: Path, *, year: int, resolver: UnitResolver | None, max_rows: int = 5000,
               reporting: str = "default") -> ParsedPlan:
    """Read a plan file and interpret every appendix row (no database writes).

    `reporting` is the reporting calendar "kỳ báo cáo" deadlines are read against (NHACVIEC_REPORTING_CALENDAR).
    """
    document = read_document(path, max_rows=max_rows)
    try:
        appendix: Appendix = find_appendix(document)
    except NoAppendixError as exc:
        # No table: the body's dated obligations become the suggestions the plan can be made from.
        appendix = Appendix(rows=[], warnings=[str(exc)])
    warnings = document.warnings + appendix.warnings
    tasks = [_interpret(row, year, resolver, reporting) for row in appendix.rows]
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
    suggestions = suggest_tasks(document.paragraphs, year)
    return ParsedPlan(document, file_sha256(path), tasks, warnings, suggestions)


def _interpret(row: AppendixRow, year: int, resolver: UnitResolver | None, reporting: str) -> ParsedTask:
    task = ParsedTask(row=row, deadline=parse_deadline(row.deadline_text, year, reporting=reporting))
    if resolver is None:
        return task
    lead = resolver.resolve(row.lead_text)
    partners = resolver.resolve(row.partners_text)
    task.lead_ids = lead.unit_ids
    task.partner_ids = [uid for uid in partners.unit_ids if uid not in lead.unit_ids]
    task.unresolved = lead.unresolved + partners.unresolved
    return task


def accepted_specs(parsed: ParsedPlan, accept: list[int], resolver: UnitResolver) -> list[TaskSpec]:
    """Suggested tasks the officer accepted (1-based numbers as listed), as task specs."""
    specs = []
    for index in accept:
        if not 1 <= index <= len(parsed.suggestions):
            raise ValueError(_("Không có đề xuất số {n}").format(n=index))
        s = parsed.suggestions[index - 1]
        units = resolver.resolve(s.unit_text).unit_ids if s.unit_text else []
        dues = s.dues or ((s.due,) if s.due else ())
        specs.append(TaskSpec(number=f"BS{index}", section=_("Nhiệm vụ bổ sung từ nội dung kế hoạch"),
                              title=s.sentence[:1].upper() + s.sentence[1:], product="", lead_text=s.unit_text,
                              partners_text="",
                              deadline_text=s.deadline_text, kind=(s.kind if s.kind != "unknown" else "date")
                              if dues else "unknown",
                              dues=tuple(dues), lead_ids=units, partner_ids=[], source="suggested"))
    return specs


def import_plan(session: Session, *, path: Path, year: int, actor: str, accept: list[int] | None = None,
                max_rows: int = 5000, reporting: str = "default") -> tuple[ParsedPlan, ImportReport]:
    """Create or update the plan from `path`; the caller commits (or rolls back on error)."""
    resolver = UnitResolver.from_session(session)
    parsed = parse_plan(path, year=year, resolver=resolver, max_rows=max_rows, reporting=reporting)
    if not parsed.tasks and not accept:
        error = NoAppendixError(parsed.warnings[0] if parsed.warnings else "")
        error.parsed = parsed   # the CLI shows the body's obligations to accept; nothing is written
        raise error
    specs = [_spec(t) for t in parsed.tasks] + accepted_specs(parsed, accept or [], resolver)
    plan = _find_plan(session, parsed, path, year)
    if plan is None:
        plan = Plan(title=parsed.document.title or path.stem, issuer=parsed.document.issuer, year=year,
                    source_name=path.name, source_sha256=parsed.sha256)
        session.add(plan)
        session.flush()
    report = sync_plan_tasks(session, plan=plan, specs=specs, actor=actor)
    if plan.source_sha256 != parsed.sha256:
        plan.source_sha256 = parsed.sha256
        plan.source_name = path.name
        session.add(plan)
    for task in parsed.tasks:
        for name in task.unresolved:
            report.unresolved.setdefault(name, []).append(task.row.number)
    return parsed, report


def _spec(task: ParsedTask) -> TaskSpec:
    r = task.row
    return TaskSpec(number=r.number, section=r.section, title=r.title_raw or r.title,
                    product=r.product_raw or r.product, lead_text=r.lead_text, partners_text=r.partners_text,
                    deadline_text=r.deadline_text, kind=task.deadline.kind, dues=tuple(task.deadline.dues),
                    lead_ids=task.lead_ids, partner_ids=task.partner_ids, source="appendix")


def _find_plan(session: Session, parsed: ParsedPlan, path: Path, year: int) -> Plan | None:
    same_file = session.exec(select(Plan).where(Plan.source_sha256 == parsed.sha256, Plan.year == year)).first()
    if same_file:
        return same_file
    title = parsed.document.title or path.stem
    by_title = session.exec(select(Plan).where(Plan.title == title, Plan.year == year)).first()
    if by_title:
        return by_title
    return session.exec(select(Plan).where(Plan.source_name == path.name, Plan.year == year)).first()
