"""Engine, sessions and migrations. SQLite (WAL, foreign keys) by default; PostgreSQL to scale out."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel, create_engine

import storage.models  # noqa: F401  (registers the tables)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x6E68_6163  # PostgreSQL advisory lock key: one process migrates at a time ("nhac")


class SchemaBehind(RuntimeError):
    """The database's schema is older (or newer) than this code's: `nhacviec db upgrade` (or newer code) first."""

    def __init__(self, current: str | None, head: str) -> None:
        super().__init__(f"database schema at {current}, code expects {head}")
        self.current, self.head = current, head
        self.ahead = current is not None and current != head and not known_revision(current)


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get their folder, WAL and foreign keys."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def alembic_config(url: str) -> Config:
    """Alembic configuration pointing at our migrations folder."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The newest migration this code knows."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def known_revision(revision: str) -> bool:
    """Whether this code has the migration `revision` (a database from a newer release has one it lacks)."""
    try:
        return ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown or malformed revisions
        return False


def nhacviec_tables() -> set[str]:
    """The tables of nhacviec's schema, Alembic's own included."""
    return {*SQLModel.metadata.tables, "alembic_version"}


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None for a database never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> str | None:
    """Bring the schema to the newest migration, all or nothing; returns the revision it was at before."""
    cfg = alembic_config(str(engine.url.render_as_string(hide_password=False)))
    with engine.connect() as conn, _migration_transaction(conn):
        _lock_migrations(conn)  # several workers starting together: one migrates, the others find it done
        before = MigrationContext.configure(conn).get_current_revision()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return before


@contextmanager
def _migration_transaction(conn: Connection) -> Iterator[None]:
    """One transaction for every step of an upgrade, so a failure leaves the database as it was.

    PostgreSQL's DDL is transactional as it is. On SQLite two things stand in the way: pysqlite opens its
    transaction only at the first INSERT/UPDATE/DELETE, leaving CREATE/DROP/ALTER before it committed on their own;
    and Alembic's batch mode rebuilds a table (copy, DROP, rename), which foreign keys pointing at that table
    refuse. So the connection issues its own BEGIN IMMEDIATE (which also makes a second process wait its turn),
    foreign keys are off while the tables are rebuilt (SQLite ignores that pragma inside a transaction) and
    checked before the commit.
    """
    if conn.dialect.name != "sqlite":
        with conn.begin():
            yield
        return
    driver = conn.connection.driver_connection
    implicit = driver.isolation_level
    driver.isolation_level = None  # no implicit BEGIN: ours below covers DDL too
    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    conn.commit()
    try:
        with conn.begin():
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            broken = set(conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall())
            yield
            added = set(conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()) - broken
            if added:
                raise RuntimeError(f"foreign keys broken by the upgrade: {sorted(added)[:5]}")
    finally:
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.commit()
        driver.isolation_level = implicit


def _lock_migrations(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})


def open_database(url: str) -> Engine:
    """Engine for `url`: a new, empty database gets the schema; one that is behind is refused (SchemaBehind)."""
    engine = make_engine(url)
    head = head_revision()
    current = current_revision(engine)
    if current == head:
        return engine
    if current is None and not inspect(engine).get_table_names():
        migrate(engine)
        return engine
    engine.dispose()
    raise SchemaBehind(current, head)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One session per use case; the caller commits, errors roll back."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
