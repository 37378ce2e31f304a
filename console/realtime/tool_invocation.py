"""ToolInvocations: the tool calls running now, each within its time limit and stoppable."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from .event_stream import SessionEvents
from .exceptions import ToolTimeoutError
from .model_events import RealtimeModelToolCallEvent
from .tool_timeout import ToolCancelled, ToolTimeout, cancelled_output, stoppable, within
from .tools import (
    FunctionTool,
    ToolContext,
    ToolErrorOutput,
    default_tool_error_function,
    maybe_await,
    serialize_tool_output,
)


class ToolInvocations:
    """Awaits tools' coroutines for a tool runner: each within its time limit (the tool's own
    ``timeout_seconds``, else ``default_timeout_s``), stoppable by ``cancel``; a failure, a
    timeout or a cancel becomes the output the model is told, with an error event."""

    def __init__(self, events: SessionEvents, default_timeout_s: float | None) -> None:
        self._events = events
        self._timeout = default_timeout_s
        # Running calls (call id -> what stops them), in the order they started.
        self._stops: dict[str, asyncio.Future[None]] = {}

    def timeout_of(self, tool: FunctionTool) -> float | None:
        """The tool's own ``timeout_seconds``, else the run config's ``tool_timeout_s``."""
        own = tool.timeout_seconds
        return own if own is not None else self._timeout

    @property
    def running(self) -> list[str]:
        """Call ids of the calls running now, oldest first."""
        return list(self._stops)

    def cancel(self, call_id: str) -> bool:
        """Stop a running call. False if it is not running."""
        stop = self._stops.get(call_id)
        if stop is None or stop.done():
            return False
        stop.set_result(None)
        return True

    async def invoke(
        self,
        event: RealtimeModelToolCallEvent,
        tool: FunctionTool,
        ctx: ToolContext[Any],
        running: Awaitable[Any],
        what: str,
    ) -> Any:
        """The result of a tool's coroutine, or the output that tells the model it failed or
        timed out (with an error event): a failing tool never ends the session."""
        events = self._events
        timeout = self.timeout_of(tool)
        failure: Exception | None = None
        stop = self._stops[event.call_id] = asyncio.get_running_loop().create_future()
        try:
            result = await stoppable(within(running, timeout), stop)
        except asyncio.CancelledError:
            raise
        except ToolCancelled:
            events.error(
                f"{what} {tool.name} was cancelled by the operator",
                kind="tool_cancelled",
                tool_name=tool.name,
                call_id=event.call_id,
            )
            return cancelled_output(tool.name)
        except ToolTimeout:
            assert timeout is not None
            error = ToolTimeoutError(tool.name, timeout)
            if tool.timeout_behavior == "raise_exception":
                raise error from None
            events.error(
                f"{what} {tool.name} timed out after {timeout:g} s",
                kind="tool_timeout",
                tool_name=tool.name,
                call_id=event.call_id,
                timeout_s=timeout,
            )
            if tool.timeout_error_function is not None:
                return await maybe_await(tool.timeout_error_function(ctx, error))
            return str(error)
        except Exception as exc:
            failure = exc
            result = ToolErrorOutput(default_tool_error_function(ctx, exc), exc)
        else:
            if isinstance(result, ToolErrorOutput):
                failure = result.exception
            else:
                try:
                    serialize_tool_output(result)
                except TypeError as exc:
                    failure = exc
                    result = ToolErrorOutput(default_tool_error_function(ctx, exc), exc)
        finally:
            self._stops.pop(event.call_id, None)
        if failure is not None:
            events.error(
                f"{what} {tool.name} failed: {failure}",
                kind="tool_failed",
                tool_name=tool.name,
                call_id=event.call_id,
            )
        return result
