"""Plans, their tasks, assignments to units, and the status history."""
from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Column, Field, Index, SQLModel, UniqueConstraint

from storage.types import JSONList, UTCDateTime, utcnow


class Role:
    LEAD = "lead"        # chủ trì
    PARTNER = "partner"  # phối hợp


class Status:
    OPEN = "open"                # chưa thực hiện / chưa báo cáo
    IN_PROGRESS = "in_progress"  # đang thực hiện
    DONE = "done"                # đã hoàn thành
    NOT_DONE = "not_done"        # không hoàn thành (officer decision)
    NOT_TRACKED = "not_tracked"  # due before tracking started: shown, counted apart, never reminded or overdue
    CANCELLED = "cancelled"      # removed from the plan
    ALL = (OPEN, IN_PROGRESS, DONE, NOT_DONE, NOT_TRACKED, CANCELLED)
    ACTIVE = (OPEN, IN_PROGRESS)


class Channel:
    CLI = "cli"
    CONSOLE = "console"
    TELEGRAM = "telegram"
    ZALO_BOT = "zalo_bot"
    ZALO_OA = "zalo_oa"
    IMPORT = "import"
    SYSTEM = "system"


class Plan(SQLModel, table=True):
    """An imported plan document (kế hoạch) for one year."""

    id: int | None = Field(default=None, primary_key=True)
    title: str
    issuer: str = ""
    year: int = Field(index=True)
    source_name: str = ""
    source_sha256: str = Field(default="", index=True, max_length=64)
    reminder_offsets: str | None = None  # e.g. "7,3,1,0"; None = settings default
    issued_on: date | None = None   # the document's date: nothing is due before it
    removed: bool = False           # `nhacviec plans remove`: hidden and never reminded, history kept
    imported_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Task(SQLModel, table=True):
    """One row of a plan's appendix (or a reporting-calendar period)."""

    # not unique: a retired task keeps its STT when a revision gives that number to another task
    __table_args__ = (Index("ix_task_plan_number", "plan_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    number: str
    position: int = 0
    section: str = ""
    title: str
    product: str = ""
    lead_text: str = ""
    partners_text: str = ""
    deadline_text: str = ""
    deadline_kind: str = "unknown"  # date | recurring | event | continuous | unknown
    dues: list[str] = Field(default_factory=list, sa_column=Column(JSONList, nullable=False))
    start_on: date | None = None    # "Thời gian bắt đầu": no reminder before the work starts
    source: str = "appendix"        # appendix | suggested | calendar | manual
    reminder_offsets: str | None = None
    checkin_every: str | None = None  # monthly | weekly | None (event/continuous check-ins)
    removed: bool = False


class Assignment(SQLModel, table=True):
    """A task given to one unit for one due occurrence (period '' when it has no date)."""

    __table_args__ = (UniqueConstraint("task_id", "unit_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: str = Role.LEAD
    period: str = ""                 # ISO date of the original due occurrence, or ''
    due_on: date | None = Field(default=None, index=True)  # current due date (moves on extension)
    original_due_on: date | None = None
    status: str = Field(default=Status.OPEN, index=True)
    promised_on: date | None = None
    done_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))  # when recorded
    done_on: date | None = None      # the local day the work was done (as stated, else the day recorded)
    extensions: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Evidence(SQLModel, table=True):
    """A file sent as tài liệu kiểm chứng."""

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    stored_path: str
    original_name: str
    size: int
    sha256: str = Field(max_length=64)
    mime: str = ""
    channel: str = Channel.CLI
    uploaded_by: int | None = Field(default=None, foreign_key="chatuser.id")
    uploaded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class StatusChange(SQLModel, table=True):
    """One change of an assignment: who, when, which channel, before → after."""

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    actor_id: int | None = Field(default=None, foreign_key="chatuser.id")
    actor_name: str = ""
    channel: str = Channel.SYSTEM
    field: str = "status"            # status | due_on | done_on | promised_on | created | role | retired | undo
    before: str | None = None
    after: str | None = None
    note: str | None = None
    evidence_id: int | None = Field(default=None, foreign_key="evidence.id")
    undone: bool = False
