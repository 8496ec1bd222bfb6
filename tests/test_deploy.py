"""What an IT officer meets when deploying as docs/DEPLOY.md says: workers on their ports, their settings."""
from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

from sqlmodel import Session, select

from services.workspace import SAMPLE_PLAN, SAMPLE_UNITS
from storage.models import Evidence, KeyValue
from tests.fakes import FakeTelegram, refuse_internet
from tests.reminders_world import TOKEN
from tests.test_db_cli import _postgres_database
from tests.web_harness import make_desk, signed_in


def test_a_worker_whose_webhook_port_is_taken_says_so(cli):
    """Two workers on one port (a second `nhacviec@…` whose NHACVIEC_WEBHOOK_PORT came out the same, another
    service on it): the one that cannot listen names the port and the setting, not the network or the chat API."""
    with socket.socket() as taken, refuse_internet(), FakeTelegram(token=TOKEN) as fake:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("run", env={"NHACVIEC_TELEGRAM_TOKEN": TOKEN, "NHACVIEC_TELEGRAM_API_URL": fake.base_url,
                                 "NHACVIEC_TELEGRAM_FILE_URL": fake.file_url,
                                 "NHACVIEC_TELEGRAM_WEBHOOK_URL": "https://nhacviec.sogd.example.vn/telegram",
                                 "NHACVIEC_TELEGRAM_WEBHOOK_SECRET": "s" * 32,
                                 "NHACVIEC_WEBHOOK_HOST": "127.0.0.1", "NHACVIEC_WEBHOOK_PORT": str(port)})
    assert result.exit_code == 1
    assert f"127.0.0.1:{port}" in result.output and "NHACVIEC_WEBHOOK_PORT" in result.output, result.output
    assert "kết nối mạng" not in result.output and TOKEN not in result.output


def test_evidence_is_served_after_its_folder_moves_to_shared_storage(cli, settings, engine, tmp_path):
    """DEPLOY §4: from one process to several workers, NHACVIEC_EVIDENCE_DIR moves to a shared mount and the files
    are copied there (rsync -a). The files staff sent before keep opening from the desk."""
    old_folder, new_folder = tmp_path / "var-lib-nhacviec" / "evidence", tmp_path / "srv-nhacviec-evidence"
    report = tmp_path / "bao-cao-quy-I.pdf"
    report.write_bytes(b"%PDF-1.4\n% bao cao CCHC quy I\n%%EOF\n")
    assert cli("units", "load", str(SAMPLE_UNITS)).exit_code == 0
    assert cli("import", str(SAMPLE_PLAN), "--year", "2026", "--yes").exit_code == 0
    answered = cli("console", "--as", "VP", input=f"/file {report}\n1\n/quit\n",
                   env={"NHACVIEC_EVIDENCE_DIR": str(old_folder)})
    assert "Đã lưu tài liệu kiểm chứng" in answered.output, answered.output
    with Session(engine) as session:
        [evidence] = session.exec(select(Evidence)).all()
    assert Path(evidence.stored_path).is_file()

    shutil.copytree(old_folder, new_folder)   # rsync -a to the shared mount, then the old folder goes
    shutil.rmtree(old_folder)
    desk = make_desk(settings.model_copy(update={"evidence_dir": new_folder}), engine)
    download = signed_in(desk).get(f"/evidence/{evidence.id}")
    assert download.status_code == 200 and download.content == report.read_bytes()


def test_oa_tokens_are_typed_at_a_prompt_not_on_the_command_line(cli, engine):
    """DEPLOY keeps secrets off command lines (ps, shell history): after re-authorising the OA the officer runs
    `nhacviec zalo tokens set` and types the two tokens, which are stored and never echoed."""
    result = cli("zalo", "tokens", "set", input="acc-from-console\nref-from-console\n")
    assert result.exit_code == 0, result.output
    assert "acc-from-console" not in result.output and "ref-from-console" not in result.output
    with Session(engine) as session:
        stored = session.get(KeyValue, "zalo_oa")
    assert '"access_token": "acc-from-console"' in stored.value
    assert '"refresh_token": "ref-from-console"' in stored.value


def test_the_postgres_password_reaches_the_client_tools_through_the_environment_only(cli, tmp_path, monkeypatch):
    """DEPLOY: `nhacviec backup` and `restore` hand the database password to pg_dump, pg_restore and psql through
    PGPASSWORD, never on their command line (where `ps` shows it to every user of the machine)."""
    seen = tmp_path / "seen"
    shims = tmp_path / "bin"
    shims.mkdir()
    for tool in ("pg_dump", "pg_restore", "psql"):
        real = shutil.which(tool)
        (shims / tool).write_text(f'#!/bin/sh\necho "{tool} $* PGPASSWORD=$PGPASSWORD" >> {seen}\nexec {real} "$@"\n')
        (shims / tool).chmod(0o755)
    monkeypatch.setenv("PATH", f"{shims}:{os.environ['PATH']}")
    with _postgres_database() as url:
        url = url.replace("postgresql+psycopg://postgres@", "postgresql+psycopg://postgres:s3cret-pw@")
        env = {"NHACVIEC_DATABASE_URL": url}
        assert cli("units", "load", str(SAMPLE_UNITS), env=env).exit_code == 0
        assert cli("backup", str(tmp_path / "pg.dump"), env=env).exit_code == 0
        restored = cli("restore", str(tmp_path / "pg.dump"), "--yes", env=env)
        assert restored.exit_code == 0, restored.output
    calls = seen.read_text().splitlines()
    assert {line.split()[0] for line in calls} == {"pg_dump", "pg_restore", "psql"}
    for line in calls:
        arguments, _sep, password = line.partition(" PGPASSWORD=")
        assert "s3cret-pw" not in arguments and password == "s3cret-pw", line
