"""ScriptedRealtimeModel: the SDK's in-memory test model, with expected sends and replies."""

from __future__ import annotations

import asyncio
import copy
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Required, TypeAlias, cast

from typing_extensions import TypedDict

from .config import RealtimeSessionModelSettings
from .model import (
    RealtimeModel,
    RealtimeModelConfig,
    RealtimeModelListener,
    RealtimePlaybackTracker,
)
from .model_events import (
    RealtimeModelConnectionStatusEvent,
    RealtimeModelErrorEvent,
    RealtimeModelEvent,
    RealtimeModelExceptionEvent,
)
from .model_inputs import RealtimeModelSendEvent, RealtimeModelSendSessionUpdate
from .openai_options import redact_url


class RealtimeScriptError(Exception):
    """A script that is invalid, or used while the model is not connected."""


class UnexpectedRealtimeSend(RealtimeScriptError):
    """A sent event that the next step does not expect (or no step is left)."""

    def __init__(
        self,
        message: str,
        *,
        actual: RealtimeModelSendEvent,
        expected: RealtimeSendMatcher | None,
    ) -> None:
        super().__init__(message)
        self.actual = actual
        self.expected = expected


class UnconsumedRealtimeSteps(RealtimeScriptError):
    """``assert_complete()`` found expected sends that never came."""

    def __init__(self, message: str, *, remaining_steps: int) -> None:
        super().__init__(message)
        self.remaining_steps = remaining_steps


RealtimeSendMatcher: TypeAlias = (
    RealtimeModelSendEvent | type[RealtimeModelSendEvent] | Callable[[RealtimeModelSendEvent], bool]
)
"""An equal event, an event class, or a predicate over the sent event."""


@dataclass(frozen=True)
class RealtimeStep:
    """One expected send, and what the model does when it comes: emit events, or raise."""

    expect: RealtimeSendMatcher
    emit: Sequence[RealtimeModelEvent] = field(default_factory=tuple)
    error: Exception | None = None

    def __post_init__(self) -> None:
        events = tuple(self.emit)
        if events and self.error is not None:
            raise ValueError("A RealtimeStep cannot define both emit events and an error.")
        object.__setattr__(self, "emit", events)


class RealtimeConnectCall(TypedDict, total=False):
    """What one ``connect`` was given, without credentials (the URL without secrets)."""

    api_key_provided: Required[bool]
    headers_provided: Required[bool]
    url: str
    initial_model_settings: RealtimeSessionModelSettings
    playback_tracker: RealtimePlaybackTracker
    call_id: str


Reaction = (
    Sequence[RealtimeModelEvent]
    | Callable[[RealtimeModelSendEvent], Iterable[RealtimeModelEvent] | None]
)
"""Not in the SDK: events to emit whenever a sent event of some type arrives (a list, or a
function of the sent event)."""


class _Outcome:
    """What a sender waits for: every delivery it caused has run (first error kept)."""

    __slots__ = ("done", "error", "pending")

    def __init__(self) -> None:
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pending = 0
        self.error: BaseException | None = None


@dataclass(frozen=True, slots=True)
class _Delivery:
    events: tuple[RealtimeModelEvent, ...]
    error: Exception | None
    epoch: int  # close_calls when committed: a close in between cancels the delivery
    outcome: _Outcome


