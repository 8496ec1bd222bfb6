"""`nhacviec plans list`, `nhacviec tasks`, and the schema kept by migrations."""
from __future__ import annotations

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from services.workspace import SAMPLE_PLAN, SAMPLE_UNITS


def _load(cli):
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0
    assert cli("import", str(SAMPLE_PLAN), "--year", "2026", "--track-from", "2026-01-01").exit_code == 0


def test_plans_list_shows_the_imported_plan(cli):
    assert "Chưa có kế hoạch" in cli("plans", "list").output
    _load(cli)
    out = cli("plans", "list").output
    assert "#1" in out and "năm 2026" in out and "33 nhiệm vụ" in out
    [plan] = json.loads(cli("plans", "list", "--json").output)
    assert plan["tasks"] == 33 and plan["source"] == SAMPLE_PLAN.name


def test_tasks_filters_by_unit_and_due_date(cli):
    _load(cli)
    rows = json.loads(cli("tasks", "--unit", "TCCB", "--due-before", "2026-05-01", "--json").output)
    assert rows and all(r["unit"] == "TCCB" and r["due_on"] < "2026-05-01" for r in rows)
    assert [r["due_on"] for r in rows] == sorted(r["due_on"] for r in rows)
    assert {"4", "21"} <= {r["number"] for r in rows if r["role"] == "lead"}
    text = cli("tasks", "--unit", "TCCB", "--due-before", "01/05/2026").output
    assert "[TCCB] 21." in text and "30/04/2026" in text and "Chưa thực hiện" in text
    english = cli("--lang", "en", "tasks", "--unit", "TCCB", "--due-before", "2026-05-01").output
    assert "Not started" in english
    missing = cli("tasks", "--unit", "KHONGCO")
    assert missing.exit_code != 0 and "Không có đơn vị mã KHONGCO" in missing.output


def test_migrations_create_exactly_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), SQLModel.metadata)
    assert diff == []
