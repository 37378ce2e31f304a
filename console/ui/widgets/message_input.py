"""The input line: Enter sends the text to the session (the binding has an id, so it remaps)."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class MessageInput(Input):
    """An Input whose submit binding is named ``send`` and which posts ``Sent`` with the text."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "send", "Send", id="send", show=True),
    ]

    class Sent(Message):
        """The user asked to send ``text`` (never empty; the input is cleared)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def action_send(self) -> None:
        text = self.value.strip()
        if text:
            self.value = ""
            self.post_message(self.Sent(text))