class ScriptedRealtimeModel(RealtimeModel):
    """A model that checks what the session sends and replies as the test says.

    As in the SDK: ``steps`` are the expected sends in order, each with the events it triggers
    (or an error its ``send_event`` raises); with ``strict`` (the default) any other send raises
    ``UnexpectedRealtimeSend``. ``connect_events`` are emitted during ``connect``;
    ``connect_error``/``close_error`` make those fail. Events are delivered to listeners one at a
    time by one task, in the order they were committed, and ``send_event``/``emit`` return once
    theirs are delivered. ``connect_calls`` and ``sent_events`` are detached snapshots;
    ``assert_complete()`` fails while steps remain.

    Additions: ``script`` (or ``on(sent_type, reaction)``) replies to every send of a type;
    ``sent``/``sent_of(type)`` list the sent events themselves; ``connect_options`` is the last
    config as given; ``settle()`` waits for every delivery; ``disconnect()`` acts as if the
    server closed the connection; ``connect_failures`` are raised by the next connects.
    """

    def __init__(
        self,
        steps: Iterable[RealtimeStep] = (),
        *,
        connect_events: Iterable[RealtimeModelEvent] = (),
        connect_error: Exception | None = None,
        close_error: Exception | None = None,
        strict: bool = True,
        script: Mapping[str, Reaction] | None = None,
    ) -> None:
        on_connect = tuple(connect_events)
        if on_connect and connect_error is not None:
            raise ValueError(
                "A ScriptedRealtimeModel cannot define both connect events and a connect error."
            )
        self._steps: deque[RealtimeStep] = deque(_copy_step(step) for step in steps)
        self._connect_events = tuple(_copy_model_event(e) for e in on_connect)
        self._connect_error = connect_error
        self._close_error = close_error
        self._strict = strict
        self._script: dict[str, list[Reaction]] = {}
        for kind, reaction in (script or {}).items():
            self.on(kind, reaction)
        self._listeners: list[RealtimeModelListener] = []
        self._lock = asyncio.Lock()
        self._queue: deque[_Delivery] = deque()
        self._worker: asyncio.Task[None] | None = None
        self._current: _Outcome | None = None
        self._connects: list[RealtimeConnectCall] = []
        self._sent: list[RealtimeModelSendEvent] = []
        self._sent_as_given: list[RealtimeModelSendEvent] = []
        self._last_config: RealtimeModelConfig | None = None
        self.connect_failures: list[Exception] = []
        """Raised (and removed) one per ``connect``, before ``connect_error`` (not in the SDK)."""
        self.connected = False
        self.closed = False
        self.close_calls = 0

    # --- the SDK's API -----------------------------------------------------------------------

    @property
    def listeners(self) -> tuple[RealtimeModelListener, ...]:
        return tuple(self._listeners)

    @property
    def connect_calls(self) -> tuple[RealtimeConnectCall, ...]:
        return tuple(_copy_connect_call(call) for call in self._connects)

    @property
    def sent_events(self) -> tuple[RealtimeModelSendEvent, ...]:
        return tuple(_copy_send_event(event) for event in self._sent)

    @property
    def remaining_steps(self) -> int:
        return len(self._steps)

    async def connect(self, options: RealtimeModelConfig) -> None:
        if self.connected or self._worker is not None:
            raise AssertionError("Already connected")
        self._connects.append(_connect_call(options))
        self._last_config = options
        if self.connect_failures:
            raise self.connect_failures.pop(0)
        if self._connect_error is not None:
            raise self._connect_error
        self.connected, self.closed = True, False
        try:
            await self._deliver(self._commit(self._connect_events, None))
        except BaseException:
            self.connected, self.closed = False, True
            raise

    def add_listener(self, listener: RealtimeModelListener) -> None:
        if listener not in self._listeners:
            self._listeners.append(listener)

    def remove_listener(self, listener: RealtimeModelListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    async def send_event(self, event: RealtimeModelSendEvent) -> None:
        async with self._lock:
            self._check_connected("send an event")
            commit = self._commit_send(event)
        await self._deliver(commit)

    async def send_event_if(
        self, event: RealtimeModelSendEvent, send_if: Callable[[], bool]
    ) -> bool:
        """Send ``event`` only if ``send_if()`` holds at the moment of sending."""
        async with self._lock:
            self._check_connected("send an event")
            if not send_if():
                return False
            commit = self._commit_send(event)
        await self._deliver(commit)
        return True

    async def emit(self, *events: RealtimeModelEvent) -> None:
        """Deliver ``events`` to every listener, in order, after what is already queued."""
        async with self._lock:
            self._check_connected("emit events")
            commit = self._commit(tuple(_copy_model_event(e) for e in events), None)
        await self._deliver(commit)

    async def close(self) -> None:
        self.close_calls += 1
        if self.closed:
            return
        self.connected, self.closed = False, True
        if self._close_error is not None:
            raise self._close_error

    def assert_complete(self) -> None:
        if self._steps:
            count = len(self._steps)
            raise UnconsumedRealtimeSteps(
                f"{count} scripted Realtime step(s) were not consumed.", remaining_steps=count
            )

    # --- additions (read-only properties, so an SDK test's subclass may override them) ------

    @property
    def sent(self) -> list[RealtimeModelSendEvent]:
        """The sent events themselves, in order."""
        return self._sent_as_given

    @property
    def connect_options(self) -> RealtimeModelConfig | None:
        """The last ``connect`` config as given, credentials included."""
        return self._last_config

    def on(self, sent_type: str, reaction: Reaction) -> None:
        """Reply to every sent event of ``sent_type`` (``"send_user_input"``...)."""
        self._script.setdefault(sent_type, []).append(reaction)

    def sent_of(self, sent_type: str) -> list[Any]:
        return [e for e in self.sent if e.type == sent_type]

    async def settle(self) -> None:
        """Wait until everything committed so far has been delivered."""
        while self._worker is not None:
            await asyncio.shield(self._worker)

    async def disconnect(self) -> None:
        """Act as if the server closed the connection: a ``disconnected`` status event."""
        self.connected = False
        for listener in tuple(self._listeners):
            await listener.on_event(RealtimeModelConnectionStatusEvent(status="disconnected"))

    # --- delivery ----------------------------------------------------------------------------

    def _check_connected(self, what: str) -> None:
        if not self.connected or self.closed:
            raise RealtimeScriptError(f"Cannot {what} while the scripted model is disconnected.")

    def _commit_send(self, event: RealtimeModelSendEvent) -> tuple[_Outcome, bool]:
        recorded = _copy_send_event(event)
        step = self._next_step(event, recorded)
        self._sent.append(recorded)
        self._sent_as_given.append(event)
        events = list(step.emit) if step is not None else []
        for reaction in self._script.get(event.type, ()):
            produced = reaction(event) if callable(reaction) else reaction
            events.extend(produced or ())
        return self._commit(tuple(events), step.error if step is not None else None)

    def _next_step(
        self, event: RealtimeModelSendEvent, recorded: RealtimeModelSendEvent
    ) -> RealtimeStep | None:
        if self._steps and _matches(self._steps[0].expect, event):
            return self._steps.popleft()
        if not self._strict:
            return None
        if not self._steps:
            raise UnexpectedRealtimeSend(
                "Unexpected Realtime send: no scripted steps remain.", actual=recorded,
                expected=None,
            )
        raise UnexpectedRealtimeSend(
            "Unexpected Realtime send: event did not match the next scripted expectation.",
            actual=recorded,
            expected=_copy_matcher(self._steps[0].expect),
        )

    def _commit(
        self, events: tuple[RealtimeModelEvent, ...], error: Exception | None
    ) -> tuple[_Outcome, bool]:
        """Queue a delivery. From inside a delivery (a listener that sends), it joins the running
        outcome instead: waiting for it there would wait for itself."""
        nested = self._current is not None and asyncio.current_task() is self._worker
        outcome = self._current if nested and self._current is not None else _Outcome()
        outcome.pending += 1
        self._queue.append(_Delivery(events, error, self.close_calls, outcome))
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._pump())
        return outcome, nested

    async def _deliver(self, commit: tuple[_Outcome, bool]) -> None:
        outcome, nested = commit
        if nested:
            return
        await asyncio.shield(outcome.done)
        if outcome.error is not None:
            raise outcome.error

    async def _pump(self) -> None:
        while True:
            async with self._lock:
                if not self._queue:
                    self._worker = self._current = None
                    return
                delivery = self._queue.popleft()
                self._current = delivery.outcome
            try:
                await self._run(delivery)
            except BaseException as exc:  # handed to the sender, which re-raises it
                if delivery.outcome.error is None:
                    delivery.outcome.error = exc
            outcome = delivery.outcome
            outcome.pending -= 1
            if outcome.pending == 0 and not outcome.done.done():
                outcome.done.set_result(None)

    async def _run(self, delivery: _Delivery) -> None:
        if delivery.error is not None:
            raise delivery.error
        if self.closed or self.close_calls != delivery.epoch:
            raise RealtimeScriptError(
                "Cannot emit events while the scripted model is disconnected."
            )
        for event in delivery.events:
            for listener in tuple(self._listeners):
                if self.closed or self.close_calls != delivery.epoch:
                    return
                await listener.on_event(event)


