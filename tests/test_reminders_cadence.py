"""When reminders fall: 7, 3 and 1 working days before the effective due day, on it, every 2 working days late."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from calendars.workdays import WorkCalendar
from reminders import cadence
from reminders.planning import plan_day
from storage.models import MemberRole
from tests.reminders_world import World

WORK = WorkCalendar()


@pytest.fixture
def world(engine):
    return World(engine)


def schedule(engine, settings, start: date, end: date) -> list[tuple[date, str, int]]:
    """(day, kind, link) of every reminder planned on the working days start..end."""
    out, day = [], start
    with Session(engine) as session:
        while day <= end:
            if WORK.is_working_day(day):
                out += [(d.day, d.kind, d.link_id) for d in plan_day(session, day=day, work=WORK, settings=settings)
                        if d.assignment_id is not None]
            day += timedelta(days=1)
    return sorted(out)


def test_default_cadence_of_a_wednesday_deadline(engine, settings, world):
    unit = world.unit("VP")
    link = world.link(unit)
    world.assign(world.task(), unit, date(2026, 3, 18))           # Wednesday
    got = schedule(engine, settings, date(2026, 3, 2), date(2026, 3, 27))
    assert got == [
        (date(2026, 3, 9), "d7", link.id),    # 7 working days before
        (date(2026, 3, 13), "d3", link.id),   # 3 working days before (the weekend is not counted)
        (date(2026, 3, 17), "d1", link.id),   # the last working day before
        (date(2026, 3, 18), "d0", link.id),   # the morning of the due day
        (date(2026, 3, 19), "od", link.id),   # 1 working day late
        (date(2026, 3, 23), "od", link.id),   # 3 working days late (Mon)
        (date(2026, 3, 25), "od", link.id),   # 5
        (date(2026, 3, 27), "od", link.id),   # 7
    ]


def test_tet_is_not_counted_in_the_days_before(engine, settings, world):
    unit = world.unit("TCCB")
    world.link(unit)
    world.assign(world.task(), unit, date(2026, 2, 23))           # the Monday after Tết Bính Ngọ
    got = [(d, k) for d, k, _l in schedule(engine, settings, date(2026, 2, 2), date(2026, 2, 25))]
    assert got == [(date(2026, 2, 5), "d7"), (date(2026, 2, 11), "d3"), (date(2026, 2, 13), "d1"),
                   (date(2026, 2, 23), "d0"), (date(2026, 2, 24), "od")]


def test_reminder_on_a_holiday_moves_to_the_working_day_before(engine, settings, world):
    unit = world.unit("KHTC")
    world.link(unit)
    world.assign(world.task(), unit, date(2026, 5, 4))            # Monday after 30/4–1/5
    got = [(d, k) for d, k, _l in schedule(engine, settings, date(2026, 4, 20), date(2026, 5, 4))]
    # working days before 4/5: 29/4, 28/4, then 24/4 (27/4 is the nghỉ bù of Giỗ Tổ), 23, 22, 21, 20/4
    assert got == [(date(2026, 4, 20), "d7"), (date(2026, 4, 24), "d3"), (date(2026, 4, 29), "d1"),
                   (date(2026, 5, 4), "d0")]


def test_weekend_deadline_is_reminded_as_due_on_the_friday(engine, settings, world):
    unit = world.unit("GDTrH")
    world.link(unit)
    world.assign(world.task(), unit, date(2026, 6, 20))           # Saturday
    got = [(d, k) for d, k, _l in schedule(engine, settings, date(2026, 6, 18), date(2026, 6, 23))]
    # "còn 1 ngày" the day before the Friday, never on the Friday itself
    assert got == [(date(2026, 6, 18), "d1"), (date(2026, 6, 19), "d0"), (date(2026, 6, 22), "od")]


def test_with_the_after_rule_a_weekend_deadline_is_due_on_the_monday(engine, settings, world):
    unit = world.unit("GDTH")
    world.link(unit)
    world.assign(world.task(), unit, date(2026, 1, 31))           # Saturday
    after = settings.model_copy(update={"day_off_rule": "after"})
    work = WorkCalendar(day_off_rule="after")
    got, day = [], date(2026, 1, 28)
    with Session(engine) as session:
        while day <= date(2026, 2, 4):
            got += [(day, d.kind) for d in plan_day(session, day=day, work=work, settings=after)]
            day += timedelta(days=1)
    assert got == [(date(2026, 1, 28), "d3"), (date(2026, 1, 30), "d1"), (date(2026, 2, 2), "d0"),
                   (date(2026, 2, 3), "od")]


def test_head_joins_from_the_second_overdue_reminder(engine, settings, world):
    unit = world.unit("GDTX")
    member, head = world.link(unit), world.link(unit, role=MemberRole.HEAD)
    world.assign(world.task(), unit, date(2026, 3, 18))
    got = schedule(engine, settings, date(2026, 3, 9), date(2026, 3, 25))
    assert [(d, k) for d, k, link in got if link == head.id] == [(date(2026, 3, 23), "od"), (date(2026, 3, 25), "od")]
    assert len([1 for _d, _k, link in got if link == member.id]) == 7


def test_offsets_per_plan_and_per_task(engine, settings, world):
    unit = world.unit("VP2")
    world.link(unit)
    world.update(type(world.plan), world.plan.id, reminder_offsets="5,0")
    world.assign(world.task("Theo kế hoạch"), unit, date(2026, 3, 18))
    world.assign(world.task("Riêng nhiệm vụ", offsets="14,2"), unit, date(2026, 3, 18))
    got = [(d, k) for d, k, _l in schedule(engine, settings, date(2026, 2, 23), date(2026, 3, 18))]
    assert got == [(date(2026, 2, 26), "d14"), (date(2026, 3, 11), "d5"), (date(2026, 3, 16), "d2"),
                   (date(2026, 3, 18), "d0")]


def test_overdue_every_three_working_days_when_configured(engine, settings, world):
    unit = world.unit("PC")
    world.link(unit)
    world.assign(world.task(), unit, date(2026, 3, 18))
    every3 = settings.model_copy(update={"overdue_every_workdays": 3})
    got = [d for d, k, _l in schedule(engine, every3, date(2026, 3, 19), date(2026, 3, 31)) if k == "od"]
    assert got == [date(2026, 3, 19), date(2026, 3, 24), date(2026, 3, 27)]


def test_done_and_cancelled_tasks_are_not_planned(engine, settings, world):
    unit = world.unit("VP3")
    world.link(unit)
    a = world.assign(world.task(), unit, date(2026, 3, 18))
    world.done(a)
    assert schedule(engine, settings, date(2026, 3, 10), date(2026, 3, 25)) == []


def test_event_tasks_get_a_monthly_check_in_on_the_first_working_day(engine, settings, world):
    unit = world.unit("TT")
    world.link(unit)
    world.assign(world.task("Triển khai theo kế hoạch của Sở Nội vụ", kind="event"), unit, None)
    world.assign(world.task("Cập nhật thường xuyên", kind="continuous", checkin="weekly"), unit, None)
    got = schedule(engine, settings, date(2026, 2, 27), date(2026, 3, 13))
    monthly = [d for d, k, _l in got if k == "ci"]
    # weekly: first working day of each week; monthly: Mon 2/3 (both on that day)
    assert monthly == [date(2026, 3, 2), date(2026, 3, 2), date(2026, 3, 9)]


def test_officers_get_a_digest_only_when_something_is_overdue(engine, settings, world):
    office = world.unit("VPSO")
    officer = world.link(office, role=MemberRole.OFFICER)
    unit = world.unit("THCS")
    world.link(unit)
    world.assign(world.task(), unit, date(2026, 3, 18))
    with Session(engine) as session:
        before = plan_day(session, day=date(2026, 3, 18), work=WORK, settings=settings)
        after = plan_day(session, day=date(2026, 3, 19), work=WORK, settings=settings)
    assert not [d for d in before if d.kind == "digest"]
    assert [(d.kind, d.link_id, d.assignment_id) for d in after if d.kind == "digest"] == [("digest", officer.id, None)]


def test_overdue_dates_walk_agrees_with_counting_each_date():
    rng = random.Random(7)
    day = date(2026, 9, 15)
    dues = [day - timedelta(days=rng.randint(1, 400)) for _ in range(300)]
    for every in (1, 2, 3):
        walked = cadence.overdue_dates(day, dues, WORK, every)
        counted = {d: o for d in set(dues) if (o := cadence.overdue_ordinal(d, day, WORK, every))}
        assert walked == counted


@pytest.mark.parametrize("text, expected", [("7,3,1,0", (7, 3, 1, 0)), ("0, 3 ,7", (7, 3, 0)), ("", None),
                                            ("a,b", None), ("-1,3", None), ("14;2", (14, 2))])
def test_offsets_are_read_leniently_and_rejected_when_wrong(text, expected):
    assert cadence.parse_offsets(text) == expected
