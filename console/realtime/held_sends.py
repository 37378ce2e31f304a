"""HeldSends: what a session must send again after a reconnect (held, unconfirmed, re-sent once)."""

from __future__ import annotations

from collections import deque
from typing import Any

from .event_stream import SessionEvents
from .model_inputs import (
    RealtimeModelSendAudio,
    RealtimeModelSendEvent,
    RealtimeModelSendInterrupt,
    RealtimeModelSendRawMessage,
    RealtimeModelSendToolOutput,
    RealtimeModelSendUserInput,
)

UNCONFIRMED_LIMIT = 64
HELD_LIMIT = 256  # sends kept while down; past it they are refused with an error event
_ACK_EVENTS = ("conversation.item.added", "conversation.item.created")
_TEXT_PARTS = ("input_text", "input_image")


def asks_response(event: RealtimeModelSendEvent) -> bool:
    """Whether sending ``event`` starts a response."""
    if isinstance(event, RealtimeModelSendUserInput):
        return True
    if isinstance(event, RealtimeModelSendToolOutput):
        return event.start_response
    if isinstance(event, RealtimeModelSendRawMessage):
        return event.message.get("type") == "response.create"
    return False


def _texts(event: RealtimeModelSendUserInput) -> list[Any]:
    message = event.user_input
    if isinstance(message, str):
        return [message]
    return [p.get("text") for p in message.get("content", []) if p.get("type") == "input_text"]


class HeldSends:
    """The sends a connection supervisor keeps across drops, no I/O of its own.

    ``held``: sends made while the connection was down (audio and interrupts are dropped,
    not held). ``unconfirmed``: user messages sent but not yet echoed by the server (a socket
    that died unnoticed swallows them). ``resent``: what was already sent again during this
    reconnect streak; a send lost twice is given up (with an error event), not sent a third time."""

    def __init__(self, events: SessionEvents) -> None:
        self._events = events
        self.held: deque[RealtimeModelSendEvent] = deque()
        self.unconfirmed: deque[RealtimeModelSendUserInput] = deque(maxlen=UNCONFIRMED_LIMIT)
        self.resent: list[RealtimeModelSendEvent] = []
        self.dropped_audio = 0
        """Bytes of input audio sent while down (and dropped) since the last reconnect."""

    def hold(self, event: RealtimeModelSendEvent) -> None:
        # Audio is live: played back minutes late it would be wrong, so it is dropped, and so
        # is an interrupt (there is nothing to interrupt on a new server session).
        if isinstance(event, RealtimeModelSendAudio):
            self.dropped_audio += len(event.audio)
        elif len(self.held) >= HELD_LIMIT:
            self._events.error(
                f"not sent: {HELD_LIMIT} sends are already waiting for the connection",
                kind="held_full",
            )
        elif not isinstance(event, RealtimeModelSendInterrupt):
            self.held.append(event)

    def sent(self, event: RealtimeModelSendEvent) -> None:
        """``event`` went out: a user message waits for the server's echo."""
        if isinstance(event, RealtimeModelSendUserInput):
            self.unconfirmed.append(event)

    def acknowledge(self, data: Any, restored_ids: set[str]) -> None:
        """A server event: if it echoes an unconfirmed user message, that one arrived."""
        if type(data) is not dict or data.get("type") not in _ACK_EVENTS:
            return
        item = data.get("item")
        if not isinstance(item, dict) or item.get("role") != "user":
            return
        if item.get("id") in restored_ids:
            return
        parts = item.get("content")
        if not isinstance(parts, list) or not all(
            isinstance(p, dict) and p.get("type") in _TEXT_PARTS for p in parts
        ):
            return  # spoken, or not ours
        texts = [p.get("text") for p in parts if p.get("type") == "input_text"]
        for sent in self.unconfirmed:
            if _texts(sent) == texts:
                self.unconfirmed.remove(sent)
                return

    def take(self, *, unconfirmed: bool = True) -> list[RealtimeModelSendEvent]:
        """What to send again now (unconfirmed first, then held), emptied here; sends already
        re-sent in this streak are given up."""
        pending = [*self.unconfirmed, *self.held] if unconfirmed else list(self.held)
        if unconfirmed:
            self.unconfirmed.clear()
        self.held.clear()
        return self._once(pending)

    def resent_now(self, event: RealtimeModelSendEvent) -> None:
        """``event`` went out again after a reconnect: if it is lost again, it is given up."""
        self.resent.append(event)

    def healthy(self) -> None:
        """The connection proved itself: a send lost from now on may be sent again once more."""
        self.resent.clear()

    def put_back(self, events: list[RealtimeModelSendEvent]) -> None:
        """``events`` could not be sent (the connection dropped again): first in line next time."""
        self.held.extendleft(reversed(events))

    def take_dropped_audio(self) -> int:
        dropped, self.dropped_audio = self.dropped_audio, 0
        return dropped

    def _once(self, events: list[RealtimeModelSendEvent]) -> list[RealtimeModelSendEvent]:
        keep: list[RealtimeModelSendEvent] = []
        for event in events:
            if any(event is sent for sent in self.resent):
                what = (f"message {_texts(event)!r}"
                        if isinstance(event, RealtimeModelSendUserInput)
                        else type(event).__name__)
                self._events.error(
                    f"{what} was not sent again: it was lost in two dropped connections",
                    kind="resend_abandoned",
                )
            else:
                keep.append(event)
        return keep
