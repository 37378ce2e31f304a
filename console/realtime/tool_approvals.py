"""ToolApprovals: tool calls waiting for an operator's decision, and the words of a rejection."""

from __future__ import annotations

from typing import Any

from .agent import RealtimeAgent
from .approvals import REJECTION_MESSAGE, PendingToolApproval, ToolErrorFormatterArgs
from .config import RealtimeRunConfig
from .event_stream import SessionEvents
from .events import RealtimeToolApprovalRequired
from .exceptions import ModelBehaviorError
from .model_events import RealtimeModelToolCallEvent
from .run_context import RunContextWrapper, ToolApprovalItem
from .tools import FunctionTool, maybe_await, parse_arguments


class ToolApprovals:
    """Owns the pending approvals of one session (``pending``, by call id): asks whether a
    call needs one, holds it and announces it, and hands calls back out once decided."""

    def __init__(
        self,
        events: SessionEvents,
        context: RunContextWrapper[Any],
        run_config: RealtimeRunConfig,
    ) -> None:
        self._events = events
        self._context = context
        self._formatter = run_config.get("tool_error_formatter")
        self.pending: dict[str, PendingToolApproval] = {}

    def take(self, call_id: str, always: bool) -> list[PendingToolApproval]:
        """The pending call ``call_id`` (none if unknown), no longer pending; with ``always``,
        the other calls of the same tool waiting now follow it (the SDK leaves them waiting
        although the decision already covers them)."""
        decided = self.pending.pop(call_id, None)
        if decided is None:
            return []
        if not always:
            return [decided]
        same = [p for p in self.pending.values() if p.tool.name == decided.tool.name]
        for p in same:
            del self.pending[p.call_id]
        return [decided, *same]

    async def needed(self, tool: FunctionTool, event: RealtimeModelToolCallEvent) -> bool:
        setting = tool.needs_approval
        if not callable(setting):
            return bool(setting)
        try:
            params = parse_arguments(tool.name, event.arguments)
        except ModelBehaviorError:
            return True  # Unreadable arguments: a human should look at them.
        try:
            return bool(await maybe_await(setting(self._context, params, event.call_id)))
        except Exception as exc:
            self._events.error(
                f"needs_approval of tool {tool.name} failed: {exc}; asking for approval",
                kind="needs_approval_failed",
                tool_name=tool.name,
                call_id=event.call_id,
            )
            return True

    def ask(
        self, event: RealtimeModelToolCallEvent, agent: RealtimeAgent[Any], tool: FunctionTool
    ) -> None:
        """Hold the call in ``pending`` and tell the session's consumer it waits for a decision."""
        if self._events.closed:
            return
        item = ToolApprovalItem(
            agent=agent,
            raw_item={
                "type": "function_call",
                "name": tool.name,
                "call_id": event.call_id,
                "arguments": event.arguments,
            },
            tool_name=tool.name,
        )
        self.pending[event.call_id] = PendingToolApproval(
            call_id=event.call_id,
            tool=tool,
            agent=agent,
            arguments=event.arguments,
            approval_item=item,
            tool_call=event,
        )
        self._events.emit(
            RealtimeToolApprovalRequired(
                agent=agent,
                tool=tool,
                call_id=event.call_id,
                arguments=event.arguments,
                info=self._events.info,
            )
        )

    async def rejection_message(self, tool: FunctionTool, call_id: str) -> str:
        """The operator's message, else the run config's ``tool_error_formatter``'s, else the
        default text."""
        explicit = self._context.get_rejection_message(tool.name, call_id)
        if explicit is not None:
            return explicit
        if self._formatter is None:
            return REJECTION_MESSAGE
        try:
            message = await maybe_await(
                self._formatter(
                    ToolErrorFormatterArgs(
                        kind="approval_rejected",
                        tool_type="function",
                        tool_name=tool.name,
                        call_id=call_id,
                        default_message=REJECTION_MESSAGE,
                        run_context=self._context,
                    )
                )
            )
        except Exception as exc:
            self._events.error(f"tool_error_formatter failed: {exc}", kind="formatter_failed")
            return REJECTION_MESSAGE
        return message if isinstance(message, str) else REJECTION_MESSAGE
