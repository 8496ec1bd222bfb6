"""One-time sign-in links to the officers' desk (the web pages)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Column, Field, SQLModel

from storage.types import UTCDateTime, utcnow


class WebLink(SQLModel, table=True):
    """A sign-in link: only its SHA-256 is kept; used once, within minutes."""

    id: int | None = Field(default=None, primary_key=True)
    token_sha256: str = Field(index=True, unique=True, max_length=64)
    role: str = Field(max_length=16)                  # officer | head (a unit's page only)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    user_id: int | None = Field(default=None, foreign_key="chatuser.id")  # asked in chat (/web); None from the CLI
    name: str = ""
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
