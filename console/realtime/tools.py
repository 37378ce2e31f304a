"""Function tools: ``function_tool``, ``FunctionTool`` and the ``ToolContext`` they receive."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, overload

from pydantic import BaseModel, TypeAdapter, ValidationError

from .docstring_parsing import DocstringStyle
from .exceptions import ModelBehaviorError, UserError
from .run_context import ApprovalState, RunContextWrapper, TContext
from .tool_schema import ensure_strict_json_schema, function_schema
from .usage import Usage

if TYPE_CHECKING:
    from .agent import RealtimeAgent
    from .tool_guardrails import ToolInputGuardrail, ToolOutputGuardrail

ToolErrorFunction = Callable[[RunContextWrapper[Any], Exception], Any]
"""``(ctx, error) -> str | Awaitable[str]``: the output the model sees when a tool fails."""
NeedsApproval = bool | Callable[[RunContextWrapper[Any], dict[str, Any], str], Any]
"""``True``/``False``, or ``(ctx, params, call_id) -> bool | Awaitable[bool]``."""
IsEnabled = bool | Callable[[RunContextWrapper[Any], "RealtimeAgent[Any]"], Any]
"""``True``/``False``, or ``(ctx, agent) -> bool | Awaitable[bool]``."""
ToolTimeoutBehavior = Literal["error_as_result", "raise_exception"]


class ToolContext(RunContextWrapper[TContext]):
    """The context a tool call receives: the run's context plus which call this is."""

    def __init__(
        self,
        context: TContext,
        tool_name: str,
        tool_call_id: str,
        tool_arguments: str,
        *,
        agent: RealtimeAgent[Any] | None = None,
        usage: Usage | None = None,
        _approvals: ApprovalState | None = None,
    ) -> None:
        super().__init__(context, usage, _approvals=_approvals)
        self.tool_name = tool_name
        self.tool_call_id = tool_call_id
        self.tool_arguments = tool_arguments
        self.agent = agent

    @classmethod
    def from_agent_context(
        cls,
        wrapper: RunContextWrapper[TContext],
        tool_call_id: str,
        *,
        tool_name: str,
        tool_arguments: str,
        agent: RealtimeAgent[Any] | None = None,
    ) -> ToolContext[TContext]:
        """A tool context sharing ``wrapper``'s context object and approval decisions."""
        return cls(
            wrapper.context,
            tool_name,
            tool_call_id,
            tool_arguments,
            agent=agent,
            usage=wrapper.usage,
            _approvals=wrapper._approvals,
        )

    def __repr__(self) -> str:
        return (
            f"ToolContext(tool_name={self.tool_name!r}, tool_call_id={self.tool_call_id!r}, "
            f"context={self.context!r})"
        )


class ToolErrorOutput(str):
    """A tool's output that reports a failure: the text the model sees, plus the exception.

    It is a ``str``, so code expecting the SDK's behaviour (the failure text returned as output)
    keeps working, while the session can tell a failure apart and emit an error event.
    """

    exception: Exception

    def __new__(cls, text: str, exception: Exception) -> ToolErrorOutput:
        self = super().__new__(cls, text)
        self.exception = exception
        return self


def default_tool_error_function(ctx: RunContextWrapper[Any], error: Exception) -> str:
    """The SDK's wording, so prompts written for it keep working."""
    return f"An error occurred while running the tool. Please try again. Error: {error}"


