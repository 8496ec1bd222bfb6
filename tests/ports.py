"""Ports for servers a test starts by number (a worker told NHACVIEC_WEBHOOK_PORT, a webhook URL known in advance)."""
from __future__ import annotations

import random
import socket
from pathlib import Path

_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def free_port() -> int:
    """A port free right now on 127.0.0.1, below the kernel's ephemeral range.

    Asking the kernel for any port (bind to 0) hands out one of the ephemeral range, where every outgoing
    connection of every process on the machine also takes its port: on a busy machine one of them could take it
    between this check and the server's own bind ("Address already in use"). Below that range only another
    listener can, and it would have to pick the same one of ~10,000 ports at the same moment.
    """
    low = int(_RANGE.read_text().split()[0]) if _RANGE.exists() else 32768
    top = max(low - 1, 12_000)
    for _ in range(200):
        port = random.randint(max(1024, top - 10_000), top)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")
