"""Journals an `rtconsole test` scenario as the console would have shown it, for replay."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import console
from console.journal import JournalWriter

from .bridge import SessionBridge
from .journal_codec import MessageEncoder
from .journaling import graph_meta
from .reducer import reduce
from .state import Agents, ConsoleState, Status
from .widgets.handoff_graph import build_graph


class ConsoleTap:
    """The console's bridge, reducer and journal encoding without the app: each session event
    becomes the messages the panes would have handled, reduced into the state the console would
    have had (which says who the current agent is) and written as the records replay re-posts.
    Fits ``console.scenarios.tap.JournalTap``."""

    def __init__(self, journal: JournalWriter, agents: Sequence[Any], backend: str) -> None:
        self.journal = journal
        self.agents = list(agents)
        self.backend = backend
        self._encoder = MessageEncoder()
        first = str(getattr(agents[0], "name", ""))
        self.state = ConsoleState(status=Status(agents=Agents(current=first)))
        self.bridge = SessionBridge(self._write)

    def _write(self, message: Any) -> None:
        self.state = reduce(self.state, message)
        record = self._encoder.encode(
            message, agent=self.state.agent, streamed=self.bridge.streamed
        )
        if record is not None:
            self.journal.event(record.pop("type"), **record)
        if isinstance(message, SessionBridge.HandoffTaken):
            self.journal.event("handoff", **{"from": message.source, "to": message.target})

    def start(self) -> None:
        self.journal.meta(
            version=console.__version__,
            agent=self.state.agent,
            graph=graph_meta(build_graph(self.agents)),
            status={"backend": self.backend, "model": "", "recording": False,
                    "audio": "scenario"},
            notes=["rtconsole test: a scenario run"],
        )

    def event(self, event: Any) -> None:
        self.bridge.handle(event)
        # What the app's frame timer does: post the gathered deltas and history.
        self.bridge.flush()

    def decision(self, tool: str, arguments: str, call_id: str, decision: str) -> None:
        self.bridge.flush()
        self.journal.decision(
            by="scenario", call_id=call_id, tool=tool, agent=self.state.agent,
            arguments=arguments, decision="rejected" if decision == "reject" else "approved",
            always=decision == "always",
        )

    def line(self, text: str) -> None:
        self.bridge.flush()
        self.journal.event("console.line", fields={"kind": "error", "label": "scenario",
                                                    "text": text})

    def finish(self) -> None:
        self.bridge.flush()
