"""Settings: every key documented in .env.example; env and .env are read; defaults are sane."""
from __future__ import annotations

from config import DEFAULT_DB, Settings
from tests.conftest import REPO


def test_every_setting_is_documented_in_env_example():
    documented = {line.split("=", 1)[0] for line in (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
                  if line.startswith("NHACVIEC_")}
    expected = {f"NHACVIEC_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set()
    assert documented - expected == set()


def test_env_file_and_environment_are_read(tmp_path, monkeypatch):
    env = tmp_path / ".env"
    env.write_text("NHACVIEC_TELEGRAM_TOKEN=123:abc\nNHACVIEC_WEBHOOK_PORT=9090\n", encoding="utf-8")
    monkeypatch.setenv("NHACVIEC_WEBHOOK_PORT", "9191")
    settings = Settings(_env_file=env)
    assert settings.telegram_token.get_secret_value() == "123:abc"
    assert settings.webhook_port == 9191
    assert "123:abc" not in repr(settings)


def test_defaults_and_derived_file_url():
    settings = Settings(_env_file=None)
    assert settings.database_url == DEFAULT_DB == "sqlite:///./data/nhacviec.db"
    assert settings.telegram_file_base == "https://api.telegram.org/file/bot"
    local = Settings(_env_file=None, telegram_api_url="http://127.0.0.1:8081/bot")
    assert local.telegram_file_base == "http://127.0.0.1:8081/file/bot"
    assert (local.webhook_host, local.webhook_port) == ("127.0.0.1", 8080)


def test_the_journal_sweep_interval_must_be_positive():
    import pytest
    from pydantic import ValidationError
    for wrong in ("0", "-5", "nan"):
        with pytest.raises(ValidationError, match="NHACVIEC_WEBHOOK_TAKEOVER_SECONDS must be more than 0"):
            Settings(_env_file=None, webhook_takeover_seconds=wrong)
    assert Settings(_env_file=None).webhook_takeover_seconds == 30
