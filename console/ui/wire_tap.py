"""WireTap: the console's observer of the wire (live or journaled): the inspector's log and cuts."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.message import Message

from console.journal.heard import Heard, HeardTracker
from console.journal.redact import Redactor
from console.journal.wire_log import WireLog


def cut_line(heard: Heard) -> str:
    """The transcript's note on a cut reply."""
    return (f"caller heard {heard.played_ms / 1000:.1f} s of {heard.audio_ms / 1000:.1f} s "
            "received; the struck-through rest was cut")


class WireTap:
    """Given every wire event the journal records (the transport's wire observer, or replay's
    ``sent``/``recv`` records): keeps them for the inspector and, when the client truncates a
    reply, posts ``ReplyCut`` with how much of its transcript the caller heard.

    The truncate is read off the wire because it is the one place that holds the played
    milliseconds (the core's audio_interrupted event does not carry them)."""

    class ReplyCut(Message):
        """The caller heard ``heard.chars`` characters of reply ``heard.item_id``, not the rest."""

        def __init__(self, heard: Heard) -> None:
            super().__init__()
            self.heard = heard

    def __init__(
        self,
        post: Callable[[Message], Any],
        redactor: Redactor | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._post = post
        self.log = WireLog(redactor, clock=clock)
        self._heard = HeardTracker()

    @property
    def redactor(self) -> Redactor:
        return self.log.redactor

    def observe(self, direction: str, data: dict[str, Any], t: float | None = None) -> None:
        """A wire observer: ``direction`` is ``sent`` or ``recv``; ``t`` for journaled events."""
        self.log.record(direction, data, t=t)
        heard = self._heard.wire(direction, data)
        if heard is not None:
            self._post(self.ReplyCut(heard))
