"""What every command needs: settings, a migrated database, the reader's language."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import click
from sqlalchemy.engine import Engine

from config import Settings
from i18n import _
from storage.db import open_database


@dataclass
class App:
    """Composition root for one CLI invocation."""

    settings: Settings = field(default_factory=Settings)
    lang: str = "vi"

    @cached_property
    def engine(self) -> Engine:
        return open_database(self.settings.database_url)


pass_app = click.make_pass_decorator(App)


def fail(message: str, code: int = 1) -> None:
    """Print a clear (already translated) message on stderr and exit non-zero."""
    click.echo(_("Lỗi: {message}").format(message=message), err=True)
    raise SystemExit(code)
