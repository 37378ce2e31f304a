"""Approval types of a session: pending calls, the rejection message and its formatter args."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .model_events import RealtimeModelToolCallEvent
from .run_context import RunContextWrapper, ToolApprovalItem
from .tools import FunctionTool

if TYPE_CHECKING:
    from .agent import RealtimeAgent

REJECTION_MESSAGE = "Tool execution was not approved."
"""What the model is told when a call is rejected (the SDK's default wording)."""


@dataclass(slots=True)
class ToolErrorFormatterArgs:
    """Given to the run config's ``tool_error_formatter`` to word a rejected call's output."""

    kind: Literal["approval_rejected"]
    tool_type: Literal["function"]
    tool_name: str
    call_id: str
    default_message: str
    run_context: RunContextWrapper[Any]


@dataclass(frozen=True, slots=True)
class PendingToolApproval:
    """A tool call waiting for ``approve_tool_call`` or ``reject_tool_call``."""

    call_id: str
    tool: FunctionTool
    agent: RealtimeAgent[Any]
    arguments: str
    approval_item: ToolApprovalItem
    tool_call: RealtimeModelToolCallEvent = field(repr=False)

    @property
    def tool_name(self) -> str:
        return self.tool.name
