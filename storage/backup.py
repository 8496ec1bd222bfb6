"""Consistent copies of the database while the bot runs: SQLite's online backup API, PostgreSQL's pg_dump."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from i18n import _


class BackupError(Exception):
    """A backup or restore that could not be made; the message is for the person running it."""


def backup(url: str, file: Path) -> None:
    """Write a consistent copy of the database at `url` to `file` (the bot may keep running)."""
    path = _sqlite_path(url)
    if path is None:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={file}"], url)
        return
    if not path.is_file():
        raise BackupError(_("Không tìm thấy cơ sở dữ liệu {name}.").format(name=path))
    # The backup API copies page by page under SQLite's own locking: committed data (WAL included), never half
    # a transaction, while other connections go on writing.
    with closing(sqlite3.connect(path, timeout=30)) as source, closing(sqlite3.connect(file)) as target:
        source.backup(target)


def restore(url: str, file: Path) -> None:
    """Replace the database at `url` with the backup `file` (stop the bot first)."""
    path = _sqlite_path(url)
    if path is None:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"],
             url, dbname=True, file=file)
        return
    with closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as source:
        _check_sqlite_backup(source, file)
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(path, timeout=30)) as target:
            source.backup(target)


def _check_sqlite_backup(source: sqlite3.Connection, file: Path) -> None:
    try:
        source.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupError(_("Tệp {name} không phải bản sao lưu cơ sở dữ liệu nhacviec.").format(name=file.name)) \
            from exc


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return Path(parsed.database or "")


def _run(command: list[str], url: str, *, dbname: bool = False, file: Path | None = None) -> None:
    """Run a PostgreSQL client tool on `url`; the password goes in the environment, not the command line."""
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(_("Không tìm thấy {tool}; cài gói postgresql-client cùng phiên bản với máy chủ.").format(
            tool=tool))
    parsed = make_url(url).set(drivername="postgresql")
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    target = parsed.set(password=None).render_as_string(hide_password=False)
    args = command + ([f"--dbname={target}", str(file)] if dbname else [target])
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(_("{tool} báo lỗi: {error}").format(tool=tool, error=done.stderr.strip()[-500:]))
