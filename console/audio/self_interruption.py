"""Notices the agent interrupting itself (its voice reaching the mic): time for half duplex."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SelfInterruptionSettings:
    """``limit`` barge-ins, each ``early_s`` or less into a reply, within ``window_s``, trip it.

    An echo barges in early (round trip plus the server's VAD: well under a second even through
    a Bluetooth speaker) and again in every reply; a person rarely cuts three replies in a row
    within their first second. A false trip costs only voice barge-in (the interrupt key
    still works), a missed one costs the conversation, so the bar is low.
    """

    limit: int = 3
    early_s: float = 1.2
    window_s: float = 30.0


class SelfInterruptionWatch:
    """Fed the start of each reply's playback and each barge-in; ``tripped`` once it sees a loop.

    Pure: times are passed in (the audio layer's clock), nothing here sleeps or reads a clock.
    """

    def __init__(self, settings: SelfInterruptionSettings | None = None) -> None:
        self.settings = settings or SelfInterruptionSettings()
        self._reply_started: float | None = None
        self._early: deque[float] = deque()
        self.tripped = False
        self.barge_ins = 0

    def reply_started(self, now: float) -> None:
        self._reply_started = now

    def barged_in(self, now: float, echo: bool | None = None) -> bool:
        """A reply was cut by detected speech. True the first time this looks like a loop.

        ``echo``: what the mic heard was judged the agent's own voice (True: counted, however
        late in the reply) or a person's (False: never counted); None: not judged, counted if
        early in the reply (an echo barges in early)."""
        self.barge_ins += 1
        started, self._reply_started = self._reply_started, None
        if self.tripped or echo is False:
            return False
        soon = started is not None and now - started <= self.settings.early_s
        if not (echo or soon):
            return False
        early = self._early
        early.append(now)
        while early and now - early[0] > self.settings.window_s:
            early.popleft()
        if len(early) >= self.settings.limit:
            self.tripped = True
            return True
        return False