@dataclass
class FunctionTool:
    """A tool the model can call. ``on_invoke_tool(ctx, input_json)`` runs it.

    Fields in the SDK's order, so positional construction matches. ``params_json_schema`` is
    made strict (closed objects, all properties required) when ``strict_json_schema`` is true.
    ``tool_input_guardrails`` run before the tool and ``tool_output_guardrails`` on its output
    (the SDK's realtime session runs only the former). ``timeout_seconds`` limits one call: past
    it, with ``timeout_behavior`` ``"error_as_result"`` (the default), the model gets
    ``timeout_error_function(ctx, ToolTimeoutError)`` or a default message and the session an
    ``error`` event (``kind`` ``"tool_timeout"``); with ``"raise_exception"`` the session ends
    and its iterator raises ``ToolTimeoutError``. Without a timeout of its own, the run config's
    ``tool_timeout_s`` (not in the SDK) applies. ``defer_loading`` (tool search) and a
    ``namespace`` (set by ``tool_namespace()``) are Responses API features: realtime sessions
    refuse them, as the SDK's OpenAI realtime transport does.
    """

    name: str
    description: str
    params_json_schema: dict[str, Any]
    on_invoke_tool: Callable[[ToolContext[Any], str], Awaitable[Any]]
    strict_json_schema: bool = True
    is_enabled: IsEnabled = True
    tool_input_guardrails: list[ToolInputGuardrail[Any]] | None = None
    tool_output_guardrails: list[ToolOutputGuardrail[Any]] | None = None
    needs_approval: NeedsApproval = False
    timeout_seconds: float | None = None
    timeout_behavior: ToolTimeoutBehavior = "error_as_result"
    timeout_error_function: ToolErrorFunction | None = None
    defer_loading: bool = False
    output_json_schema: dict[str, Any] | None = field(default=None, kw_only=True)
    """A JSON schema of the output, for callers that want one (not sent to a realtime model)."""
    namespace: str | None = field(default=None, kw_only=True)
    """Set by ``tool_namespace()``; the tool is then known as ``namespace.name``."""
    namespace_description: str | None = field(default=None, kw_only=True)

    @property
    def qualified_name(self) -> str:
        return self.name if self.namespace is None else f"{self.namespace}.{self.name}"

    @property
    def responses_only_features(self) -> tuple[str, ...]:
        """The options set on this tool that only the Responses API supports."""
        return tuple(feature for feature, used in (
            ("tool_namespace()", self.namespace is not None),
            ("defer_loading=True", self.defer_loading),
        ) if used)

    def __post_init__(self) -> None:
        if self.strict_json_schema:
            self.params_json_schema = ensure_strict_json_schema(self.params_json_schema)
        if self.timeout_behavior not in ("error_as_result", "raise_exception"):
            raise ValueError(
                "FunctionTool timeout_behavior must be one of: error_as_result, raise_exception"
            )
        if self.timeout_seconds is not None and not (
            isinstance(self.timeout_seconds, int | float) and 0 < self.timeout_seconds < math.inf
        ):
            raise ValueError("FunctionTool timeout_seconds must be a positive finite number")


def tool_namespace(
    *, name: str, description: str | None, tools: list[FunctionTool]
) -> list[FunctionTool]:
    """Copies of ``tools`` grouped under namespace ``name`` (the SDK's Responses tool search).
    Provided so SDK code builds; a realtime session refuses such tools when it starts, as the
    SDK's OpenAI realtime transport does."""
    if not isinstance(name, str) or not name.strip():
        raise UserError("tool_namespace() needs a non-empty namespace name")
    if not isinstance(description, str) or not description.strip():
        raise UserError("tool_namespace() needs a non-empty description")
    if not all(isinstance(tool, FunctionTool) for tool in tools):
        raise UserError("tool_namespace() takes FunctionTool instances only")
    return [
        dataclasses.replace(
            tool,
            namespace=name.strip(),
            namespace_description=description.strip(),
        )
        for tool in tools
    ]


async def maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def evaluate_flag(flag: Any, *args: Any) -> bool:
    """A ``bool`` setting, or a sync/async callable returning one."""
    if callable(flag):
        return bool(await maybe_await(flag(*args)))
    return bool(flag)


def serialize_tool_output(output: Any) -> str:
    """Tool results as the text sent to the model: strings as is, models and dataclasses and
    plain data as JSON. Anything else raises TypeError: a Python repr (``<object at 0x...>``)
    means nothing to the model, so the session sends an error output instead."""
    if isinstance(output, str):
        return str(output)
    if isinstance(output, BaseModel):
        return output.model_dump_json()
    if dataclasses.is_dataclass(output) and not isinstance(output, type):
        output = dataclasses.asdict(output)
    try:
        return json.dumps(output, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"the tool returned {type(output).__name__}, which is not JSON-serialisable: {exc}"
        ) from None


