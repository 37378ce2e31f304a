"""Time limits for tool calls that a tool cannot overstay, even by ignoring cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

_CANCEL_GRACE_S = 1.0


class ToolTimeout(Exception):
    """A tool ran past its time limit (kept apart from a TimeoutError the tool raises itself)."""


async def within(running: Coroutine[Any, Any, Any] | Any, timeout: float | None) -> Any:
    """Await a tool, at most ``timeout`` seconds. Unlike ``asyncio.wait_for``, a tool that
    ignores cancellation cannot hold its call past the limit: it gets a short grace to stop,
    then is left behind (as is a sync tool's worker thread, which cannot be stopped)."""
    if timeout is None:
        return await running
    task = asyncio.ensure_future(running)
    try:
        done, _ = await asyncio.wait({task}, timeout=timeout)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if task in done:
        return task.result()
    task.cancel()
    # Whatever it ends with later is consumed here, not reported as never retrieved.
    task.add_done_callback(lambda t: t.cancelled() or t.exception())
    await asyncio.wait({task}, timeout=_CANCEL_GRACE_S)
    raise ToolTimeout
