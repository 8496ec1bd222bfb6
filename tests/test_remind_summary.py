"""`nhacviec remind` adds up: what is waiting after Bot API errors is counted, with or without a 429 in between."""
from __future__ import annotations

import json
from datetime import date

import pytest

from tests.fakes import FakeTelegram, refuse_internet
from tests.reminders_world import TOKEN, World

WED = date(2026, 3, 18)


@pytest.fixture
def world(engine):
    w = World(engine)
    for code in ("VP", "TCCB"):
        unit = w.unit(code)
        w.link(unit)
        w.assign(w.task(f"Báo cáo của {code}"), unit, WED)
    return w


@pytest.fixture
def fake():
    with refuse_internet(), FakeTelegram(token=TOKEN) as server:
        yield server


def remind(cli, fake, *extra):
    return cli("remind", "--at", "2026-03-18T09:00", *extra,
               env={"NHACVIEC_TELEGRAM_TOKEN": TOKEN, "NHACVIEC_TELEGRAM_API_URL": fake.base_url})


def test_everything_waiting_after_server_errors_is_counted(cli, world, fake):
    fake.fail_next("sendMessage", 500, "Internal Server Error", times=None)
    text = remind(cli, fake).output
    assert "đã gửi 0 tin nhắn" in text and "không gửi được 0" in text and "chờ gửi lại 2." in text
    assert [r.state for r in world.reminders()] == ["pending", "pending"]


def test_a_short_429_then_a_500_still_counts_the_waiting_one(cli, world, fake):
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    fake.fail_next("sendMessage", 500, "Internal Server Error", times=1)
    data = json.loads(remind(cli, fake, "--json").output)
    states = [r.state for r in world.reminders()]
    assert data["sent"] == states.count("sent") and data["deferred"] == states.count("pending")
    assert data["sent"] + data["deferred"] + data["failed"] == 2
