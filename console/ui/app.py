"""The Textual operator console: wires session events to the panes and the keys to the session."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget

from console.journal.redact import Redactor

from .audio_control import AudioControl
from .audio_protocols import AudioPort, LevelSource, StaticLevels
from .binder import Binder
from .bridge import SessionBridge, describe_error
from .config import ConsoleConfig
from .decisions import Decisions, pending_of
from .first_connection import FirstConnection, FirstConnectionFailed, explain
from .journal_codec import MESSAGE_TYPES
from .journaling import ConsoleJournal, JournalTrouble, decision_fields, refusal_fields
from .listener import ConsoleListener
from .reducer import reduce
from .screens.always_rules import AlwaysRulesScreen
from .screens.main import MainScreen
from .screens.metrics import MetricsScreen
from .session_figures import SessionFigures
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
from .themes import (
    DEFAULT_THEME,
    builtin_theme_dirs,
    load_themes,
    user_theme_dir,
    variable_defaults,
)
from .widgets.message_input import MessageInput
from .wire_tap import WireTap, cut_line

if TYPE_CHECKING:
    from console.journal import JournalWriter
    from console.realtime.reconnect import ReconnectPolicy


class SessionLike(Protocol):
    """The parts of RealtimeSession the console uses (kept narrow so tests can drive it too)."""

    def __aiter__(self) -> AsyncIterator[Any]: ...
    async def send_message(self, message: str) -> None: ...
    async def approve_tool_call(self, call_id: str, *, always: bool = False) -> None: ...
    async def reject_tool_call(self, call_id: str, *, always: bool = False) -> None: ...
    async def interrupt(self, *, force_response_cancel: bool = False) -> None: ...
    def set_playback_pending(self, pending: bool) -> None: ...
    async def close(self) -> None: ...
    async def reconnect_now(self) -> bool: ...


SessionOpener = Callable[[], AbstractAsyncContextManager[Any]]


@dataclass(frozen=True, slots=True)
class BackendInfo:
    """What the status bar says about the backend. Never holds credentials."""

    name: str = "none"
    model: str = ""
    url: str | None = None


FRAME_RATE = 40.0
"""Updates a second for what streams (transcript deltas, history, levels): every delta is on
screen within one frame (25 ms) and the frame that shows it; 60 cost half as much again in
screen updates for nothing a reader sees."""
METER_DIVISOR = 2
"""The level meters move every second frame (20 a second at the default rate)."""

# (binding id, action, footer text, command palette help)
COMMANDS: tuple[tuple[str, str, str, str], ...] = (
    ("approve", "approve", "Approve", "Approve the selected tool call"),
    ("reject", "reject", "Reject", "Reject the selected tool call"),
    ("approve_always", "approve_always", "Always approve", "Approve this tool from now on"),
    ("reject_always", "reject_always", "Always reject", "Reject this tool from now on"),
    ("interrupt", "interrupt", "Interrupt", "Stop the assistant's current reply"),
    ("reconnect_now", "reconnect_now", "Retry now", "Reconnect now instead of waiting"),
    ("cancel_tool", "cancel_tool", "Cancel tool", "Stop the tool call running longest"),
    ("mute", "toggle_mute", "Mute", "Mute or unmute the microphone"),
    ("push_to_talk", "toggle_push_to_talk", "Push-to-talk", "Toggle push-to-talk mode"),
    ("theme", "next_theme", "Theme", "Switch to the next colour theme"),
    ("metrics", "show_metrics", "Metrics", "Where the time goes: latency per stage, tokens, cost"),
    ("inspector", "inspector", "Event inspector", "Show the wire both ways, live, with filters"),
    ("clear", "clear_transcript", "Clear", "Clear the transcript pane"),
    ("quit", "quit", "Quit", "Close the session and quit"),
)


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
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+y", "approve", "Approve", id="approve", priority=True),
        Binding("ctrl+n", "reject", "Reject", id="reject", priority=True),
        Binding("f5", "approve_always", "Always yes", id="approve_always", priority=True),
        Binding("f6", "reject_always", "Always no", id="reject_always", priority=True),
        Binding("escape", "interrupt", "Interrupt", id="interrupt"),
        Binding("ctrl+r", "reconnect_now", "Retry now", id="reconnect_now", priority=True),
        Binding("f7", "cancel_tool", "Cancel tool", id="cancel_tool", show=False),
        Binding("f8", "toggle_mute", "Mute", id="mute"),
        Binding("f9", "toggle_push_to_talk", "PTT", id="push_to_talk"),
        Binding("f2", "next_theme", "Theme", id="theme"),
        Binding("f3", "show_metrics", "Metrics", id="metrics", show=False),
        Binding("f4", "inspector", "Wire", id="inspector"),
        Binding("ctrl+l", "clear_transcript", "Clear", id="clear"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
    ]

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
        self.session: Any = None
        self.connected_once = False
        """The session got connected at least once (so its end is not a failed first try)."""
        self.first_connection = FirstConnection(first_connection_retry)
        self._hint = hint
        self.closing = False
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
            command=self._session_command, journal=journal,
        )
        self.main = MainScreen(
            agents=self.agents, levels=levels_source, now=now, blink=blink,
            on_rendered=on_rendered, footer_note=footer_note,
        )
        self.binder = Binder(self.main)
        self.figures = SessionFigures(lambda: self.state)
        for pane in (self.main.transcript, self.main.history, self.main.approvals):
            pane.redact = self.redactor.text
        self.theme_names = self._register_themes(theme_dirs)
        wanted = self.config.theme
        if wanted not in self.available_themes:
            self._theme_problems.append(f"unknown theme {wanted!r}; using {DEFAULT_THEME}")
            wanted = DEFAULT_THEME
        self.theme = wanted
        if self.config.keymap:
            self.set_keymap(self.config.keymap)

    # -- themes ----------------------------------------------------------------------------------

    def _register_themes(self, dirs: Sequence[Path] | None) -> list[str]:
        if dirs is None:
            dirs = [*builtin_theme_dirs(), user_theme_dir()]
        themes, problems = load_themes(list(dirs))
        self._theme_problems.extend(problems)
        for theme in themes:
            self.register_theme(theme)
        return [theme.name for theme in themes]

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return variable_defaults(self.current_theme)

    def action_next_theme(self) -> None:
        names = self.theme_names or [self.theme]
        position = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(position + 1) % len(names)]
        self.notify(f"theme: {self.theme}", timeout=2)

    # -- lifecycle -------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        return self.main

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
            self.run_worker(self._run_session(), name="session", group="session", exclusive=True)

    async def _run_session(self) -> None:
        """The one worker that consumes session events (via the bridge) until the session ends;
        a session that never connected is tried again (see ``FirstConnection``)."""
        assert self._open_session is not None
        while True:
            failure = await self._session_once()
            if self.closing:
                return
            if self.connected_once:
                if failure is None and not self.bridge.gave_up:
                    return
                # The connection is gone for good (reconnecting ran out, or the session
                # failed): the operator decides when to try again, with a new session.
                self.console_line(
                    f"{self.key_for('reconnect_now')} opens a new session (it starts with the "
                    "first agent and without the conversation above)", kind="system")
                await self.first_connection.wait(None)
            else:
                delay = self.first_connection.next_delay()
                self._first_connection_failed(failure or "the session ended", delay)
                await self.first_connection.wait(delay)
            if self.closing:
                return

    async def _session_once(self) -> str | None:
        """Open, run and close one session; the error, if it ended in one."""
        assert self._open_session is not None
        self.post_message(SessionBridge.ConnectionChanged("connecting"))
        failure: str | None = None
        try:
            async with self._open_session() as session:
                self.session = session
                if not self.connected_once and self._hint:
                    # Only once there is a session to ask: a console that never connected
                    # should not invite questions.
                    self.post_message(SessionBridge.Notice(self._hint))
                self.connected_once = True
                self.post_message(SessionBridge.ConnectionChanged("connected"))
                await self.sound.start(session)
                await self.bridge.pump(
                    session.events(console=True), lambda: pending_of(session))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            failure = describe_error(exc)
        finally:
            self.session = None
            await self.sound.stop()
        self.bridge.flush()
        self.bridge.session_gone()  # also when it ended without saying so (an exception)
        self.post_message(SessionBridge.ConnectionChanged("disconnected"))
        if failure is not None:
            if self.connected_once:
                self.post_message(SessionBridge.ErrorReported(f"session failed: {failure}"))
        elif not self.closing and self.bridge.closed_reason in (None, "closed"):
            # Any other reason (a timeout, the server) is already shown with the close.
            self.post_message(SessionBridge.Notice("session ended"))
        return failure

    def _first_connection_failed(self, failure: str, delay: float | None) -> None:
        words = explain(failure, self.backend.url, local=self.backend.name == "local engine")
        self.post_message(FirstConnectionFailed.build(
            words, delay, self.first_connection.failures, self.key_for("reconnect_now")
        ))

    @on(FirstConnectionFailed)
    def _show_first_connection_failed(self, message: FirstConnectionFailed) -> None:
        self.dispatch(ConnectFailed(message.line, message.detail))

    async def close_session(self, timeout: float = 5.0) -> None:
        """Close the session and wait (bounded) for the worker to see the end of the events."""
        self.closing = True
        self.first_connection.retry_now()
        session = self.session
        if session is not None:
            try:
                await asyncio.wait_for(session.close(), timeout)
            except Exception as exc:
                self.console_line(f"close failed: {describe_error(exc)}", kind="error")
        for worker in self.workers:
            if worker.group == "session" and not worker.is_finished:
                try:
                    await asyncio.wait_for(worker.wait(), timeout)
                except Exception:
                    worker.cancel()

    async def action_quit(self) -> None:
        await self.close_session()
        self.exit(0)

    # -- helpers ---------------------------------------------------------------------------------

    def _session_command(self, label: str, call: Callable[[Any], Awaitable[Any]]) -> bool:
        """Run a session call in a worker so no handler waits on the network."""
        session = self.session
        if session is None:
            retry = self.first_connection.waiting
            then = f" ({self.key_for('reconnect_now')} retries the connection now)" if retry else ""
            self.console_line(f"{label}: not connected{then}", kind="error")
            return False

        async def run() -> None:
            try:
                await call(session)
            except Exception as exc:
                self.post_message(SessionBridge.ErrorReported(f"{label}: {describe_error(exc)}"))

        self.run_worker(run(), group="commands")
        return True

    # -- keys ------------------------------------------------------------------------------------

    @on(MessageInput.Sent)
    def send_text(self, message: MessageInput.Sent) -> None:
        text = message.text
        if self._session_command("send", lambda s: s.send_message(text)):
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
        if self.first_connection.retry_now():
            self.notify("retrying the connection now", timeout=2)
            return
        session = self.session
        state = getattr(session, "connection_state", None)
        if session is None or state != "reconnecting":
            self.notify(f"nothing to retry: {state or 'not connected'}", timeout=2)
            return
        self._session_command("retry now", lambda s: s.reconnect_now())

    def action_cancel_tool(self) -> None:
        running = list(getattr(self.session, "running_tool_calls", ()))
        if not running:
            self.notify("no tool call is running", timeout=2)
            return
        self._session_command("cancel tool", lambda s: s.cancel_tool_call(running[0]))

    def action_show_metrics(self) -> None:
        if isinstance(self.screen, MetricsScreen):
            return
        view = MetricsScreen(
            self.state.figures, lambda: self.state.status.usage, self.config.budgets)
        self.binder.metrics = view

        def closed(_: None) -> None:
            if self.binder.metrics is view:
                self.binder.metrics = None

        self.push_screen(view, closed)

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
        for _binding_id, action, title, help_text in COMMANDS:
            if action in ("quit",):
                continue  # Textual's own list already offers Quit
            yield SystemCommand(title, help_text, self._palette_action(action))
        yield SystemCommand(
            "Always rules", "List the always-approve/reject rules and revoke one",
            self._palette_action("always_rules"),
        )
        for title, help_text, run in self.sound.device_commands():
            yield SystemCommand(title, help_text, run)

    def _palette_action(self, action: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await self.run_action(action)

        return run

    def key_for(self, binding_id: str) -> str:
        """The key a binding id is on now (the keymap may have moved it), for hints."""
        keys = self.config.keymap.get(binding_id)
        if keys is None:
            keys = next((b.key for b in self._default_bindings() if b.id == binding_id), "?")
        return keys.split(",")[0]

    def _default_bindings(self) -> list[Binding]:
        return [b for b in self.BINDINGS if isinstance(b, Binding)]
