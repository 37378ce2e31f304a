"""Output guardrails: checks run on the assistant's transcript while it is being spoken."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, overload

from .run_context import RunContextWrapper, TContext
from .tools import maybe_await

if TYPE_CHECKING:
    from .agent import RealtimeAgent


@dataclass(slots=True)
class GuardrailFunctionOutput:
    """What a guardrail function returns; ``tripwire_triggered`` stops the response."""

    output_info: Any
    tripwire_triggered: bool


@dataclass(slots=True)
class OutputGuardrailResult:
    guardrail: OutputGuardrail[Any]
    agent: RealtimeAgent[Any]
    agent_output: Any
    """The transcript the guardrail checked."""
    output: GuardrailFunctionOutput


GuardrailFunction = Callable[[RunContextWrapper[Any], Any, Any], Any]
"""``(ctx, agent, agent_output) -> GuardrailFunctionOutput`` (or an awaitable of one)."""


@dataclass(slots=True)
class OutputGuardrail(Generic[TContext]):
    """A check on the agent's output; sync or async ``guardrail_function``."""

    guardrail_function: GuardrailFunction
    name: str | None = None

    def get_name(self) -> str:
        return self.name or str(getattr(self.guardrail_function, "__name__", "guardrail"))

    async def run(
        self, context: RunContextWrapper[TContext], agent: RealtimeAgent[Any], agent_output: Any
    ) -> OutputGuardrailResult:
        output = await maybe_await(self.guardrail_function(context, agent, agent_output))
        if not isinstance(output, GuardrailFunctionOutput):
            raise TypeError(
                f"guardrail {self.get_name()!r} returned {type(output).__name__}, "
                "expected GuardrailFunctionOutput"
            )
        return OutputGuardrailResult(
            guardrail=self, agent=agent, agent_output=agent_output, output=output
        )


@overload
def output_guardrail(func: GuardrailFunction) -> OutputGuardrail[Any]: ...


@overload
def output_guardrail(
    *, name: str | None = None
) -> Callable[[GuardrailFunction], OutputGuardrail[Any]]: ...


def output_guardrail(
    func: GuardrailFunction | None = None, *, name: str | None = None
) -> OutputGuardrail[Any] | Callable[[GuardrailFunction], OutputGuardrail[Any]]:
    """``@output_guardrail`` or ``@output_guardrail(name="...")`` on ``(ctx, agent, output)``."""

    def wrap(f: GuardrailFunction) -> OutputGuardrail[Any]:
        return OutputGuardrail(guardrail_function=f, name=name)

    if func is not None:
        return wrap(func)
    return wrap
