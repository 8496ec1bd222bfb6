"""The anchor for inbound throughput: a bare python-telegram-bot echo bot (`python -m bench.echo_bot URL TOKEN`)."""
from __future__ import annotations

import sys

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await context.bot.send_message(update.effective_chat.id, update.message.text or "…")


def main(base_url: str, token: str) -> None:
    """Poll `base_url` and answer every message with its own text, as PTB's echobot example does."""
    application = ApplicationBuilder().token(token).base_url(base_url).build()
    application.add_handler(MessageHandler(filters.ALL, echo))
    application.run_polling(drop_pending_updates=False)


if __name__ == "__main__":
    main(*sys.argv[1:3])
