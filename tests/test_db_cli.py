"""The database itself: `db upgrade`, refusing a schema that is behind, `backup` while the bot writes, `restore`."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import uuid
from contextlib import closing, contextmanager

import psycopg
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

import storage.db
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


# A database as the release before plan revisions (migration 0006) left it: a plan under way, one task done with a
# report file, one in progress, each with its history.
_RELEASE_0006_ROWS = [
    "INSERT INTO unit (id, code, name, kind, aliases, active, created_at) VALUES "
    "(1, 'VP', 'Văn phòng Sở', 'phong', '[]', TRUE, '2026-01-05 01:00:00'), "
    "(2, 'TCCB', 'Phòng Tổ chức cán bộ', 'phong', '[]', TRUE, '2026-01-05 01:00:00')",
    "INSERT INTO plan (id, title, issuer, year, source_name, source_sha256, imported_at, updated_at) VALUES "
    "(1, 'Kế hoạch CCHC năm 2026', 'Sở GDĐT', 2026, 'kh.docx', 'ab', '2026-02-10 02:00:00', '2026-02-10 02:00:00')",
    "INSERT INTO task (id, plan_id, number, position, section, title, product, lead_text, partners_text, "
    "deadline_text, deadline_kind, dues, source, removed) VALUES "
    "(1, 1, '1', 0, 'I', 'Triển khai công tác CCHC', 'Kế hoạch', 'Văn phòng Sở', '', 'Tháng 3/2026', 'date', "
    "'[\"2026-03-31\"]', 'appendix', FALSE), "
    "(2, 1, '2', 1, 'I', 'Kiểm tra công vụ', 'Báo cáo', 'Phòng TCCB', '', 'Tháng 4/2026', 'date', "
    "'[\"2026-04-30\"]', 'appendix', FALSE)",
    "INSERT INTO assignment (id, task_id, unit_id, role, period, due_on, original_due_on, status, done_at, done_on, "
    "extensions, updated_at) VALUES "
    "(1, 1, 1, 'lead', '2026-03-31', '2026-03-31', '2026-03-31', 'done', '2026-03-20 03:00:00', '2026-03-20', 0, "
    "'2026-03-20 03:00:00'), "
    "(2, 2, 2, 'lead', '2026-04-30', '2026-04-30', '2026-04-30', 'in_progress', NULL, NULL, 0, "
    "'2026-04-02 03:00:00')",
    "INSERT INTO evidence (id, assignment_id, stored_path, original_name, size, sha256, mime, channel, uploaded_at) "
    "VALUES (1, 1, '/var/lib/nhacviec/evidence/4a/4a_bao-cao.pdf', 'bao-cao.pdf', 17, '4a', 'application/pdf', "
    "'zalo_oa', '2026-03-20 03:00:00')",
    "INSERT INTO statuschange (id, assignment_id, at, actor_name, channel, field, \"before\", \"after\", note, "
    "evidence_id, undone) VALUES "
    "(1, 1, '2026-03-20 03:00:00', 'Nguyễn Văn A', 'zalo_oa', 'status', 'open', 'done', 'xong', NULL, FALSE), "
    "(2, 1, '2026-03-20 03:00:01', 'Nguyễn Văn A', 'zalo_oa', 'evidence', NULL, NULL, 'bao-cao.pdf', 1, FALSE), "
    "(3, 2, '2026-04-02 03:00:00', 'Trần Thị B', 'telegram', 'status', 'open', 'in_progress', 'đang làm', NULL, FALSE)",
]
_RECORDS = {
    "task": "SELECT id, plan_id, number, title, dues, removed FROM task ORDER BY id",
    "assignment": "SELECT id, task_id, unit_id, due_on, status, done_on FROM assignment ORDER BY id",
    "statuschange": 'SELECT id, assignment_id, field, "before", "after", evidence_id FROM statuschange ORDER BY id',
    "evidence": "SELECT id, assignment_id, stored_path, sha256 FROM evidence ORDER BY id",
}


def _records(where) -> dict[str, list[tuple]]:
    """The records a restore or an upgrade must keep, from a SQLite file or a database URL."""
    engine = make_engine(where if isinstance(where, str) else f"sqlite:///{where}")
    try:
        with engine.connect() as conn:
            return {table: [tuple(row) for row in conn.exec_driver_sql(query)] for table, query in _RECORDS.items()}
    finally:
        engine.dispose()


def _old_release_database(url: str, revision: str = "0006") -> str:
    """A database as an older release left it (`revision`), with _RELEASE_0006_ROWS in it."""
    command.upgrade(alembic_config(url), revision)
    engine = make_engine(url)
    with engine.begin() as conn:
        for statement in _RELEASE_0006_ROWS:
            conn.exec_driver_sql(statement)
    engine.dispose()
    return url


def _release_0006_database(path) -> str:
    return _old_release_database(f"sqlite:///{path}")


def test_upgrading_a_database_in_use_keeps_every_record(cli, tmp_path):
    """The release before plan revisions, with a plan under way: `db upgrade` rebuilds the task table that
    assignments point at; tasks, statuses, history and evidence come through as they were."""
    path = tmp_path / "release-0006.db"
    url = _release_0006_database(path)
    before = _records(path)
    assert all(before.values())

    upgraded = cli("db", "upgrade", env={"NHACVIEC_DATABASE_URL": url})
    assert upgraded.exit_code == 0, upgraded.output
    assert "0006 → " + head_revision() in upgraded.output
    assert _revision(url) == head_revision()
    assert _records(path) == before
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert not [name for (name,) in conn.execute("SELECT name FROM sqlite_master") if "alembic_tmp" in name]
    listed = cli("tasks", "--status", "all", "--json", env={"NHACVIEC_DATABASE_URL": url})
    assert listed.exit_code == 0, listed.output
    assert {(item["number"], item["status"]) for item in json.loads(listed.output)} == {
        ("1", "done"), ("2", "in_progress")}


_FAILING_MIGRATION = '''"""a release whose migration fails half-way (the disk fills, the server goes away)

