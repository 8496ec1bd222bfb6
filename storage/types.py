"""Column types: aware UTC datetimes and JSON lists that SQLite and PostgreSQL both keep."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy.types import DateTime, Text, TypeDecorator


class UTCDateTime(TypeDecorator):
    """Store aware datetimes as UTC; SQLite drops tzinfo, so re-attach it here, in one place."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; nhacviec stores aware UTC times only")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class JSONList(TypeDecorator):
    """A list of strings kept as JSON text (portable, readable in the database)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return json.dumps(list(value or []), ensure_ascii=False)

    def process_result_value(self, value, dialect):
        return json.loads(value) if value else []


def utcnow() -> datetime:
    """Now, aware, in UTC."""
    return datetime.now(timezone.utc)
