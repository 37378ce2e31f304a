"""RealtimeAgent: instructions, tools, handoffs and guardrails of one voice agent."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic

from .config import RealtimePrompt
from .exceptions import UserError
from .listener import AgentListener
from .run_context import RunContextWrapper, TContext
from .tools import FunctionTool, evaluate_flag, maybe_await

if TYPE_CHECKING:
    from .guardrails import OutputGuardrail
    from .handoffs import Handoff

class RealtimeAgentHooks(Generic[TContext]):
    """The SDK's agent lifecycle hooks (override what you need; every hook does nothing)."""

    async def on_start(self, context: RunContextWrapper[TContext], agent: Any) -> None: ...

    async def on_end(self, context: RunContextWrapper[TContext], agent: Any, output: Any) -> None:
        ...

    async def on_handoff(
        self, context: RunContextWrapper[TContext], agent: Any, source: Any
    ) -> None: ...

    async def on_tool_start(
        self, context: RunContextWrapper[TContext], agent: Any, tool: Any
    ) -> None: ...

    async def on_tool_end(
        self, context: RunContextWrapper[TContext], agent: Any, tool: Any, result: str
    ) -> None: ...


class RealtimeRunHooks(Generic[TContext]):
    """The SDK's run lifecycle hooks (override what you need; every hook does nothing)."""

    async def on_agent_start(self, context: RunContextWrapper[TContext], agent: Any) -> None: ...

    async def on_agent_end(
        self, context: RunContextWrapper[TContext], agent: Any, output: Any
    ) -> None: ...

    async def on_handoff(
        self, context: RunContextWrapper[TContext], from_agent: Any, to_agent: Any
    ) -> None: ...

    async def on_tool_start(
        self, context: RunContextWrapper[TContext], agent: Any, tool: Any
    ) -> None: ...

    async def on_tool_end(
        self, context: RunContextWrapper[TContext], agent: Any, tool: Any, result: str
    ) -> None: ...


Instructions = (
    str | Callable[[RunContextWrapper[Any], "RealtimeAgent[Any]"], "str | Awaitable[str]"] | None
)


@dataclass
class RealtimeAgent(Generic[TContext]):
    """An agent for a realtime session (the SDK's ``RealtimeAgent``).

    ``instructions`` is a string or ``(ctx, agent) -> str | Awaitable[str]``. ``handoffs`` holds
    agents or ``Handoff`` objects. ``listener`` (an ``AgentListener``) follows the session when
    this is the starting agent.
    Model settings (voice, model name...) belong to the runner's config, not to the agent, since
    one session keeps one connection across handoffs.
    """

    name: str
    instructions: Instructions = None
    handoff_description: str | None = None
    tools: list[FunctionTool] = field(default_factory=list)
    handoffs: list[RealtimeAgent[Any] | Handoff[Any, Any]] = field(default_factory=list)
    output_guardrails: list[OutputGuardrail[Any]] = field(default_factory=list)
    prompt: RealtimePrompt | None = None
    listener: AgentListener | None = None

    hooks: RealtimeAgentHooks[Any] | None = None
    """Accepted as in the SDK, whose realtime session never calls them either; an
    ``AgentListener`` (``listener``) is what follows a realtime session."""

    def __post_init__(self) -> None:
        # TypeError for a wrong type, as the SDK; an empty name is ours to refuse (it would make
        # a handoff tool named "transfer_to_").
        if not isinstance(self.name, str):
            raise TypeError(f"RealtimeAgent name must be a string, got {type(self.name).__name__}")
        if not self.name:
            raise UserError("a RealtimeAgent needs a non-empty name")
        for what in ("tools", "handoffs", "output_guardrails"):
            value = getattr(self, what)
            if not isinstance(value, list):
                raise TypeError(f"RealtimeAgent {what} must be a list, got {type(value).__name__}")
        if self.handoff_description is not None and not isinstance(self.handoff_description, str):
            raise TypeError("RealtimeAgent handoff_description must be a string or None")
        if self.instructions is not None and not (
            isinstance(self.instructions, str) or callable(self.instructions)
        ):
            raise TypeError(
                "RealtimeAgent instructions must be a string, a callable or None, got "
                f"{type(self.instructions).__name__}"
            )

    def clone(self, **changes: Any) -> RealtimeAgent[TContext]:
        """A copy with ``changes`` applied (lists are shared unless replaced, as in the SDK)."""
        return dataclasses.replace(self, **changes)

    async def get_system_prompt(self, run_context: RunContextWrapper[TContext]) -> str | None:
        if self.instructions is None or isinstance(self.instructions, str):
            return self.instructions
        if callable(self.instructions):
            result = await maybe_await(self.instructions(run_context, self))
            return None if result is None else str(result)
        raise UserError(f"instructions must be a string or a callable, not {self.instructions!r}")

    async def get_all_tools(self, run_context: RunContextWrapper[TContext]) -> list[FunctionTool]:
        """The agent's enabled function tools."""
        return [t for t in self.tools if await evaluate_flag(t.is_enabled, run_context, self)]

    def __hash__(self) -> int:
        # Agents are used as graph nodes by the console; identity is what matters.
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other
