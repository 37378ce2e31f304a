"""The "always" rules of the session's tool approvals, listed; choosing one revokes it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


def rule_text(tool: str, approve: bool) -> str:
    return f"{tool}: always {'approve' if approve else 'reject'}"


class AlwaysRulesScreen(ModalScreen[str | None]):
    """Dismissed with the tool whose rule to revoke, or None."""

    DEFAULT_CSS = """
    AlwaysRulesScreen { align: center middle; }
    AlwaysRulesScreen > Vertical {
        width: 64; height: auto; max-height: 80%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    AlwaysRulesScreen #rules-help { color: $rt-system; }
    AlwaysRulesScreen OptionList { height: auto; max-height: 16; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="rules_close"),
    ]

    def __init__(self, rules: dict[str, bool]) -> None:
        super().__init__(id="always-rules")
        self.rules = rules

    def compose(self) -> ComposeResult:
        with Vertical():
            if self.rules:
                yield Static("Enter revokes the rule: that tool's calls are asked about again.",
                             id="rules-help", markup=False)
                yield OptionList(
                    *(Option(rule_text(tool, approve), id=tool)
                      for tool, approve in sorted(self.rules.items())),
                    id="rules",
                )
            else:
                yield Static("No always rules: every call that needs approval is asked about.",
                             id="rules-help", markup=False)

    def on_option_list_option_selected(self, message: OptionList.OptionSelected) -> None:
        self.dismiss(message.option.id)

    def action_close(self) -> None:
        self.dismiss(None)
