"""Who holds a claim on a row (a reminder being sent, a webhook event being handled), and when it is abandoned.

A claim names its worker "host:pid:token". On the same machine a claim whose process is gone (or an earlier
incarnation in this process) is abandoned at once; another machine's claim only by its age.
"""
from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

HOST = socket.gethostname()


def worker_id() -> str:
    """A fresh "host:pid:token" (host:pid alone could name a new process that got a killed one's pid)."""
    return f"{HOST}:{os.getpid()}:{secrets.token_hex(3)}"


def abandoned(claimed_by: str | None, claimed_at: datetime | None, *, now: datetime, me: str,
              stale: timedelta) -> bool:
    """True when a claim may be taken over by `me`."""
    if claimed_at is None or claimed_at < now - stale:
        return True
    host, _sep, rest = (claimed_by or "").partition(":")
    pid_text, _sep, _token = rest.partition(":")
    if host != HOST or not pid_text.isdigit():
        return False  # another machine's worker: only its age tells
    if claimed_by == me:
        return False
    return int(pid_text) == os.getpid() or not _alive(int(pid_text))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
