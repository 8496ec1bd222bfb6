"""Run an incoming message through the core and deliver what it answers, on the right channels."""
from __future__ import annotations

import logging

from bot.messenger import Messenger, SendError
from handlers.context import Services
from handlers.messages import Incoming, Outgoing
from handlers.router import handle, remember_sent
from handlers.system import unreachable_notices
from services import people
from storage.db import session_scope

log = logging.getLogger(__name__)


class Dispatcher:
    """Owns the messengers; handlers never see them."""

    def __init__(self, services: Services, messengers: dict[str, Messenger]) -> None:
        self.services = services
        self.messengers = messengers
        services.inline_buttons = {name: m.inline_buttons for name, m in messengers.items()}
        services.fetch_file = self._fetch

    async def _fetch(self, channel: str, attachment) -> bytes:
        return await self.messengers[channel].fetch(attachment)

    async def process(self, incoming: Incoming) -> list[Outgoing]:
        """Handle and deliver; returns the answers (notices included) for the adapter."""
        outs = await handle(incoming, self.services)
        for out in outs:
            await self.deliver(out, default_channel=incoming.channel, default_chat=incoming.chat_id)
        return outs

    async def deliver(self, out: Outgoing, *, default_channel: str, default_chat: str, notify: bool = True) -> None:
        """Send or edit one message; a failure to another chat is logged, never raised at the sender."""
        await self._deliver(out, out.channel or default_channel, out.chat_id or default_chat, notify=notify)

    async def _deliver(self, out: Outgoing, channel: str, chat_id: str, *, notify: bool, hops: int = 0) -> None:
        messenger = self.messengers.get(channel)
        if messenger is None:
            log.warning("no messenger for channel %s", channel)
            return
        try:
            if out.edit_message_id:
                await messenger.edit(chat_id, out.edit_message_id, out)
                sent_ids = [out.edit_message_id]
            else:
                sent_ids = [sent.message_id for sent in await messenger.send(chat_id, out)]
        except SendError as exc:
            log.warning("sending to %s:%s failed: %s", channel, chat_id, exc)
            await self._failed(out, channel, chat_id, exc, notify=notify, hops=hops)
            return
        remember_sent(self.services, channel=channel, chat_id=chat_id, message_ids=sent_ids, about=out.about)

    async def _failed(self, out: Outgoing, channel: str, chat_id: str, exc: SendError, *, notify: bool,
                      hops: int) -> None:
        if exc.migrated_to and hops == 0:  # a group became a supergroup: move its links, send again there
            with session_scope(self.services.engine) as session:
                people.migrate_chat(session, channel=channel, old_chat_id=chat_id, new_chat_id=exc.migrated_to)
                session.commit()
            if not out.edit_message_id:
                await self._deliver(out, channel, exc.migrated_to, notify=notify, hops=1)
            return
        if not exc.final or exc.message_only:  # a refused message leaves the chat reachable
            return
        with session_scope(self.services.engine) as session:
            links = people.deactivate_chat(session, channel=channel, chat_id=chat_id, reason=exc.reason)
            notices = unreachable_notices(session, links=links, reason=exc.reason) if notify else []
            session.commit()
        for notice in notices:
            await self.deliver(notice, default_channel=channel, default_chat=chat_id, notify=False)