Revision ID: 9999
Revises: {head}
"""
from alembic import op
import sqlalchemy as sa

revision = '9999'
down_revision = '{head}'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('newthing', sa.Column('id', sa.Integer(), primary_key=True))
    with op.batch_alter_table('task', recreate='always') as batch_op:
        batch_op.add_column(sa.Column('extra', sa.String(), nullable=True))
    op.execute("UPDATE assignment SET status = 'done'")
    raise RuntimeError("disk I/O error")


def downgrade() -> None:
    pass
'''


def test_an_upgrade_that_fails_half_way_leaves_the_database_as_it_was(cli, tmp_path, monkeypatch):
    path = tmp_path / "release-0006.db"
    url = _release_0006_database(path)
    command.upgrade(alembic_config(url), head_revision())
    before = _records(path)
    with closing(sqlite3.connect(path)) as conn:
        tables = sorted(name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    migrations = tmp_path / "migrations"
    shutil.copytree(storage.db.MIGRATIONS, migrations)
    (migrations / "versions" / "9999_failing.py").write_text(_FAILING_MIGRATION.format(head=head_revision()))
    monkeypatch.setattr(storage.db, "MIGRATIONS", migrations)

    failed = cli("db", "upgrade", env={"NHACVIEC_DATABASE_URL": url})
    assert failed.exit_code != 0
    assert "Traceback" not in failed.output and "không thành công" in failed.output
    assert "disk I/O error" in failed.output
    assert _revision(url) == "0008" and _records(path) == before
    with closing(sqlite3.connect(path)) as conn:
        assert sorted(name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")) \
            == tables


def test_a_damaged_or_foreign_backup_is_refused_and_changes_nothing(cli, tmp_path):
    """A backup damaged on its way (a bad disk, a copy cut short), one made by a newer release, or another
    program's database: `restore` says what is wrong and leaves the database as it was."""
    path = tmp_path / "release-0006.db"
    url = _release_0006_database(path)
    env = {"NHACVIEC_DATABASE_URL": url}
    assert cli("db", "upgrade", env=env).exit_code == 0
    assert cli("backup", str(tmp_path / "good.db"), env=env).exit_code == 0
    records = _records(path)

    damaged = tmp_path / "damaged.db"
    shutil.copy(tmp_path / "good.db", damaged)
    with closing(sqlite3.connect(damaged)) as conn:
        pages, size = conn.execute("PRAGMA page_count").fetchone()[0], conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'assignment'").fetchone()[0]
    assert root < pages
    with damaged.open("r+b") as raw:  # the assignments' page, overwritten
        raw.seek((root - 1) * size)
        raw.write(b"\xff" * size)
    newer = tmp_path / "newer.db"
    shutil.copy(tmp_path / "good.db", newer)
    with closing(sqlite3.connect(newer)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '0042'")
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as conn, conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('0008')")

    for file, words in ((damaged, "hỏng"), (newer, "0042"), (other, "không phải bản sao lưu")):
        refused = cli("restore", str(file), "--yes", env=env)
        assert refused.exit_code != 0, file
        assert words in refused.output and "Traceback" not in refused.output, refused.output
        assert _records(path) == records and _revision(url) == head_revision()
        with closing(sqlite3.connect(path)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    restored = cli("restore", str(tmp_path / "good.db"), "--yes", env=env)
    assert restored.exit_code == 0, restored.output
    assert _records(path) == records


@contextmanager
def _postgres_database():
    name = f"nhacviec_bak_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    finally:
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_postgres_restoring_last_weeks_backup_after_a_release_then_upgrading(cli, tmp_path):
    """A backup from before a release (0005, before the webhook journal existed), restored after the upgrade went
    on to be used: the database is the backup again, `db upgrade` brings it to the newest schema, and the records
    are exactly those of the backup; nothing written after it (journaled events included) remains."""
    with _postgres_database() as url:
        env = {"NHACVIEC_DATABASE_URL": url}
        _old_release_database(url, "0005")
        records = _records(url)
        made = cli("backup", str(tmp_path / "truoc-nang-cap.dump"), env=env)
        assert made.exit_code == 0, made.output
        assert cli("db", "upgrade", env=env).exit_code == 0
        engine = make_engine(url)
        with engine.begin() as conn:  # the new release at work: an answer recorded, an update journaled
            conn.execute(text("UPDATE assignment SET status = 'done', done_on = '2026-04-20' WHERE id = 2"))
            conn.execute(text("INSERT INTO inboundevent (channel, key, payload, received_at) "
                              "VALUES ('telegram', '77', '{}', now())"))
        engine.dispose()

        restored = cli("restore", str(tmp_path / "truoc-nang-cap.dump"), "--yes", env=env)
        assert restored.exit_code == 0, restored.output
        assert _revision(url) == "0005" and _records(url) == records
        upgraded = cli("db", "upgrade", env=env)
        assert upgraded.exit_code == 0, upgraded.output
        assert _revision(url) == head_revision() and _records(url) == records
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM inboundevent")).scalar() == 0
        engine.dispose()


def test_postgres_refuses_a_file_that_is_not_its_backup_and_changes_nothing(cli, tmp_path):
    with _postgres_database() as url:
        env = {"NHACVIEC_DATABASE_URL": url}
        _old_release_database(url)
        assert cli("db", "upgrade", env=env).exit_code == 0
        records = _records(url)
        assert cli("backup", str(tmp_path / "good.dump"), env=env).exit_code == 0
        whole = (tmp_path / "good.dump").read_bytes()
        cut = tmp_path / "cut.dump"  # a copy cut short
        cut.write_bytes(whole[:len(whole) * 9 // 10])
        sqlite_backup = tmp_path / "sqlite.db"
        _release_0006_database(sqlite_backup)
        text_file = tmp_path / "ghi-chu.txt"
        text_file.write_text("Sao lưu ngày 30/11\n")
        for file, words in ((cut, "hỏng"), (sqlite_backup, "SQLite"), (text_file, "không phải bản sao lưu")):
            refused = cli("restore", str(file), "--yes", env=env)
            assert refused.exit_code != 0 and words in refused.output, refused.output
            assert _records(url) == records and _revision(url) == head_revision()


def test_a_backup_into_a_folder_that_does_not_exist_is_refused_clearly(cli, tmp_path):
    """The nightly cron line writes into /var/backups/nhacviec/: before that folder is made, the officer reads
    what to do, not a traceback."""
    target = tmp_path / "backups" / "nhacviec-1.db.new"
    result = cli("backup", str(target))
    assert result.exit_code != 0
    assert "Traceback" not in result.output and str(target.parent) in result.output, result.output
    assert not target.parent.exists()


def test_the_console_on_a_database_behind_the_code_says_to_upgrade(cli, tmp_path):
    url = _release_0006_database(tmp_path / "release-0006.db")
    result = cli("console", "--as", "VP", input="/quit\n", env={"NHACVIEC_DATABASE_URL": url})
    assert result.exit_code != 0
    assert "phiên bản 0006" in result.output and "nhacviec db upgrade" in result.output
    assert _revision(url) == "0006"


def test_trying_the_bot_after_a_release_upgrades_the_sample_workspace(cli, tmp_path):
    """Someone tried the bot with the previous release (data/sample.db at 0007), pulls the new one and runs
    `make run` again without a chat token: the sample workspace is the bot's own, so it is brought up to date."""
    data = tmp_path / "data"
    data.mkdir()
    sample_url = f"sqlite:///{data / 'sample.db'}"
    command.upgrade(alembic_config(sample_url), "0007")
    result = cli("run", input="/viec\n/quit\n", env={"NHACVIEC_DATA_DIR": str(data)})
    assert result.exit_code == 0, result.output
    assert "Tạm biệt" in result.output and "Traceback" not in result.output
    assert _revision(sample_url) == head_revision() and _unit_codes(sample_url)


def test_a_backup_restores_from_a_read_only_folder(cli, db_url, tmp_path):
    """Backups kept on a read-only mount (or a folder the restoring user cannot write): a backup is one
    self-contained file, read without creating anything beside it (a WAL-mode copy made its -wal and -shm
    files next to itself when opened, which a read-only folder refuses)."""
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0
    codes = _unit_codes(db_url)
    shelf = tmp_path / "shelf"
    shelf.mkdir()
    assert cli("backup", str(shelf / "nhacviec-1.db")).exit_code == 0
    kept = {p.name: p.read_bytes() for p in shelf.iterdir()}
    with sqlite3.connect(db_url.split("///", 1)[1]) as conn:
        conn.execute("DELETE FROM unit")
    restored = cli("restore", str(shelf / "nhacviec-1.db"), "--yes")
    assert restored.exit_code == 0, restored.output
    assert _unit_codes(db_url) == codes
    assert {p.name: p.read_bytes() for p in shelf.iterdir()} == kept == {"nhacviec-1.db": kept["nhacviec-1.db"]}


def test_upgrading_a_database_from_a_newer_release_says_so(cli, tmp_path):
    """The code was rolled back after a release (ExecStartPre runs db upgrade at every start): the database is
    newer than this code, and the officer is told that, not alembic's words."""
    path = tmp_path / "newer.db"
    url = _release_0006_database(path)
    command.upgrade(alembic_config(url), "head")
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '0042'")
    result = cli("db", "upgrade", env={"NHACVIEC_DATABASE_URL": url})
    assert result.exit_code != 0
    assert "0042" in result.output and "mới hơn" in result.output and "locate" not in result.output
    assert _revision(url) == "0042"
