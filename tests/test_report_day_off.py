"""The report judges a deadline on a day off by the rule the reminders follow (NHACVIEC_DAY_OFF_RULE), never
before the date written.

A task due Saturday 20/06/2026: with "after" it is met on Monday 22/06; with "before" the reminders ask for it on
Friday 19/06, and the report still counts work done by the written Saturday as on time.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from storage.models import Assignment, Status
from tests.reminders_world import World


@pytest.fixture
def world(engine):
    w = World(engine)
    w.vp = w.unit("VP", name="Văn phòng Sở")
    w.task_due_saturday = w.assign(w.task("Tự đánh giá chỉ số CCHC"), w.vp, date(2026, 6, 20))
    return w


def counts(cli, as_of: str, rule: str) -> dict:
    out = cli("report", "--from", "2026-06-01", "--to", "2026-06-30", "--as-of", as_of, "--json",
              env={"NHACVIEC_DAY_OFF_RULE": rule}).output
    found = json.loads(out)["assignments"]
    return {k: v for k, v in found.items() if k in ("done_on_time", "done_late", "overdue", "not_started") and v}


@pytest.mark.parametrize("rule, verdict", [("after", "done_on_time"), ("before", "done_late")])
def test_done_on_the_monday_after(cli, world, rule, verdict):
    world.update(Assignment, world.task_due_saturday.id, status=Status.DONE, done_on=date(2026, 6, 22),
                 done_at=datetime(2026, 6, 22, 3, tzinfo=timezone.utc))
    assert counts(cli, "2026-06-30", rule) == {verdict: 1}


@pytest.mark.parametrize("rule, as_of, bucket", [
    ("after", "2026-06-22", "not_started"), ("after", "2026-06-23", "overdue"),
    ("before", "2026-06-20", "not_started"), ("before", "2026-06-21", "overdue"),
])
def test_open_past_the_deadline(cli, world, rule, as_of, bucket):
    assert counts(cli, as_of, rule) == {bucket: 1}


def test_done_on_the_written_day_off_is_not_late(cli, world):
    world.update(Assignment, world.task_due_saturday.id, status=Status.DONE, done_on=date(2026, 6, 20),
                 done_at=datetime(2026, 6, 20, 3, tzinfo=timezone.utc))
    assert counts(cli, "2026-06-30", "before") == {"done_on_time": 1}
