"""OpenAIRealtimeSIPModel: attach to a SIP-originated call by id, and build its session payload."""

from __future__ import annotations

from typing import Any

from . import wire
from .config import RealtimeRunConfig, RealtimeSessionModelSettings
from .model import RealtimeModelConfig
from .openai_options import DEFAULT_MODEL, RealtimeConfigError
from .openai_realtime import OpenAIRealtimeWebSocketModel

__all__ = ["OpenAIRealtimeSIPModel", "build_initial_session_payload"]


async def _settings_from_agent(
    agent: Any, context: Any, base: RealtimeSessionModelSettings
) -> RealtimeSessionModelSettings:
    # Imported here: the agent layer imports far more than the transport needs.
    from .handoffs import enabled_handoffs
    from .run_context import RunContextWrapper

    ctx = RunContextWrapper(context)
    settings: RealtimeSessionModelSettings = dict(base)  # type: ignore[assignment]
    if agent.prompt is not None:
        settings["prompt"] = agent.prompt
    settings["instructions"] = await agent.get_system_prompt(ctx) or ""
    settings["tools"] = await agent.get_all_tools(ctx)
    settings["handoffs"] = await enabled_handoffs(agent, ctx)
    return settings


async def build_initial_session_payload(
    agent: Any,
    *,
    context: Any = None,
    model_config: RealtimeModelConfig | None = None,
    run_config: RealtimeRunConfig | None = None,
    overrides: RealtimeSessionModelSettings | None = None,
) -> dict[str, Any]:
    """The GA session object a RealtimeSession would send for ``agent`` on connect.

    Layering, like the SDK: the run config's model settings, then the model config's initial
    settings, then the agent (instructions, prompt, tools, handoffs), then the initial settings
    again (explicit settings beat the agent), then ``overrides``. Forward it to the Realtime
    Calls API to accept a SIP call with the same setup a session would use.
    """
    run_settings = (run_config or {}).get("model_settings") or {}
    initial = (model_config or {}).get("initial_model_settings") or {}
    base: RealtimeSessionModelSettings = {**run_settings, **initial}
    settings = await _settings_from_agent(agent, context, base)
    settings.update(initial)
    if (run_config or {}).get("tracing_disabled"):
        settings["tracing"] = None
    if overrides:
        settings.update(overrides)
    call_id = (model_config or {}).get("call_id")
    return wire.build_session_config(
        settings,
        model=settings.get("model_name") or DEFAULT_MODEL,
        call_id=call_id,
        include_tracing="tracing" in settings,
    )


class OpenAIRealtimeSIPModel(OpenAIRealtimeWebSocketModel):
    """The WebSocket transport attached to an existing SIP call (URL ``?call_id=<id>``)."""

    build_initial_session_payload = staticmethod(build_initial_session_payload)

    async def connect(self, options: RealtimeModelConfig) -> None:
        if not options.get("call_id"):
            raise RealtimeConfigError(
                "OpenAIRealtimeSIPModel needs call_id in the model config (the SIP call's id)"
            )
        await super().connect(options)
