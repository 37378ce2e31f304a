"""RealtimeAgent, RunContextWrapper approvals, handoffs and output guardrails on their own."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from console.realtime import (
    GuardrailFunctionOutput,
    Handoff,
    ModelBehaviorError,
    OutputGuardrail,
    RealtimeAgent,
    RunContextWrapper,
    ToolApprovalItem,
    UserError,
    function_tool,
    output_guardrail,
    realtime_handoff,
)
from console.realtime.handoffs import collect_enabled_handoffs


class Reason(BaseModel):
    reason: str


@function_tool
def ping() -> str:
    return "pong"


@function_tool(is_enabled=lambda ctx, agent: ctx.context == "vip")
def secret() -> str:
    return "s"


async def test_agent_instructions_string_sync_and_async() -> None:
    ctx = RunContextWrapper("bob")

    async def dynamic(c: RunContextWrapper[str], agent: RealtimeAgent[str]) -> str:
        return f"{agent.name} helps {c.context}"

    assert await RealtimeAgent("a", instructions="plain").get_system_prompt(ctx) == "plain"
    assert await RealtimeAgent("a").get_system_prompt(ctx) is None
    sync = RealtimeAgent("s", instructions=lambda c, a: f"{a.name}/{c.context}")
    assert await sync.get_system_prompt(ctx) == "s/bob"
    assert await RealtimeAgent("x", instructions=dynamic).get_system_prompt(ctx) == "x helps bob"


async def test_agent_tools_filtered_by_is_enabled_and_clone() -> None:
    agent = RealtimeAgent("a", tools=[ping, secret], listener="kept")
    assert [t.name for t in await agent.get_all_tools(RunContextWrapper(None))] == ["ping"]
    assert [t.name for t in await agent.get_all_tools(RunContextWrapper("vip"))] == [
        "ping",
        "secret",
    ]
    clone = agent.clone(name="b", instructions="new")
    assert (clone.name, clone.instructions, clone.tools, clone.listener) == (
        "b", "new", agent.tools, "kept",
    )
    assert agent.name == "a" and clone is not agent
    with pytest.raises(UserError):
        RealtimeAgent("")


def test_approvals_per_call_and_always_per_tool() -> None:
    ctx = RunContextWrapper(None)
    item = ToolApprovalItem(agent=None, raw_item={"name": "pay", "call_id": "c1"}, tool_name="pay")
    assert ctx.is_tool_approved("pay", "c1") is None
    ctx.approve_tool(item)
    assert ctx.is_tool_approved("pay", "c1") is True
    assert ctx.is_tool_approved("pay", "c2") is None
    ctx.reject_tool("pay", call_id="c2", rejection_message="no way")
    assert ctx.is_tool_approved("pay", "c2") is False
    assert ctx.get_rejection_message("pay", "c2") == "no way"
    ctx.approve_tool("pay", always_approve=True)
    assert ctx.is_tool_approved("pay", "c99") is True
    ctx.reject_tool("pay", always_reject=True, rejection_message="never")
    assert ctx.is_tool_approved("pay", "c1") is False
    assert ctx.get_rejection_message("pay", "c7") == "never"
    assert ctx.is_tool_approved("other", "c1") is None
    with pytest.raises(UserError):
        ctx.approve_tool("pay")


async def test_handoff_defaults_follow_the_sdk() -> None:
    billing = RealtimeAgent("Billing Agent", handoff_description="Pays bills.")
    h = realtime_handoff(billing)
    assert h.tool_name == "transfer_to_billing_agent"
    assert h.tool_description == (
        "Handoff to the Billing Agent agent to handle the request. Pays bills."
    )
    assert h.agent_name == "Billing Agent"
    assert h.input_json_schema["additionalProperties"] is False
    assert await h.on_invoke_handoff(RunContextWrapper(None), "") is billing
    assert h.get_transfer_message(billing) == json.dumps({"assistant": "Billing Agent"})
    assert Handoff.default_tool_name(RealtimeAgent("Q&A desk!")) == "transfer_to_q_a_desk_"


async def test_handoff_on_handoff_with_and_without_input() -> None:
    target = RealtimeAgent("T")
    calls: list[Any] = []

    async def with_input(ctx: RunContextWrapper[Any], data: Reason) -> None:
        calls.append(data.reason)

    h = realtime_handoff(
        target, tool_name_override="go", tool_description_override="Go.",
        on_handoff=with_input, input_type=Reason,
    )
    assert (h.tool_name, h.tool_description) == ("go", "Go.")
    assert h.input_json_schema["required"] == ["reason"]
    assert await h.on_invoke_handoff(RunContextWrapper(None), '{"reason": "angry"}') is target
    with pytest.raises(ModelBehaviorError):
        await h.on_invoke_handoff(RunContextWrapper(None), '{"nope": 1}')
    with pytest.raises(ModelBehaviorError):
        await h.on_invoke_handoff(RunContextWrapper(None), "")

    plain = realtime_handoff(target, on_handoff=lambda ctx: calls.append(ctx.context))
    await plain.on_invoke_handoff(RunContextWrapper("c"), "{}")
    assert calls == ["angry", "c"]
    with pytest.raises(UserError):
        realtime_handoff(target, on_handoff=lambda ctx: None, input_type=Reason)
    with pytest.raises(UserError):
        realtime_handoff(target, input_type=Reason)


async def test_enabled_handoffs_wrap_agents_and_evaluate_is_enabled() -> None:
    a, b, c = RealtimeAgent("A"), RealtimeAgent("B"), RealtimeAgent("C")
    seen: list[str] = []

    async def only_vip(ctx: RunContextWrapper[Any], agent: RealtimeAgent[Any]) -> bool:
        seen.append(agent.name)
        return bool(ctx.context == "vip")

    owner = RealtimeAgent(
        "Owner", handoffs=[a, realtime_handoff(b, is_enabled=only_vip),
                           realtime_handoff(c, is_enabled=False)],
    )
    names = [h.tool_name for h in await collect_enabled_handoffs(owner, RunContextWrapper(None))]
    assert names == ["transfer_to_a"]
    names = [h.tool_name for h in await collect_enabled_handoffs(owner, RunContextWrapper("vip"))]
    assert names == ["transfer_to_a", "transfer_to_b"]
    assert seen == ["Owner", "Owner"]


async def test_output_guardrail_decorators_and_run() -> None:
    @output_guardrail
    def no_cats(ctx: RunContextWrapper[Any], agent: RealtimeAgent[Any], text: str) -> Any:
        return GuardrailFunctionOutput(output_info=None, tripwire_triggered="cat" in text)

    @output_guardrail(name="polite")
    async def polite(ctx: RunContextWrapper[Any], agent: RealtimeAgent[Any], text: str) -> Any:
        return GuardrailFunctionOutput(output_info={"len": len(text)}, tripwire_triggered=False)

    agent = RealtimeAgent("A")
    assert isinstance(no_cats, OutputGuardrail) and no_cats.get_name() == "no_cats"
    assert polite.get_name() == "polite"
    result = await no_cats.run(RunContextWrapper(None), agent, "a cat")
    assert result.output.tripwire_triggered and result.agent is agent
    assert result.agent_output == "a cat" and result.guardrail is no_cats
    assert (await polite.run(RunContextWrapper(None), agent, "hi")).output.output_info == {"len": 2}
    bad = OutputGuardrail(guardrail_function=lambda c, a, t: True)
    with pytest.raises(TypeError):
        await bad.run(RunContextWrapper(None), agent, "x")
