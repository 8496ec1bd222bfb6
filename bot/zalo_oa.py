"""The Zalo Official Account channel: consultation messages first, a transaction message when the 7-day
window has closed (if configured), otherwise the unit is reported unreachable on Zalo until it writes."""
from __future__ import annotations

import logging
from typing import Awaitable, Callable

import httpx
from sqlalchemy.engine import Engine

from bot.messenger import Sent, numbered, split_text
from bot.zalo_channel import ChoiceMemory, download, send_error
from handlers.messages import Attachment, Outgoing
from i18n import _, use_locale
from storage.models.plans import Channel
from zalo import DbTokenStore, ZaloError, ZaloNoInteraction, ZaloOaClient, seed_from_settings, transaction_payload
from zalo.oa_client import MAX_TEXT

log = logging.getLogger(__name__)
CHANNEL = Channel.ZALO_OA
# Transaction template parts are short; these bounds stay under every limit we have seen quoted.
HEADER_MAX = 100
BODY_MAX = 1000


def template_type(setting: str | None) -> str | None:
    """NHACVIEC_ZALO_OA_TRANSACTION_TEMPLATE as a template_type ("event" → "transaction_event")."""
    value = (setting or "").strip().lower()
    if not value:
        return None
    return value if value.startswith("transaction_") else f"transaction_{value}"


class ZaloOaMessenger:
    """Sends as the OA; buttons become numbered choices, long texts are split at 2,000 characters."""

    channel = CHANNEL
    inline_buttons = False
    max_text = MAX_TEXT

    def __init__(self, client: ZaloOaClient, *, transaction_template: str | None = None,
                 choices: ChoiceMemory | None = None, max_download: int = 20 * 1024 * 1024,
                 media_allow_hosts: frozenset[str] = frozenset(),
                 on_open: Callable[[], Awaitable[None]] | None = None) -> None:
        self.client = client
        self.transaction_template = template_type(transaction_template)
        self.choices = choices
        self.max_download = max_download
        self.media_allow_hosts = media_allow_hosts
        self._on_open = on_open
        self._http = httpx.AsyncClient(timeout=30.0)

    async def open(self) -> None:
        """Seed the token store from the settings the first time (see build_oa_messenger)."""
        if self._on_open is not None:
            await self._on_open()

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self.client.aclose()
        await self._http.aclose()

    async def send(self, user_id: str, message: Outgoing) -> list[Sent]:
        """Consultation messages, part by part; past the 7-day window, one transaction message if we may."""
        parts = [p for p in split_text(numbered(message), MAX_TEXT) if p.strip()]
        sent: list[Sent] = []
        for i, part in enumerate(parts):
            try:
                result = await self.client.send_cs(user_id, part)
            except ZaloNoInteraction as exc:
                if self.transaction_template is None:
                    raise send_error(exc) from exc
                sent.append(await self._send_transaction(user_id, "\n".join(parts[i:]), message.lang))
                break
            except ZaloError as exc:
                raise send_error(exc) from exc
            sent.append(Sent(result.message_id))
        if sent and self.choices is not None:
            self.choices.remember(channel=CHANNEL, chat_id=str(user_id), message=message)
        return sent

    async def edit(self, chat_id: str, message_id: str, message: Outgoing) -> None:
        """Zalo cannot edit a sent message: the new text goes out as a new one."""
        await self.send(chat_id, message)

    async def fetch(self, attachment: Attachment) -> bytes:
        """Download an image or file the person sent (its file_id is Zalo's URL)."""
        return await download(self._http, attachment.file_id, self.max_download,
                              allow_hosts=self.media_allow_hosts)

    async def _send_transaction(self, user_id: str, text: str, lang: str | None) -> Sent:
        header, _sep, body = text.partition("\n")
        with use_locale(lang):
            tail = _("Nhắn tin cho Zalo OA này để trả lời và tiếp tục nhận nhắc việc.")
        body = body.strip()
        if len(body) > BODY_MAX - len(tail) - 2:
            body = body[:BODY_MAX - len(tail) - 3].rstrip() + "…"
        payload = transaction_payload(header[:HEADER_MAX], f"{body}\n\n{tail}".strip(),
                                      template_type=self.transaction_template,
                                      language="EN" if lang == "en" else "VI")
        try:
            result = await self.client.send_transaction(user_id, payload)
        except ZaloError as exc:
            raise send_error(exc) from exc
        log.info("Zalo OA: 7-day window closed for a user; sent a transaction message instead")
        return Sent(result.message_id)


def oa_configured(settings) -> bool:
    """True when the OA app id and both secrets are set (the tokens come from the settings or the database)."""
    return bool(settings.zalo_oa_app_id and settings.zalo_oa_app_secret and settings.zalo_oa_secret_key)


def build_oa_messenger(settings, engine: Engine, choices: ChoiceMemory | None) -> ZaloOaMessenger:
    """The OA messenger; its tokens live in the database, seeded once from the settings."""
    store = DbTokenStore(engine)
    client = ZaloOaClient(settings.zalo_oa_app_id, settings.zalo_oa_app_secret.get_secret_value(),
                          settings.zalo_oa_secret_key.get_secret_value(), store,
                          api_url=settings.zalo_oa_api_url, oauth_url=settings.zalo_oauth_url)

    async def seed() -> None:
        if await seed_from_settings(store, settings):
            log.info("Zalo OA tokens stored from the settings")

    return ZaloOaMessenger(client, transaction_template=settings.zalo_oa_transaction_template, choices=choices,
                           max_download=settings.evidence_max_bytes,
                           media_allow_hosts=settings.media_allow_hosts, on_open=seed)