def parse_arguments(tool_name: str, input_json: str) -> dict[str, Any]:
    """The JSON object of a call's arguments; an empty string means no arguments."""
    if not input_json or not input_json.strip():
        return {}
    try:
        data = json.loads(input_json)
    except json.JSONDecodeError as exc:
        raise ModelBehaviorError(f"Invalid JSON input for tool {tool_name}: {exc}") from exc
    if not isinstance(data, dict):
        raise ModelBehaviorError(
            f"Invalid JSON input for tool {tool_name}: expected an object, got "
            f"{type(data).__name__}"
        )
    return data


def _make_tool(
    func: Callable[..., Any],
    *,
    name_override: str | None,
    description_override: str | None,
    docstring_style: DocstringStyle | None,
    use_docstring_info: bool,
    failure_error_function: ToolErrorFunction | None,
    strict_mode: bool,
    output_type: Any,
    fields: dict[str, Any],
) -> FunctionTool:
    schema = function_schema(
        func,
        name_override=name_override,
        description_override=description_override,
        docstring_style=docstring_style,
        use_docstring_info=use_docstring_info,
        strict_json_schema=strict_mode,
    )
    is_async = inspect.iscoroutinefunction(func)
    if output_type is not None and fields.get("output_json_schema") is not None:
        raise UserError("function_tool takes output_type or output_json_schema, not both")
    output_adapter = TypeAdapter(output_type) if output_type is not None else None
    if output_adapter is not None:
        fields["output_json_schema"] = output_adapter.json_schema()

    async def invoke(ctx: ToolContext[Any], input_json: str) -> Any:
        data = parse_arguments(schema.name, input_json)
        try:
            parsed = schema.params_model.model_validate(data)
        except ValidationError as exc:
            details = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'arguments'}: {err['msg']}"
                for err in exc.errors()
            )
            raise ModelBehaviorError(
                f"Invalid JSON input for tool {schema.name}: {details}"
            ) from exc
        args, kwargs = schema.to_call_args(parsed)
        if schema.takes_context:
            args.insert(0, ctx)
        if is_async:
            result = await func(*args, **kwargs)
        else:
            # Sync tools run in a worker thread: a slow one must not stall audio and events.
            result = await maybe_await(await asyncio.to_thread(func, *args, **kwargs))
        if output_adapter is not None:
            # The declared output type is checked and sent as its JSON.
            result = output_adapter.dump_json(output_adapter.validate_python(result)).decode()
        return result

    async def on_invoke_tool(ctx: ToolContext[Any], input_json: str) -> Any:
        try:
            return await invoke(ctx, input_json)
        except Exception as exc:
            if failure_error_function is None:
                raise
            text = await maybe_await(failure_error_function(ctx, exc))
            return ToolErrorOutput(str(text), exc)

    return FunctionTool(
        name=schema.name,
        description=schema.description or "",
        params_json_schema=schema.params_json_schema,
        on_invoke_tool=on_invoke_tool,
        strict_json_schema=strict_mode,
        **fields,
    )


@overload
def function_tool(
    func: Callable[..., Any],
    *,
    name_override: str | None = None,
    description_override: str | None = None,
    docstring_style: DocstringStyle | None = None,
    use_docstring_info: bool = True,
    failure_error_function: ToolErrorFunction | None = default_tool_error_function,
    strict_mode: bool = True,
    is_enabled: IsEnabled = True,
    needs_approval: NeedsApproval = False,
    tool_input_guardrails: list[ToolInputGuardrail[Any]] | None = None,
    tool_output_guardrails: list[ToolOutputGuardrail[Any]] | None = None,
    timeout: float | None = None,
    timeout_behavior: ToolTimeoutBehavior = "error_as_result",
    timeout_error_function: ToolErrorFunction | None = None,
    defer_loading: bool = False,
    output_type: Any | None = None,
    output_json_schema: dict[str, Any] | None = None,
) -> FunctionTool: ...


