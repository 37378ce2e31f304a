"""RunContextWrapper: the user's context object plus the session's tool approval decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic

from typing_extensions import TypeVar

from .exceptions import UserError
from .usage import Usage

if TYPE_CHECKING:
    from .agent import RealtimeAgent

# Defaults to Any so ``RealtimeAgent("name")`` needs no annotation (typing_extensions comes
# with pydantic).
TContext = TypeVar("TContext", default=Any)


@dataclass(slots=True)
class ToolApprovalItem:
    """A tool call waiting for (or given) a human decision.

    ``raw_item`` is the function call as the model sent it: ``type``, ``name``, ``call_id``,
    ``arguments``.
    """

    agent: RealtimeAgent[Any] | None
    raw_item: dict[str, Any]
    tool_name: str | None = None

    @property
    def name(self) -> str:
        return self.tool_name or str(self.raw_item.get("name", ""))

    @property
    def call_id(self) -> str | None:
        call_id = self.raw_item.get("call_id")
        return call_id if isinstance(call_id, str) else None

    @property
    def arguments(self) -> str:
        return str(self.raw_item.get("arguments", ""))


@dataclass(slots=True)
class _ApprovalRecord:
    # True means "always" for the tool; a set holds the call ids decided one by one.
    approved: bool | set[str] = field(default_factory=set)
    rejected: bool | set[str] = field(default_factory=set)
    # Rejection messages by call id; "" is the key of an "always" rejection's message.
    messages: dict[str, str] = field(default_factory=dict)


class ApprovalState:
    """Approval decisions per tool name; shared by a run's context and its tool contexts."""

    __slots__ = ("_records",)

    def __init__(self) -> None:
        self._records: dict[str, _ApprovalRecord] = {}

    def approve(self, tool_name: str, call_id: str | None, always: bool) -> None:
        record = self._records.setdefault(tool_name, _ApprovalRecord())
        if always:
            record.approved, record.rejected = True, set()
            record.messages.clear()
            return
        if call_id is None:
            raise UserError("approving a single call needs its call_id")
        if isinstance(record.rejected, set):
            record.rejected.discard(call_id)
        record.messages.pop(call_id, None)
        if isinstance(record.approved, set):
            record.approved.add(call_id)

    def reject(
        self, tool_name: str, call_id: str | None, always: bool, message: str | None
    ) -> None:
        record = self._records.setdefault(tool_name, _ApprovalRecord())
        if always:
            record.rejected, record.approved = True, set()
            record.messages.clear()
            if message is not None:
                record.messages[""] = message
            return
        if call_id is None:
            raise UserError("rejecting a single call needs its call_id")
        if isinstance(record.approved, set):
            record.approved.discard(call_id)
        if isinstance(record.rejected, set):
            record.rejected.add(call_id)
        if message is not None:
            record.messages[call_id] = message

    def status(self, tool_name: str, call_id: str | None) -> bool | None:
        record = self._records.get(tool_name)
        if record is None:
            return None
        if record.approved is True:
            return True
        if record.rejected is True:
            return False
        if call_id is not None:
            if isinstance(record.approved, set) and call_id in record.approved:
                return True
            if isinstance(record.rejected, set) and call_id in record.rejected:
                return False
        return None

    def rules(self) -> dict[str, bool]:
        """The "always" decisions: tool name -> True (approve) or False (reject)."""
        return {
            name: record.approved is True
            for name, record in self._records.items()
            if record.approved is True or record.rejected is True
        }

    def revoke(self, tool_name: str) -> bool:
        """Drop the tool's "always" decision (its calls are asked about again); False if none."""
        record = self._records.get(tool_name)
        if record is None or (record.approved is not True and record.rejected is not True):
            return False
        del self._records[tool_name]
        return True

    def rejection_message(self, tool_name: str, call_id: str | None) -> str | None:
        record = self._records.get(tool_name)
        if record is None:
            return None
        if call_id is not None and call_id in record.messages:
            return record.messages[call_id]
        return record.messages.get("")


class RunContextWrapper(Generic[TContext]):
    """Wraps the context object passed to ``runner.run(context=...)``.

    Tools, guardrails, handoffs and dynamic instructions receive it. It also holds approval
    decisions: an ``always`` decision is sticky for the tool's name, otherwise a decision applies
    to one call id, and the session's token ``usage``.
    """

    def __init__(
        self,
        context: TContext,
        usage: Usage | None = None,
        *,
        _approvals: ApprovalState | None = None,
    ) -> None:
        self.context = context
        self.usage = usage if usage is not None else Usage()
        """Tokens used so far in the session (summed from the model's usage events)."""
        self._approvals = _approvals if _approvals is not None else ApprovalState()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(context={self.context!r})"

    @staticmethod
    def _name_and_call(item: ToolApprovalItem | str, call_id: str | None) -> tuple[str, str | None]:
        if isinstance(item, ToolApprovalItem):
            return item.name, call_id if call_id is not None else item.call_id
        return item, call_id

    def approve_tool(
        self,
        approval_item: ToolApprovalItem | str,
        always_approve: bool = False,
        *,
        call_id: str | None = None,
    ) -> None:
        """Approve a call (an approval item, or a tool name with ``call_id``), or every call of
        that tool from now on with ``always_approve``."""
        name, cid = self._name_and_call(approval_item, call_id)
        self._approvals.approve(name, cid, always_approve)

    def reject_tool(
        self,
        approval_item: ToolApprovalItem | str,
        always_reject: bool = False,
        *,
        call_id: str | None = None,
        rejection_message: str | None = None,
    ) -> None:
        """Reject a call, or every call of that tool from now on with ``always_reject``;
        ``rejection_message`` is what the model will be told instead of the default."""
        name, cid = self._name_and_call(approval_item, call_id)
        self._approvals.reject(name, cid, always_reject, rejection_message)

    def is_tool_approved(self, tool_name: str, call_id: str | None) -> bool | None:
        """True if approved, False if rejected, None if no decision covers this call yet."""
        return self._approvals.status(tool_name, call_id)

    def always_rules(self) -> dict[str, bool]:
        """Beyond the SDK: the sticky decisions, tool name -> True (approve) / False (reject)."""
        return self._approvals.rules()

    def revoke_always(self, tool_name: str) -> bool:
        """Beyond the SDK: forget the tool's "always" decision, so its next call is asked about
        again; False when it had none."""
        return self._approvals.revoke(tool_name)

    def get_rejection_message(self, tool_name: str, call_id: str | None) -> str | None:
        return self._approvals.rejection_message(tool_name, call_id)

