"""What a new reading of a plan would change, task by task, before anything is written.

`review_revision` pairs each new row with the task it continues (by content for appendix rows, see
plans/matching.py; by STT for calendar and suggested tasks) and describes every change as an officer reads it:
renumbered, deadline moved, units changed, added, retired, and which statuses and evidence files go with it.
"""
from __future__ import annotations

from collections import Counter
from datetime import date
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlmodel import Session, select

from i18n import _
from plans.matching import Candidate, match_rows
from plans.sync_rows import AssignmentRow, Key, load_assignments, keeps_extension
from services.clean_text import clip
from storage.models import Assignment, Evidence, Plan, Role, Status, Task, Unit

if TYPE_CHECKING:
    from plans.sync import TaskSpec


@dataclass
class Carried:
    """What one unit has recorded on a task: it stays with the task wherever the task goes."""

    unit: str
    status: str
    evidence: int = 0
    extensions: int = 0


@dataclass
class TaskChange:
    """One task's fate in the revision."""

    kind: str                       # added | retired | kept
    number: str                     # the STT after the revision (before it, for a retired task)
    title: str
    old_number: str = ""
    old_title: str = ""
    dues_before: list[str] = field(default_factory=list)
    dues_after: list[str] = field(default_factory=list)
    units_added: list[str] = field(default_factory=list)
    units_removed: list[str] = field(default_factory=list)
    leads_before: list[str] = field(default_factory=list)
    leads_after: list[str] = field(default_factory=list)
    extensions_kept: list[tuple[str, str]] = field(default_factory=list)  # (unit code, extended due it keeps)
    carried: list[Carried] = field(default_factory=list)
    score: int = 100
    guessed: bool = False

    @property
    def renumbered(self) -> bool:
        return self.kind == "kept" and self.number != self.old_number

    @property
    def retitled(self) -> bool:
        return self.kind == "kept" and self.title != self.old_title

    @property
    def moved(self) -> bool:
        return self.kind == "kept" and self.dues_before != self.dues_after

    @property
    def units_changed(self) -> bool:
        return bool(self.units_added or self.units_removed)

    @property
    def leads_changed(self) -> bool:
        """Another unit leads (chủ trì) the task: a unit may stay on it and only change role."""
        return self.kind == "kept" and self.leads_before != self.leads_after

    @property
    def visible(self) -> bool:
        """Worth showing in a diff (an unchanged task is not)."""
        return (self.kind != "kept" or self.renumbered or self.retitled or self.moved or self.units_changed
                or self.leads_changed or self.guessed)

    def to_json(self) -> dict:
        return {"kind": self.kind, "number": self.number, "old_number": self.old_number or None,
                "title": self.title, "old_title": self.old_title or None, "renumbered": self.renumbered,
                "retitled": self.retitled, "dues_before": self.dues_before, "dues_after": self.dues_after,
                "units_added": self.units_added, "units_removed": self.units_removed,
                "leads_before": self.leads_before, "leads_after": self.leads_after,
                "extensions_kept": [{"unit": u, "due_on": d} for u, d in self.extensions_kept],
                "guessed": self.guessed, "score": self.score,
                "carried": [vars(c) for c in self.carried]}


@dataclass
class Revision:
    """Each new row's task (None: a new task), the tasks that leave the plan, and the changes described."""

    plan_id: int | None
    tasks: list[Task | None]
    retired: list[Task]
    changes: list[TaskChange]
    # the plan's assignments as read (task id → (unit id, period) → row): the import writes from them, so a
    # revision is applied in the transaction that read it
    assignments: dict[int, dict[Key, AssignmentRow]] = field(default_factory=dict)

    @property
    def guesses(self) -> list[TaskChange]:
        return [c for c in self.changes if c.guessed]


class GuessedMatch(ValueError):
    """A row was matched to an existing task only by a guess: the officer must see it and accept it."""

    def __init__(self, revision: Revision):
        self.revision = revision
        lines = [_("STT {new} “{title}” có thể là nhiệm vụ {old} cũ “{old_title}” (giống {score}%)").format(
            new=c.number, title=clip(c.title, 60), old=c.old_number, old_title=clip(c.old_title, 60), score=c.score)
            for c in revision.guesses]
        super().__init__(_("Chưa nhập: có nhiệm vụ chỉ đoán được là nhiệm vụ cũ nào, cần đồng chí xác nhận.\n"
                           "{lines}\nXem kỹ bằng --dry-run; nếu đúng, nhập lại với --yes; nếu sai, sửa tên nhiệm "
                           "vụ trong văn bản cho rõ.").format(lines="\n".join("  - " + line for line in lines)))


