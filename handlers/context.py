"""What a handler gets: the session, the person, the clock, and a way to fetch attached files."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Awaitable, Callable
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from calendars.workdays import WorkCalendar
from config import Settings
from handlers.messages import Attachment, Incoming, Outgoing
from reminders.workcal import default_calendar
from services import people
from services.status import Actor
from storage.models import ChatLink, ChatUser, MemberRole, Unit
from storage.types import utcnow

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
Clock = Callable[[], datetime]
UNREAD = object()  # Turn.question before the database was asked


@dataclass
class Services:
    """Long-lived things the composition root hands to the handlers."""

    engine: Engine
    settings: Settings
    clock: Clock = utcnow
    fetch_file: Callable[[str, Attachment], Awaitable[bytes]] | None = None  # (channel, attachment) -> bytes
    inline_buttons: dict[str, bool] = field(default_factory=lambda: {"telegram": True})
    bot_username: str | None = None


@dataclass
class Turn:
    """One incoming message being handled."""

    services: Services
    session: Session
    incoming: Incoming
    user: ChatUser
    group: ChatLink | None = None
    out: list[Outgoing] = field(default_factory=list)
    question: object = field(default=UNREAD, repr=False)  # the pending ChatState (handlers.staff.get_state)
    unit_checked: tuple[int | None, bool] = field(default=(None, False), repr=False)  # (unit id, removed?)
    replied_ids: list[int] | None = field(default=None, repr=False)    # what the replied-to message was about
    replied_views: list | None = field(default=None, repr=False)       # …and those still in the plan

    @property
    def now(self) -> datetime:
        return self.services.clock()

    @property
    def today(self) -> date:
        return self.now.astimezone(LOCAL_TZ).date()

    @property
    def work(self) -> WorkCalendar:
        """The office calendar with NHACVIEC_DAY_OFF_RULE: what a deadline on a day off means."""
        return default_calendar(self.services.settings.day_off_rule)

    @property
    def unit_id(self) -> int | None:
        if self.user.unit_id is not None:
            return self.user.unit_id
        return self.group.unit_id if self.group else None

    @property
    def task_unit_id(self) -> int | None:
        """Whose tasks the person's answers and /viec are about: their unit's; an officer's in a unit's group are
        that unit's (the group reads "nhiệm vụ 4 hoàn thành" as its own NV 4, never the officer's unit's)."""
        if self.group is not None and self.is_officer:
            return self.group.unit_id
        return self.unit_id

    @property
    def role(self) -> str:
        if self.user.unit_id is not None:
            return self.user.role
        return MemberRole.MEMBER if self.group else ""

    @property
    def linked(self) -> bool:
        """The person acts for a unit: linked, not removed, and the unit not removed from the directory.

        Asked on every update: `people.unit_removed` (one prebuilt query; an ORM load of the unit cost more than
        the rest of a short answer's checks), remembered for the turn per unit.
        """
        unit_id = self.unit_id
        if unit_id is None or not self.user.active:
            return False
        if self.unit_checked[0] != unit_id:
            self.unit_checked = (unit_id, people.unit_removed(self.session, unit_id=unit_id))
        return not self.unit_checked[1]

    @property
    def removed_unit(self) -> Unit | None:
        """The person's unit when it was removed from the directory: its staff act on nothing any more."""
        unit = self.session.get(Unit, self.unit_id) if self.unit_id is not None else None
        return unit if unit is not None and not unit.active else None

    @property
    def is_officer(self) -> bool:
        return self.user.unit_id is not None and self.user.role == MemberRole.OFFICER

    @property
    def actor(self) -> Actor:
        return Actor(name=self.user.display_name or self.user.external_id, channel=self.incoming.channel,
                     user=self.user, unit_id=self.unit_id, role=self.role)

    def reply(self, text: str, buttons=None, about=None, **kw) -> Outgoing:
        """Queue an answer in this chat."""
        kw.setdefault("lang", self.user.lang)
        msg = Outgoing(text=text, buttons=buttons or [], about=list(about or []), **kw)
        self.out.append(msg)
        return msg

    def send_to(self, link: ChatLink, text: str, buttons=None, about=None) -> Outgoing:
        """Queue a message to another chat (officers, heads)."""
        msg = Outgoing(text=text, buttons=buttons or [], chat_id=link.chat_id, channel=link.channel,
                       about=list(about or []), lang=link.lang)
        self.out.append(msg)
        return msg
