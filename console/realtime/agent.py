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

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise UserError("a RealtimeAgent needs a non-empty name")

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
