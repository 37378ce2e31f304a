"""function_tool and FunctionTool: schemas from hints and docstrings, context, invocation."""

from __future__ import annotations

import json
import threading
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from console.realtime import (
    FunctionTool,
    RunContextWrapper,
    ToolContext,
    ToolErrorOutput,
    UserError,
    function_tool,
)
from console.realtime.tool_schema import ensure_strict_json_schema


class Address(BaseModel):
    street: str
    zip: str | None = None


class Point(BaseModel):
    x: int
    y: int


def ctx(name: str = "t", arguments: str = "{}") -> ToolContext[Any]:
    return ToolContext(context={"user": "ann"}, tool_name=name, tool_call_id="call_1",
                       tool_arguments=arguments)


def test_bare_decorator_google_docstring_and_strict_schema() -> None:
    @function_tool
    def get_weather(city: str, unit: Literal["c", "f"] = "c") -> str:
        """Get the current weather.

        Args:
            city: The city to look up,
                for example Paris.
            unit (str): Temperature unit.

        Returns:
            A sentence.
        """
        return city

    assert isinstance(get_weather, FunctionTool)
    assert get_weather.name == "get_weather"
    assert get_weather.description == "Get the current weather."
    schema = get_weather.params_json_schema
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["city", "unit"]
    assert schema["properties"]["city"]["description"] == "The city to look up, for example Paris."
    assert schema["properties"]["unit"]["description"] == "Temperature unit."
    assert schema["properties"]["unit"]["enum"] == ["c", "f"]


def test_decorator_with_arguments_and_factory_call() -> None:
    @function_tool(name_override="lookup", description_override="Look things up.")
    def f(q: str) -> str:
        return q

    def g(q: str) -> str:
        """Other."""
        return q

    made = function_tool(g, name_override="g2", needs_approval=True)
    assert (f.name, f.description) == ("lookup", "Look things up.")
    assert (made.name, made.description, made.needs_approval) == ("g2", "Other.", True)


def test_sphinx_and_numpy_docstrings() -> None:
    @function_tool
    def sphinx(a: int, b: str) -> str:
        """Sphinx style tool.

        :param a: The first one.
        :param str b: The second
            one.
        :returns: nothing
        """
        return ""

    @function_tool
    def numpy(a: int, b: str) -> str:
        """NumPy style tool.

        Parameters
        ----------
        a : int
            The first one.
        b : str
            The second one.

        Returns
        -------
        str
        """
        return ""

    for tool in (sphinx, numpy):
        props = tool.params_json_schema["properties"]
        assert props["a"]["description"] == "The first one."
        assert props["b"]["description"] == "The second one."
    assert sphinx.description == "Sphinx style tool."
    assert numpy.description == "NumPy style tool."


def test_nested_models_are_strict_all_the_way_down() -> None:
    @function_tool
    def ship(address: Address, items: list[Address]) -> str:
        return address.street

    schema = ship.params_json_schema
    address = schema["$defs"]["Address"]
    assert address["additionalProperties"] is False
    assert address["required"] == ["street", "zip"]
    assert "default" not in address["properties"]["zip"]


def test_strict_rejects_open_objects() -> None:
    with pytest.raises(UserError):
        ensure_strict_json_schema({"type": "object", "additionalProperties": True})
    assert ensure_strict_json_schema({})["additionalProperties"] is False


def test_manual_function_tool_schema_is_made_strict() -> None:
    async def invoke(c: ToolContext[Any], args: str) -> str:
        return args

    tool = FunctionTool(
        name="raw",
        description="d",
        params_json_schema={"type": "object", "properties": {"x": {"type": "integer"}}},
        on_invoke_tool=invoke,
    )
    assert tool.params_json_schema["required"] == ["x"]
    assert tool.params_json_schema["additionalProperties"] is False
    loose = FunctionTool("raw", "d", {"type": "object", "properties": {}}, invoke,
                         strict_json_schema=False)
    assert "additionalProperties" not in loose.params_json_schema


