"""Subagents: tools for long delegated tasks that run in the background while the model talks."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .tools import FunctionTool, ToolContext, parse_arguments

SubagentRun = Callable[[str, ToolContext[Any]], Awaitable[Any]]
"""``async run(task, ctx)``: does the delegated task and returns its result."""

DEFAULT_HOLDING_MESSAGE = "Let me look into that; it will take a moment."


@dataclass
class SubagentTool(FunctionTool):
    """A FunctionTool the session runs specially: while ``run`` works in the background, the
    model is asked to say ``holding_message``; the result then goes back as the tool output with
    a new response. One task at a time: a second call while one runs is refused."""

    run: SubagentRun | None = None
    holding_message: str = DEFAULT_HOLDING_MESSAGE
    running: bool = field(default=False, init=False)

    def busy_message(self) -> str:
        return (
            f"The {self.name} subagent is still working on an earlier task. Tell the user it "
            "is busy and that its result will follow; do not call it again until then."
        )

    def holding_instructions(self) -> str:
        return (
            "A background task has started and its result is not ready yet. Say this to the "
            f"user, in your own words and briefly: {self.holding_message!r}"
        )


async def _not_invoked_directly(ctx: ToolContext[Any], input_json: str) -> Any:
    raise RuntimeError("subagent tools are run by the session")


def subagent(
    name: str,
    run: SubagentRun,
    *,
    description: str,
    holding_message: str = DEFAULT_HOLDING_MESSAGE,
) -> SubagentTool:
    """A tool that delegates a long-running task (``run(task, ctx)``) to a subagent.

    When the model calls it, listeners hear ``on_subagent_started``, the model is asked to say
    ``holding_message`` while the task runs, and the result goes back as the tool output (with a
    new response), then ``on_subagent_finished``. The task is cancelled when the session closes.
    """
    tool_name = re.sub(r"[^a-zA-Z0-9_-]+", "_", name).strip("_") or "subagent"
    return SubagentTool(
        name=tool_name,
        description=description,
        params_json_schema={
            "type": "object",
            "properties": {
                "task": {"type": "string", "description": "What the subagent should do."}
            },
            "required": ["task"],
            "additionalProperties": False,
        },
        on_invoke_tool=_not_invoked_directly,
        run=run,
        holding_message=holding_message,
    )


def task_of(tool: SubagentTool, arguments: str) -> str:
    """The task text of a call; arguments that are not JSON are taken as the task itself."""
    try:
        task = parse_arguments(tool.name, arguments).get("task")
    except Exception:
        return arguments
    return str(task) if task is not None else ""