# --- detached copies: what a test recorded must not change when the session's objects do -------


def _copy_settings(settings: RealtimeSessionModelSettings) -> RealtimeSessionModelSettings:
    # Tools and handoffs stay the same objects (tests compare them by identity).
    shared = {k: list(settings[k]) for k in ("tools", "handoffs") if k in settings}
    rest = copy.deepcopy({k: v for k, v in settings.items() if k not in shared})
    return cast(RealtimeSessionModelSettings, {**rest, **shared})


def _copy_send_event(event: RealtimeModelSendEvent) -> RealtimeModelSendEvent:
    if isinstance(event, RealtimeModelSendSessionUpdate):
        settings = _copy_settings(event.session_settings)
        return RealtimeModelSendSessionUpdate(session_settings=settings)
    return copy.deepcopy(event)


def _copy_model_event(event: RealtimeModelEvent) -> RealtimeModelEvent:
    # Exceptions are kept as they are: tests check them by identity.
    if isinstance(event, RealtimeModelExceptionEvent):
        return RealtimeModelExceptionEvent(event.exception, copy.deepcopy(event.context))
    if isinstance(event, RealtimeModelErrorEvent) and isinstance(event.error, Exception):
        return RealtimeModelErrorEvent(event.error)
    return copy.deepcopy(event)


