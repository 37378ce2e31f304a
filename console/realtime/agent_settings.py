"""Model settings for an agent: defaults < run config < model config, plus the agent's parts."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from .agent import RealtimeAgent
from .config import DEFAULT_MODEL_SETTINGS, RealtimeRunConfig, RealtimeSessionModelSettings
from .exceptions import UserError
from .handoffs import Handoff, collect_enabled_handoffs
from .run_context import RunContextWrapper
from .tools import FunctionTool, evaluate_flag

# Keys an agent supplies; at connect an explicit value in the model config's initial settings
# wins over the agent's (the SDK's rule), while later agents (update_agent, handoffs) always
# bring their own.
_AGENT_KEYS = ("instructions", "tools", "handoffs", "prompt")
_TRANSPORT_DEFAULTS = ("model_name", "input_audio_format", "output_audio_format")


@dataclass(slots=True)
class AgentSettings:
    """Settings to send for an agent, and the tools and handoffs the model will be offered."""

    settings: RealtimeSessionModelSettings
    tools: dict[str, FunctionTool]
    handoffs: dict[str, Handoff[Any, Any]]


async def settings_for_agent(
    agent: RealtimeAgent[Any],
    ctx: RunContextWrapper[Any],
    run_config: RealtimeRunConfig,
    initial: RealtimeSessionModelSettings | None,
    *,
    at_connect: bool,
) -> AgentSettings:
    # The defaults minus model and formats: the transport applies its own, and a SIP call
    # (call_id) already has its model and codec, so only explicit ones may be sent.
    merged: dict[str, Any] = copy.deepcopy(
        {k: v for k, v in DEFAULT_MODEL_SETTINGS.items() if k not in _TRANSPORT_DEFAULTS}
    )
    merged.update(run_config.get("model_settings") or {})
    merged.update(initial or {})
    explicit = set(initial or {}) if at_connect else set()
    if agent.prompt is not None and "prompt" not in explicit:
        merged["prompt"] = agent.prompt
    if "instructions" not in explicit:
        merged["instructions"] = await agent.get_system_prompt(ctx) or ""
    if "tools" in explicit:
        merged["tools"] = [
            t for t in merged.get("tools") or [] if await evaluate_flag(t.is_enabled, ctx, agent)
        ]
    else:
        merged["tools"] = await agent.get_all_tools(ctx)
    if "handoffs" in explicit:
        merged["handoffs"] = [
            h for h in merged.get("handoffs") or [] if await h.enabled_for(ctx, agent)
        ]
    else:
        merged["handoffs"] = await collect_enabled_handoffs(agent, ctx)
    if run_config.get("tracing_disabled"):
        merged["tracing"] = None

    tools: dict[str, FunctionTool] = {}
    handoffs: dict[str, Handoff[Any, Any]] = {}
    for tool in merged["tools"]:
        if isinstance(tool, Mapping):
            # A function definition as plain data (the SDK passes these on): offered to the
            # model as it is; with nothing to run, a call of it gets the unknown-tool output.
            continue
        if features := getattr(tool, "responses_only_features", ()):
            raise UserError(
                f"tool {tool.qualified_name!r} uses {', '.join(features)}: only the Responses "
                "API supports that (tool search); a realtime session needs every tool up front "
                "under its plain name"
            )
        if tool.name in tools:
            raise UserError(
                f"Duplicate Realtime tool name found: {tool.name!r} (agent {agent.name!r} has "
                "two tools of that name)"
            )
        tools[tool.name] = tool
    for handoff in merged["handoffs"]:
        if handoff.tool_name in tools or handoff.tool_name in handoffs:
            raise UserError(
                f"Duplicate Realtime tool name found: {handoff.tool_name!r} (agent "
                f"{agent.name!r}: the handoff clashes with a tool or handoff of that name)"
            )
        handoffs[handoff.tool_name] = handoff
    return AgentSettings(cast(RealtimeSessionModelSettings, merged), tools, handoffs)
