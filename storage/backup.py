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
    with closing(sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)) as source:
        _check_sqlite_backup(source, file)
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(path, timeout=30)) as target:
            source.backup(target)


def _check_sqlite_backup(source: sqlite3.Connection, file: Path) -> None:
    """Refuse, before anything is replaced, a file that is damaged, not nhacviec's, or from a newer release."""
    try:
        tables = {name for (name,) in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        revision = source.execute("SELECT version_num FROM alembic_version").fetchone() \
            if "alembic_version" in tables else None
        problems = source.execute("PRAGMA integrity_check(5)").fetchall()
    except sqlite3.DatabaseError as exc:
        if "malformed" in str(exc):
            raise BackupError(_damaged(file)) from exc
        raise BackupError(_not_ours(file)) from exc
    if problems != [("ok",)]:
        raise BackupError(_damaged(file))
    if revision is None or not NHACVIEC_TABLES <= tables:
        raise BackupError(_not_ours(file))
    _check_revision(revision[0], file)


NHACVIEC_TABLES = {"unit", "plan", "task", "assignment", "statuschange"}


def _check_revision(revision: str, file: Path) -> None:
    from storage.db import head_revision, known_revision
    if not known_revision(revision):
        raise BackupError(_("Bản sao lưu {name} do một phiên bản nhacviec mới hơn tạo (cơ sở dữ liệu ở phiên bản "
                            "{revision}, phiên bản này chỉ đến {head}); cập nhật nhacviec trước khi khôi phục. Không "
                            "có thay đổi nào.").format(name=file.name, revision=revision, head=head_revision()))


def _not_ours(file: Path) -> str:
    return _("Tệp {name} không phải bản sao lưu cơ sở dữ liệu nhacviec.").format(name=file.name)


def _damaged(file: Path) -> str:
    return _("Bản sao lưu {name} bị hỏng (không qua được kiểm tra toàn vẹn); không khôi phục từ tệp này, hãy chọn "
             "một bản sao lưu khác. Không có thay đổi nào.").format(name=file.name)


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
