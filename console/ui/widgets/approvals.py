"""Pending tool approvals: a queue of agent, tool and arguments; keys act on the selected one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.reactive import reactive
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
    """Oldest first. Shows its slice of the console state, ``approvals`` (the session's pending
    approvals, as the session reported them), and keeps no list of its own; the approve/reject
    keys are the app's, so they work anywhere."""

    approvals: reactive[tuple[PendingApproval, ...]] = reactive((), init=False)

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.redact: Callable[[str], str] = str
        """Hides known secrets in what is shown (the app gives its redactor's ``text``)."""

    @property
    def pending(self) -> dict[str, PendingApproval]:
        """What is shown, by call id."""
        return {approval.call_id: approval for approval in self.approvals}

    def on_mount(self) -> None:
        self._retitle()

    class QueueChanged(Message):
        """Calls were added to or resolved from the queue; ``count`` wait now."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def _retitle(self) -> None:
        count = len(self.approvals)
        self.border_title = f"Approvals ({count})" if count else "Approvals"
        self.set_class(count > 0, "-pending")
        self.post_message(self.QueueChanged(count))

    def show(self, approvals: tuple[PendingApproval, ...]) -> None:
        """Show ``approvals`` (all of them, oldest first)."""
        self.approvals = approvals

    def watch_approvals(
        self, shown: tuple[PendingApproval, ...], approvals: tuple[PendingApproval, ...]
    ) -> None:
        # Keep the highlight on the approval it was on, not on the row number.
        selected = _selected(shown, self.highlighted)
        self.clear_options()
        self.add_options([
            Option(Text.assemble(
                (approval.tool, "bold"),
                (f"  ({approval.agent})\n", "dim"),
                short_arguments(self.redact(approval.arguments)),
            ), id=approval.call_id)
            for approval in approvals
        ])
        ids = [approval.call_id for approval in approvals]
        if approvals:
            keep = selected.call_id if selected is not None else None
            self.highlighted = ids.index(keep) if keep in ids else 0
        self._retitle()

    def selected(self) -> PendingApproval | None:
        """The highlighted approval, or the oldest when nothing is highlighted."""
        return _selected(self.approvals, self.highlighted)


def _selected(
    approvals: tuple[PendingApproval, ...], highlighted: int | None
) -> PendingApproval | None:
    if not approvals:
        return None
    if highlighted is not None and highlighted < len(approvals):
        return approvals[highlighted]
    return approvals[0]
