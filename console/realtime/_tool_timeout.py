"""Time limits for tool calls that a tool cannot overstay, even by ignoring cancellation; and
stopping a running call on request (an operator's cancel)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

_CANCEL_GRACE_S = 1.0


class ToolTimeout(Exception):
    """A tool ran past its time limit (kept apart from a TimeoutError the tool raises itself)."""


class ToolCancelled(Exception):
    """A running tool call was cancelled on request (``session.cancel_tool_call``)."""


def cancelled_output(tool_name: str) -> str:
    """What the model is told when the operator cancelled a tool call."""
    return f"Tool {tool_name} was cancelled by the operator before it finished."


async def stoppable(running: Coroutine[Any, Any, Any], stop: asyncio.Future[None]) -> Any:
    """Await ``running`` unless ``stop`` completes first: then it is cancelled (and left
    behind if it ignores that, as ``within`` does) and ToolCancelled is raised."""
    work = asyncio.ensure_future(running)
    try:
        await asyncio.wait({work, stop}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        work.cancel()
        raise
    if work.done():
        return work.result()
    work.cancel()
    work.add_done_callback(lambda t: t.cancelled() or t.exception())
    raise ToolCancelled


def timeout_output(tool_name: str, timeout: float | None) -> str:
    """What the model is told when a tool call ran out of time."""
    limit = f"{timeout:g} seconds" if timeout is not None else "its time limit"
    return f"Tool {tool_name} timed out after {limit}."


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
