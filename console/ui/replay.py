"""`rtconsole replay FILE`: a journaled session played back in the console, read-only, offline.

The journal holds every session event the live console reduced and every operator action (see
``console.ui.journaling``), each with its time. Replay decodes them back into those events and
hands them, in order and in time (scaled by the speed), to the same reducer, so every pane goes
through the states it went through live. There is no session and no network: the input and the
approval keys only say so.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from console.journal.store import JournalError, read_records

from .app import BackendInfo, RtConsoleApp
from .bridge import SessionBridge
from .commands import palette_action
from .journal_codec import MessageDecoder, record_type
from .journaling import JOURNAL_SCHEMA_KEY, action_of
from .state import Agents, DecisionTaken
from .widgets.approvals import PendingApproval
from .widgets.handoff_graph import AgentGraph
from .widgets.message_input import MessageInput
from .widgets.replay_bar import ReplayBar, speed_text

READ_ONLY = "replay: read-only"
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("toggle_pause", "Pause or resume", "Pause the replay, or resume it"),
    ("step", "Step", "Show the next recorded event (and pause)"),
    ("faster", "Faster", "Double the replay speed"),
    ("slower", "Slower", "Halve the replay speed"),
    ("next_theme", "Theme", "Switch to the next colour theme"),
    ("show_metrics", "Metrics", "Where the time went: latency per stage, tokens, cost"),
    ("inspector", "Event inspector", "Show the recorded wire both ways, with filters"),
)
"""(action, palette title, help) of the replay's own commands."""
SPEEDS = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)


@dataclass(frozen=True, slots=True)
class Recording:
    """A journal loaded for replay: its meta line and the records replay applies, in order."""

    path: Path
    meta: dict[str, Any]
    steps: list[dict[str, Any]]

    @property
    def duration(self) -> float:
        return float(self.steps[-1].get("t", 0.0)) if self.steps else 0.0


def _replayable(record: dict[str, Any]) -> bool:
    kind = record.get("kind")
    if kind in ("decision", "sent", "recv"):
        return True
    kind_type = str(record.get("type", ""))
    return kind == "event" and (
        record_type(kind_type) is not None or kind_type.startswith("console."))


def load_recording(path: Path) -> Recording:
    """Read a journal for replay. Raises JournalError (missing, unreadable, not a journal)."""
    if not path.is_file():
        raise JournalError(f"no such session journal: {path}")
    records = read_records(path)
    meta = next(records, None)
    if meta is None:
        raise JournalError(f"{path} is empty: not an rtconsole journal")
    return Recording(path, meta, [record for record in records if _replayable(record)])


def _graph(meta: dict[str, Any]) -> AgentGraph:
    raw = meta.get("graph")
    if not isinstance(raw, dict):
        return AgentGraph()
    nodes = [str(n) for n in raw.get("nodes") or []]
    edges_raw = raw.get("edges")
    edges = {str(k): [str(t) for t in v] for k, v in (edges_raw or {}).items()}
    return AgentGraph(nodes, edges)


class LegacyApprovals:
    """The pending approvals of a journal written before they were journaled (schema 1), rebuilt
    from its requests, ends and decisions (which that version wrote at the keypress)."""

    def __init__(self) -> None:
        self._pending: dict[str, PendingApproval] = {}

    @property
    def pending(self) -> tuple[PendingApproval, ...]:
        return tuple(self._pending.values())

    def follow(self, record: dict[str, Any]) -> None:
        raw = record.get("fields")
        fields: dict[str, Any] = raw if isinstance(raw, dict) else {}
        kind = record.get("type")
        if kind == "bridge.ApprovalRequested":
            call_id = str(fields.get("call_id"))
            self._pending[call_id] = PendingApproval(
                call_id, str(fields.get("agent", "")), str(fields.get("tool", "")),
                str(fields.get("arguments", "")),
            )
        elif kind == "bridge.ToolEnded":
            self._pending.pop(str(fields.get("call_id")), None)
        elif record.get("kind") == "decision":
            self._pending.pop(str(record.get("call_id")), None)


