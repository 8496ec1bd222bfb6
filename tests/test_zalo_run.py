"""Starting the Zalo channels as `nhacviec run` does: webhook verification, and long polling kept to development."""
from __future__ import annotations

import logging

from pydantic import SecretStr

from bot.inbound import preflight, set_bot_webhook
from tests.zalo_harness import BOT_TOKEN, running_zalo


async def test_set_webhook_after_the_server_listens_and_its_verification_is_checked(settings, engine, caplog):
    async with running_zalo(settings, engine) as h:
        assert h.bot.probes == [200]                      # Zalo probed our URL: the server was already listening
        assert h.inbound.webhook_report.ok and "http_status=200" in h.inbound.webhook_report.detail
        wrong = h.services.settings.model_copy(
            update={"zalo_bot_secret": SecretStr("a-secret-our-server-does-not-know")})
        with caplog.at_level(logging.ERROR):
            report = await set_bot_webhook(h.dispatcher.messengers["zalo_bot"].client, wrong)
        assert not report.ok and h.bot.probes[-1] == 401
        assert "Zalo không kiểm tra được webhook" in caplog.text and BOT_TOKEN not in caplog.text


def test_production_refuses_long_polling_and_development_warns(cli, settings, caplog):
    env = {"NHACVIEC_ZALO_BOT_TOKEN": BOT_TOKEN, "NHACVIEC_ENV": "production"}
    result = cli("run", env=env)
    assert result.exit_code == 1
    assert "NHACVIEC_ENV=production nhưng Zalo Bot chưa có webhook" in result.output
    assert "NHACVIEC_PUBLIC_URL" in result.output and BOT_TOKEN not in result.output

    with caplog.at_level(logging.WARNING):
        preflight(settings.model_copy(update={"zalo_bot_token": SecretStr(BOT_TOKEN)}))
    assert "CẢNH BÁO: Zalo Bot đang nhận tin bằng long polling" in caplog.text
