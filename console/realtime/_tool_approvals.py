"""ToolApprovals: asking for a tool call's approval, deciding it, and sending a rejection."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from .agent import RealtimeAgent
from .approvals import REJECTION_MESSAGE, PendingToolApproval, ToolErrorFormatterArgs
from .events import RealtimeToolApprovalRequired
from .exceptions import ModelBehaviorError
from .model_events import RealtimeModelToolCallEvent
from .run_context import ToolApprovalItem
from .tools import FunctionTool, maybe_await, parse_arguments

if TYPE_CHECKING:
    from .session import RealtimeSession


class ToolApprovals:
    """The approval part of ``ToolCalls`` (a mixin; ``ToolCalls`` runs the calls)."""

    _s: RealtimeSession[Any]
    pending: dict[str, PendingToolApproval]

    async def _start(self, coro: Coroutine[Any, Any, None]) -> None:
        raise NotImplementedError

    async def _guarded(
        self, event: RealtimeModelToolCallEvent, coro: Coroutine[Any, Any, None]
    ) -> None:
        raise NotImplementedError

    async def _run_tool(
        self, event: RealtimeModelToolCallEvent, agent: RealtimeAgent[Any], tool: FunctionTool
    ) -> None:
        raise NotImplementedError

    async def _finish(
        self, event: RealtimeModelToolCallEvent, agent: RealtimeAgent[Any], tool: Any, result: Any
    ) -> None:
        raise NotImplementedError

    async def approve(self, call_id: str, always: bool) -> None:
        pending = self.pending.pop(call_id, None)
        if pending is None:
            return
        self._s._context_wrapper.approve_tool(pending.approval_item, always_approve=always)
        for item in [pending, *self._same_tool(pending, always)]:
            await self._start(self._guarded(item.tool_call, self._run(item)))

    async def reject(self, call_id: str, always: bool, message: str | None) -> None:
        pending = self.pending.pop(call_id, None)
        if pending is None:
            return
        self._s._context_wrapper.reject_tool(
            pending.approval_item, always_reject=always, rejection_message=message
        )
        for item in [pending, *self._same_tool(pending, always)]:
            await self._guarded(
                item.tool_call, self._send_rejection(item.tool_call, item.agent, item.tool)
            )

    def _same_tool(self, pending: PendingToolApproval, always: bool) -> list[PendingToolApproval]:
        """With ``always``, the other calls of the same tool waiting now are decided too (the
        SDK leaves them waiting although the decision already covers them)."""
        if not always:
            return []
        same = [p for p in self.pending.values() if p.tool.name == pending.tool.name]
        for p in same:
            del self.pending[p.call_id]
        return same

    async def _run(self, pending: PendingToolApproval) -> None:
        await self._run_tool(pending.tool_call, pending.agent, pending.tool)

    async def _needs_approval(self, tool: FunctionTool, event: RealtimeModelToolCallEvent) -> bool:
        setting = tool.needs_approval
        if not callable(setting):
            return bool(setting)
        try:
            params = parse_arguments(tool.name, event.arguments)
        except ModelBehaviorError:
            return True  # Unreadable arguments: a human should look at them.
        try:
            return bool(await maybe_await(setting(self._s._context_wrapper, params, event.call_id)))
        except Exception as exc:
            self._s._emit_error(
                f"needs_approval of tool {tool.name} failed: {exc}; asking for approval",
                kind="needs_approval_failed",
                tool_name=tool.name,
                call_id=event.call_id,
            )
            return True

    def _ask_approval(
        self, event: RealtimeModelToolCallEvent, agent: RealtimeAgent[Any], tool: FunctionTool
    ) -> None:
        """Hold the call in ``pending`` and tell the session's consumer it waits for a decision."""
        if self._s._closing:
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
        self._s._emit(
            RealtimeToolApprovalRequired(
                agent=agent,
                tool=tool,
                call_id=event.call_id,
                arguments=event.arguments,
                info=self._s._event_info,
            )
        )

    async def _rejection_message(self, tool: FunctionTool, call_id: str) -> str:
        ctx = self._s._context_wrapper
        explicit = ctx.get_rejection_message(tool.name, call_id)
        if explicit is not None:
            return explicit
        formatter = self._s._run_config.get("tool_error_formatter")
        if formatter is None:
            return REJECTION_MESSAGE
        try:
            message = await maybe_await(
                formatter(
                    ToolErrorFormatterArgs(
                        kind="approval_rejected",
                        tool_type="function",
                        tool_name=tool.name,
                        call_id=call_id,
                        default_message=REJECTION_MESSAGE,
                        run_context=ctx,
                    )
                )
            )
        except Exception as exc:
            self._s._emit_error(f"tool_error_formatter failed: {exc}", kind="formatter_failed")
            return REJECTION_MESSAGE
        return message if isinstance(message, str) else REJECTION_MESSAGE

    async def _send_rejection(
        self, event: RealtimeModelToolCallEvent, agent: RealtimeAgent[Any], tool: FunctionTool
    ) -> None:
        message = await self._rejection_message(tool, event.call_id)
        await self._finish(event, agent, tool, message)
