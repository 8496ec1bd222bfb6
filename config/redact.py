"""Secrets never reach a log line or a message: known values and token-shaped text are masked.

python-telegram-bot puts the token in its InvalidToken text and in request URLs (…/bot<token>/getMe); Zalo's Bot API
does the same; Zalo OA tokens travel as access_token=…; a PostgreSQL URL may hold a password. Everything printed
or logged by `nhacviec` goes through `redact`.
"""
from __future__ import annotations

import logging
import re

MASK = "***"
_PATTERNS = (
    (re.compile(r"(/bot)[^/\s?'\"]{8,}"), r"\1" + MASK),                  # Bot API URLs (Telegram, Zalo Bot)
    (re.compile(r"\b\d{5,16}:[A-Za-z0-9_-]{20,}"), MASK),                  # a Telegram bot token anywhere
    (re.compile(r"(?i)((?:access_token|refresh_token|secret_key|app_secret|secret_token)[\"']?\s*[=:]\s*[\"']?)"
                r"[^&\s,'\"]{6,}"), r"\1" + MASK),                          # OAuth parameters, JSON fields
    (re.compile(r"(://[^:/@\s]+:)[^@/\s]+(?=@)"), r"\1" + MASK),          # user:password@ in database URLs
)
_known: set[str] = set()


def add_secrets(*values) -> None:
    """Remember secret values (SecretStr or str) so they are masked wherever they appear."""
    for value in values:
        raw = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        if raw and len(str(raw)) >= 6:
            _known.add(str(raw))


def add_settings_secrets(settings) -> None:
    """Every SecretStr of the settings."""
    add_secrets(*(getattr(settings, name) for name in type(settings).model_fields
                  if hasattr(getattr(settings, name), "get_secret_value")))


def redact(text: object) -> str:
    """`text` with every known secret and token-shaped part masked."""
    out = str(text)
    for secret in sorted(_known, key=len, reverse=True):
        out = out.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        out = pattern.sub(replacement, out)
    return out


class RedactingFilter(logging.Filter):
    """A handler filter: the message, its arguments and any traceback are masked before formatting."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install(settings=None) -> None:
    """Mask secrets on every handler of the root logger (call after logging is configured)."""
    if settings is not None:
        add_settings_secrets(settings)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
