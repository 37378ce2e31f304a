"""Tool calls through a session: running, approvals, rejection, errors, handoffs."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pydantic import BaseModel

from console.realtime import (
    REJECTION_MESSAGE,
    RealtimeAgent,
    RealtimeModelSendSessionUpdate,
    RealtimeModelSendToolOutput,
    RealtimeModelToolCallEvent,
    RealtimeModelTranscriptDeltaEvent,
    RunContextWrapper,
    ToolContext,
    ToolErrorFormatterArgs,
    function_tool,
    realtime_handoff,
)
from console.realtime.testing import ScriptedRealtimeModel

from .conftest import Reader, start


def call(name: str, call_id: str, arguments: Any = None) -> RealtimeModelToolCallEvent:
    args = arguments if isinstance(arguments, str) else json.dumps(arguments or {})
    return RealtimeModelToolCallEvent(name=name, call_id=call_id, arguments=args)


def outputs(model: ScriptedRealtimeModel) -> list[tuple[str, str, bool]]:
    return [(e.tool_call.call_id, e.output, e.start_response)
            for e in model.sent_of("send_tool_output")]


@function_tool
def add(ctx: ToolContext[dict[str, int]], a: int, b: int) -> int:
    """Add two numbers."""
    ctx.context["calls"] = ctx.context.get("calls", 0) + 1
    return a + b


@function_tool(needs_approval=True)
async def pay(amount: int) -> str:
    return f"paid {amount}"


async def test_tool_runs_with_context_and_output_goes_to_model(
    model: ScriptedRealtimeModel,
) -> None:
    context: dict[str, int] = {}
    agent = RealtimeAgent("Main", tools=[add])
    session = await start(agent, model, context=context)
    reader = Reader(session)
    await model.emit(call("add", "c1", {"a": 2, "b": 3}))
    started = await reader.until("tool_start")
    ended = await reader.until("tool_end")
    assert started.tool is add and started.agent is agent and started.call_id == "c1"
    assert ended.output == 5 and ended.arguments == '{"a": 2, "b": 3}'
    assert outputs(model) == [("c1", "5", True)]
    assert context == {"calls": 1}
    await session.close()


async def test_background_tool_does_not_block_events(model: ScriptedRealtimeModel) -> None:
    release = asyncio.Event()

    @function_tool
    async def slow() -> str:
        await release.wait()
        return "done"

    session = await start(RealtimeAgent("Main", tools=[slow]), model)
    reader = Reader(session)
    await model.emit(call("slow", "c1"))  # returns although the tool is still waiting
    await model.emit(RealtimeModelTranscriptDeltaEvent(item_id="a1", delta="hi", response_id="r"))
    added = await reader.until("history_added")
    assert added.item.item_id == "a1"
    assert "tool_end" not in reader.types()
    release.set()
    assert (await reader.until("tool_end")).output == "done"
    await session.close()


async def test_inline_tool_calls_when_async_tool_calls_is_off(
    model: ScriptedRealtimeModel,
) -> None:
    session = await start(RealtimeAgent("Main", tools=[add]), model, context={},
                          config={"async_tool_calls": False})
    await model.emit(call("add", "c1", {"a": 1, "b": 1}))
    assert outputs(model) == [("c1", "2", True)]  # done by the time emit returns
    await session.close()


async def test_duplicate_call_ids_run_once(model: ScriptedRealtimeModel) -> None:
    session = await start(RealtimeAgent("Main", tools=[add]), model, context={},
                          config={"async_tool_calls": False})
    await model.emit(call("add", "c1", {"a": 1, "b": 1}))
    await model.emit(call("add", "c1", {"a": 1, "b": 1}))
    assert len(outputs(model)) == 1
    await session.close()


async def test_tool_that_raises_sends_error_text_and_session_lives_on(
    model: ScriptedRealtimeModel,
) -> None:
    @function_tool
    def broken() -> str:
        raise RuntimeError("database down")

    async def raw_invoke(ctx: Any, args: str) -> str:
        raise KeyError("raw failure")

    manual = function_tool(lambda: None, name_override="manual")
    manual.on_invoke_tool = raw_invoke

    session = await start(RealtimeAgent("Main", tools=[broken, manual, add]), model, context={})
    reader = Reader(session)
    await model.emit(call("broken", "c1"))
    error = await reader.until("error")
    assert "database down" in error.error["message"] and error.error["call_id"] == "c1"
    end = await reader.until("tool_end")
    assert "database down" in end.output
    await model.emit(call("manual", "c2"))
    error = await reader.until("error")
    assert "raw failure" in error.error["message"]
    await reader.until("tool_end")
    await model.emit(call("add", "c3", {"a": 1, "b": 2}))
    await reader.until("tool_end")
    sent = outputs(model)
    assert sent[0][0] == "c1" and "database down" in sent[0][1] and sent[0][2]
    assert sent[1][0] == "c2" and "raw failure" in sent[1][1]
    assert sent[2] == ("c3", "3", True)
    assert not session.closed
    await session.close()


async def test_invalid_json_arguments_become_error_output(model: ScriptedRealtimeModel) -> None:
    session = await start(RealtimeAgent("Main", tools=[add]), model, context={})
    reader = Reader(session)
    await model.emit(call("add", "c1", '{"a": 1, "b": '))
    error = await reader.until("error")
    assert "Invalid JSON input for tool add" in error.error["message"]
    await reader.until("tool_end")
    [(call_id, output, start_response)] = outputs(model)
    assert call_id == "c1" and "Invalid JSON input for tool add" in output and start_response
    await session.close()


async def test_unknown_tool_gets_error_output_and_error_event(
    model: ScriptedRealtimeModel,
) -> None:
    session = await start(RealtimeAgent("Main", tools=[add]), model)
    reader = Reader(session)
    await model.emit(call("nope", "c1"))
    error = await reader.until("error")
    assert error.error["message"] == "Tool nope not found"
    await session.close()
    await reader.rest()
    assert outputs(model) == [("c1", "Tool nope not found", True)]


async def test_tool_timeout_from_run_config(model: ScriptedRealtimeModel) -> None:
    @function_tool
    async def forever() -> str:
        await asyncio.Event().wait()
        return ""

    session = await start(RealtimeAgent("Main", tools=[forever]), model,
                          config={"tool_timeout_s": 0.01})
    reader = Reader(session)
    await model.emit(call("forever", "c1"))
    await reader.until("tool_end")
    assert outputs(model) == [("c1", "Tool 'forever' timed out after 0.01 seconds.", True)]
    await session.close()


async def test_approval_required_then_approve(model: ScriptedRealtimeModel) -> None:
    agent = RealtimeAgent("Main", tools=[pay])
    session = await start(agent, model)
    reader = Reader(session)
    await model.emit(call("pay", "c1", {"amount": 5}))
    required = await reader.until("tool_approval_required")
    assert (required.call_id, required.tool, required.agent) == ("c1", pay, agent)
    assert required.arguments == '{"amount": 5}'
    pending = session.pending_approvals["c1"]
    assert (pending.tool_name, pending.agent, pending.arguments) == ("pay", agent, '{"amount": 5}')
    assert outputs(model) == []
    await session.approve_tool_call("c1")
    assert (await reader.until("tool_end")).output == "paid 5"
    assert outputs(model) == [("c1", "paid 5", True)]
    assert dict(session.pending_approvals) == {}
    # Not "always": the next call asks again.
    await model.emit(call("pay", "c2", {"amount": 6}))
    await reader.until("tool_approval_required")
    await session.approve_tool_call("unknown-id")  # ignored
    await session.close()


async def test_reject_default_message_and_explicit_message(model: ScriptedRealtimeModel) -> None:
    session = await start(RealtimeAgent("Main", tools=[pay]), model)
    reader = Reader(session)
    await model.emit(call("pay", "c1", {"amount": 5}))
    await model.emit(call("pay", "c2", {"amount": 6}))
    await reader.until("tool_approval_required", lambda e: e.call_id == "c2")
    await session.reject_tool_call("c1")
    await session.reject_tool_call("c2", rejection_message="Too expensive.")
    assert outputs(model) == [("c1", REJECTION_MESSAGE, True), ("c2", "Too expensive.", True)]
    assert REJECTION_MESSAGE == "Tool execution was not approved."
    ends = [await reader.until("tool_end"), await reader.until("tool_end")]
    assert [e.output for e in ends] == [REJECTION_MESSAGE, "Too expensive."]
    assert "tool_start" not in reader.types()
    await session.close()


async def test_rejection_formatter_from_run_config(model: ScriptedRealtimeModel) -> None:
    seen: list[ToolErrorFormatterArgs] = []

    async def formatter(args: ToolErrorFormatterArgs) -> str:
        seen.append(args)
        return f"{args.tool_name} was declined ({args.call_id})"

    session = await start(RealtimeAgent("Main", tools=[pay]), model,
                          config={"tool_error_formatter": formatter})
    reader = Reader(session)
    await model.emit(call("pay", "c1", {"amount": 5}))
    await reader.until("tool_approval_required")
    await session.reject_tool_call("c1")
    assert outputs(model) == [("c1", "pay was declined (c1)", True)]
    assert seen[0].kind == "approval_rejected" and seen[0].default_message == REJECTION_MESSAGE
    assert isinstance(seen[0].run_context, RunContextWrapper)
    await session.close()


async def test_always_approve_and_always_reject_are_sticky_per_tool(
    model: ScriptedRealtimeModel,
) -> None:
    @function_tool(needs_approval=True)
    def refund(amount: int) -> str:
        return f"refunded {amount}"

    session = await start(RealtimeAgent("Main", tools=[pay, refund]), model)
    reader = Reader(session)
    await model.emit(call("pay", "p1", {"amount": 1}))
    await model.emit(call("pay", "p2", {"amount": 2}))
    await reader.until("tool_approval_required", lambda e: e.call_id == "p2")
    await session.approve_tool_call("p1", always=True)
    await reader.until("tool_end", lambda e: e.call_id == "p1")
    await reader.until("tool_end", lambda e: e.call_id == "p2")  # waiting call decided too
    await model.emit(call("pay", "p3", {"amount": 3}))
    await reader.until("tool_end", lambda e: e.call_id == "p3")
    assert reader.types().count("tool_approval_required") == 2

    await model.emit(call("refund", "r1", {"amount": 1}))
    await reader.until("tool_approval_required", lambda e: e.call_id == "r1")
    await session.reject_tool_call("r1", always=True, rejection_message="No refunds.")
    await model.emit(call("refund", "r2", {"amount": 2}))
    await reader.until("tool_end", lambda e: e.call_id == "r2")
    sent = dict((c, o) for c, o, _ in outputs(model))
    assert sent == {"p1": "paid 1", "p2": "paid 2", "p3": "paid 3",
                    "r1": "No refunds.", "r2": "No refunds."}
    assert reader.types().count("tool_approval_required") == 3
    await session.close()


async def test_needs_approval_callable_gets_params_and_call_id(
    model: ScriptedRealtimeModel,
) -> None:
    asked: list[tuple[Any, dict[str, Any], str]] = []

    async def big_only(ctx: RunContextWrapper[Any], params: dict[str, Any], call_id: str) -> bool:
        asked.append((ctx.context, params, call_id))
        return bool(params["amount"] > 100)

    @function_tool(needs_approval=big_only)
    def transfer(amount: int) -> str:
        return "ok"

    session = await start(RealtimeAgent("Main", tools=[transfer]), model, context="ctx")
    reader = Reader(session)
    await model.emit(call("transfer", "c1", {"amount": 5}))
    await reader.until("tool_end")
    await model.emit(call("transfer", "c2", {"amount": 500}))
    await reader.until("tool_approval_required")
    await model.emit(call("transfer", "c3", "not json"))
    await reader.until("tool_approval_required", lambda e: e.call_id == "c3")
    assert asked == [("ctx", {"amount": 5}, "c1"), ("ctx", {"amount": 500}, "c2")]
    assert set(session.pending_approvals) == {"c2", "c3"}
    await session.close()
    assert dict(session.pending_approvals) == {}


class Escalation(BaseModel):
    reason: str


async def test_handoff_switches_agent_and_sends_update_before_output(
    model: ScriptedRealtimeModel,
) -> None:
    got: list[str] = []

    @function_tool
    def refund_tool() -> str:
        return "r"

    billing = RealtimeAgent("Billing", instructions="You do billing.", tools=[refund_tool])
    front = RealtimeAgent(
        "Front",
        handoffs=[realtime_handoff(billing, input_type=Escalation,
                                   on_handoff=lambda ctx, e: got.append(e.reason))],
    )
    session = await start(front, model)
    reader = Reader(session)
    await model.emit(call("transfer_to_billing", "h1", {"reason": "refund"}))
    handoff = await reader.until("handoff")
    assert handoff.from_agent is front and handoff.to_agent is billing
    assert reader.types()[-2:] == ["tool_start", "handoff"]
    changed = await reader.next()
    assert changed.type == "agent_changed" and changed.agent is billing  # type: ignore[union-attr]
    assert changed.previous is front  # type: ignore[union-attr]
    end = await reader.until("tool_end")
    assert end.output == json.dumps({"assistant": "Billing"})
    assert session.current_agent is billing and got == ["refund"]
    update, output = model.sent[-2:]
    assert isinstance(update, RealtimeModelSendSessionUpdate)
    assert update.session_settings["instructions"] == "You do billing."
    assert [t.name for t in update.session_settings["tools"]] == ["refund_tool"]
    assert update.session_settings["handoffs"] == []
    assert isinstance(output, RealtimeModelSendToolOutput)
    assert (output.tool_call.call_id, output.start_response) == ("h1", True)
    # The new agent's tools are the ones dispatched now.
    await model.emit(call("refund_tool", "c2"))
    await reader.until("tool_end", lambda e: e.call_id == "c2")
    await model.emit(call("transfer_to_billing", "h2", {"reason": "again"}))
    assert (await reader.until("error")).error["message"] == "Tool transfer_to_billing not found"
    await session.close()


async def test_failed_handoff_keeps_the_agent_and_tells_the_model(
    model: ScriptedRealtimeModel,
) -> None:
    billing = RealtimeAgent("Billing")
    front = RealtimeAgent(
        "Front",
        handoffs=[realtime_handoff(billing, input_type=Escalation,
                                   on_handoff=lambda ctx, e: None)],
    )
    session = await start(front, model)
    reader = Reader(session)
    await model.emit(call("transfer_to_billing", "h1", {"wrong": 1}))
    error = await reader.until("error")
    assert error.error["kind"] == "handoff_failed"
    await reader.until("tool_end")
    assert session.current_agent is front
    [(call_id, output, start_response)] = outputs(model)
    assert call_id == "h1" and "Invalid JSON input for handoff" in output and start_response
    assert model.sent_of("send_session_update") == []
    await session.close()


async def test_pending_approvals_is_read_only_and_bad_formatter_falls_back(
    model: ScriptedRealtimeModel,
) -> None:
    def broken_formatter(args: ToolErrorFormatterArgs) -> str:
        raise RuntimeError("formatter bug")

    session = await start(RealtimeAgent("Main", tools=[pay]), model,
                          config={"tool_error_formatter": broken_formatter})
    reader = Reader(session)
    await model.emit(call("pay", "c1", {"amount": 5}))
    await reader.until("tool_approval_required")
    approvals: Any = session.pending_approvals
    with pytest.raises(TypeError):
        approvals["c2"] = approvals["c1"]
    await session.reject_tool_call("c1")
    assert outputs(model) == [("c1", REJECTION_MESSAGE, True)]
    assert "formatter bug" in (await reader.until("error")).error["message"]
    await session.close()
