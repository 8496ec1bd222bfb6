"""`queries.read_views_of` (the read-only rows `/viec` shows) says exactly what the ORM views say."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect
from sqlmodel import Session, select

from services import queries
from services.workspace import ensure_sample_workspace
from storage.models import Assignment, Plan, Task, Unit


def test_read_only_rows_match_the_orm_views_and_leave_out_what_left_the_plan(engine):
    ensure_sample_workspace(engine)
    with Session(engine) as session:
        ids = list(session.exec(select(Assignment.id).order_by(Assignment.id.desc())))
        dropped = session.exec(select(Task).where(Task.removed == False)).first()  # noqa: E712
        dropped.removed = True  # as a revision that dropped the task leaves it
        session.add(dropped)
        session.commit()
        asked = ids + [10**9]  # and an id that does not exist
        orm, rows = queries.views_of(session, asked), queries.read_views_of(session, asked)
        assert [v.id for v in rows] == [v.id for v in orm]  # same order, same assignments
        assert len(rows) < len(ids) and all(v.task.id != dropped.id for v in rows)
        for model, part in ((Assignment, "assignment"), (Task, "task"), (Unit, "unit")):
            keys = [attr.key for attr in inspect(model).column_attrs]
            for mine, theirs in zip(rows, orm):
                assert {k: getattr(getattr(mine, part), k) for k in keys} == \
                       {k: getattr(getattr(theirs, part), k) for k in keys}
        assert queries.read_views_of(session, []) == []
        with pytest.raises(AttributeError):  # showing only: a write must fail, never be silently lost
            rows[0].assignment.status = "done"
        plan = session.get(Plan, rows[0].task.plan_id)
        plan.removed = True
        session.add(plan)
        session.commit()
        assert all(v.task.plan_id != plan.id for v in queries.read_views_of(session, ids))
