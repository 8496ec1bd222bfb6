"""Gettext + Babel text and dates; the reader's locale lives in a ContextVar."""
from __future__ import annotations

import gettext
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_date

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
LANGS = ("vi", "en")
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_current: ContextVar[str] = ContextVar("nhacviec_locale", default="vi")


@lru_cache(maxsize=None)
def _translations(lang: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=LOCALES_DIR, languages=[lang], fallback=True)


def current_locale() -> str:
    """The locale of the person being answered (default Vietnamese)."""
    return _current.get()


def set_locale(lang: str | None) -> None:
    """Switch this context to `lang` (unknown values fall back to vi)."""
    _current.set(lang if lang in LANGS else "vi")


@contextmanager
def use_locale(lang: str | None):
    """Render in `lang` inside the block, e.g. for a reminder to one chat."""
    token = _current.set(lang if lang in LANGS else "vi")
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """Translate `message` (a Vietnamese msgid) into the current locale."""
    lang = _current.get()
    gettext_ = _GETTEXT.get(lang)
    if gettext_ is None:  # once per locale: a reply calls this a few dozen times
        gettext_ = _GETTEXT[lang] = _translations(lang).gettext
    return gettext_(message)


_GETTEXT: dict[str, object] = {}  # locale -> its catalog's gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """Plural-aware translation."""
    return _translations(current_locale()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


def fmt_date(value: date | datetime | None) -> str:
    """A date as the reader writes it: dd/mm/yyyy in both locales."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    return _numeric_date(value, current_locale())


@lru_cache(maxsize=4096)
def _numeric_date(value: date, locale: str) -> str:
    """Babel's dd/MM/yyyy, remembered: a list of tasks formats the same few days again and again."""
    return _babel_date(value, "dd/MM/yyyy", locale=locale)


def fmt_datetime(value: datetime) -> str:
    """An aware instant in Vietnam time: HH:mm dd/mm/yyyy."""
    local = value.astimezone(LOCAL_TZ)
    return f"{local:%H:%M} {fmt_date(local.date())}"


def fmt_weekday_date(value: date) -> str:
    """'thứ Sáu, 20/03/2026' / 'Friday, 20/03/2026'."""
    return _babel_date(value, "EEEE, dd/MM/yyyy", locale=current_locale())
