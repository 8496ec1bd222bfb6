"""`nhacviec invite`: a code and a deep link; with a token, the link names the real bot."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import Session, select

from services.workspace import SAMPLE_UNITS
from storage.models import Invite
from tests.fakes import FakeTelegram


def test_invite_json_with_the_bots_username_from_getme(cli, engine):
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0
    with FakeTelegram(token="42:ABC", bot_username="socchc_bot") as tg:
        result = cli("invite", "TCCB", "--role", "head", "--uses", "3", "--expires", "5", "--json",
                     env={"NHACVIEC_TELEGRAM_TOKEN": "42:ABC", "NHACVIEC_TELEGRAM_API_URL": tg.base_url})
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"code", "link"}
    assert data["link"] == f"https://t.me/socchc_bot?start={data['code']}"
    with Session(engine) as s:
        invite = s.exec(select(Invite).where(Invite.code == data["code"])).one()
    assert (invite.role, invite.max_uses, invite.used) == ("head", 3, 0)
    assert invite.expires_at - invite.created_at > timedelta(days=4, hours=23)


def test_invite_for_an_unknown_unit_or_role_fails_clearly(cli, engine):
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0
    result = cli("invite", "KHONGCO")
    assert result.exit_code != 0 and "Không có đơn vị mã KHONGCO" in result.output
    result = cli("invite", "VP", "--uses", "0")
    assert result.exit_code != 0 and "từ 1 trở lên" in result.output
    with Session(engine) as s:
        assert s.exec(select(Invite)).all() == []
