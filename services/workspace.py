"""The sample workspace: the sample unit directory and the Hà Nội 2026 plan, for trying the bot."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from config import Settings
from plans.service import import_plan
from storage.models import Plan, Unit
from units.directory import load_directory

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SAMPLE_UNITS = SAMPLES / "units.csv"
SAMPLE_PLAN = SAMPLES / "hanoi-so-gddt-kh-cchc-2026.md"
SAMPLE_YEAR = 2026


def ensure_sample_workspace(engine: Engine) -> bool:
    """Load the sample units and plan into an empty database; True when something was loaded."""
    loaded = False
    with Session(engine, expire_on_commit=False) as session:
        if session.exec(select(Unit)).first() is None:
            load_directory(session, path=SAMPLE_UNITS)
            session.commit()
            loaded = True
        if session.exec(select(Plan)).first() is None:
            import_plan(session, path=SAMPLE_PLAN, year=SAMPLE_YEAR, actor="sample")
            session.commit()
            loaded = True
    return loaded


def sample_database_url(settings: Settings) -> str:
    """The sample workspace's own SQLite database, beside the real data."""
    return f"sqlite:///{Path(settings.data_dir) / 'sample.db'}"


def open_sample_database(settings: Settings) -> Engine:
    """The sample workspace's database at this release's schema: it holds nothing but the sample, so one left by
    an earlier release is upgraded here rather than refused."""
    from storage.db import make_engine, migrate

    engine = make_engine(sample_database_url(settings))
    migrate(engine)
    return engine


def real_database_is_empty(settings: Settings) -> bool:
    """True when the real database has no unit yet; it is only looked at: a SQLite file that does not exist is not
    created, and one at an older schema is left for `App.engine` to refuse."""
    url = settings.database_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path != ":memory:" and not Path(path).exists():
            return True
    from storage.db import make_engine

    engine = make_engine(url)
    try:
        if "unit" not in inspect(engine).get_table_names():
            return True
        with engine.connect() as conn:  # not select(Unit): an older schema may lack some of its columns
            return conn.execute(text("SELECT 1 FROM unit LIMIT 1")).first() is None
    finally:
        engine.dispose()
