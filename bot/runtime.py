"""Composition root for `nhacviec run`: channels, the core, and what happens on chat events."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application

from bot import telegram as tg
from bot.dispatch import Dispatcher
from handlers.context import Services
from handlers.system import unreachable_notices
from services import people
from storage.db import session_scope

log = logging.getLogger(__name__)


class TelegramRuntime:
    """Feeds Telegram updates into the dispatcher and answers button presses."""

    def __init__(self, application: Application, dispatcher: Dispatcher) -> None:
        self.application = application
        self.dispatcher = dispatcher
        application.add_handler(tg.update_handler(self.on_update))

    @property
    def services(self) -> Services:
        return self.dispatcher.services

    async def on_update(self, update: Update) -> None:
        """Every update: group migrations, removals, then the conversation core."""
        msg = update.message
        if msg is not None and msg.migrate_to_chat_id:
            self._migrate(str(msg.chat.id), str(msg.migrate_to_chat_id))
            return
        if tg.removed_from_chat(update):
            await self.chat_lost(str(update.my_chat_member.chat.id), "blocked"
                                 if update.my_chat_member.chat.type == "private" else "kicked")
            return
        incoming = tg.to_incoming(update)
        if incoming is None:
            return
        outs = await self.dispatcher.process(incoming)
        if update.callback_query:
            notice = next((o.notice for o in outs if o.notice), None)
            try:
                await update.callback_query.answer(text=notice[:190] if notice else None)
            except Exception as exc:  # an old query cannot be answered; the change is already saved
                log.info("answerCallbackQuery failed: %s", exc)

    def _migrate(self, old: str, new: str) -> None:
        with session_scope(self.services.engine) as session:
            people.migrate_chat(session, channel=tg.CHANNEL, old_chat_id=old, new_chat_id=new)
            session.commit()

    async def chat_lost(self, chat_id: str, reason: str) -> None:
        """The bot was blocked or removed: mark the link inactive and tell the officers."""
        with session_scope(self.services.engine) as session:
            links = people.deactivate_chat(session, channel=tg.CHANNEL, chat_id=chat_id, reason=reason)
            notices = unreachable_notices(session, links=links, reason=reason)
            session.commit()
        for out in notices:
            await self.dispatcher.deliver(out, default_channel=tg.CHANNEL, default_chat=chat_id)
