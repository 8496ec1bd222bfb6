"""Fakes at the network boundary: real servers on 127.0.0.1 speaking the real protocols."""
from tests.fakes.telegram_api import (
    BLOCKED,
    CHAT_NOT_FOUND,
    KICKED,
    UPGRADED,
    FakeFile,
    FakeTelegram,
    refuse_internet,
)

__all__ = ["BLOCKED", "CHAT_NOT_FOUND", "KICKED", "UPGRADED", "FakeFile", "FakeTelegram",
           "refuse_internet"]
