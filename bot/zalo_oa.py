"""The Zalo Official Account channel. The kind of message is chosen before sending, from the user's last
interaction with the OA (Zalo's per-user look-up, or what we saw ourselves):

- within 48 hours: a consultation message (free);
- 48 hours to 7 days: NHACVIEC_ZALO_OA_BILLABLE_WINDOW — send it anyway (billed), send the template, or hold
  it until the unit writes;
- past 7 days: the approved ZBS template (NHACVIEC_ZALO_OA_TEMPLATE_ID) by user id; without one, the unit is
  final "unreachable on Zalo" at once and officers are told.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Awaitable, Callable

import httpx
from sqlalchemy.engine import Engine

from bot.messenger import SendError, Sent, numbered, split_text
from bot.zalo_channel import ChoiceMemory, download, send_error
from config import TEMPLATE_FIELDS
from handlers.messages import Attachment, Outgoing
from handlers.render import short
from i18n import _, use_locale
from storage.models.plans import Channel
from storage.types import utcnow
from zalo import (DbTokenStore, ZaloBillingError, ZaloError, ZaloNoInteraction, ZaloOaClient, ZaloPayloadRejected,
                  seed_from_settings)
from zalo.oa_client import MAX_TEXT

log = logging.getLogger(__name__)
CHANNEL = Channel.ZALO_OA
FREE_WINDOW = timedelta(hours=48)
CS_WINDOW = timedelta(days=7)
CS, TEMPLATE, HOLD, UNREACHABLE = "cs", "template", "hold", "unreachable"


@dataclass(frozen=True)
class Template:
    """An approved ZBS template and which reminder field fills each of its parameters."""

    template_id: str
    params: dict[str, str]

    def data(self, message: Outgoing, public_url: str | None) -> dict[str, str]:
        """The template_data for `message` (fields it lacks are read from its text, cut to Zalo's lengths)."""
        fields = dict(message.fields)
        fields.setdefault("task", short(message.text, TEMPLATE_FIELDS["task"]))
        if public_url:
            fields.setdefault("link", public_url)
        return {name: short(fields.get(field, "") or "—", TEMPLATE_FIELDS[field])
                for name, field in self.params.items()}


class ZaloOaMessenger:
    """Sends as the OA; buttons become numbered choices, long texts are split at 2,000 characters."""

    channel = CHANNEL
    inline_buttons = False
    max_text = MAX_TEXT

    def __init__(self, client: ZaloOaClient, *, template: Template | None = None, billable_window: str = "send",
                 choices: ChoiceMemory | None = None, max_download: int = 20 * 1024 * 1024,
                 media_allow_hosts: frozenset[str] = frozenset(), public_url: str | None = None,
                 on_open: Callable[[], Awaitable[None]] | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.client = client
        self.template = template
        self.billable_window = billable_window
        self.choices = choices
        self.max_download = max_download
        self.media_allow_hosts = media_allow_hosts
        self.public_url = public_url
        self.clock = clock
        self._on_open = on_open
        self._seen: dict[str, datetime] = {}     # user id -> last interaction we saw ourselves (webhook)
        self._http = httpx.AsyncClient(timeout=30.0)

    async def open(self) -> None:
        """Seed the token store from the settings the first time (see build_oa_messenger)."""
        if self._on_open is not None:
            await self._on_open()

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self.client.aclose()
        await self._http.aclose()

    def saw_interaction(self, user_id: str, at: datetime) -> None:
        """The user wrote to or followed the OA at `at` (spares a look-up while the free window is open)."""
        self._seen[str(user_id)] = max(at, self._seen.get(str(user_id), at))

    async def send(self, user_id: str, message: Outgoing) -> list[Sent]:
        """The message as the kind the user's window allows (see the module docstring)."""
        kind = await self.kind_for(user_id)
        if kind == CS:
            sent = await self._send_cs(user_id, message)
        elif kind == TEMPLATE:
            sent = [await self._send_template(user_id, message)]
        elif kind == HOLD:
            raise SendError("held until the unit writes (billable window)", final=True, reason="held_window")
        else:
            raise SendError("past the 7-day window and no ZBS template configured", final=True,
                            reason="zalo_unreachable")
        if sent and self.choices is not None and kind == CS:
            self.choices.remember(channel=CHANNEL, chat_id=str(user_id), message=message,
                                  message_ids=[s.message_id for s in sent])
        if kind == CS and message.files:
            sent += await self._send_files(user_id, message)
        return sent

    async def _send_files(self, user_id: str, message: Outgoing) -> list[Sent]:
        """The message's files after its text; a file Zalo will not take is named in a short note instead."""
        sent, refused = [], []
        for file in message.files:
            try:
                sent += await self.send_file(user_id, file.name, file.data, mime=file.mime)
            except SendError as exc:
                if not exc.message_only:
                    raise
                log.warning("Zalo OA did not take the file kind .%s (%s)", file.name.rsplit(".", 1)[-1], exc.reason)
                refused.append(file.name)
        if refused:
            with use_locale(message.lang):
                note = _("Zalo OA không nhận tệp {names}. Hãy tải các tệp này trên trang web của Văn phòng Sở "
                         "hoặc xem trên Telegram.").format(names=", ".join(refused))
            sent.append(Sent((await self.client.send_cs(user_id, note[:MAX_TEXT])).message_id))
        return sent

    async def kind_for(self, user_id: str) -> str:
        """cs, template, hold or unreachable, from the age of the user's last interaction with the OA."""
        now = self.clock()
        seen = self._seen.get(str(user_id))
        if seen is not None and now - seen <= FREE_WINDOW:
            return CS
        try:
            last = await self.client.last_interaction(user_id)
        except ZaloBillingError as exc:
            raise send_error(exc) from exc
        except ZaloError as exc:  # the look-up failed: try the free kind, Zalo answers -230 if the window is shut
            log.info("Zalo OA interaction look-up failed (%s); trying a consultation message", exc)
            return CS
        last = max(filter(None, (last, seen)), default=None)
        if last is None or now - last <= FREE_WINDOW:
            return CS
        if now - last <= CS_WINDOW:
            band = {"send": CS, "template": TEMPLATE if self.template else CS, "hold": HOLD}
            return band.get(self.billable_window, CS)
        return TEMPLATE if self.template else UNREACHABLE

    async def _send_cs(self, user_id: str, message: Outgoing) -> list[Sent]:
        sent: list[Sent] = []
        for part in [p for p in split_text(numbered(message), MAX_TEXT) if p.strip()]:
            try:
                result = await self.client.send_cs(user_id, part)
            except ZaloNoInteraction as exc:  # the window shut after all: the template, or unreachable
                if self.template is None:
                    raise SendError(str(exc), final=True, reason="zalo_unreachable") from exc
                if sent:                      # part of it arrived: the rest is not worth a paid template
                    raise send_error(exc) from exc
                return [await self._send_template(user_id, message)]
            except ZaloError as exc:
                raise send_error(exc, payload="consultation text") from exc
            sent.append(Sent(result.message_id))
        return sent

    async def _send_template(self, user_id: str, message: Outgoing) -> Sent:
        data = self.template.data(message, self.public_url)
        try:
            result = await self.client.send_template(user_id, self.template.template_id, data)
        except ZaloPayloadRejected as exc:  # refused: final at once, the unit is unreachable on Zalo
            log.error("Zalo OA từ chối tin mẫu ZBS %s — %s; đơn vị coi như không liên lạc được trên Zalo.",
                      self.template.template_id, exc)
            raise SendError(str(exc), final=True, reason="zalo_unreachable") from exc
        except ZaloError as exc:
            raise send_error(exc, payload="ZBS template") from exc
        log.info("Zalo OA: a unit past the 7-day window was sent the ZBS template")
        return Sent(result.message_id)

    async def send_file(self, user_id: str, name: str, data: bytes, *, mime: str = "", caption: str = "",
                        lang: str | None = None) -> list[Sent]:
        """A report file (DOCX, PDF, CSV…) or a chart picture (PNG/JPG) through the OA's upload and its file or
        image message; only while the consultation window is open (files cannot go as a template)."""
        if await self.kind_for(user_id) != CS:
            raise SendError("files go only while the user may get consultation messages", final=True,
                            message_only=True, reason="window")
        image = mime.startswith("image/") or name.lower().endswith((".png", ".jpg", ".jpeg"))
        try:
            token = await self.client.upload("image" if image else "file", name, data,
                                             mime or "application/octet-stream")
            if image:
                return [Sent((await self.client.send_image(user_id, token, caption)).message_id)]
            sent = [Sent((await self.client.send_cs(user_id, caption[:MAX_TEXT])).message_id)] if caption else []
            return sent + [Sent((await self.client.send_file(user_id, token)).message_id)]
        except ValueError as exc:  # larger than Zalo takes: say so rather than fail at Zalo
            raise SendError(str(exc), final=True, message_only=True, reason="file_too_large") from exc
        except ZaloError as exc:
            raise send_error(exc, payload=f"file {name.rsplit('.', 1)[-1].lower()}") from exc

    async def edit(self, chat_id: str, message_id: str, message: Outgoing) -> None:
        """Zalo cannot edit a sent message: the new text goes out as a new one."""
        await self.send(chat_id, message)

    async def fetch(self, attachment: Attachment) -> bytes:
        """Download an image or file the person sent (its file_id is Zalo's URL)."""
        return await download(self._http, attachment.file_id, self.max_download,
                              allow_hosts=self.media_allow_hosts)


def oa_configured(settings) -> bool:
    """True when the OA app id and both secrets are set (the tokens come from the settings or the database)."""
    return bool(settings.zalo_oa_app_id and settings.zalo_oa_app_secret and settings.zalo_oa_secret_key)


def build_oa_messenger(settings, engine: Engine, choices: ChoiceMemory | None,
                       clock: Callable[[], datetime] = utcnow) -> ZaloOaMessenger:
    """The OA messenger; its tokens live in the database, seeded once from the settings."""
    store = DbTokenStore(engine)
    client = ZaloOaClient(settings.zalo_oa_app_id, settings.zalo_oa_app_secret.get_secret_value(),
                          settings.zalo_oa_secret_key.get_secret_value(), store,
                          api_url=settings.zalo_oa_api_url, oauth_url=settings.zalo_oauth_url, clock=clock)

    async def seed() -> None:
        if await seed_from_settings(store, settings, clock=clock):
            log.info("Zalo OA tokens stored from the settings")

    template = (Template(settings.zalo_oa_template_id.strip(), settings.oa_template_params)
                if settings.zalo_oa_template_id and settings.zalo_oa_template_id.strip() else None)
    return ZaloOaMessenger(client, template=template, billable_window=settings.zalo_oa_billable_window,
                           choices=choices, max_download=settings.evidence_max_bytes,
                           media_allow_hosts=settings.media_allow_hosts, public_url=settings.public_url,
                           on_open=seed, clock=clock)
