"""One reminder round at a given moment: plan what is due, claim it, send one message per chat.

The database is the source of truth. A round may run in `nhacviec run` (the scheduler) and in
`nhacviec remind` at the same time, or be killed at any instant: planning is idempotent by key,
claims are atomic, a killed sender's claims are recovered, so nothing is lost and only a message
in flight at a kill can go out twice.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.messenger import Messenger
from calendars.workdays import WorkCalendar
from config import Settings
from reminders import batches as batching
from reminders import store, weekly
from reminders.compose import render
from reminders.delivery import Delivery, Tally, deliver
from reminders.planning import plan_day
from reminders.workcal import default_calendar
from storage.db import session_scope

CATCH_UP_DAYS = 31   # after a longer stop, older days are not even recorded
CLAIM_CHATS = 50     # chats claimed per commit: a kill leaves at most these waiting for recovery


@dataclass
class RoundReport:
    """What a round did (or, dry, would do)."""

    at: datetime
    day: date
    working: bool = True
    dry_run: bool = False
    planned: int = 0
    recovered: int = 0
    tally: Tally = field(default_factory=Tally)

    def as_json(self) -> dict:
        t = self.tally
        return {"at": self.at.isoformat(), "day": self.day.isoformat(), "working": self.working,
                "dry_run": self.dry_run, "planned": self.planned, "recovered": self.recovered,
                "messages": t.messages, "sent": t.sent, "late": t.late, "failed": t.failed,
                "skipped": t.skipped, "deferred": t.deferred, "chats": t.outcomes}


def in_working_hours(local: datetime, settings: Settings, work: WorkCalendar) -> bool:
    """A working day, between work_start and work_end (local time)."""
    start, end = time.fromisoformat(settings.work_start), time.fromisoformat(settings.work_end)
    return work.is_working_day(local.date()) and start <= local.time() < end


async def run_round(engine: Engine, settings: Settings, messengers: dict[str, Messenger], now: datetime,
                    dry_run: bool = False, *, work: WorkCalendar | None = None, me: str = store.ME,
                    wall_clock: Callable[[], datetime] | None = None) -> RoundReport:
    """Plan, claim and send every reminder due at `now` (aware); dry: the same, written nowhere.

    `wall_clock` says when messages really go out, when that is not `now` (`nhacviec remind --at`
    a past moment): a reply to a reminder refers to it for a while after the person received it.
    """
    work = work or default_calendar(settings.day_off_rule)
    local = now.astimezone(ZoneInfo(settings.timezone))
    report = RoundReport(at=now, day=local.date(), dry_run=dry_run)
    if not in_working_hours(local, settings, work):
        report.working = False
        return report
    with session_scope(engine) as session:
        if not dry_run:
            report.recovered = store.recover_stale(session, now=now, me=me)
        report.planned, report.tally.skipped = plan_through(session, today=report.day, now=now, work=work,
                                                            settings=settings)
        rows = store.due_rows(session, now=now)
        links = batching.load_links(session, {r.link_id for r in rows})
        if dry_run:
            _dry(session, rows, links, report, work, settings)
            session.rollback()
            return report
        session.commit()
        held = _holds(session, links, now)
    delivery = Delivery(engine, settings, messengers, now, report.tally, me, wall_clock)
    delivery.tally.held.update(held)
    for chunk in _chat_chunks(rows, links):
        # A 429 earlier in this round holds its channel: leave those rows pending, unclaimed.
        chunk = [r for r in chunk if _sendable(r, links.get(r.link_id), delivery, report.day, work)]
        if chunk:
            await _send_chunk(delivery, chunk, links, report.day, work)
    return report


def plan_through(session: Session, *, today: date, now: datetime, work: WorkCalendar,
                 settings: Settings) -> tuple[int, int]:
    """Plan every working day since the last planned one, through today; returns (rows added, of them skipped).

    Today is planned again each round (cheap, idempotent) so a task added or moved at 10:00
    still gets today's reminder. Days missed while the bot was off are late; those older than
    the grace period are recorded as skipped. A missed day's digest is not worth sending (today's
    says it all), but this week's summary missed on its day (the bot off all Monday) is.
    """
    # Not the latest day ever planned: `remind --at` may run as of a moment before the scheduler's today.
    last = store.last_planned_before(session, day=today)
    first = today if last is None else max(last + timedelta(days=1), today - timedelta(days=CATCH_UP_DAYS))
    added, skipped, day = 0, 0, min(first, today)
    while day <= today:
        if work.is_working_day(day):
            dues = [replace(d, late=day < today) for d in
                    plan_day(session, day=day, work=work, settings=settings, digest=day == today,
                             week=weekly.week_start(day) == weekly.week_start(today))]
            old = work.working_days_between(day, today) > settings.reminder_grace_days
            new = store.insert_planned(session, dues=dues, now=now, skipped={d.key for d in dues} if old else set())
            added, skipped = added + new, skipped + (new if old else 0)
            store.mark_planned(session, day=day, now=now)
        day += timedelta(days=1)
    store.set_planned_through(session, day=today, now=now)
    return added, skipped


def _holds(session: Session, links: dict, now: datetime) -> dict[str, datetime]:
    holds = {}
    for channel in {link.channel for link in links.values()}:
        until = store.channel_hold(session, channel=channel)
        if until is not None and until > now:
            holds[channel] = until
    return holds


def _sendable(row, link, d: Delivery, today: date, work: WorkCalendar) -> bool:
    """Claim this row now? Rows of a channel this process cannot reach, or that asked us to wait,
    stay pending for a process that can; once too old they are claimed here to be skipped."""
    if link is None or work.working_days_between(row.day, today) > d.settings.reminder_grace_days:
        return True  # claimed, then skipped (chat gone, too old)
    hold = d.tally.held.get(link.channel)
    return link.channel in d.messengers and not (hold is not None and hold > d.now)


def _chat_chunks(rows: list, links: dict):
    by_chat: dict[tuple, list] = {}
    for row in rows:
        link = links.get(row.link_id)
        by_chat.setdefault(batching.chat_of(link) if link else ("", str(row.link_id)), []).append(row)
    groups = list(by_chat.values())
    for i in range(0, len(groups), CLAIM_CHATS):
        yield [row for group in groups[i:i + CLAIM_CHATS] for row in group]


async def _send_chunk(d: Delivery, rows: list, links: dict, today: date, work: WorkCalendar) -> None:
    with session_scope(d.engine) as session:
        claimed = set(store.claim(session, ids=[r.id for r in rows], now=d.now, me=d.me))
        session.commit()
        mine = [r for r in rows if r.id in claimed]
        built = batching.build(session, mine, today=today, work=work, settings=d.settings, links=links)
        for reason, skipped in built.skipped.items():
            store.mark_skipped(session, ids=[r.id for r in skipped], reason=reason, me=d.me)
            d.tally.skipped += len(skipped)
        session.commit()
    gate = asyncio.Semaphore(max(1, d.settings.reminder_send_concurrency))

    async def one(batch: batching.Batch) -> None:
        async with gate:
            await deliver(d, batch, render(batch.message, today=today, work=work))

    await asyncio.gather(*(one(batch) for batch in built.batches))


def _dry(session: Session, rows: list, links: dict, report: RoundReport, work: WorkCalendar,
         settings: Settings) -> None:
    built = batching.build(session, rows, today=report.day, work=work, settings=settings, links=links)
    report.tally.skipped += sum(len(v) for v in built.skipped.values())
    for batch in built.batches:
        out = render(batch.message, today=report.day, work=work)
        report.tally.messages += 1
        report.tally.sent += len(batch.rows)
        report.tally.late += batch.late_count
        report.tally.outcomes.append({"channel": batch.message.channel, "chat_id": batch.message.chat_id,
                                      "state": "would_send", "reminders": len(batch.rows),
                                      "late": batch.message.late, "text": out.text, "error": None})
