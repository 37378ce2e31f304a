"""The main screen: transcript and input left; graph, approvals, history, meters right."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.events import Resize
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Tab, Tabs

from ..audio_protocols import LevelSource
from ..state import TEXT_ONLY, Status
from ..widgets.approvals import ApprovalQueue
from ..widgets.fitted_footer import FittedFooter
from ..widgets.handoff_graph import HandoffGraph
from ..widgets.history_tree import HistoryTree
from ..widgets.message_input import MessageInput
from ..widgets.meters import Meters
from ..widgets.plain_containers import Column, PlainLines, Row
from ..widgets.status_bar import StatusBar
from ..widgets.transcript import TranscriptView

NARROW_WIDTH = 110
"""Below this many columns (or NARROW_HEIGHT rows) the side panes become tabs."""
NARROW_HEIGHT = 30
SIDE_TABS = (("graph", "Agents"), ("approvals", "Approvals"), ("history", "History"))


def _narrow(width: int, height: int) -> bool:
    return width < NARROW_WIDTH or height < NARROW_HEIGHT


class MainScreen(Screen[None]):
    """Holds the panes; the widgets are attributes so the app reaches them even under a modal."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "app.focus_next", "Focus", id="focus_next"),
        Binding(
            "shift+tab", "app.focus_previous", "Previous pane", id="focus_previous", show=False
        ),
    ]

    def __init__(
        self,
        *,
        agents: Iterable[Any],
        levels: LevelSource,
        now: Callable[[], datetime],
        blink: bool,
        on_rendered: Callable[[list[float]], None] | None = None,
        footer_note: Widget | None = None,
    ) -> None:
        super().__init__(id="main-screen")
        self.footer_note = footer_note
        """Shown left of the keys on the footer line (replay's position and speed)."""
        self.transcript = TranscriptView(id="transcript", now=now, on_rendered=on_rendered)
        self.input = MessageInput(id="input", placeholder="Type a message, Enter to send")
        self.input.cursor_blink = blink
        self.graph = HandoffGraph(agents, id="graph")
        self.approvals = ApprovalQueue(id="approvals")
        self.history = HistoryTree(id="history")
        # Read on the app's frame clock (RtConsoleApp.on_frame), with the transcript's updates.
        self.meters = Meters(levels, frame_rate=0.0, id="meters")
        self.status = StatusBar(id="status")
        self.side_tabs = Tabs(*(Tab(title, id=f"tab-{pane}") for pane, title in SIDE_TABS),
                              id="side-tabs")
        """Shown only when narrow: one side pane at a time, chosen here."""
        for pane in (self.graph, self.approvals, self.history):
            pane.add_class("side-pane")
        self._waiting = 0
        self._plain = PlainLines(self, super().render_lines)

    def compose(self) -> ComposeResult:
        # Narrow or not from the start: set at the first resize, the class would restyle every
        # pane once more before the first frame.
        self.set_class(_narrow(self.app.size.width, self.app.size.height), "-narrow")
        with Row(id="body"):
            with Column(id="left"):
                yield self.transcript
                yield self.input
            with Column(id="side"):
                yield self.side_tabs
                yield self.graph
                yield self.approvals
                yield self.history
                yield self.meters
        yield self.status
        if self.footer_note is None:
            yield FittedFooter(id="footer")
            return
        with Horizontal(id="footer-row"):
            yield self.footer_note
            yield FittedFooter(id="footer")

    def render_lines(self, crop: Region) -> list[Strip]:
        # The screen's own lines are background under the panes: drawn once per size and look.
        return self._plain.lines(crop)

    def on_mount(self) -> None:
        self.transcript.border_title = "Transcript"
        self.graph.border_title = "Agents"
        self.history.border_title = "History"
        self.meters.border_title = f"Audio · {self.meters.state}"
        # The status bar's slice says whether audio runs; the Audio pane's title follows it.
        self.watch(self.status, "facts", self._status_changed)
        self.input.focus()

    def on_resize(self, event: Resize) -> None:
        self.set_class(_narrow(event.size.width, event.size.height), "-narrow")

    @on(Tabs.TabActivated, "#side-tabs")
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        shown = (event.tab.id or "").removeprefix("tab-")
        for pane, _title in SIDE_TABS:
            self.query_one(f"#{pane}").set_class(pane == shown, "-shown")

    @on(ApprovalQueue.QueueChanged)
    def _approvals_changed(self, event: ApprovalQueue.QueueChanged) -> None:
        # The tab says how many calls wait; a new one brings its pane to the front.
        count, grew = event.count, event.count > self._waiting
        self._waiting = count
        tab = self.side_tabs.query_one("#tab-approvals", Tab)
        tab.label = f"Approvals ({count})" if count else "Approvals"
        tab.set_class(count > 0, "-alert")
        if grew:
            self.side_tabs.active = "tab-approvals"

    def _status_changed(self, facts: Status) -> None:
        self.meters.text_only = facts.audio == TEXT_ONLY