@overload
def function_tool(
    *,
    name_override: str | None = None,
    description_override: str | None = None,
    docstring_style: DocstringStyle | None = None,
    use_docstring_info: bool = True,
    failure_error_function: ToolErrorFunction | None = default_tool_error_function,
    strict_mode: bool = True,
    is_enabled: IsEnabled = True,
    needs_approval: NeedsApproval = False,
    tool_input_guardrails: list[ToolInputGuardrail[Any]] | None = None,
    tool_output_guardrails: list[ToolOutputGuardrail[Any]] | None = None,
    timeout: float | None = None,
    timeout_behavior: ToolTimeoutBehavior = "error_as_result",
    timeout_error_function: ToolErrorFunction | None = None,
    defer_loading: bool = False,
    output_type: Any | None = None,
    output_json_schema: dict[str, Any] | None = None,
) -> Callable[[Callable[..., Any]], FunctionTool]: ...


def function_tool(
    func: Callable[..., Any] | None = None,
    *,
    name_override: str | None = None,
    description_override: str | None = None,
    docstring_style: DocstringStyle | None = None,
    use_docstring_info: bool = True,
    failure_error_function: ToolErrorFunction | None = default_tool_error_function,
    strict_mode: bool = True,
    is_enabled: IsEnabled = True,
    needs_approval: NeedsApproval = False,
    tool_input_guardrails: list[ToolInputGuardrail[Any]] | None = None,
    tool_output_guardrails: list[ToolOutputGuardrail[Any]] | None = None,
    timeout: float | None = None,
    timeout_behavior: ToolTimeoutBehavior = "error_as_result",
    timeout_error_function: ToolErrorFunction | None = None,
    defer_loading: bool = False,
    output_type: Any | None = None,
    output_json_schema: dict[str, Any] | None = None,
) -> FunctionTool | Callable[[Callable[..., Any]], FunctionTool]:
    """Make a ``FunctionTool`` from a sync or async function: ``@function_tool``,
    ``@function_tool(name_override=...)`` or ``function_tool(func, ...)``, with the SDK's options.

    The JSON schema comes from the type hints (through pydantic) and the parameter descriptions
    from the docstring (Google, Sphinx or NumPy style). A first parameter annotated
    ``RunContextWrapper`` or ``ToolContext`` receives the context and is left out of the schema.
    Invalid arguments and exceptions become the tool's output through ``failure_error_function``
    (pass ``None`` to let them propagate). Sync functions run in a worker thread. ``timeout``
    (seconds), ``timeout_behavior``, ``timeout_error_function``, the tool guardrails and
    ``defer_loading`` are ``FunctionTool``'s fields (see there); a sync tool's thread cannot be
    stopped, so on a timeout it finishes in the background. ``output_type`` checks the result
    and sends it as that type's JSON (``output_json_schema`` describes it).
    """
    fields: dict[str, Any] = {
        "is_enabled": is_enabled,
        "needs_approval": needs_approval,
        "tool_input_guardrails": tool_input_guardrails,
        "tool_output_guardrails": tool_output_guardrails,
        "timeout_seconds": timeout,
        "timeout_behavior": timeout_behavior,
        "timeout_error_function": timeout_error_function,
        "defer_loading": defer_loading,
        "output_json_schema": output_json_schema,
    }

    def wrap(f: Callable[..., Any]) -> FunctionTool:
        return _make_tool(
            f,
            name_override=name_override,
            description_override=description_override,
            docstring_style=docstring_style,
            use_docstring_info=use_docstring_info,
            failure_error_function=failure_error_function,
            strict_mode=strict_mode,
            output_type=output_type,
            fields=dict(fields),
        )

    if func is not None:
        return wrap(func)
    return wrap


__all__ = [
    "FunctionTool",
    "ToolContext",
    "ToolErrorOutput",
    "ToolTimeoutBehavior",
    "default_tool_error_function",
    "function_tool",
    "serialize_tool_output",
]

