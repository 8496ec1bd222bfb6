"""Send one chat's reminder message and record what the channel answered, whatever it answered."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy.engine import Engine

from bot.messenger import Messenger, SendError
from config import Settings
from handlers.messages import Outgoing
from handlers.system import channel_stopped_notices, unreachable_notices
from reminders import store
from reminders.batches import Batch
from reminders.compose import as_resend
from services import people
from storage.db import session_scope

log = logging.getLogger(__name__)
FIRST_RETRY = 30          # seconds before the first retry after a network error
LONGEST_RETRY = 30 * 60


@dataclass
class Tally:
    """What a round did, counted as it goes."""

    messages: int = 0
    sent: int = 0
    late: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0
    held: dict[str, datetime] = field(default_factory=dict)   # channel → no sending before
    states: dict[int, str] = field(default_factory=dict)      # reminder id → sent | failed | deferred, last seen
    outcomes: list[dict] = field(default_factory=list)


@dataclass
class Delivery:
    """Everything one send needs, none of it per-chat."""

    engine: Engine
    settings: Settings
    messengers: dict[str, Messenger]
    now: datetime
    tally: Tally
    me: str = store.ME
    wall_clock: Callable[[], datetime] | None = None   # when sends really happen, if not at `now`

    def sent_at(self) -> datetime:
        """When a message just sent reached the chat (the round's moment unless a wall clock is given)."""
        return self.wall_clock() if self.wall_clock is not None else self.now


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … up to 30 min between retries."""
    return timedelta(seconds=min(FIRST_RETRY * 2 ** max(attempts, 0), LONGEST_RETRY))


async def deliver(d: Delivery, batch: Batch, out: Outgoing) -> None:
    """Send `out` to the batch's chat; mark its rows sent, retried or failed."""
    channel = batch.message.channel
    hold = d.tally.held.get(channel)
    if hold is not None and hold > d.now:
        _release(d, batch, hold, None, count=False)
        return
    if batch.attempts > 0:  # tried before without a known outcome: the reader may already have it
        out = as_resend(out)
    try:
        sent = await d.messengers[channel].send(out.chat_id, out)
    except SendError as exc:
        await _failed(d, batch, out, exc)
        return
    except Exception as exc:  # a bug or a transport error the adapter did not map: retry later
        log.exception("sending reminders to %s:%s", channel, out.chat_id)
        _release(d, batch, d.now + backoff(batch.attempts), repr(exc), count=True)
        return
    with session_scope(d.engine) as session:
        store.mark_sent(session, ids=batch.ids, now=d.now, message_ids=[s.message_id for s in sent],
                        channel=channel, chat_id=out.chat_id, about=out.about, me=d.me, received_at=d.sent_at())
        store.resume_channel(session, channel=channel)
        session.commit()
    d.tally.messages += 1
    d.tally.sent += len(batch.ids)
    d.tally.late += batch.late_count
    _outcome(d, batch, out, "sent")


async def _failed(d: Delivery, batch: Batch, out: Outgoing, exc: SendError) -> None:
    channel = batch.message.channel
    if exc.migrated_to and exc.migrated_to != out.chat_id:
        _migrate(d, channel, out.chat_id, exc.migrated_to)
        batch.message.chat_id = out.chat_id = exc.migrated_to
        await deliver(d, batch, out)
    elif exc.final and exc.message_only:
        _dropped(d, batch, exc)
    elif exc.final:
        await _unreachable(d, batch, out, exc)
    elif exc.retry_after is not None:
        until = d.now + timedelta(seconds=max(exc.retry_after, 1))
        d.tally.held[channel] = until
        with session_scope(d.engine) as session:
            store.set_channel_hold(session, channel=channel, until=until, now=d.now)
            session.commit()
        _release(d, batch, until, str(exc), count=False)
        if exc.stops_channel:
            await report_channel_stop(d.engine, d.messengers, channel=channel, reason=exc.reason, now=d.now)
    else:
        _release(d, batch, d.now + backoff(batch.attempts), str(exc), count=True)


def _release(d: Delivery, batch: Batch, at: datetime, error: str | None, *, count: bool) -> None:
    with session_scope(d.engine) as session:
        failed = store.release(session, ids=batch.ids, at=at, error=error, count=count,
                               max_attempts=d.settings.reminder_max_attempts, me=d.me)
        session.commit()
    d.tally.failed += failed
    d.tally.deferred += len(batch.ids) - failed
    _outcome(d, batch, None, "failed" if failed else "deferred", error)


async def report_channel_stop(engine: Engine, messengers: dict[str, Messenger], *, channel: str, reason: str,
                              now: datetime) -> bool:
    """Record that `channel` stopped (billing, rejected credentials) and tell officers, once; True if told now."""
    with session_scope(engine) as session:
        first = store.stop_channel(session, channel=channel, reason=reason, now=now)
        notices = channel_stopped_notices(session, channel=channel, reason=reason) if first else []
        session.commit()
    await _tell(messengers, notices)
    return first


def _dropped(d: Delivery, batch: Batch, exc: SendError) -> None:
    """The channel refused this message's content: its rows fail (no retries); the chat stays linked."""
    with session_scope(d.engine) as session:
        store.mark_failed(session, ids=batch.ids, reason=exc.reason, me=d.me)
        session.commit()
    d.tally.failed += len(batch.ids)
    _outcome(d, batch, None, "failed", exc.reason)


def _migrate(d: Delivery, channel: str, old: str, new: str) -> None:
    with session_scope(d.engine) as session:
        people.migrate_chat(session, channel=channel, old_chat_id=old, new_chat_id=new)
        session.commit()


async def _unreachable(d: Delivery, batch: Batch, out: Outgoing, exc: SendError) -> None:
    """Blocked, kicked, chat gone: the rows fail, the chat's links go inactive, officers are told."""
    channel = batch.message.channel
    with session_scope(d.engine) as session:
        store.mark_failed(session, ids=batch.ids, reason=exc.reason, me=d.me)
        links = people.deactivate_chat(session, channel=channel, chat_id=out.chat_id, reason=exc.reason)
        notices = unreachable_notices(session, links=links, reason=exc.reason)
        session.commit()
    d.tally.failed += len(batch.ids)
    _outcome(d, batch, out, "failed", exc.reason)
    await _tell(d.messengers, notices)


async def _tell(messengers: dict[str, Messenger], notices: list[Outgoing]) -> None:
    for notice in notices:
        messenger = messengers.get(notice.channel)
        if messenger is None:
            continue
        try:
            await messenger.send(notice.chat_id, notice)
        except Exception as err:  # the officer will still see the unit in /overdue and the digest
            log.warning("could not tell officer %s: %s", notice.chat_id, err)


def _outcome(d: Delivery, batch: Batch, out: Outgoing | None, state: str, error: str | None = None) -> None:
    d.tally.states.update(dict.fromkeys(batch.ids, state))
    d.tally.outcomes.append({"channel": batch.message.channel, "chat_id": batch.message.chat_id, "state": state,
                             "reminders": len(batch.ids), "late": batch.message.late,
                             "text": out.text if out else None, "error": error})
