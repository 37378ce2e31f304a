"""The Textual operator console: wires session events to the panes and the keys to the session."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget

from console.journal.redact import Redactor

from .audio_control import AudioControl
from .audio_protocols import AudioPort, LevelSource, StaticLevels
from .binder import Binder
from .bridge import SessionBridge, describe_error
from .commands import BINDINGS, COMMANDS, console_commands, key_for
from .config import ConsoleConfig
from .decisions import Decisions
from .first_connection import FirstConnectionFailed
from .journal_codec import MESSAGE_TYPES
from .journaling import ConsoleJournal, JournalTrouble, decision_fields, refusal_fields
from .listener import ConsoleListener
from .reducer import reduce
from .screens.always_rules import AlwaysRulesScreen
from .screens.main import MainScreen
from .screens.metrics import MetricsScreen
from .session_runner import BackendInfo, SessionLike, SessionOpener, SessionRunner
from .state import (
    Agents,
    Clear,
    ConnectFailed,
    ConsoleState,
    DecisionRefused,
    DecisionTaken,
    Keys,
    ReplyCut,
    Revoked,
    Say,
    Sent,
    Status,
)
from .themes import install_themes, next_theme, variable_defaults
from .widgets.message_input import MessageInput
from .wire_tap import WireTap, cut_line

if TYPE_CHECKING:
    from console.journal import JournalWriter
    from console.realtime.reconnect import ReconnectPolicy

__all__ = ["COMMANDS", "FRAME_RATE", "BackendInfo", "RtConsoleApp", "SessionLike",
           "SessionOpener"]


FRAME_RATE = 40.0
"""Updates a second for what streams (transcript deltas, history, levels): every delta is on
screen within one frame (25 ms) and the frame that shows it; 60 cost half as much again in
screen updates for nothing a reader sees."""
METER_DIVISOR = 2
"""The level meters move every second frame (20 a second at the default rate)."""


class RtConsoleApp(App[int]):
    """The operator console. Every source of nondeterminism (clocks, blink, frame rate, levels) is
    a constructor parameter so tests and snapshots are stable.

    What the panes show is ``state`` (see ``console.ui.state``): every session event and operator
    action goes through ``dispatch``, which reduces it into the next state, journals it and hands
    the changed slices to the widgets. The audio side, the journal and the decisions are
    collaborators with their own state."""

    # Absolute, so subclasses defined elsewhere (tests, users) still find the stylesheet.
    CSS_PATH = Path(__file__).parent / "console.tcss"
    TITLE = "rtconsole"
    LIVE: ClassVar[bool] = True
    """False in a replay: no session is opened and none is missed."""
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = BINDINGS

    def __init__(
        self,
        *,
        agents: Sequence[Any] = (),
        open_session: SessionOpener | None = None,
        backend: BackendInfo | None = None,
        config: ConsoleConfig | None = None,
        levels: LevelSource | None = None,
        audio: AudioPort | None = None,
        notes: Iterable[str] = (),
        now: Callable[[], datetime] = datetime.now,
        timer: Callable[[], float] = time.perf_counter,
        frame_rate: float = FRAME_RATE,
        blink: bool = True,
        recording: bool = False,
        audio_status: str = "",
        theme_dirs: Sequence[Path] | None = None,
        on_rendered: Callable[[list[float]], None] | None = None,
        journal: JournalWriter | None = None,
        footer_note: Widget | None = None,
        first_connection_retry: ReconnectPolicy | None = None,
        hint: str | None = None,
    ) -> None:
        self._theme_problems: list[str] = []
        super().__init__()
        self.config = config or ConsoleConfig()
        self.agents = list(agents)
        self.backend = backend or BackendInfo()
        self._open_session = open_session
        self._notes = list(notes)
        self._frame_rate = frame_rate
        self._frames = 0
        self.journal = journal
        """Where the session is journaled (None: not at all); written and closed by the app."""
        self.redactor = journal.redactor if journal is not None else Redactor()
        """The secrets the console knows (the journal's own, so both hide the same)."""
        self.wire_tap = WireTap(self.post_message, self.redactor)
        """Give ``wire_tap.observe`` to the transport as a wire observer (the inspector's)."""
        self.listener = ConsoleListener(self.post_message)
        """Posts the countdown and subagent callbacks; the opener gives it to the runner (see
        ``console.ui.listener.fan_out``)."""
        first_agent = getattr(self.agents[0], "name", "") if self.agents else ""
        self.state = ConsoleState(
            status=Status(
                backend=self.backend.name, model=self.backend.model, recording=recording,
                audio=audio_status, agents=Agents(current=first_agent),
            ),
            keys=Keys(*(self.key_for(key) for key in ("approve", "reject", "reconnect_now"))),
        )
        """What the console shows: replaced (never changed) by ``dispatch``."""
        self.bridge = SessionBridge(
            self.post_message,
            timer=timer,
            audio_sink=audio.on_session_event if audio is not None else None,
            frame_interval=1.0 / frame_rate if frame_rate > 0 else 0.0,
        )
        self.bridge.pricer = lambda tokens: self.config.prices.cost(self.backend.model, tokens)
        self.recorder = ConsoleJournal(journal, self.post_message, self.bridge.decisions.waited_ms)
        self.decisions = Decisions(
            lambda: self.session, self.post_message, describe_error, self.recorder.outcome
        )
        levels_source: LevelSource = audio.levels if audio is not None else (
            levels or StaticLevels())
        self.sound = AudioControl(
            audio, levels_source, self.bridge, state=lambda: self.state, act=self.dispatch,
            post=self.post_message, notify=lambda text: self.notify(text, timeout=2),
            command=lambda label, call: self.runner.command(label, call), journal=journal,
        )
        self.runner = SessionRunner(
            open_session, self.bridge, self.sound, post=self.post_message,
            say=lambda text, kind: self.console_line(text, kind=kind),
            spawn=lambda work: self.run_worker(work, group="commands"), key_for=self.key_for,
            backend=self.backend, hint=hint, retry=first_connection_retry,
        )
        self.main = MainScreen(
            agents=self.agents, levels=levels_source, now=now, blink=blink,
            on_rendered=on_rendered, footer_note=footer_note,
        )
        self.binder = Binder(self.main)
        for pane in (self.main.transcript, self.main.history, self.main.approvals):
            pane.redact = self.redactor.text
        self.theme_names, problems = install_themes(self, theme_dirs, self.config.theme)
        self._theme_problems.extend(problems)
        if self.config.keymap:
            self.set_keymap(self.config.keymap)

    # -- themes ----------------------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return variable_defaults(self.current_theme)

    def action_next_theme(self) -> None:
        self.theme = next_theme(self.theme_names, self.theme)
        self.notify(f"theme: {self.theme}", timeout=2)

    # -- lifecycle -------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        return self.main

    @property
    def session(self) -> Any:
        """The open session (None between sessions): the runner's."""
        return self.runner.session

    @property
    def audio(self) -> AudioPort | None:
        """The audio port (None in text mode, or once audio failed)."""
        return self.sound.audio

    @property
    def levels(self) -> LevelSource:
        return self.sound.levels

    @property
    def muted(self) -> bool:
        return self.state.status.muted

    @property
    def push_to_talk(self) -> bool:
        return self.state.status.push_to_talk

    def dispatch(self, event: object, *, record: bool = True) -> None:
        """The one way the panes change: reduce ``event`` (a session event or an operator
        action) into the next state, journal it (unless ``record`` is False: already
        journaled, or not the console's to journal) and show what changed."""
        self.state = state = reduce(self.state, event)
        if record:
            self.recorder.record(event, agent=state.agent, streamed=self.bridge.streamed)
        self.binder.show(state)
        if isinstance(event, Message):
            self.binder.follow(event)

    def _session_event(self, message: Message) -> None:
        """Every message of the bridge and the listener (registered below for each type)."""
        self.dispatch(message)

    for _type in MESSAGE_TYPES.values():
        _session_event = on(_type)(_session_event)
    del _type

    def console_line(self, text: str, *, kind: str = "system") -> None:
        """A line the console writes by itself (not from a message): shown and journaled."""
        self.dispatch(Say(text, kind, "error" if kind == "error" else "console"))

    def system_line(self, text: str, *, kind: str = "system") -> None:
        """A line that is not journaled (the notes and theme problems: replay has them)."""
        self.dispatch(Say(text, kind, "error" if kind == "error" else "console"), record=False)

    def on_mount(self) -> None:
        self.binder.show(self.state)
        self.recorder.start(
            agent=self.state.agent, graph=self.main.graph.graph, status=self.state.status,
            backend=self.backend.name, model=self.backend.model, url=self.backend.url,
            notes=self._notes,
        )
        for note in self._notes:
            self.system_line(note)
        for problem in self._theme_problems:
            self.system_line(problem, kind="error")
        if self._frame_rate > 0:
            self.set_interval(1.0 / self._frame_rate, self.on_frame)
        if self._open_session is None and self.LIVE:
            self.system_line("not connected: no session to open")

    def on_unmount(self) -> None:
        self.recorder.close()
        gc.unfreeze()  # what on_ready froze is garbage like anything else once the app is gone

    def on_journal_trouble(self, message: JournalTrouble) -> None:
        self.console_line(message.text, kind="error" if "stopped" in message.text else "system")

    def on_frame(self) -> None:
        """Frame-rate work: post what the bridge gathered, read the levels; follow the audio
        layer's state. One clock for all of it, so the transcript and the meters change in the
        same screen update, not in two (each update redraws every pane between them)."""
        self.bridge.flush()
        self._frames += 1
        if self._frames % METER_DIVISOR == 0:
            self.main.meters.poll()
        self.main.meters.thinking = self.bridge.awaiting_reply
        self.sound.poll(self.session)

    def on_ready(self) -> None:
        # What exists once the console is up (modules, widgets, styles, themes) lives as long as
        # the app: out of the collector's sight, a full collection no longer walks all of it
        # (tens of milliseconds each, a stutter in the streaming transcript).
        gc.freeze()
        # Connect after the first frame: opening a session (and starting a local engine) must
        # never delay the console appearing.
        if self._open_session is not None:
            self.run_worker(self.runner.run(), name="session", group="session", exclusive=True)

    @on(FirstConnectionFailed)
    def _show_first_connection_failed(self, message: FirstConnectionFailed) -> None:
        self.dispatch(ConnectFailed(message.line, message.detail))

    async def close_session(self, timeout: float = 5.0) -> None:
        """Close the session and wait (bounded) for the worker to see the end of the events."""
        await self.runner.close(timeout, [w for w in self.workers if w.group == "session"])

    async def action_quit(self) -> None:
        await self.close_session()
        self.exit(0)

    # -- keys ------------------------------------------------------------------------------------

    @on(MessageInput.Sent)
    def send_text(self, message: MessageInput.Sent) -> None:
        text = message.text
        if self.runner.command("send", lambda s: s.send_message(text)):
            self.bridge.input_ended()
            self.dispatch(Sent(text))

    def _decide(self, approve: bool, always: bool) -> None:
        approval = self.main.approvals.selected()
        if approval is None:
            self.notify("no pending approvals", timeout=2)
            return
        # Shown and journaled when the session has taken it (or refused), never before.
        self.run_worker(self.decisions.decide(approval, approve, always), group="commands")

    # Journaled by ``Decisions`` the moment the session answered (see ConsoleJournal.outcome).
    @on(Decisions.Taken)
    def _decision_taken(self, message: Decisions.Taken) -> None:
        self.dispatch(DecisionTaken(decision_fields(message)), record=False)
        self.bridge.refresh_approvals()

    @on(Decisions.Refused)
    def _decision_refused(self, message: Decisions.Refused) -> None:
        self.dispatch(DecisionRefused(refusal_fields(message)), record=False)
        self.bridge.refresh_approvals()

    def action_approve(self) -> None:
        self._decide(True, False)

    def action_reject(self) -> None:
        self._decide(False, False)

    def action_approve_always(self) -> None:
        self._decide(True, True)

    def action_reject_always(self) -> None:
        self._decide(False, True)

    def action_reconnect_now(self) -> None:
        self._tell(self.runner.retry_now())

    def action_cancel_tool(self) -> None:
        self._tell(self.runner.cancel_tool())

    def _tell(self, text: str | None) -> None:
        if text:
            self.notify(text, timeout=2)

    def action_show_metrics(self) -> None:
        if not isinstance(self.screen, MetricsScreen):
            view = MetricsScreen(
                self.state.figures, lambda: self.state.status.usage, self.config.budgets)
            self.push_screen(view, self.binder.bind_metrics(view))

    def action_always_rules(self) -> None:
        wrapper = getattr(self.session, "context_wrapper", None)
        if wrapper is None:
            self.notify("not connected: no rules", timeout=2)
            return

        def revoke(tool: str | None) -> None:
            if tool is not None and wrapper.revoke_always(tool):
                self.dispatch(Revoked(tool))

        self.push_screen(AlwaysRulesScreen(wrapper.always_rules()), revoke)

    def action_inspector(self) -> None:
        # Imported when first opened: the console's first frame does not wait for it.
        from .screens.inspector import InspectorScreen

        if isinstance(self.screen, InspectorScreen):
            self.screen.dismiss()
        else:
            self.push_screen(InspectorScreen(self.wire_tap.log))

    @on(WireTap.ReplyCut)
    def _reply_cut(self, message: WireTap.ReplyCut) -> None:
        # Not journaled: it comes from the wire, which is (replay derives it again).
        heard = message.heard
        self.dispatch(ReplyCut(heard.item_id, heard.chars, cut_line(heard)), record=False)

    def action_clear_transcript(self) -> None:
        self.dispatch(Clear())

    def action_interrupt(self) -> None:
        self.sound.interrupt()

    def action_toggle_mute(self) -> None:
        self.sound.toggle_mute()

    def action_toggle_push_to_talk(self) -> None:
        self.sound.toggle_push_to_talk()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from console_commands(self.run_action)
        for title, help_text, run in self.sound.device_commands():
            yield SystemCommand(title, help_text, run)

    def key_for(self, binding_id: str) -> str:
        """The key a binding id is on now (the keymap may have moved it), for hints."""
        return key_for(self.config.keymap, self.BINDINGS, binding_id)
