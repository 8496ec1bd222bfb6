"""Ids typed on the command line: a number larger than any the database can hold is named as a wrong id, the
command changes nothing and no traceback (OverflowError from the database driver) reaches the operator."""
from __future__ import annotations

from sqlmodel import Session, select

from services.workspace import SAMPLE_UNITS
from storage.models import ChatUser, Invite, Plan

HUGE = "99999999999999999999"


def test_an_id_too_large_for_the_database_is_a_clear_refusal(cli, engine):
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0
    for args in (("people", "remove", HUGE), ("plans", "remove", HUGE, "--yes"), ("report", "--plan", HUGE)):
        result = cli(*args)
        assert result.exit_code != 0, args
        assert f"Mã số {HUGE} không có trong Hệ thống" in result.output, (args, result.output)
        assert "Traceback" not in result.output
    with Session(engine) as s:
        assert s.exec(select(ChatUser)).all() == [] and s.exec(select(Plan)).all() == []


def test_an_invite_beyond_what_can_be_stored_is_refused_clearly(cli, engine):
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0
    for args in (("--uses", HUGE), ("--expires", "99999999999"), ("--expires", "3000000")):
        result = cli("invite", "VP", *args)
        assert result.exit_code != 0 and "Số lần dùng tối đa" in result.output, (args, result.output)
    with Session(engine) as s:
        assert s.exec(select(Invite)).all() == []
    assert cli("invite", "VP", "--uses", "1000", "--expires", "365").exit_code == 0
