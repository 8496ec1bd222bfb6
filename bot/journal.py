"""The webhook journal for the event loop: database writes in a thread, and taking over unfinished events (at
start and periodically, from this worker's earlier run or from any worker that died)."""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import datetime, timedelta
from typing import Awaitable, Callable

from sqlalchemy.engine import Engine

from bot.webhooks import Background, WebhookHandlers, accept
from services import inbound_journal
from storage.claims import worker_id
from storage.db import session_scope
from storage.types import utcnow
from zalo import parse_bot_update, parse_oa_event

log = logging.getLogger(__name__)
KEEP_DONE = timedelta(days=7)
PRUNE_EVERY = timedelta(hours=1)
PARSERS = {"zalo_bot": parse_bot_update, "zalo_oa": parse_oa_event}


class DbJournal:
    """Journal rows in the bot's database, claimed in the name of this worker (`me`)."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow, me: str | None = None) -> None:
        self.engine, self.clock, self.me = engine, clock, me or worker_id()
        self._pruned_at: datetime | None = None

    async def record(self, channel: str, key: str, payload: dict) -> bool:
        """Journal the event; True when this worker is to handle it (see services.inbound_journal.record_event)."""
        state = await asyncio.to_thread(self._record, channel, key, json.dumps(payload, ensure_ascii=False))
        return state in inbound_journal.MINE

    async def done(self, channel: str, key: str) -> None:
        """Mark the event handled."""
        await asyncio.to_thread(self._done, channel, key)

    renew_every = inbound_journal.STALE_CLAIM.total_seconds() / 4

    async def renew(self, channel: str, key: str) -> None:
        """This worker is still handling the event: its claim is fresh again."""
        await asyncio.to_thread(self._renew, channel, key)

    def _renew(self, channel: str, key: str) -> None:
        with session_scope(self.engine) as session:
            inbound_journal.renew_claim(session, channel=channel, key=key, now=self.clock(), me=self.me)
            session.commit()

    def _record(self, channel: str, key: str, payload: str) -> str:
        with session_scope(self.engine) as session:
            return inbound_journal.record_event(session, channel=channel, key=key, payload=payload,
                                                now=self.clock(), me=self.me)

    def _done(self, channel: str, key: str) -> None:
        with session_scope(self.engine) as session:
            inbound_journal.mark_done(session, channel=channel, key=key, now=self.clock())
            session.commit()

    def claim_pending(self, channels: tuple[str, ...]) -> list[tuple[str, str, dict]]:
        """(channel, key, payload) of unfinished events this worker now holds; old handled ones are forgotten
        (once an hour: every update of every channel is journaled, the table is not small)."""
        now = self.clock()
        with session_scope(self.engine) as session:
            if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
                inbound_journal.prune_done(session, before=now - KEEP_DONE)
                self._pruned_at = now
            rows = inbound_journal.claim_pending(session, channels=channels, now=self.clock(), me=self.me)
            session.commit()
        return [(channel, key, json.loads(payload)) for channel, key, payload in rows]


def _handlers(hooks: WebhookHandlers) -> dict[str, Callable[[dict], Awaitable[None]] | None]:
    """For each journaled channel: what handles one of its payloads (None when the channel is off)."""
    def zalo(channel: str, handler):
        if handler is None:
            return None

        async def run(payload: dict) -> None:
            inbound = PARSERS[channel](payload)
            if inbound is not None:
                await handler(inbound)
        return run
    return {"zalo_bot": zalo("zalo_bot", hooks.on_zalo_bot), "zalo_oa": zalo("zalo_oa", hooks.on_zalo_oa),
            "telegram": hooks.on_telegram}


async def take_over_pending(journal: DbJournal, hooks: WebhookHandlers, background: Background) -> int:
    """Handle the events acknowledged but not finished by a worker that is gone (or by this one's last run)."""
    handlers = {channel: run for channel, run in _handlers(hooks).items() if run is not None}
    if not handlers:
        return 0
    pending = await asyncio.to_thread(journal.claim_pending, tuple(handlers))
    for channel, key, payload in pending:
        run = handlers[channel]
        await accept(hooks, background, channel, key, payload, lambda run=run, payload=payload: run(payload),
                     journaled=True)
    if pending:
        log.info("handling %d webhook event(s) acknowledged but not finished before", len(pending))
    return len(pending)


class JournalSweeper:
    """Takes over unfinished events every `every` seconds, so a worker killed mid-event loses nothing."""

    def __init__(self, journal: DbJournal, hooks: WebhookHandlers, background: Background, every: float) -> None:
        self.journal, self.hooks, self.background, self.every = journal, hooks, background, every
        self._task: asyncio.Task | None = None
        self.sweeps = 0                      # sweeps finished so far
        self._swept = asyncio.Condition()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="journal-sweeper")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await take_over_pending(self.journal, self.hooks, self.background)
            except Exception:  # the database may be away for a moment; the next sweep tries again
                log.exception("taking over unfinished webhook events failed")
            async with self._swept:
                self.sweeps += 1
                self._swept.notify_all()

    async def swept(self, times: int = 1) -> None:
        """Wait until `times` more sweeps have finished."""
        async with self._swept:
            target = self.sweeps + times
            await self._swept.wait_for(lambda: self.sweeps >= target)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