def _copy_step(step: RealtimeStep) -> RealtimeStep:
    return RealtimeStep(
        expect=_copy_matcher(step.expect),
        emit=tuple(_copy_model_event(e) for e in step.emit),
        error=step.error,
    )


def _copy_matcher(matcher: RealtimeSendMatcher) -> RealtimeSendMatcher:
    if isinstance(matcher, type) or callable(matcher):
        return matcher
    return _copy_send_event(matcher)


def _matches(matcher: RealtimeSendMatcher, event: RealtimeModelSendEvent) -> bool:
    if isinstance(matcher, type):
        return isinstance(event, matcher)
    if callable(matcher):
        return bool(matcher(_copy_send_event(event)))
    return bool(event == matcher)


def _connect_call(options: RealtimeModelConfig) -> RealtimeConnectCall:
    call: RealtimeConnectCall = {
        "api_key_provided": "api_key" in options,
        "headers_provided": "headers" in options,
    }
    if "url" in options:
        call["url"] = _url_without_secrets(options["url"])
    if "initial_model_settings" in options:
        call["initial_model_settings"] = _copy_settings(options["initial_model_settings"])
    if "playback_tracker" in options:
        call["playback_tracker"] = options["playback_tracker"]
    if "call_id" in options:
        call["call_id"] = options["call_id"]
    return call


def _copy_connect_call(call: RealtimeConnectCall) -> RealtimeConnectCall:
    copied = cast(RealtimeConnectCall, dict(call))
    if "initial_model_settings" in call:
        copied["initial_model_settings"] = _copy_settings(call["initial_model_settings"])
    return copied


def _url_without_secrets(url: str) -> str:
    """Scheme, host, port and path: credentials, query and fragment may carry secrets."""
    redacted = redact_url(url)
    return redacted.split("?", 1)[0]


__all__ = [
    "RealtimeConnectCall",
    "RealtimeScriptError",
    "RealtimeSendMatcher",
    "RealtimeStep",
    "ScriptedRealtimeModel",
    "UnconsumedRealtimeSteps",
    "UnexpectedRealtimeSend",
]
