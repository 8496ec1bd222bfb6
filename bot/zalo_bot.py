"""The Zalo Bot Platform channel: a messenger with numbered choices, and long polling when there is no webhook."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Awaitable, Callable

import httpx

from bot.messenger import SendError, Sent, numbered, split_text
from bot.zalo_channel import ChoiceMemory, download, send_error
from handlers.messages import Attachment, Outgoing
from i18n import _, use_locale
from storage.models.plans import Channel
from zalo import ZaloBotClient, ZaloError, ZaloInbound, parse_bot_update
from zalo.bot_client import MAX_TEXT

log = logging.getLogger(__name__)
CHANNEL = Channel.ZALO_BOT
ERROR_WAIT = 5.0        # seconds between long polls after a failure (OpenClaw waits the same)
OnInbound = Callable[[ZaloInbound], Awaitable[None]]


class ZaloBotMessenger:
    """Sends through a ZaloBotClient; buttons become numbered choices, long texts are split at 2,000."""

    channel = CHANNEL
    inline_buttons = False
    max_text = MAX_TEXT

    def __init__(self, client: ZaloBotClient, *, choices: ChoiceMemory | None = None,
                 max_download: int = 20 * 1024 * 1024,
                 media_allow_hosts: frozenset[str] = frozenset()) -> None:
        self.client = client
        self.choices = choices
        self.max_download = max_download
        self.media_allow_hosts = media_allow_hosts
        self._http = httpx.AsyncClient(timeout=30.0)

    async def open(self) -> None:
        """Nothing to start: the HTTP clients connect on first use."""

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self.client.aclose()
        await self._http.aclose()

    async def send(self, chat_id: str, message: Outgoing) -> list[Sent]:
        """Send every part of the message; a failure after the first part loses only the rest."""
        sent = []
        for part in split_text(numbered(message), MAX_TEXT):
            if not part.strip():
                continue
            try:
                result = await self.client.send_message(chat_id, part)
            except ZaloError as exc:
                raise bot_send_error(exc) from exc
            sent.append(Sent(result.message_id))
        if sent and self.choices is not None:
            self.choices.remember(channel=CHANNEL, chat_id=str(chat_id), message=message,
                                  message_ids=[s.message_id for s in sent])
        if message.files:  # the Bot Platform sends no documents (and photos only from a public URL)
            with use_locale(message.lang):
                note = _("Zalo Bot không gửi được tệp ({names}). Hãy tải các tệp này trên trang web của Văn phòng "
                         "Sở, hoặc dùng Zalo OA hay Telegram.").format(names=", ".join(f.name for f in message.files))
            try:
                sent.append(Sent((await self.client.send_message(chat_id, note[:MAX_TEXT])).message_id))
            except ZaloError as exc:
                raise bot_send_error(exc) from exc
        return sent

    async def edit(self, chat_id: str, message_id: str, message: Outgoing) -> None:
        """Zalo cannot edit a sent message: the new text goes out as a new one."""
        await self.send(chat_id, message)

    async def fetch(self, attachment: Attachment) -> bytes:
        """Download a photo the person sent (its file_id is Zalo's URL)."""
        return await download(self._http, attachment.file_id, self.max_download,
                              allow_hosts=self.media_allow_hosts)


def bot_send_error(exc: ZaloError) -> SendError:
    """Like send_error, reading the Bot Platform's codes (401 bad token, 403 server error, 429 quota)."""
    text = (exc.message or "").lower()
    if exc.code in (400, 404) and "chat" in text and "not found" in text:
        return SendError(str(exc), final=True, reason="chat_not_found")
    return send_error(exc)


class BotPoller:
    """Long-polls getUpdates (after deleteWebhook: the two are exclusive) and hands each update on."""

    def __init__(self, client: ZaloBotClient, on_inbound: OnInbound, *, timeout: int = 30,
                 error_wait: float = ERROR_WAIT) -> None:
        self.client = client
        self.on_inbound = on_inbound
        self.timeout = timeout
        self.error_wait = error_wait
        self._task: asyncio.Task | None = None
        self._poll: asyncio.Task | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        """Remove any webhook, then poll in a task of its own."""
        try:
            await self.client.delete_webhook()
        except ZaloError as exc:  # polling will keep saying what is wrong; the bot still starts
            log.warning("Zalo bot deleteWebhook failed: %s", exc)
        self._task = asyncio.create_task(self._run(), name="zalo-bot-polling")

    async def stop(self) -> None:
        """Stop after the update in hand is handled; an idle long poll is cut short."""
        self._stopping.set()
        if self._poll is not None:
            self._poll.cancel()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                updates = await self._next()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # an answer we could not read: say so, wait, poll again
                log.warning("Zalo bot getUpdates answer unreadable (%s)", type(exc).__name__)
                await self._pause()
                continue
            for update in updates or ():
                await self._handle(update)

    async def _handle(self, update: dict) -> None:
        try:
            inbound = parse_bot_update(update)
        except Exception as exc:  # a malformed update is skipped; the next one is read as usual
            log.warning("skipping a malformed Zalo bot update (%s)", type(exc).__name__)
            return
        if inbound is None:
            return
        try:
            await self.on_inbound(inbound)
        except Exception:  # one bad update must not stop the channel
            log.exception("handling a Zalo bot update failed")

    async def _pause(self) -> None:
        with contextlib.suppress(TimeoutError):  # wait a little, unless we are stopping
            await asyncio.wait_for(self._stopping.wait(), self.error_wait)

    async def _next(self) -> list[dict] | None:
        self._poll = asyncio.ensure_future(self.client.get_updates(self.timeout))
        try:
            return await self._poll
        except asyncio.CancelledError:
            if self._stopping.is_set():
                return None
            raise
        except ZaloError as exc:
            log.warning("Zalo bot getUpdates failed: %s", exc)
            await self._pause()
            return None
        finally:
            self._poll = None


def build_bot_messenger(settings, choices: ChoiceMemory | None) -> ZaloBotMessenger:
    """The messenger for NHACVIEC_ZALO_BOT_TOKEN against NHACVIEC_ZALO_BOT_API_URL."""
    client = ZaloBotClient(settings.zalo_bot_token.get_secret_value(), settings.zalo_bot_api_url)
    return ZaloBotMessenger(client, choices=choices, max_download=settings.evidence_max_bytes,
                           media_allow_hosts=settings.media_allow_hosts)
