"""Consistent copies of the database while the bot runs: SQLite's online backup API, PostgreSQL's pg_dump."""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from i18n import _


class BackupError(Exception):
    """A backup or restore that could not be made; the message is for the person running it."""


_SQLITE_HEADER = b"SQLite format 3\x00"
_PG_DUMP_HEADER = b"PGDMP"  # pg_dump --format=custom


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
    try:
        with closing(sqlite3.connect(path, timeout=30)) as source, closing(sqlite3.connect(file)) as target:
            source.backup(target)
            # The copy carries the live database's WAL mode, and a WAL file cannot be read where its folder cannot
            # be written (a read-only backup mount): make it one self-contained file.
            target.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:  # the folder not writable, the disk full: no half-written copy is left
        file.unlink(missing_ok=True)
        raise BackupError(_("Không ghi được bản sao lưu {name}: {error}.").format(name=file, error=exc)) from exc


def restore(url: str, file: Path) -> None:
    """Replace the database at `url` with the backup `file` (stop the bot first); a file that is not a sound
    backup of nhacviec, or is one from a newer release, is refused before anything changes."""
    path = _sqlite_path(url)
    if path is None:
        _restore_postgres(url, file)
        return
    if _header(file).startswith(_PG_DUMP_HEADER):
        raise BackupError(_other_kind(file, backup_kind="PostgreSQL", database_kind="SQLite"))
    with closing(sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)) as source:
        _check_sqlite_backup(source, file)
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(path, timeout=30)) as target:
            source.backup(target)


def _restore_postgres(url: str, file: Path) -> None:
    if _header(file).startswith(_SQLITE_HEADER):
        raise BackupError(_other_kind(file, backup_kind="SQLite", database_kind="PostgreSQL"))
    listing = _run(["pg_restore", "--list", str(file)], url, database=False, check=False)
    if listing.returncode != 0 and _header(file).startswith(_PG_DUMP_HEADER):
        raise BackupError(_damaged(file))
    if listing.returncode != 0 or not re.search(r"^\d+;.* TABLE \S+ alembic_version ", listing.stdout, re.M):
        raise BackupError(_not_ours(file))
    version = _run(["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(file)], url,
                   database=False)
    revision = re.search(r"^COPY \S*alembic_version \(version_num\) FROM stdin;\n([^\n\\]+)\n", version.stdout, re.M)
    if revision is None:
        raise BackupError(_not_ours(file))
    _check_revision(revision.group(1), file)
    # The whole backup is read first (a damaged one fails here, before the database is touched), then, in one
    # transaction, nhacviec's tables go and the backup's are created and filled; on any error nothing changes.
    # Dropping them all matters for a backup from an older release: a table added since (left by pg_restore
    # --clean, which drops only what the backup has) would stop `nhacviec db upgrade` from creating it.
    from storage.db import nhacviec_tables
    drop = "DROP TABLE IF EXISTS " + ", ".join(f'"{name}"' for name in sorted(nhacviec_tables())) + " CASCADE"
    with tempfile.TemporaryDirectory(prefix="nhacviec-restore-") as folder:
        script = Path(folder) / "restore.sql"
        if _run(["pg_restore", "--no-owner", f"--file={script}", str(file)], url, database=False,
                check=False).returncode != 0:
            raise BackupError(_damaged(file))
        _run(["psql", "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
              f"--command={drop}", f"--file={script}"], url)


def _header(file: Path) -> bytes:
    with file.open("rb") as raw:
        return raw.read(16)


def _other_kind(file: Path, *, backup_kind: str, database_kind: str) -> str:
    return _("Tệp {name} là bản sao lưu {backup_kind}, còn cơ sở dữ liệu đang dùng (NHACVIEC_DATABASE_URL) là "
             "{database_kind}: không khôi phục được. Không có thay đổi nào.").format(
        name=file.name, backup_kind=backup_kind, database_kind=database_kind)


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
    return _("Bản sao lưu {name} bị hỏng hoặc không đầy đủ; không khôi phục từ tệp này, hãy chọn một bản sao lưu "
             "khác. Không có thay đổi nào.").format(name=file.name)


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return Path(parsed.database or "")


def _run(command: list[str], url: str, *, database: bool = True, check: bool = True) -> subprocess.CompletedProcess:
    """Run a PostgreSQL client tool (on the database at `url` unless `database` is false); the password goes in
    the environment, not the command line."""
    tool = command[0]
    _need(tool)
    parsed = make_url(url).set(drivername="postgresql")
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    # URL.set(password=None) would keep the password (None means "unchanged" there): build the URL without it.
    target = URL.create(parsed.drivername, username=parsed.username, host=parsed.host, port=parsed.port,
                        database=parsed.database, query=parsed.query).render_as_string(hide_password=False)
    args = command + ([f"--dbname={target}"] if database else [])
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise BackupError(_("{tool} báo lỗi: {error}").format(tool=tool, error=done.stderr.strip()[-500:]))
    return done


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        raise BackupError(_("Không tìm thấy {tool}; cài gói postgresql-client cùng phiên bản với máy chủ.").format(
            tool=tool))
