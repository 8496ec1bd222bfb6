"""What an IT officer meets when deploying as docs/DEPLOY.md says: workers on their ports, their settings."""
from __future__ import annotations

import socket

from tests.fakes import FakeTelegram, refuse_internet
from tests.reminders_world import TOKEN


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
