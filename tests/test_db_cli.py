"""The database itself: `db upgrade`, refusing a schema that is behind, `backup` while the bot writes, `restore`."""
from __future__ import annotations

import os
import sqlite3
import uuid

import psycopg
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from services.workspace import SAMPLE_UNITS
from storage.db import alembic_config, head_revision, make_engine, open_database

SERVER = os.environ.get("NHACVIEC_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def _unit_codes(url: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        codes = [row[0] for row in conn.execute(text("SELECT code FROM unit ORDER BY code"))]
    engine.dispose()
    return codes


def test_a_database_behind_the_code_is_refused_until_upgraded(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    head = head_revision()
    previous = ScriptDirectory.from_config(alembic_config(url)).get_revision(head).down_revision
    command.upgrade(alembic_config(url), previous)  # as left by the previous release

    refused = cli("units", "list", env={"NHACVIEC_DATABASE_URL": url})
    assert refused.exit_code != 0
    assert f"phiên bản {previous}" in refused.output and "nhacviec db upgrade" in refused.output
    assert _revision(url) == previous  # refusing changed nothing

    upgraded = cli("db", "upgrade", env={"NHACVIEC_DATABASE_URL": url})
    assert upgraded.exit_code == 0, upgraded.output
    assert f"{previous} → {head}" in upgraded.output and _revision(url) == head
    assert cli("units", "list", env={"NHACVIEC_DATABASE_URL": url}).exit_code == 0
    again = cli("db", "upgrade", env={"NHACVIEC_DATABASE_URL": url})
    assert "đã ở phiên bản mới nhất" in again.output


def test_a_new_database_is_created_at_the_newest_schema(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'nhacviec.db'}"
    assert cli("units", "load", str(SAMPLE_UNITS), env={"NHACVIEC_DATABASE_URL": url}).exit_code == 0
    assert _revision(url) == head_revision() and _unit_codes(url)


def test_backup_while_writing_then_restore_brings_the_data_back(cli, db_url, tmp_path):
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0
    codes = _unit_codes(db_url)
    # The bot is running: its connection stays open and what it committed sits in the WAL, not yet in the file.
    bot = make_engine(db_url)
    with bot.connect() as conn:
        conn.execute(text("UPDATE unit SET name = 'Văn phòng Sở (đổi tên)' WHERE code = 'VP'"))
        conn.commit()
        result = cli("backup", str(tmp_path / "sao-luu.db"))
        assert result.exit_code == 0, result.output
        refused = cli("backup", str(tmp_path / "sao-luu.db"))
        assert refused.exit_code != 0 and "đã có" in refused.output
    with sqlite3.connect(tmp_path / "sao-luu.db") as copy:
        assert copy.execute("SELECT name FROM unit WHERE code = 'VP'").fetchone() == ("Văn phòng Sở (đổi tên)",)
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    bot.dispose()
    with sqlite3.connect(db_url.split("///", 1)[1]) as conn:  # foreign keys are off in a plain connection
        conn.execute("DELETE FROM unit")
    assert _unit_codes(db_url) == []
    assert cli("restore", str(tmp_path / "sao-luu.db"), input="n\n").exit_code != 0
    assert _unit_codes(db_url) == []
    restored = cli("restore", str(tmp_path / "sao-luu.db"), "--yes")
    assert restored.exit_code == 0, restored.output
    assert _unit_codes(db_url) == codes


def test_restoring_a_file_that_is_not_a_backup_changes_nothing(cli, db_url, tmp_path):
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 100)
    result = cli("restore", str(junk), "--yes")
    assert result.exit_code != 0 and "không phải bản sao lưu" in result.output
    assert _unit_codes(db_url)


def test_postgres_backup_and_restore_through_pg_dump(cli, tmp_path):
    name = f"nhacviec_bak_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    env = {"NHACVIEC_DATABASE_URL": url}
    try:
        open_database(url).dispose()
        assert cli("units", "load", str(SAMPLE_UNITS), env=env).exit_code == 0
        codes = _unit_codes(url)
        made = cli("backup", str(tmp_path / "pg.dump"), env=env)
        assert made.exit_code == 0, made.output
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE unit CASCADE"))
        engine.dispose()
        restored = cli("restore", str(tmp_path / "pg.dump"), "--yes", env=env)
        assert restored.exit_code == 0, restored.output
        assert _unit_codes(url) == codes and _revision(url) == head_revision()
    finally:
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _revision(url: str) -> str | None:
    from storage.db import current_revision
    engine = make_engine(url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()
