"""CPU-heavy steps (reading a reply, building a report, importing a file) run in a worker thread.

The event loop also serves Telegram polling, Zalo webhooks and the reminder scheduler: a long computation run on it
freezes all of them. `in_worker` hands the call to a thread and awaits it; the reader's language (a ContextVar)
goes along. Pass plain values or the turn's own session (used by one step at a time), never objects another task
is using.
"""
from __future__ import annotations

import asyncio
from typing import Callable, TypeVar

T = TypeVar("T")


async def in_worker(function: Callable[..., T], /, *args, **kwargs) -> T:
    """Run `function(*args, **kwargs)` off the event loop and return its result."""
    return await asyncio.to_thread(function, *args, **kwargs)
