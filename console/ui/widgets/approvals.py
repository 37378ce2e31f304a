"""Pending tool approvals: a queue of agent, tool and arguments; keys act on the selected one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option


@dataclass(frozen=True, slots=True)
class PendingApproval:
    call_id: str
    agent: str
    tool: str
    arguments: str


def short_arguments(arguments: str, limit: int = 120) -> str:
    flat = " ".join(arguments.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class ApprovalQueue(OptionList):
    """Oldest first. The approve/reject keys are the app's, so they work wherever focus is."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.pending: dict[str, PendingApproval] = {}
        self.redact: Callable[[str], str] = str
        """Hides known secrets in what is shown (the app gives its redactor's ``text``)."""

    def on_mount(self) -> None:
        self._retitle()

    class QueueChanged(Message):
        """Calls were added to or resolved from the queue; ``count`` wait now."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def _retitle(self) -> None:
        count = len(self.pending)
        self.border_title = f"Approvals ({count})" if count else "Approvals"
        self.set_class(count > 0, "-pending")
        self.post_message(self.QueueChanged(count))

    def add(self, approval: PendingApproval) -> None:
        if approval.call_id in self.pending:
            return
        self.pending[approval.call_id] = approval
        prompt = Text.assemble(
            (approval.tool, "bold"),
            (f"  ({approval.agent})\n", "dim"),
            short_arguments(self.redact(approval.arguments)),
        )
        self.add_option(Option(prompt, id=approval.call_id))
        if self.highlighted is None:
            self.highlighted = 0
        self._retitle()

    def resolve(self, call_id: str) -> PendingApproval | None:
        approval = self.pending.pop(call_id, None)
        if approval is not None:
            self.remove_option(call_id)
            self._retitle()
        return approval

    def selected(self) -> PendingApproval | None:
        """The highlighted approval, or the oldest when nothing is highlighted."""
        if not self.pending:
            return None
        if self.highlighted is not None and self.highlighted < self.option_count:
            option_id = self.get_option_at_index(self.highlighted).id
            if option_id in self.pending:
                return self.pending[option_id]
        return next(iter(self.pending.values()))
