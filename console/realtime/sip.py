"""OpenAIRealtimeSIPModel: attach to a SIP-originated call by id, and build its session payload."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import wire
from .config import RealtimeRunConfig, RealtimeSessionModelSettings
from .model import RealtimeModelConfig
from .openai_options import DEFAULT_MODEL, RealtimeConfigError
from .openai_realtime import OpenAIRealtimeWebSocketModel

if TYPE_CHECKING:
    from openai.types.realtime import RealtimeSessionCreateRequest

__all__ = ["OpenAIRealtimeSIPModel", "build_initial_session_payload", "session_payload"]


async def session_payload(
    agent: Any,
    *,
    context: Any = None,
    model_config: RealtimeModelConfig | None = None,
    run_config: RealtimeRunConfig | None = None,
    overrides: RealtimeSessionModelSettings | None = None,
) -> dict[str, Any]:
    """The GA ``session`` object a RealtimeSession would send for ``agent`` on connect, as a
    plain dict (no ``openai`` needed): ``build_initial_session_payload`` without the model.

    Layering, like the SDK: the run config's model settings, then the model config's initial
    settings, then the agent (instructions, prompt, tools, handoffs) unless the initial settings
    set them, then ``overrides`` (tools and handoffs in them filtered by ``is_enabled``).
    """
    # Imported here: the agent layer imports far more than the transport needs.
    from .agent_settings import settings_for_agent
    from .run_context import RunContextWrapper
    from .tools import evaluate_flag

    ctx = RunContextWrapper(context)
    prepared = await settings_for_agent(
        agent,
        ctx,
        run_config or {},
        (model_config or {}).get("initial_model_settings"),
        at_connect=True,
    )
    settings: dict[str, Any] = dict(prepared.settings)
    if overrides:
        settings.update(overrides)
        if "tools" in overrides:
            settings["tools"] = [
                t for t in overrides["tools"] or [] if await evaluate_flag(t.is_enabled, ctx, agent)
            ]
        if "handoffs" in overrides:
            settings["handoffs"] = [
                h for h in overrides["handoffs"] or [] if await h.enabled_for(ctx, agent)
            ]
    # With a call id, formats are sent only when set (the call negotiated its codec).
    return wire.build_session_config(
        settings,
        model=settings.get("model_name") or DEFAULT_MODEL,
        call_id=(model_config or {}).get("call_id"),
        include_tracing="tracing" in settings,
    )


async def build_initial_session_payload(
    agent: Any,
    *,
    context: Any = None,
    model_config: RealtimeModelConfig | None = None,
    run_config: RealtimeRunConfig | None = None,
    overrides: RealtimeSessionModelSettings | None = None,
) -> RealtimeSessionCreateRequest:
    """The SDK's helper: ``session_payload`` as ``openai``'s ``RealtimeSessionCreateRequest``,
    to accept a SIP call with the same setup a session would use.

    Needs the ``openai`` package (``pip install 'rtconsole[openai]'``); it is imported only
    here, so the core never pays its import time otherwise."""
    from openai.types.realtime import RealtimeSessionCreateRequest

    payload = await session_payload(
        agent,
        context=context,
        model_config=model_config,
        run_config=run_config,
        overrides=overrides,
    )
    return RealtimeSessionCreateRequest.model_validate(payload)


class OpenAIRealtimeSIPModel(OpenAIRealtimeWebSocketModel):
    """The WebSocket transport attached to an existing SIP call (URL ``?call_id=<id>``).

    Through a runner as in the SDK: ``RealtimeRunner(agent, model=OpenAIRealtimeSIPModel())
    .run(model_config={"call_id": ...})`` (no model name: the call has its model)."""

    build_initial_session_payload = staticmethod(build_initial_session_payload)

    async def connect(self, options: RealtimeModelConfig) -> None:
        if not options.get("call_id"):
            raise RealtimeConfigError(
                "OpenAIRealtimeSIPModel requires `call_id` in the model configuration "
                "(the SIP call's id)"
            )
        await super().connect(options)
