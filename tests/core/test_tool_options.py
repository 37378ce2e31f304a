"""The SDK's function_tool options through a session: timeouts, tool guardrails, output types."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import BaseModel

from console.realtime import (
    FunctionTool,
    RealtimeAgent,
    RunContextWrapper,
    ToolContext,
    UserError,
    function_tool,
    tool_namespace,
)
from console.realtime.exceptions import ToolTimeoutError
from console.realtime.testing import ScriptedRealtimeModel
from console.realtime.tool_guardrails import (
    ToolGuardrailFunctionOutput,
    ToolInputGuardrailData,
    ToolInputGuardrailTripwireTriggered,
    ToolOutputGuardrailData,
    tool_input_guardrail,
    tool_output_guardrail,
)

from .conftest import GUARD_S, Reader, start
from .test_session_tools import call, outputs


async def never() -> str:
    await asyncio.Event().wait()
    return ""


async def test_timeout_under_the_sdk_name_returns_the_sdk_message(
    model: ScriptedRealtimeModel,
) -> None:
    slow = function_tool(never, timeout=0.01)
    assert slow.timeout_seconds == 0.01 and slow.timeout_behavior == "error_as_result"
    session = await start(RealtimeAgent("Main", tools=[slow]), model)
    reader = Reader(session)
    await model.emit(call("never", "c1"))
    error = await reader.until("error")
    assert error.error["kind"] == "tool_timeout"
    end = await reader.until("tool_end")
    assert end.output == "Tool 'never' timed out after 0.01 seconds."
    assert outputs(model) == [("c1", "Tool 'never' timed out after 0.01 seconds.", True)]
    await session.close()


async def test_timeout_error_function_formats_the_output(model: ScriptedRealtimeModel) -> None:
    seen: list[Any] = []

    async def formatter(ctx: RunContextWrapper[Any], error: Exception) -> str:
        seen.append((type(ctx).__name__, getattr(ctx, "tool_call_id", None)))
        assert isinstance(error, ToolTimeoutError)
        return f"late:{error.tool_name}:{error.timeout_seconds:g}"

    slow = FunctionTool("slow", "slow", {"type": "object", "properties": {}},
                        lambda ctx, args: never(), timeout_seconds=0.01,
                        timeout_error_function=formatter)
    session = await start(RealtimeAgent("Main", tools=[slow]), model)
    reader = Reader(session)
    await model.emit(call("slow", "c9"))
    assert (await reader.until("tool_end")).output == "late:slow:0.01"
    assert seen == [("ToolContext", "c9")]
    await session.close()


async def test_raise_exception_timeout_ends_the_session_and_raises(
    model: ScriptedRealtimeModel,
) -> None:
    slow = function_tool(never, timeout=0.01, timeout_behavior="raise_exception")
    session = await start(RealtimeAgent("Main", tools=[slow]), model)
    reader = Reader(session)
    await model.emit(call("never", "c1"))
    error = await reader.until("error")
    assert "Tool call task failed" in error.error["message"]
    assert "timed out" in error.error["message"]
    await reader.until("session_closed")
    with pytest.raises(ToolTimeoutError) as info:
        await reader.next()
    assert info.value.tool_name == "never"
    assert outputs(model) == []  # the model got no output: the run failed


def test_bad_timeout_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="timeout_behavior"):
        function_tool(never, timeout_behavior="shrug")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive"):
        function_tool(never, timeout=-1)


async def test_input_guardrail_rejects_before_the_tool_runs(model: ScriptedRealtimeModel) -> None:
    ran: list[str] = []
    contexts: list[Any] = []

    @tool_input_guardrail
    def no_refunds(data: ToolInputGuardrailData) -> ToolGuardrailFunctionOutput:
        contexts.append(data.context)
        if "refund" in data.context.tool_arguments:
            return ToolGuardrailFunctionOutput.reject_content("refunds need a human")
        return ToolGuardrailFunctionOutput.allow()

    @function_tool(tool_input_guardrails=[no_refunds])
    def act(action: str) -> str:
        ran.append(action)
        return f"did {action}"

    session = await start(RealtimeAgent("Main", tools=[act]), model)
    reader = Reader(session)
    await model.emit(call("act", "c1", {"action": "refund"}))
    await reader.until("tool_end")
    await model.emit(call("act", "c2", {"action": "lookup"}))
    await reader.until("tool_end")
    assert outputs(model) == [("c1", "refunds need a human", True), ("c2", "did lookup", True)]
    assert ran == ["lookup"]
    assert all(isinstance(c, ToolContext) for c in contexts)
    assert [c.tool_call_id for c in contexts] == ["c1", "c2"]
    await session.close()


async def test_input_guardrail_tripwire_ends_the_session(model: ScriptedRealtimeModel) -> None:
    @tool_input_guardrail(name="stop")
    async def stop(data: ToolInputGuardrailData) -> ToolGuardrailFunctionOutput:
        return ToolGuardrailFunctionOutput.raise_exception(output_info="nope")

    @function_tool(tool_input_guardrails=[stop])
    def act() -> str:
        return "ran"

    session = await start(RealtimeAgent("Main", tools=[act]), model)
    reader = Reader(session)
    await model.emit(call("act", "c1"))
    await reader.until("session_closed")
    with pytest.raises(ToolInputGuardrailTripwireTriggered) as info:
        await reader.next()
    assert info.value.guardrail.get_name() == "stop" and info.value.output.output_info == "nope"
    assert outputs(model) == []


async def test_output_guardrail_replaces_the_output(model: ScriptedRealtimeModel) -> None:
    @tool_output_guardrail
    def redact(data: ToolOutputGuardrailData) -> ToolGuardrailFunctionOutput:
        if "secret" in str(data.output):
            return ToolGuardrailFunctionOutput.reject_content("[withheld]")
        return ToolGuardrailFunctionOutput.allow()

    @function_tool(tool_output_guardrails=[redact])
    def read(name: str) -> str:
        return f"{name} is secret" if name == "pin" else f"{name} is 3"

    session = await start(RealtimeAgent("Main", tools=[read]), model)
    reader = Reader(session)
    await model.emit(call("read", "c1", {"name": "pin"}))
    await reader.until("tool_end")
    await model.emit(call("read", "c2", {"name": "age"}))
    await reader.until("tool_end")
    assert outputs(model) == [("c1", "[withheld]", True), ("c2", "age is 3", True)]
    await session.close()


async def test_pre_approval_input_guardrails_run_before_asking(
    model: ScriptedRealtimeModel,
) -> None:
    @tool_input_guardrail
    def never_ok(data: ToolInputGuardrailData) -> ToolGuardrailFunctionOutput:
        return ToolGuardrailFunctionOutput.reject_content("blocked")

    @function_tool(needs_approval=True, tool_input_guardrails=[never_ok])
    def pay() -> str:
        return "paid"

    session = await start(RealtimeAgent("Main", tools=[pay]), model,
                          config={"tool_execution": {"pre_approval_tool_input_guardrails": True}})
    reader = Reader(session)
    await model.emit(call("pay", "c1"))
    await reader.until("tool_end")
    assert outputs(model) == [("c1", "blocked", True)]
    assert "tool_approval_required" not in reader.types()
    await session.close()


class Quote(BaseModel):
    symbol: str
    price: float


async def test_output_type_checks_and_serialises(model: ScriptedRealtimeModel) -> None:
    @function_tool(output_type=Quote)
    def quote(symbol: str) -> Any:
        return {"symbol": symbol, "price": "12.5"}

    assert quote.output_json_schema is not None
    assert quote.output_json_schema["properties"]["price"]["type"] == "number"
    session = await start(RealtimeAgent("Main", tools=[quote]), model)
    reader = Reader(session)
    await model.emit(call("quote", "c1", {"symbol": "ACME"}))
    await reader.until("tool_end")
    assert outputs(model) == [("c1", '{"symbol":"ACME","price":12.5}', True)]
    await session.close()


async def test_deferred_tools_are_refused_by_a_realtime_session() -> None:
    lazy = function_tool(never, defer_loading=True)
    assert lazy.defer_loading is True
    with pytest.raises(UserError, match="defer_loading=True"):
        await asyncio.wait_for(
            start(RealtimeAgent("Main", tools=[lazy]), ScriptedRealtimeModel(strict=False)),
            GUARD_S,
        )


async def test_namespaced_tools_build_but_a_realtime_session_refuses_them(
    model: ScriptedRealtimeModel,
) -> None:
    lookup = function_tool(never, name_override="lookup_account")
    [grouped] = tool_namespace(name=" crm ", description="CRM tools", tools=[lookup])
    assert (grouped.qualified_name, grouped.namespace_description) == (
        "crm.lookup_account", "CRM tools")
    assert grouped.params_json_schema == lookup.params_json_schema
    assert lookup.namespace is None and lookup.qualified_name == "lookup_account"  # a copy
    for bad in ({"name": " ", "description": "d", "tools": [lookup]},
                {"name": "crm", "description": None, "tools": [lookup]},
                {"name": "crm", "description": "d", "tools": [object()]}):
        with pytest.raises(UserError, match=r"tool_namespace\(\)"):
            tool_namespace(**bad)
    with pytest.raises(UserError, match=r"'crm\.lookup_account' uses tool_namespace\(\)"):
        await asyncio.wait_for(start(RealtimeAgent("Main", tools=[grouped]), model), GUARD_S)
    assert model.connect_calls == ()  # refused before anything reached the model
    # The plain tool it was made from still works in a session.
    session = await start(RealtimeAgent("Main", tools=[lookup]), model)
    assert model.connect_calls[0]["initial_model_settings"]["tools"] == [lookup]
    await session.close()
