"""StallWatch: notices a server that goes silent while a session waits on it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class StallWatch:
    """Reports when the server sends nothing for ``timeout_s`` while the session waits on it:
    after a request until the server's next event, and all through a response. One report
    per silence. Costs one float store per server event; a single timer re-arms itself."""

    def __init__(self, timeout_s: float, report: Callable[[float], None]) -> None:
        self.timeout_s = timeout_s
        self._report = report
        self._loop = asyncio.get_running_loop()
        self._last = 0.0
        self._awaiting = False
        self._responding = False
        self._reported = False
        self._handle: asyncio.TimerHandle | None = None

    def request(self) -> None:
        if not self._awaiting:
            self._awaiting = True
            self._last = self._loop.time()
        self._arm()

    def server_event(self) -> None:
        self._last = self._loop.time()
        self._awaiting = self._reported = False

    def turn(self, started: bool) -> None:
        self._responding = started
        if started:
            self._arm()

    def reset(self) -> None:
        self._awaiting = self._responding = self._reported = False
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _arm(self) -> None:
        if self._handle is None:
            self._handle = self._loop.call_at(self._last + self.timeout_s, self._check)

    def _check(self) -> None:
        self._handle = None
        if self._reported or not (self._awaiting or self._responding):
            return
        due = self._last + self.timeout_s
        if self._loop.time() < due:
            self._handle = self._loop.call_at(due, self._check)
            return
        self._reported = True
        self._report(self.timeout_s)
