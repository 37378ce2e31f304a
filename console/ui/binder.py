"""The binder: hands the widgets the slices of a new console state that changed, nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .state import Cleared, ConsoleState, Heard, Line, Stream, Transcript

if TYPE_CHECKING:
    from textual.message import Message

    from .screens.main import MainScreen
    from .screens.metrics import MetricsScreen
    from .widgets.transcript import EntryKind


class Binder:
    """Slices are compared by identity (the reducer returns the same object for what did not
    change), so binding costs a few pointer compares per event; the transcript gets only the
    changes logged since it was last bound."""

    def __init__(self, main: MainScreen) -> None:
        self._main = main
        self._shown: ConsoleState | None = None
        self._log: list[object] | None = None
        self._applied = 0
        self._metrics: MetricsScreen | None = None

    def show(self, state: ConsoleState) -> None:
        main, shown = self._main, self._shown
        self._shown = state
        if shown is None or state.status is not shown.status:
            main.status.facts = state.status
            main.graph.agents = state.status.agents
        if shown is None or state.approvals is not shown.approvals:
            main.approvals.approvals = state.approvals
        if shown is None or state.voice is not shown.voice:
            voice = state.voice
            main.meters.heard = voice.heard
            if shown is not None and (voice.microphone, voice.speaker) != (
                shown.voice.microphone, shown.voice.speaker
            ):
                main.meters.show_devices(voice.microphone, voice.speaker)
        if shown is None or state.transcript is not shown.transcript:
            self._transcribe(state.transcript)
        if shown is None or state.history is not shown.history:
            main.history.history = state.history
        if self._metrics is not None and (shown is None or state.figures is not shown.figures):
            self._metrics.book = state.figures

    def bind_metrics(self, view: MetricsScreen) -> Callable[[object], None]:
        """Hand ``view`` (a metrics view, shown with the state's ``figures``) each new slice
        until the returned callback is called (the view's dismissal)."""
        self._metrics = view

        def unbind(_: object) -> None:
            if self._metrics is view:
                self._metrics = None

        return unbind

    def _transcribe(self, transcript: Transcript) -> None:
        view = self._main.transcript
        start = self._applied
        if transcript.log is not self._log or transcript.length < start:
            # A new log (a clear, or a state that is not a successor of the last one shown).
            self._log = transcript.log  # type: ignore[assignment]
            start = 0
            if not transcript.log or not isinstance(transcript.log[0], Cleared):
                view.clear()
        for op in transcript.log[start : transcript.length]:
            if isinstance(op, Stream):
                view.append_text(op.key, op.text, label=op.label)
            elif isinstance(op, Line):
                kind: EntryKind = op.kind  # type: ignore[assignment]
                view.add(kind, op.label, op.text, key=op.key)
            elif isinstance(op, Heard):
                view.mark_heard(op.key, op.chars)
            else:
                view.clear()
        self._applied = transcript.length

    def follow(self, message: Message) -> None:
        """What a message says beyond the state: when a reply's deltas came (the transcript
        pane reports them once drawn, for the latency benchmark)."""
        from .bridge import SessionBridge

        if isinstance(message, SessionBridge.TranscriptStreamed):
            self._main.transcript.arrived(message.arrivals)
