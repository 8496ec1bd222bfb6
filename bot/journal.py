"""The webhook journal for the event loop: database writes in a thread, and the start-up replay."""
from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy.engine import Engine

from bot.webhooks import Background, WebhookHandlers, accept
from services import inbound_journal
from storage.db import session_scope
from storage.types import utcnow
from zalo import parse_bot_update, parse_oa_event

log = logging.getLogger(__name__)
KEEP_DONE = timedelta(days=7)
PARSERS = {"zalo_bot": parse_bot_update, "zalo_oa": parse_oa_event}


class DbJournal:
    """Journal rows in the bot's database."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine, self.clock = engine, clock

    async def record(self, channel: str, key: str, payload: dict) -> str:
        """new, pending or done (see services.inbound_journal.record_event)."""
        return await asyncio.to_thread(self._record, channel, key, json.dumps(payload, ensure_ascii=False))

    async def done(self, channel: str, key: str) -> None:
        """Mark the event handled."""
        await asyncio.to_thread(self._done, channel, key)

    def _record(self, channel: str, key: str, payload: str) -> str:
        with session_scope(self.engine) as session:
            return inbound_journal.record_event(session, channel=channel, key=key, payload=payload, now=self.clock())

    def _done(self, channel: str, key: str) -> None:
        with session_scope(self.engine) as session:
            inbound_journal.mark_done(session, channel=channel, key=key, now=self.clock())
            session.commit()

    def pending(self, channels: tuple[str, ...]) -> list[tuple[str, str, dict]]:
        """(channel, key, payload) of events answered but not handled; old handled ones are forgotten."""
        with session_scope(self.engine) as session:
            inbound_journal.prune_done(session, before=self.clock() - KEEP_DONE)
            rows = [(e.channel, e.key, e.payload)
                    for e in inbound_journal.pending_events(session, channels=channels)]
            session.commit()
        return [(channel, key, json.loads(payload)) for channel, key, payload in rows]


async def replay_pending(journal: DbJournal, hooks: WebhookHandlers, background: Background) -> int:
    """Handle the events a previous run acknowledged but did not finish; how many."""
    handlers = {"zalo_bot": hooks.on_zalo_bot, "zalo_oa": hooks.on_zalo_oa}
    channels = tuple(c for c, handler in handlers.items() if handler is not None)
    pending = await asyncio.to_thread(journal.pending, channels) if channels else []
    for channel, key, payload in pending:
        inbound = PARSERS[channel](payload)
        if inbound is None or inbound.event_id != key:
            await journal.done(channel, key)  # nothing this version can handle: do not replay it forever
            continue
        await accept(hooks, background, channel, inbound, payload, handlers[channel], journaled=True)
    if pending:
        log.info("handling %d Zalo event(s) received before the last stop", len(pending))
    return len(pending)
