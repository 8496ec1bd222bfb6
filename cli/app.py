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


def fail(message: str, code: int = 1) -> None:
    """Print a clear (already translated) message on stderr and exit non-zero; secrets are masked."""
    from config.redact import redact
    click.echo(redact(_("Lỗi: {message}").format(message=message)), err=True)
    raise SystemExit(code)
