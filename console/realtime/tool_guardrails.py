"""Tool guardrails: checks that run before a function tool (its input) and after (its output)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypedDict, overload

from .exceptions import AgentsException
from .run_context import TContext
from .tools import maybe_await

if TYPE_CHECKING:
    from .tools import ToolContext


class RejectContentBehavior(TypedDict):
    """The model gets ``message`` instead of running the tool (or instead of its output)."""

    type: Literal["reject_content"]
    message: str


class RaiseExceptionBehavior(TypedDict):
    """The session fails with a ``Tool...GuardrailTripwireTriggered`` exception."""

    type: Literal["raise_exception"]


class AllowBehavior(TypedDict):
    type: Literal["allow"]


@dataclass
class ToolGuardrailFunctionOutput:
    """What a tool guardrail decided, with anything it wants to keep in ``output_info``."""

    output_info: Any = None
    behavior: RejectContentBehavior | RaiseExceptionBehavior | AllowBehavior = field(
        default_factory=lambda: AllowBehavior(type="allow")
    )

    @classmethod
    def allow(cls, output_info: Any = None) -> ToolGuardrailFunctionOutput:
        return cls(output_info, AllowBehavior(type="allow"))

    @classmethod
    def reject_content(cls, message: str, output_info: Any = None) -> ToolGuardrailFunctionOutput:
        return cls(output_info, RejectContentBehavior(type="reject_content", message=message))

    @classmethod
    def raise_exception(cls, output_info: Any = None) -> ToolGuardrailFunctionOutput:
        return cls(output_info, RaiseExceptionBehavior(type="raise_exception"))


@dataclass
class ToolInputGuardrailData:
    context: ToolContext[Any]
    """The call: tool name, call id, arguments, and the run's context."""
    agent: Any
    """The agent whose tool is called."""


@dataclass
class ToolOutputGuardrailData(ToolInputGuardrailData):
    output: Any
    """What the tool returned."""


@dataclass
class ToolInputGuardrail(Generic[TContext]):
    """Runs ``guardrail_function(data)`` (sync or async) before the tool."""

    guardrail_function: Callable[[ToolInputGuardrailData], Any]
    name: str | None = None

    def get_name(self) -> str:
        return self.name or str(
            getattr(self.guardrail_function, "__name__", "tool_input_guardrail")
        )

    async def run(self, data: ToolInputGuardrailData) -> ToolGuardrailFunctionOutput:
        return _checked(self, await maybe_await(self.guardrail_function(data)))


@dataclass
class ToolOutputGuardrail(Generic[TContext]):
    """Runs ``guardrail_function(data)`` (sync or async) on the tool's output."""

    guardrail_function: Callable[[ToolOutputGuardrailData], Any]
    name: str | None = None

    def get_name(self) -> str:
        return self.name or str(
            getattr(self.guardrail_function, "__name__", "tool_output_guardrail")
        )

    async def run(self, data: ToolOutputGuardrailData) -> ToolGuardrailFunctionOutput:
        return _checked(self, await maybe_await(self.guardrail_function(data)))


def _checked(guardrail: Any, result: Any) -> ToolGuardrailFunctionOutput:
    if not isinstance(result, ToolGuardrailFunctionOutput):
        raise TypeError(
            f"tool guardrail {guardrail.get_name()} returned {type(result).__name__}, not a "
            "ToolGuardrailFunctionOutput"
        )
    return result


class ToolInputGuardrailTripwireTriggered(AgentsException):
    """A tool input guardrail asked to stop the run (``raise_exception``)."""

    def __init__(self, guardrail: ToolInputGuardrail[Any], output: ToolGuardrailFunctionOutput):
        self.guardrail, self.output = guardrail, output
        super().__init__(f"Tool input guardrail {guardrail.get_name()} triggered a tripwire")


class ToolOutputGuardrailTripwireTriggered(AgentsException):
    """A tool output guardrail asked to stop the run (``raise_exception``)."""

    def __init__(self, guardrail: ToolOutputGuardrail[Any], output: ToolGuardrailFunctionOutput):
        self.guardrail, self.output = guardrail, output
        super().__init__(f"Tool output guardrail {guardrail.get_name()} triggered a tripwire")


@overload
def tool_input_guardrail(func: Callable[[ToolInputGuardrailData], Any]) -> ToolInputGuardrail[Any]:
    ...


@overload
def tool_input_guardrail(
    *, name: str | None = None
) -> Callable[[Callable[[ToolInputGuardrailData], Any]], ToolInputGuardrail[Any]]: ...


def tool_input_guardrail(
    func: Callable[[ToolInputGuardrailData], Any] | None = None, *, name: str | None = None
) -> Any:
    """``@tool_input_guardrail`` or ``@tool_input_guardrail(name=...)``."""
    if func is not None:
        return ToolInputGuardrail(func, name)
    return lambda f: ToolInputGuardrail(f, name)


@overload
def tool_output_guardrail(
    func: Callable[[ToolOutputGuardrailData], Any],
) -> ToolOutputGuardrail[Any]: ...


@overload
def tool_output_guardrail(
    *, name: str | None = None
) -> Callable[[Callable[[ToolOutputGuardrailData], Any]], ToolOutputGuardrail[Any]]: ...


def tool_output_guardrail(
    func: Callable[[ToolOutputGuardrailData], Any] | None = None, *, name: str | None = None
) -> Any:
    """``@tool_output_guardrail`` or ``@tool_output_guardrail(name=...)``."""
    if func is not None:
        return ToolOutputGuardrail(func, name)
    return lambda f: ToolOutputGuardrail(f, name)


async def input_rejection(
    guardrails: Iterable[ToolInputGuardrail[Any]],
    context: Callable[[], ToolContext[Any]],
    agent: Any,
) -> str | None:
    """The message of the first input guardrail that rejects the call (each checks a fresh
    ``context()``), else None; raises when one asks to stop the run."""
    for guardrail in guardrails:
        verdict = await guardrail.run(ToolInputGuardrailData(context(), agent))
        if verdict.behavior["type"] == "raise_exception":
            raise ToolInputGuardrailTripwireTriggered(guardrail, verdict)
        if verdict.behavior["type"] == "reject_content":
            return verdict.behavior["message"]
    return None


async def checked_output(
    guardrails: Iterable[ToolOutputGuardrail[Any]],
    context: ToolContext[Any],
    agent: Any,
    output: Any,
) -> Any:
    """``output``, or the message of the first output guardrail that rejects it; raises when
    one asks to stop the run."""
    for guardrail in guardrails:
        verdict = await guardrail.run(ToolOutputGuardrailData(context, agent, output))
        if verdict.behavior["type"] == "raise_exception":
            raise ToolOutputGuardrailTripwireTriggered(guardrail, verdict)
        if verdict.behavior["type"] == "reject_content":
            return verdict.behavior["message"]
    return output
