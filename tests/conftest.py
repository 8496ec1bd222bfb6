"""Shared fixtures: a fresh migrated database per test, settings, and the CLI."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session

from config import Settings
from storage.db import make_engine, migrate

SEEDS = Path(__file__).resolve().parents[1] / "samples"  # the repo's copy of the seed plan used by tests
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture
def db_url(tmp_path, _template_db) -> str:
    """URL of a fresh, migrated SQLite database for this test."""
    target = tmp_path / "nhacviec.db"
    shutil.copy(_template_db, target)
    return f"sqlite:///{target}"


@pytest.fixture
def settings(tmp_path, db_url) -> Settings:
    return Settings(_env_file=None, database_url=db_url, data_dir=tmp_path,
                    evidence_dir=tmp_path / "evidence")


@pytest.fixture
def engine(db_url):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def cli(db_url, tmp_path):
    """Run `nhacviec ...` against this test's database; returns click's Result."""
    from cli.main import main

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, env: dict | None = None):
        full_env = {"NHACVIEC_DATABASE_URL": db_url, "NHACVIEC_DATA_DIR": str(tmp_path),
                    "NHACVIEC_EVIDENCE_DIR": str(tmp_path / "evidence"), **(env or {})}
        return runner.invoke(main, list(args), input=input, env=full_env, catch_exceptions=False)

    return invoke
