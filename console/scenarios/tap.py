"""The interface through which a scenario's session is journaled for ``rtconsole replay``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from console.journal import JournalWriter


class JournalTap(Protocol):
    """Writes what the console would have shown into a journal: the session's events, the
    operator's decisions, and lines of its own (a failed expectation)."""

    def start(self) -> None: ...

    def event(self, event: Any) -> None: ...

    def decision(self, tool: str, arguments: str, call_id: str, decision: str) -> None: ...

    def line(self, text: str) -> None: ...

    def finish(self) -> None: ...


TapFactory = Callable[[JournalWriter, Sequence[Any], str], JournalTap]
"""(journal, agents, backend name) -> a tap; the console's is in ``console.ui.scenario_tap``."""