async def test_sync_tool_runs_in_a_worker_thread_and_async_tool_in_the_loop() -> None:
    threads: dict[str, int] = {}

    @function_tool
    def sync_tool(x: int) -> int:
        threads["sync"] = threading.get_ident()
        return x * 2

    @function_tool
    async def async_tool(x: int) -> int:
        threads["async"] = threading.get_ident()
        return x + 1

    assert await sync_tool.on_invoke_tool(ctx(), '{"x": 21}') == 42
    assert await async_tool.on_invoke_tool(ctx(), '{"x": 1}') == 2
    assert threads["async"] == threading.get_ident()
    assert threads["sync"] != threading.get_ident()


async def test_context_parameter_is_passed_and_left_out_of_the_schema() -> None:
    got: list[Any] = []

    @function_tool
    def with_tool_ctx(c: ToolContext[dict[str, str]], x: int) -> str:
        got.append((c.context["user"], c.tool_name, c.tool_call_id, c.tool_arguments))
        return "ok"

    @function_tool
    async def with_run_ctx(c: RunContextWrapper[Any], *, y: str) -> str:
        got.append(c.context["user"])
        return y

    assert list(with_tool_ctx.params_json_schema["properties"]) == ["x"]
    assert list(with_run_ctx.params_json_schema["properties"]) == ["y"]
    await with_tool_ctx.on_invoke_tool(ctx("with_tool_ctx", '{"x": 1}'), '{"x": 1}')
    assert await with_run_ctx.on_invoke_tool(ctx(), '{"y": "why"}') == "why"
    assert got == [("ann", "with_tool_ctx", "call_1", '{"x": 1}'), "ann"]


def test_unresolvable_hints_are_a_clear_user_error() -> None:
    class Local(BaseModel):
        a: int

    def uses_local(x: Local) -> None: ...

    with pytest.raises(UserError, match="cannot resolve"):
        function_tool(uses_local)


def test_context_parameter_must_come_first() -> None:
    def bad(x: int, c: RunContextWrapper[Any]) -> None: ...

    with pytest.raises(UserError):
        function_tool(bad)


async def test_invalid_json_and_invalid_arguments_become_error_output() -> None:
    @function_tool
    def add(a: int, b: int) -> int:
        return a + b

    broken = await add.on_invoke_tool(ctx(), '{"a": 1,')
    assert isinstance(broken, ToolErrorOutput)
    assert "Invalid JSON input for tool add" in broken
    wrong = await add.on_invoke_tool(ctx(), '{"a": "one", "b": 2}')
    assert isinstance(wrong, ToolErrorOutput)
    assert "a:" in wrong and "Invalid JSON input for tool add" in wrong
    not_object = await add.on_invoke_tool(ctx(), "[1, 2]")
    assert isinstance(not_object, ToolErrorOutput)
    assert await add.on_invoke_tool(ctx(), '{"a": 1, "b": 2}') == 3


async def test_exceptions_use_the_failure_error_function_or_propagate() -> None:
    @function_tool
    def boom() -> None:
        raise ValueError("kaput")

    out = await boom.on_invoke_tool(ctx(), "")
    assert isinstance(out, ToolErrorOutput) and isinstance(out.exception, ValueError)
    assert out == "An error occurred while running the tool. Please try again. Error: kaput"

    @function_tool(failure_error_function=lambda c, e: f"custom: {e}")
    async def boom2() -> None:
        raise ValueError("again")

    assert await boom2.on_invoke_tool(ctx(), "{}") == "custom: again"

    @function_tool(failure_error_function=None)
    def boom3() -> None:
        raise ValueError("raw")

    with pytest.raises(ValueError, match="raw"):
        await boom3.on_invoke_tool(ctx(), "{}")


async def test_var_args_and_models_reach_the_function_validated() -> None:
    @function_tool(strict_mode=False)
    def total(p: Point, *rest: int, **named: int) -> str:
        return json.dumps([p.x + p.y, sum(rest), sorted(named)])

    out = await total.on_invoke_tool(
        ctx(), '{"p": {"x": 1, "y": 2}, "rest": [3, 4], "named": {"k": 1}}'
    )
    assert json.loads(out) == [3, 7, ["k"]]
