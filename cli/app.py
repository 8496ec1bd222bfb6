"""What every command needs: settings, a migrated database, the reader's language."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import click

from config import Settings
from i18n import _

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@dataclass
class App:
    """Composition root for one CLI invocation."""

    settings: Settings = field(default_factory=Settings)
    lang: str = "vi"

    @cached_property
    def engine(self) -> Engine:
        from storage.db import SchemaBehind, open_database  # SQLAlchemy and Alembic only where a command needs them
        try:
            return open_database(self.settings.database_url)
        except SchemaBehind as exc:
            if exc.ahead:
                fail(_("Cơ sở dữ liệu ở phiên bản {current}, mới hơn phiên bản nhacviec này ({head}); hãy cập nhật "
                       "nhacviec.").format(current=exc.current, head=exc.head))
            fail(_("Cơ sở dữ liệu ở phiên bản {current}, phiên bản này cần {head}. Sao lưu (nhacviec backup TỆP) "
                   "rồi chạy: nhacviec db upgrade").format(current=exc.current or "—", head=exc.head))


pass_app = click.make_pass_decorator(App)


class RowId(click.ParamType):
    """A row's id typed by the operator (a person, a plan): a whole number the database can be asked about.

    click's `int` takes any length, and SQLite's driver raises OverflowError past 2**63 − 1 (a traceback)."""

    name = "integer"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        from handlers.messages import MAX_ROW_ID, is_number
        text = str(value).strip()
        if not is_number(text) or int(text) > MAX_ROW_ID:
            self.fail(_("Mã số {id} không có trong Hệ thống.").format(id=text[:30]), param, ctx)
        return int(text)


ROW_ID = RowId()


def fail(message: str, code: int = 1) -> None:
    """Print a clear (already translated) message on stderr and exit non-zero; secrets are masked."""
    from config.redact import redact
    click.echo(redact(_("Lỗi: {message}").format(message=message)), err=True)
    raise SystemExit(code)
