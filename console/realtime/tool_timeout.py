"""Time limits for tool calls that a tool cannot overstay, even by ignoring cancellation; and
stopping a running call on request (an operator's cancel)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Coroutine
from typing import Any

_CANCEL_GRACE_S = 1.0


class ToolTimeout(Exception):
    """A tool ran past its time limit (kept apart from a TimeoutError the tool raises itself)."""


class ToolCancelled(Exception):
    """A running tool call was cancelled on request (``session.cancel_tool_call``)."""


def cancelled_output(tool_name: str) -> str:
    """What the model is told when the operator cancelled a tool call."""
    return f"Tool {tool_name} was cancelled by the operator before it finished."


async def stoppable(running: Awaitable[Any], stop: asyncio.Future[None]) -> Any:
    """Await ``running`` in this task unless ``stop`` completes first: then this task is
    cancelled (the tool with it) and ToolCancelled is raised instead. In this task, so a tool
    that closes the session is still the task ``close()`` exempts."""
    task = asyncio.current_task()
    assert task is not None
    inside = True

    def on_stop(_: Any) -> None:
        if inside:
            task.cancel()

    stop.add_done_callback(on_stop)
    try:
        return await running
    except asyncio.CancelledError:
        # Ours only if stop fired and nobody else cancelled the task as well.
        if not stop.done() or task.uncancel() > 0:
            raise
        raise ToolCancelled from None
    finally:
        inside = False
        stop.remove_done_callback(on_stop)


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
