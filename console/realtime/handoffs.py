"""Handoffs: tools that transfer the conversation to another RealtimeAgent."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic

from pydantic import TypeAdapter, ValidationError
from typing_extensions import TypeVar

from .exceptions import ModelBehaviorError, UserError
from .run_context import RunContextWrapper, TContext
from .tool_schema import empty_object_schema, ensure_strict_json_schema
from .tools import evaluate_flag, maybe_await

if TYPE_CHECKING:
    from .agent import RealtimeAgent

TAgent = TypeVar("TAgent", default=Any)


def _function_style(name: str) -> str:
    # The SDK's transformation: spaces and other non-identifier characters become underscores.
    return re.sub(r"[^a-zA-Z0-9_]", "_", name.replace(" ", "_")).lower()


@dataclass
class Handoff(Generic[TContext, TAgent]):
    """A handoff, shown to the model as a function tool named ``tool_name``.

    ``on_invoke_handoff(ctx, input_json)`` returns the agent that takes over. ``is_enabled`` is a
    bool or ``(ctx, agent) -> bool | Awaitable[bool]`` evaluated with the agent that owns the
    handoff; a disabled handoff is not offered to the model.
    """

    tool_name: str
    tool_description: str
    input_json_schema: dict[str, Any]
    on_invoke_handoff: Callable[[RunContextWrapper[Any], str], Awaitable[TAgent]]
    agent_name: str
    input_filter: Callable[..., Any] | None = None
    strict_json_schema: bool = True
    is_enabled: bool | Callable[[RunContextWrapper[Any], Any], Any] = True
    agent: TAgent | None = field(default=None, repr=False)
    """The target agent when it is known up front (always for ``realtime_handoff``)."""

    def get_transfer_message(self, agent: Any) -> str:
        """The tool output the model receives once the handoff happened."""
        return json.dumps({"assistant": agent.name})

    async def enabled_for(self, ctx: RunContextWrapper[Any], agent: Any) -> bool:
        return await evaluate_flag(self.is_enabled, ctx, agent)

    @classmethod
    def default_tool_name(cls, agent: Any) -> str:
        """``transfer_to_<agent name>``, the name lower-cased with spaces and punctuation as
        underscores (the SDK's rule, so tool names match across the two)."""
        return f"transfer_to_{_function_style(agent.name)}"

    @classmethod
    def default_tool_description(cls, agent: Any) -> str:
        description = getattr(agent, "handoff_description", None) or ""
        return f"Handoff to the {agent.name} agent to handle the request. {description}".rstrip()


def _check_arity(func: Callable[..., Any], expected: int, what: str) -> None:
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return
    if len(positional) != expected:
        raise UserError(f"on_handoff must take {expected} argument(s) {what}")


def realtime_handoff(
    agent: RealtimeAgent[TContext],
    *,
    tool_name_override: str | None = None,
    tool_description_override: str | None = None,
    on_handoff: Callable[..., Any] | None = None,
    input_type: type[Any] | None = None,
    is_enabled: bool | Callable[[RunContextWrapper[Any], RealtimeAgent[Any]], Any] = True,
) -> Handoff[TContext, RealtimeAgent[TContext]]:
    """A handoff to ``agent``.

    With ``input_type``, the model must send arguments matching it; ``on_handoff(ctx, input)``
    receives them validated. Without, ``on_handoff(ctx)`` is called. ``on_handoff`` may be sync
    or async. Without ``input_type`` the tool takes an empty, closed object (the SDK sends an
    empty schema, which strict function calling does not accept).
    """
    if input_type is not None and on_handoff is None:
        raise UserError("input_type needs an on_handoff that receives the input")
    if on_handoff is not None and not callable(on_handoff):
        raise UserError("on_handoff must be callable")
    if on_handoff is not None:
        _check_arity(on_handoff, 2 if input_type is not None else 1, "(ctx[, input])")

    adapter: TypeAdapter[Any] | None = None
    if input_type is not None:
        adapter = TypeAdapter(input_type)
        schema = ensure_strict_json_schema(adapter.json_schema())
    else:
        schema = empty_object_schema()
    tool_name = tool_name_override or Handoff.default_tool_name(agent)

    async def on_invoke_handoff(ctx: RunContextWrapper[Any], input_json: str) -> Any:
        if adapter is not None:
            assert on_handoff is not None
            if not input_json or not input_json.strip():
                raise ModelBehaviorError(f"Handoff {tool_name} expected arguments, got none")
            try:
                # Strict, as the SDK's strict schema: "25" is not an int.
                value = adapter.validate_json(input_json, strict=True)
            except ValidationError as exc:
                raise ModelBehaviorError(
                    f"Invalid JSON input for handoff {tool_name}: {exc}"
                ) from exc
            await maybe_await(on_handoff(ctx, value))
        elif on_handoff is not None:
            await maybe_await(on_handoff(ctx))
        return agent

    return Handoff(
        tool_name=tool_name,
        tool_description=tool_description_override or Handoff.default_tool_description(agent),
        input_json_schema=schema,
        on_invoke_handoff=on_invoke_handoff,
        agent_name=agent.name,
        is_enabled=is_enabled,
        agent=agent,
    )


async def collect_enabled_handoffs(
    agent: RealtimeAgent[Any], context_wrapper: RunContextWrapper[Any]
) -> list[Handoff[Any, Any]]:
    """``agent.handoffs`` as Handoff objects (agents wrapped with ``realtime_handoff``), keeping
    the enabled ones. The ``is_enabled`` checks run concurrently; if one raises, the others are
    cancelled and the error propagates."""
    handoffs = [h if isinstance(h, Handoff) else realtime_handoff(h) for h in agent.handoffs]
    checks = [asyncio.ensure_future(h.enabled_for(context_wrapper, agent)) for h in handoffs]
    try:
        enabled = await asyncio.gather(*checks)
    except BaseException:
        for check in checks:
            check.cancel()
        await asyncio.gather(*checks, return_exceptions=True)
        raise
    return [h for h, on in zip(handoffs, enabled, strict=True) if on]

