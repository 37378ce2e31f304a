"""Tool calls of a session: running function tools and subagents, handoffs, unknown tools."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from .active_agent import ActiveAgent
from .agent import RealtimeAgent
from .approvals import PendingToolApproval
from .config import RealtimeRunConfig
from .event_stream import SessionEvents
from .events import (
    RealtimeAgentChanged,
    RealtimeFunctionCall,
    RealtimeHandoffEvent,
    RealtimeToolEnd,
    RealtimeToolStart,
)
from .exceptions import ToolTimeoutError, UserError
from .handoffs import Handoff
from .model_events import RealtimeModelToolCallEvent
from .model_inputs import (
    RealtimeModelSendEvent,
    RealtimeModelSendRawMessage,
    RealtimeModelSendSessionUpdate,
    RealtimeModelSendToolOutput,
)
from .run_context import RunContextWrapper
from .subagent import SubagentTool, task_of
from .tool_approvals import ToolApprovals
from .tool_guardrails import (
    ToolInputGuardrailTripwireTriggered,
    ToolOutputGuardrailTripwireTriggered,
    checked_output,
    input_rejection,
)
from .tool_invocation import ToolInvocations
from .tools import (
    FunctionTool,
    ToolContext,
    default_tool_error_function,
    serialize_tool_output,
)

# Failures a tool's settings ask to end the session with (the rest become outputs).
_FATAL = (
    ToolTimeoutError,
    ToolInputGuardrailTripwireTriggered,
    ToolOutputGuardrailTripwireTriggered,
)


class SubagentWatch(Protocol):
    """Told when a subagent's task starts and finishes (the lifecycle's user-inactivity clock
    does not run meanwhile)."""

    def subagent_started(self, name: str) -> None: ...

    def subagent_finished(self, name: str) -> None: ...


class ToolRunner:
    """Runs the model's function calls for one session, by default each in its own task;
    asks ``approvals`` first where a tool needs one, and performs handoffs on ``agents``."""

    def __init__(
        self,
        events: SessionEvents,
        agents: ActiveAgent,
        context: RunContextWrapper[Any],
        run_config: RealtimeRunConfig,
        *,
        send: Callable[[RealtimeModelSendEvent], Awaitable[None]],
        subagents: SubagentWatch,
        end_session: Callable[[str, BaseException], None],
    ) -> None:
        self._events = events
        self._agents = agents
        self._run_context = context
        self._send = send
        self._subagents = subagents
        self._end_session = end_session
        self.approvals = ToolApprovals(events, context, run_config)
        self.tasks: set[asyncio.Task[Any]] = set()
        self._seen: set[str] = set()
        self._background = bool(run_config.get("async_tool_calls", True))
        self.invocations = ToolInvocations(events, run_config.get("tool_timeout_s"))
        self._pre_approval_guardrails = bool(
            (run_config.get("tool_execution") or {}).get("pre_approval_tool_input_guardrails")
        )

    # --- entry points ------------------------------------------------------------------------

    async def on_call(self, event: RealtimeModelToolCallEvent) -> None:
        # A transport may report one call twice (arguments.done and output_item.done).
        if event.call_id in self._seen:
            return
        self._seen.add(event.call_id)
        agent = self._agents.agent
        if self._events.console:
            self._events.emit(RealtimeFunctionCall(
                agent, event.name, event.call_id, event.arguments, self._events.info
            ))
        await self._start(self._handle(event, agent))

    async def approve(self, call_id: str, always: bool) -> None:
        """Run a pending call (with ``always``, every call of that tool from now on)."""
        decided = self.approvals.take(call_id, always)
        if not decided:
            return
        self._run_context.approve_tool(decided[0].approval_item, always_approve=always)
        for item in decided:
            await self._start(self._guarded(item.tool_call, self._run_approved(item)))

    async def reject(self, call_id: str, always: bool, message: str | None) -> None:
        """Tell the model a pending call was not approved, and let it respond."""
        decided = self.approvals.take(call_id, always)
        if not decided:
            return
        self._run_context.reject_tool(
            decided[0].approval_item, always_reject=always, rejection_message=message
        )
        for item in decided:
            await self._guarded(
                item.tool_call, self._send_rejection(item.tool_call, item.agent, item.tool)
            )

    async def _run_approved(self, pending: PendingToolApproval) -> None:
        await self._run_tool(pending.tool_call, pending.agent, pending.tool)

    async def _send_rejection(
        self, event: RealtimeModelToolCallEvent, agent: RealtimeAgent[Any], tool: FunctionTool
    ) -> None:
        message = await self.approvals.rejection_message(tool, event.call_id)
        await self._finish(event, agent, tool, message)

    async def _start(self, coro: Coroutine[Any, Any, None]) -> None:
        if not self._background:
            await coro
            return
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    @property
    def running(self) -> list[str]:
        """Call ids of the tool calls running now, oldest first."""
        return self.invocations.running

    def cancel(self, call_id: str) -> bool:
        """Stop a running call: the model gets an output saying so. False if it is not running."""
        return self.invocations.cancel(call_id)

    def live_calls(self) -> set[str]:
        """Calls whose output is still to come: waiting for approval, or seen and running."""
        return self._seen | set(self.approvals.pending)

    async def cancel_all(self, exempt: set[asyncio.Task[Any]]) -> None:
        tasks = {t for t in self.tasks if t not in exempt and not t.done()}
        for task in tasks:
            task.cancel()
        if tasks:
            # Bounded: a tool that swallows cancellation must not hold up close().
            await asyncio.wait(tasks, timeout=1.0)
        self.approvals.pending.clear()

    # --- handling ----------------------------------------------------------------------------

    async def _guarded(
        self, event: RealtimeModelToolCallEvent, coro: Coroutine[Any, Any, None]
    ) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except _FATAL as exc:
            # Asked for by the tool's settings: the session ends, its iterator raises (the SDK's
            # behaviour for a failed tool call task).
            self._events.error(f"Tool call task failed: {exc}", kind="tool_call_failed",
                               tool_name=event.name, call_id=event.call_id)
            self._end_session("tool call failed", exc)
        except Exception as exc:
            self._events.error(
                f"tool call {event.name} failed: {exc}",
                kind="tool_call_failed",
                tool_name=event.name,
                call_id=event.call_id,
            )

    async def _handle(self, event: RealtimeModelToolCallEvent, agent: RealtimeAgent[Any]) -> None:
        tool = self._agents.tools.get(event.name)
        if tool is not None:
            await self._guarded(event, self._function_call(event, agent, tool))
            return
        handoff = self._agents.handoffs.get(event.name)
        if handoff is not None:
            await self._guarded(event, self._handoff(event, agent, handoff))
            return
        await self._guarded(event, self._unknown(event))

    async def _function_call(
        self, event: RealtimeModelToolCallEvent, agent: RealtimeAgent[Any], tool: FunctionTool
    ) -> None:
        status = self._run_context.is_tool_approved(tool.name, event.call_id)
        if status is False:
            await self._send_rejection(event, agent, tool)
            return
        if status is None and await self.approvals.needed(tool, event):
            if self._pre_approval_guardrails:
                rejected = await self._input_guardrails(event, agent, tool)
                if rejected is not None:
                    self._started(event, agent, tool)
                    await self._finish(event, agent, tool, rejected)
                    return
            self.approvals.ask(event, agent, tool)
            return
        await self._run_tool(event, agent, tool)

    async def _input_guardrails(
        self, event: RealtimeModelToolCallEvent, agent: RealtimeAgent[Any], tool: FunctionTool
    ) -> str | None:
        return await input_rejection(
            tool.tool_input_guardrails or (), lambda: self._context(event, agent, tool), agent
        )

    def _started(
        self, event: RealtimeModelToolCallEvent, agent: RealtimeAgent[Any], tool: Any
    ) -> None:
        self._events.emit(
            RealtimeToolStart(
                agent=agent,
                tool=tool,
                arguments=event.arguments,
                info=self._events.info,
                call_id=event.call_id,
            )
        )

    async def _finish(
        self, event: RealtimeModelToolCallEvent, agent: RealtimeAgent[Any], tool: Any, result: Any
    ) -> None:
        """Send a call's output (starting a response) and report the call ended."""
        await self._send(
            RealtimeModelSendToolOutput(
                tool_call=event, output=serialize_tool_output(result), start_response=True
            )
        )
        self._events.emit(
            RealtimeToolEnd(
                agent=agent,
                tool=tool,
                output=result,
                info=self._events.info,
                arguments=event.arguments,
                call_id=event.call_id,
            )
        )

    def _context(
        self, event: RealtimeModelToolCallEvent, agent: RealtimeAgent[Any], tool: FunctionTool
    ) -> ToolContext[Any]:
        return ToolContext.from_agent_context(
            self._run_context,
            event.call_id,
            tool_name=tool.name,
            tool_arguments=event.arguments,
            agent=agent,
        )

    async def _run_tool(
        self, event: RealtimeModelToolCallEvent, agent: RealtimeAgent[Any], tool: FunctionTool
    ) -> None:
        if isinstance(tool, SubagentTool):
            await self._subagent(event, agent, tool)
            return
        self._started(event, agent, tool)
        rejected = await self._input_guardrails(event, agent, tool)
        if rejected is not None:
            await self._finish(event, agent, tool, rejected)
            return
        ctx = self._context(event, agent, tool)
        result = await self.invocations.invoke(
            event, tool, ctx, tool.on_invoke_tool(ctx, event.arguments), "tool"
        )
        result = await checked_output(tool.tool_output_guardrails or (), ctx, agent, result)
        await self._finish(event, agent, tool, result)

    async def _subagent(
        self, event: RealtimeModelToolCallEvent, agent: RealtimeAgent[Any], tool: SubagentTool
    ) -> None:
        self._started(event, agent, tool)
        if tool.running or tool.run is None:
            await self._finish(event, agent, tool, tool.busy_message())
            return
        tool.running = True
        self._subagents.subagent_started(tool.name)
        try:
            # The model talks while the task runs; the transport queues this response.create
            # until the response that made the call is done.
            await self._send(
                RealtimeModelSendRawMessage(
                    message={
                        "type": "response.create",
                        "other_data": {"response": {"instructions": tool.holding_instructions()}},
                    }
                )
            )
            ctx = self._context(event, agent, tool)
            running = tool.run(task_of(tool, event.arguments), ctx)
            result = await self.invocations.invoke(event, tool, ctx, running, "subagent")
            tool.running = False
            await self._finish(event, agent, tool, result)
        finally:
            tool.running = False
            self._subagents.subagent_finished(tool.name)

    async def _handoff(
        self,
        event: RealtimeModelToolCallEvent,
        agent: RealtimeAgent[Any],
        handoff: Handoff[Any, Any],
    ) -> None:
        events = self._events
        self._started(event, agent, handoff)
        try:
            new_agent = await handoff.on_invoke_handoff(self._run_context, event.arguments)
            if not isinstance(new_agent, RealtimeAgent):
                raise UserError(
                    f"handoff {handoff.tool_name} returned {type(new_agent).__name__}, "
                    "not a RealtimeAgent"
                )
            prepared = await self._agents.prepare(new_agent)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            output = default_tool_error_function(self._run_context, exc)
            events.error(
                f"handoff {handoff.tool_name} failed: {exc}",
                kind="handoff_failed",
                tool_name=handoff.tool_name,
                call_id=event.call_id,
            )
            await self._finish(event, agent, handoff, output)
            return
        if events.closed:
            return
        previous = self._agents.switch(new_agent, prepared)
        events.emit(RealtimeHandoffEvent(from_agent=previous, to_agent=new_agent, info=events.info))
        events.emit(RealtimeAgentChanged(agent=new_agent, previous=previous, info=events.info))
        # The new agent's instructions and tools must be in place before the response that the
        # tool output starts.
        await self._send(RealtimeModelSendSessionUpdate(session_settings=prepared.settings))
        await self._finish(event, agent, handoff, handoff.get_transfer_message(new_agent))

    async def _unknown(self, event: RealtimeModelToolCallEvent) -> None:
        message = f"Tool {event.name} not found"
        self._events.error(
            message, kind="unknown_tool", tool_name=event.name, call_id=event.call_id
        )
        # Unlike the SDK (start_response False, so the assistant falls silent), a response is
        # started so the model can tell the user or pick another tool.
        await self._send(
            RealtimeModelSendToolOutput(tool_call=event, output=message, start_response=True)
        )