def review_revision(session: Session, *, plan: Plan | None, specs: list[TaskSpec]) -> Revision:
    """How `specs` map onto the plan's tasks and what each change carries; reads only."""
    tasks = list(session.exec(select(Task).where(Task.plan_id == plan.id))) if plan and plan.id else []
    matched, guessed = _pair(specs, tasks)
    kept = {t.id for t in matched if t is not None}
    retired = [t for t in tasks if t.id not in kept and t.source == "appendix" and not t.removed]
    context = _Context(session, plan.id if tasks else None)
    changes = [context.change(spec, task, guessed.get(i)) for i, (spec, task) in enumerate(zip(specs, matched))]
    changes += [context.retired(task) for task in retired]
    return Revision(plan_id=plan.id if plan else None, tasks=matched, retired=retired, changes=changes,
                    assignments=context.rows)


def _pair(specs: list[TaskSpec], tasks: list[Task]) -> tuple[list[Task | None], dict[int, tuple[int, bool]]]:
    matched: list[Task | None] = [None] * len(specs)
    rows = [i for i, s in enumerate(specs) if s.source == "appendix"]
    by_id = {t.id: t for t in tasks}
    candidates = [Candidate(t.id, t.number, t.title, t.position, t.removed) for t in tasks if t.source == "appendix"]
    guessed = {}
    for m in match_rows([(specs[i].number, specs[i].title) for i in rows], candidates):
        matched[rows[m.index]] = by_id[m.key]
        guessed[rows[m.index]] = (m.score, m.guessed)
    by_number = {(t.source, t.number): t for t in tasks if t.source != "appendix"}
    for i, spec in enumerate(specs):
        if spec.source != "appendix":
            matched[i] = by_number.pop((spec.source, spec.number), None)
    return matched, guessed


class _Context:
    """Assignments, evidence counts and unit codes of the plan's tasks, read once."""

    def __init__(self, session: Session, plan_id: int | None):
        self.codes = dict(session.execute(select(Unit.id, Unit.code)).all())
        # plain rows, not ORM objects: a plan's assignments run to hundreds of thousands
        self.rows = load_assignments(session, plan_id=plan_id) if plan_id is not None else {}
        self.assignments = {task_id: list(rows.values()) for task_id, rows in self.rows.items()}
        evidence: Counter = Counter()
        if plan_id is not None:
            q = (select(Evidence.assignment_id, func.count()).join(Assignment, Assignment.id == Evidence.assignment_id)
                 .join(Task, Task.id == Assignment.task_id).where(Task.plan_id == plan_id)
                 .group_by(Evidence.assignment_id))
            evidence.update(dict(session.execute(q).all()))
        self.evidence = evidence

    def carried(self, task: Task) -> list[Carried]:
        out = []
        for a in sorted(self.assignments.get(task.id, []), key=lambda a: (self.codes.get(a.unit_id, ""), a.period)):
            files = self.evidence.get(a.id, 0)
            if a.status not in (Status.OPEN, Status.CANCELLED) or files or a.extensions:
                out.append(Carried(self.codes.get(a.unit_id, "?"), a.status, files, a.extensions))
        return out

    def change(self, spec: TaskSpec, task: Task | None, guess: tuple[int, bool] | None) -> TaskChange:
        after = [d.isoformat() for d in spec.dues]
        if task is None:
            return TaskChange("added", spec.number, spec.title, dues_after=after)
        rows = [a for a in self.assignments.get(task.id, []) if a.status != Status.CANCELLED]
        live = {a.unit_id for a in rows}
        wanted = set(spec.lead_ids) | set(spec.partner_ids)
        score, guessed = guess or (100, False)
        return TaskChange("kept", spec.number, spec.title, old_number=task.number, old_title=task.title,
                          dues_before=list(task.dues), dues_after=after,
                          units_added=self._codes(wanted - live), units_removed=self._codes(live - wanted),
                          leads_before=self._codes({a.unit_id for a in rows if a.role == Role.LEAD}),
                          leads_after=self._codes(set(spec.lead_ids)),
                          extensions_kept=self._extensions_kept(self.assignments.get(task.id, []),
                                                                after if spec.unit_dues is None else None),
                          carried=self.carried(task), score=score, guessed=guessed)

    def _extensions_kept(self, rows: list[AssignmentRow], after: list[str] | None) -> list[tuple[str, str]]:
        """Approved extensions later than the date the revision moves them to, paired as plans/sync.py pairs them."""
        if after is None:
            return []
        periods = after or [""]
        kept = []
        for unit_id in sorted({a.unit_id for a in rows if a.extensions}):
            mine = {a.period: a for a in rows if a.unit_id == unit_id}
            old = sorted(p for p, a in mine.items() if p not in periods and a.status != Status.CANCELLED)
            new = sorted(p for p in periods if p not in mine)
            for old_period, new_period in zip(old, new):
                a, due = mine[old_period], date.fromisoformat(new_period) if new_period else None
                if keeps_extension(a.extensions, a.due_on, due):
                    kept.append((self.codes.get(unit_id, "?"), a.due_on.isoformat()))
        return kept

    def _codes(self, unit_ids: set[int]) -> list[str]:
        return sorted(self.codes.get(u, "?") for u in unit_ids)

    def retired(self, task: Task) -> TaskChange:
        return TaskChange("retired", task.number, task.title, old_number=task.number, old_title=task.title,
                          dues_before=list(task.dues), carried=self.carried(task))
