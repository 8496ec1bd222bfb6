"""No secret or traceback reaches an officer: bad token, no network, database trouble, log lines."""
from __future__ import annotations

import io
import json
import logging
import socket
import sqlite3
import uuid
from datetime import date

import psycopg
import pytest
from pydantic import SecretStr

from config import Settings
from config.redact import RedactingFilter, install
from storage.errors import describe
from tests.fakes import FakeTelegram, refuse_internet
from tests.reminders_world import World
from tests.test_postgres import SERVER

REAL_LOOKING = "7012345678:AAH3kXw9-Zq_secretpartOFtheTOKEN12345"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_with_a_refused_token_explains_in_vietnamese_without_the_token(cli):
    with refuse_internet(), FakeTelegram(token="1:OTHER") as fake:
        result = cli("run", env={"NHACVIEC_TELEGRAM_TOKEN": REAL_LOOKING, "NHACVIEC_TELEGRAM_API_URL": fake.base_url})
    assert result.exit_code != 0
    assert "từ chối token" in result.output and "@BotFather" in result.output
    assert "Traceback" not in result.output and "AAH3kXw9" not in result.output


def test_run_without_network_explains_what_to_check(cli):
    url = f"http://127.0.0.1:{closed_port()}/bot"
    result = cli("run", env={"NHACVIEC_TELEGRAM_TOKEN": REAL_LOOKING, "NHACVIEC_TELEGRAM_API_URL": url})
    assert result.exit_code != 0 and "Không kết nối được máy chủ Telegram" in result.output
    assert "Traceback" not in result.output and "AAH3kXw9" not in result.output


def test_remind_with_a_refused_token_does_not_print_it(cli, engine):
    with refuse_internet(), FakeTelegram(token="1:OTHER") as fake:
        result = cli("remind", "--at", "2026-03-18T09:00",
                     env={"NHACVIEC_TELEGRAM_TOKEN": REAL_LOOKING, "NHACVIEC_TELEGRAM_API_URL": fake.base_url})
    assert result.exit_code != 0 and "AAH3kXw9" not in result.output and "từ chối token" in result.output


def test_log_lines_and_tracebacks_are_masked(tmp_path):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        install(Settings(_env_file=None, telegram_token=SecretStr(REAL_LOOKING),
                         database_url="postgresql+psycopg://nv:pg-pass-123@db/x", data_dir=tmp_path))
        log = logging.getLogger("telegram.ext.Updater")
        log.error("POST https://api.telegram.org/bot%s/getUpdates failed", REAL_LOOKING)
        try:
            raise RuntimeError(f"The token `{REAL_LOOKING}` was rejected by the server.")
        except RuntimeError:
            log.exception("start failed")
        logging.getLogger("zalo").warning("refresh: %s", json.dumps({"access_token": "zalo-at-987654321"}))
        logging.getLogger("db").warning("url postgresql+psycopg://nv:pg-pass-123@db/x")
    finally:
        root.removeHandler(handler)
    out = stream.getvalue()
    assert "AAH3kXw9" not in out and "zalo-at-987654321" not in out and "pg-pass-123" not in out
    assert "getUpdates failed" in out and "start failed" in out and "RuntimeError" in out
    assert any(isinstance(f, RedactingFilter) for f in handler.filters)


def test_a_locked_sqlite_database_is_explained(tmp_path):
    path = tmp_path / "x.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(path, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as caught:
        other.execute("INSERT INTO t VALUES (1)")
    holder.rollback()
    assert "đang bị một tiến trình khác khoá" in describe(caught.value)


def test_a_read_only_sqlite_database_is_explained(tmp_path):
    path = tmp_path / "x.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)")
    ro = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as caught:
        ro.execute("INSERT INTO t VALUES (1)")
    assert "chỉ đọc" in describe(caught.value)


def test_a_command_on_a_read_only_postgres_database_says_so_without_a_traceback(cli, tmp_path):
    name = f"nhacviec_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    try:
        from storage.db import open_database
        open_database(url).dispose()
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        units = tmp_path / "units.csv"
        units.write_text("code,name,kind,parent,aliases,groups\nVP,Văn phòng Sở,phong,,,\n", encoding="utf-8")
        result = cli("units", "load", str(units), env={"NHACVIEC_DATABASE_URL": url})
    finally:
        with psycopg.connect(SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    assert result.exit_code != 0 and "chỉ đọc" in result.output and "Traceback" not in result.output


def test_zalo_oa_tokens_refreshed_at_run_time_are_masked_too():
    from datetime import datetime, timezone

    from config.redact import redact
    from zalo.tokens import OaTokens
    OaTokens("oa-access-7Hq2LmZ9", "oa-refresh-Pp41xYw0", datetime(2026, 3, 1, tzinfo=timezone.utc))
    line = redact("Zalo OA call failed with oa-access-7Hq2LmZ9 (refresh oa-refresh-Pp41xYw0)")
    assert "7Hq2LmZ9" not in line and "Pp41xYw0" not in line