class RecordReader:
    """Turns a journal's records, in order, into the events the console's reducer takes."""

    def __init__(self, meta: dict[str, Any]) -> None:
        self._decoder = MessageDecoder()
        self._legacy = None if JOURNAL_SCHEMA_KEY in meta else LegacyApprovals()

    def events(self, record: dict[str, Any]) -> list[object]:
        """The events of ``record`` (none for the wire's records: the wire tap reads those)."""
        events: list[object] = []
        if self._legacy is not None:
            self._legacy.follow(record)
            events.append(SessionBridge.ApprovalsChanged(self._legacy.pending))
        kind = record.get("kind")
        if kind == "decision":
            events.append(DecisionTaken(record, by=str(record.get("by", "operator"))))
            return events
        if kind != "event":
            return events
        record_kind = str(record.get("type", ""))
        if record_kind.startswith("console."):
            fields = record.get("fields")
            action = action_of(record_kind.removeprefix("console."),
                               fields if isinstance(fields, dict) else {})
            if action is not None:
                events.append(action)
            return events
        decoded = self._decoder.decode(record)
        if decoded is not None:
            events.append(decoded.message)
        return events


class ReplayInput(MessageInput):
    """The input line, looking as it did live, that edits nothing: every key it would take says
    why, and the player's keys (space, n, + and -) reach their bindings even while it has focus."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return False

    def insert_text_at_cursor(self, text: str) -> None:
        self.app.notify(READ_ONLY, timeout=2)

    def replace(self, text: str, start: int, end: int) -> None:
        self.app.notify(READ_ONLY, timeout=2)

    def action_send(self) -> None:
        self.app.notify(READ_ONLY, timeout=2)


class ReplayApp(RtConsoleApp, inherit_bindings=False):
    """The console showing a recording. ``tick_s`` is how often the player moves on (0: only
    ``step``/``play_to`` move it: tests); ``timer`` is the wall clock scaled by the speed."""

    LIVE: ClassVar[bool] = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_pause", "Pause", id="replay_pause", priority=True),
        Binding("n", "step", "Step", id="replay_step", priority=True),
        Binding("plus,right_square_bracket", "faster", "Faster", id="replay_faster",
                priority=True),
        Binding("minus,left_square_bracket", "slower", "Slower", id="replay_slower",
                priority=True),
        Binding("f2", "next_theme", "Theme", id="theme"),
        Binding("f3", "show_metrics", "Metrics", id="metrics", show=False),
        Binding("f4", "inspector", "Wire", id="inspector"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        # The live keys stay bound (and remappable) so they can say why they do nothing.
        Binding("ctrl+y", "approve", "Approve", id="approve", show=False, priority=True),
        Binding("ctrl+n", "reject", "Reject", id="reject", show=False, priority=True),
        Binding("f5", "approve_always", "Always yes", id="approve_always", show=False,
                priority=True),
        Binding("f6", "reject_always", "Always no", id="reject_always", show=False,
                priority=True),
        Binding("escape", "interrupt", "Interrupt", id="interrupt", show=False),
        Binding("f8", "toggle_mute", "Mute", id="mute", show=False),
        Binding("f9", "toggle_push_to_talk", "PTT", id="push_to_talk", show=False),
        Binding("ctrl+r", "reconnect_now", "Retry now", id="reconnect_now", show=False,
                priority=True),
    ]

    def __init__(
        self,
        recording: Recording,
        *,
        speed: float = 1.0,
        paused: bool = False,
        tick_s: float = 1 / 30,
        timer: Callable[[], float] = time.perf_counter,
        **options: Any,
    ) -> None:
        meta = recording.meta
        status = meta.get("status") if isinstance(meta.get("status"), dict) else {}
        assert isinstance(status, dict)
        self.recording = recording
        self.bar = ReplayBar()
        self._epoch = float(meta.get("epoch") or 0.0)
        self._now = datetime.fromtimestamp(self._epoch)
        options.setdefault("backend", BackendInfo(
            str(status.get("backend") or meta.get("backend") or "replay"),
            str(status.get("model") or meta.get("model") or ""),
        ))
        options.setdefault("notes", [str(n) for n in meta.get("notes") or []])
        options.setdefault("recording", bool(status.get("recording")))
        options.setdefault("audio_status", str(status.get("audio") or ""))
        options.setdefault("now", lambda: self._now)
        super().__init__(agents=(), open_session=None, footer_note=self.bar, **options)
        self.main.graph.set_graph(_graph(meta))
        live_input = self.main.input
        self.main.input = ReplayInput(id="input", placeholder=live_input.placeholder)
        self.main.input.cursor_blink = live_input.cursor_blink
        agent = str(meta.get("agent") or "")
        self.state = replace(self.state, status=replace(
            self.state.status, agents=Agents(current=agent)))
        self.reader = RecordReader(meta)
        self.position = 0
        """How many steps have been applied."""
        self.replay_time = 0.0
        """Seconds into the recording the replay has reached."""
        self.speed = speed
        self.paused = paused
        self._tick_s = tick_s
        self._timer = timer
        self._last_tick: float | None = None
        self.bar.duration = recording.duration
        self.bar.speed = speed

    # -- the player ------------------------------------------------------------------------------

    @property
    def ended(self) -> bool:
        return self.position >= len(self.recording.steps)

    def on_mount(self) -> None:
        self._show_state()
        if self._tick_s > 0:
            self.set_interval(self._tick_s, self._tick)

    def _tick(self) -> None:
        now = self._timer()
        last, self._last_tick = self._last_tick, now
        if self.paused or self.ended or last is None:
            return
        self.play_to(self.replay_time + (now - last) * self.speed)

    def play_to(self, seconds: float) -> int:
        """Apply every step up to ``seconds`` into the recording; returns how many."""
        applied = 0
        steps = self.recording.steps
        while self.position < len(steps) and float(steps[self.position].get("t", 0.0)) <= seconds:
            self._apply(steps[self.position])
            self.position += 1
            applied += 1
        self.replay_time = min(max(self.replay_time, seconds), self.recording.duration)
        self._show_state()
        return applied

    def play_all(self) -> int:
        return self.play_to(float("inf"))

    def step(self) -> bool:
        """Apply the next step now, whatever its time. False at the end."""
        if self.ended:
            return False
        step = self.recording.steps[self.position]
        self._apply(step)
        self.position += 1
        self.replay_time = float(step.get("t", 0.0))
        self._show_state()
        return True

    def _show_state(self) -> None:
        self.bar.state = "ended" if self.ended else "paused" if self.paused else "playing"
        self.bar.position = self.replay_time
        self.bar.speed = self.speed

    def _apply(self, record: dict[str, Any]) -> None:
        self._now = datetime.fromtimestamp(self._epoch + float(record.get("t", 0.0)))
        if record.get("kind") in ("sent", "recv"):
            data = record.get("data")
            if isinstance(data, dict):
                self.wire_tap.observe(str(record["kind"]), data, t=float(record.get("t", 0.0)))
        # The same reducer the live events went through, now, so it runs at this step's time.
        for event in self.reader.events(record):
            self.dispatch(event, record=False)

    # -- keys ------------------------------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        self._last_tick = None
        self._show_state()

    def action_step(self) -> None:
        self.paused = True
        if not self.step():
            self.notify("replay: at the end", timeout=2)
        self._show_state()

    def _change_speed(self, up: bool) -> None:
        faster = [s for s in SPEEDS if s > self.speed]
        slower = [s for s in SPEEDS if s < self.speed]
        if up and faster:
            self.speed = faster[0]
        elif not up and slower:
            self.speed = slower[-1]
        self._show_state()
        self.notify(f"replay speed {speed_text(self.speed)}", timeout=1)

    def action_faster(self) -> None:
        self._change_speed(True)

    def action_slower(self) -> None:
        self._change_speed(False)

    def get_system_commands(self, screen: Screen[Any]) -> Any:
        # Textual's own (quit, keys, screenshot...), then the player's; none of the live ones.
        yield from App.get_system_commands(self, screen)
        for action, title, help_text in COMMANDS:
            yield SystemCommand(title, help_text, palette_action(self.run_action, action))

    def _read_only(self) -> None:
        self.notify(READ_ONLY, timeout=2)

    def action_approve(self) -> None:
        self._read_only()

    def action_reject(self) -> None:
        self._read_only()

    def action_approve_always(self) -> None:
        self._read_only()

    def action_reject_always(self) -> None:
        self._read_only()

    def action_interrupt(self) -> None:
        self._read_only()

    def action_toggle_mute(self) -> None:
        self._read_only()

    def action_toggle_push_to_talk(self) -> None:
        self._read_only()

    def action_reconnect_now(self) -> None:
        self._read_only()

    async def action_quit(self) -> None:
        self.exit(0)


# -- the command ----------------------------------------------------------------------------------


def run_replay(file: str, *, speed: float = 1.0, paused: bool = False) -> int:
    """`rtconsole replay FILE`: play a journal back in the console; 2 for a journal or config
    that cannot be used (one line on stderr)."""
    from console.journal.commands import resolve_journal

    from .config import ConfigError, load_config

    try:
        recording = load_recording(resolve_journal(file))
        config = load_config()
    except (JournalError, ConfigError) as exc:
        print(f"rtconsole replay: error: {exc}", file=sys.stderr)
        return 2
    app = ReplayApp(recording, speed=speed, paused=paused, config=config)
    return int(app.run() or 0)
