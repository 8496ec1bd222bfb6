"""Work that must run once across workers: a PostgreSQL advisory lock, held on a connection of its own."""
from __future__ import annotations

import zlib
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import text
from sqlalchemy.engine import Engine


@contextmanager
def once_across_workers(engine: Engine, name: str) -> Iterator[bool]:
    """Yield True to the one worker that holds the lock for `name` (the others get False and skip the work).

    The lock is a session advisory lock: a worker that dies loses its connection and with it the lock, so the
    next worker's tick takes over. SQLite serves one process: always True.
    """
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = zlib.crc32(f"nhacviec:{name}".encode())
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        held = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar())
        try:
            yield held
        finally:
            if held:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
