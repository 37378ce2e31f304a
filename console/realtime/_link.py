"""A session's connection: sends held while down, reconnect and restore, the stall watchdog."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, cast

from .events import RealtimeConnectionLost, RealtimeReconnected, RealtimeReconnecting
from .model import RealtimeModelConfig
from .model_events import RealtimeModelEvent
from .model_inputs import (
    RealtimeModelSendAudio,
    RealtimeModelSendEvent,
    RealtimeModelSendInterrupt,
    RealtimeModelSendRawMessage,
    RealtimeModelSendToolOutput,
    RealtimeModelSendUserInput,
)
from .reconnect import ConnectionState, ReconnectPolicy, RestorePlan, restore_plan

if TYPE_CHECKING:
    from .session import RealtimeSession

# Failed sends of the current task: the transport reports them as ``not_connected`` error
# events from inside ``send_event``, so the listener runs in the sender's context.
_SEND_FAILURES: ContextVar[list[str] | None] = ContextVar("rtconsole_send_failures", default=None)

_UNCONFIRMED_LIMIT = 64
_HELD_LIMIT = 256  # sends kept while down; past it they are refused with an error event
_ACK_EVENTS = ("conversation.item.added", "conversation.item.created")
_TEXT_PARTS = ("input_text", "input_image")


def _asks_response(event: RealtimeModelSendEvent) -> bool:
    if isinstance(event, RealtimeModelSendUserInput):
        return True
    if isinstance(event, RealtimeModelSendToolOutput):
        return event.start_response
    if isinstance(event, RealtimeModelSendRawMessage):
        return event.message.get("type") == "response.create"
    return False


def _texts(event: RealtimeModelSendUserInput) -> list[Any]:
    message = event.user_input
    if isinstance(message, str):
        return [message]
    return [p.get("text") for p in message.get("content", []) if p.get("type") == "input_text"]


def _describe(error: Any) -> str:
    if isinstance(error, dict):
        text = str(error.get("message") or error.get("type") or "connection lost")
        code = error.get("code")
        return f"{text} (code {code})" if code is not None and str(code) not in text else text
    return str(error)


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


class SessionLink:
    """Owns the connection state of one session; the session routes sends and model events
    through it. See ``console.realtime.reconnect`` for the reconnect sequence."""

    def __init__(self, session: RealtimeSession[Any]) -> None:
        self._s = session
        self.policy = ReconnectPolicy.from_config(session._run_config.get("reconnect"))
        self._state: ConnectionState = "disconnected"
        self.restored_ids: set[str] = set()
        self._held: deque[RealtimeModelSendEvent] = deque()
        # User messages sent but not yet echoed by the server: a socket that died unnoticed
        # swallows them, so they are sent again after a reconnect.
        self._unconfirmed: deque[RealtimeModelSendUserInput] = deque(maxlen=_UNCONFIRMED_LIMIT)
        self._task: asyncio.Task[None] | None = None
        self._skip = asyncio.Event()
        self._attempt_done: asyncio.Future[bool] | None = None
        self._lost_again = False
        self._lost_early = False
        self._drop_error: str | None = None
        self._dropped_audio = 0
        self._stall_s: float | None = session._run_config.get("response_timeout_s")
        self._watch: StallWatch | None = None
        # Attempts used since the connection was last healthy: a connection that drops before
        # it is healthy continues this count instead of starting again at 1.
        self._streak = 0
        self._probation: asyncio.TimerHandle | None = None
        # Sends (and the restore's response.create) already re-sent during this streak.
        self._resent: list[RealtimeModelSendEvent] = []
        self._resumed = False

    @property
    def state(self) -> ConnectionState:
        return self._state

    @state.setter
    def state(self, state: ConnectionState) -> None:
        previous, self._state = self._state, state
        if state != previous:
            self._s._on_connection_state(state, previous)

    @property
    def held(self) -> int:
        """Sends waiting for the connection to come back."""
        return len(self._held)

    def connected(self) -> None:
        """The session's first connect succeeded."""
        self.state = "connected"
        if self._stall_s and self._watch is None:
            self._watch = StallWatch(self._stall_s, self._stalled)
        if self._lost_early:
            # The connection died while enter() was still connecting: handle that drop now.
            self._lost_early = False
            self.on_status("disconnected")
        else:
            self._drop_error = None

    # --- sending -------------------------------------------------------------------------------

    async def send(self, event: RealtimeModelSendEvent) -> None:
        if self._s._closing:
            return
        if self.state == "reconnecting":
            self._hold(event)
            return
        if await self._send_now(event):
            self._sent(event)
        elif self.policy.enabled and not self._s._closing:
            self._hold(event)

    async def send_if(
        self, event: RealtimeModelSendEvent, send_if: Callable[[], bool]
    ) -> bool:
        """Send through the model's ``send_event_if``: never held (a condition checked after a
        reconnect would be meaningless); True if the event went out."""
        if self._s._closing or self.state == "reconnecting":
            return False
        if await self._send_now(event, send_if):
            self._sent(event)
            return True
        return False

    async def _send_now(
        self, event: RealtimeModelSendEvent, send_if: Callable[[], bool] | None = None
    ) -> bool:
        failures: list[str] = []
        token = _SEND_FAILURES.set(failures)
        try:
            if send_if is None:
                await self._s._model.send_event(event)
                sent = True
            else:
                sent = await self._s._model.send_event_if(event, send_if)
        finally:
            _SEND_FAILURES.reset(token)
        return sent and not failures

    def _sent(self, event: RealtimeModelSendEvent) -> None:
        if self.policy.enabled and isinstance(event, RealtimeModelSendUserInput):
            self._unconfirmed.append(event)
        if self._watch is not None and not isinstance(event, RealtimeModelSendInterrupt) and (
            not isinstance(event, RealtimeModelSendAudio) or event.commit
        ):
            self._watch.request()

    def _hold(self, event: RealtimeModelSendEvent) -> None:
        # Audio is live: played back minutes late it would be wrong, so it is dropped, and so
        # is an interrupt (there is nothing to interrupt on a new server session).
        if isinstance(event, RealtimeModelSendAudio):
            self._dropped_audio += len(event.audio)
        elif len(self._held) >= _HELD_LIMIT:
            self._s._emit_error(
                f"not sent: {_HELD_LIMIT} sends are already waiting for the connection",
                kind="held_full",
            )
        elif not isinstance(event, RealtimeModelSendInterrupt):
            self._held.append(event)

    # --- model events --------------------------------------------------------------------------

    def on_model_event(self, event: RealtimeModelEvent) -> None:
        kind = event.type
        if kind == "raw_server_event":
            if self._watch is not None:
                self._watch.server_event()
            if self._unconfirmed:
                self._acknowledge(event.data)  # type: ignore[union-attr]
        elif kind == "turn_started" or kind == "turn_ended":
            if self._watch is not None:
                self._watch.turn(kind == "turn_started")
            # A response.done from the server proves the connection; the turn end a transport
            # reports for a response cut off by the drop (no response id) does not.
            if kind == "turn_ended" and getattr(event, "response_id", None) is not None:
                self._healthy()

    def _acknowledge(self, data: Any) -> None:
        if type(data) is not dict or data.get("type") not in _ACK_EVENTS:
            return
        item = data.get("item")
        if not isinstance(item, dict) or item.get("role") != "user":
            return
        if item.get("id") in self.restored_ids:
            return
        parts = item.get("content")
        if not isinstance(parts, list) or not all(
            isinstance(p, dict) and p.get("type") in _TEXT_PARTS for p in parts
        ):
            return  # spoken, or not ours
        texts = [p.get("text") for p in parts if p.get("type") == "input_text"]
        for sent in self._unconfirmed:
            if _texts(sent) == texts:
                self._unconfirmed.remove(sent)
                return

    def on_error(self, error: Any) -> bool:
        """Note a drop's cause; True when the error is handled here (a held send)."""
        kind = error.get("type") if isinstance(error, dict) else None
        if kind == "connection_closed":
            self._drop_error = _describe(error)
        elif kind == "not_connected":
            failures = _SEND_FAILURES.get()
            if failures is not None:
                failures.append(str(error.get("message")))
                return self.policy.enabled
        return False

    def _healthy(self) -> None:
        """The connection stayed up long enough or completed a response: trust it."""
        if self._probation is not None:
            self._probation.cancel()
            self._probation = None
        self._streak = 0
        self._resent.clear()
        self._resumed = False

    def on_status(self, status: str) -> None:
        if status != "disconnected" or self._s._closing:
            return
        if self._probation is not None:
            self._probation.cancel()
            self._probation = None
            error = self._drop_error
            if error is not None:
                self._drop_error = f"{error}, soon after reconnecting"
        if self._watch is not None:
            self._watch.reset()
        if self._task is not None:
            self._lost_again = True  # a new connection died during its attempt
            return
        if self.state == "connecting":
            self._lost_early = True  # dealt with once enter() has connected
            return
        if self.state != "connected":
            return
        error, self._drop_error = self._drop_error, None
        if not self.policy.enabled or error is None:
            # Not awaited: the transport may be calling us from the task close() awaits.
            self._s._begin_close("disconnected", error)
            return
        self.state = "reconnecting"
        self._task = asyncio.get_running_loop().create_task(
            self._reconnect(error), name="realtime-reconnect"
        )

    def _stalled(self, timeout_s: float) -> None:
        self._s._emit_error(
            f"the server sent nothing for {timeout_s:g} s while a response was awaited",
            kind="response_timeout",
            timeout_s=timeout_s,
        )

    # --- reconnecting --------------------------------------------------------------------------

    async def reconnect_now(self) -> bool:
        if self._s._closing or self.state in ("disconnected", "connecting"):
            return False
        if self.state == "connected":
            return True
        self._skip.set()
        done = self._attempt_done
        if done is None:
            return self.state == "connected"
        return await asyncio.shield(done)

    async def _reconnect(self, error: str) -> None:
        s = self._s
        loop = asyncio.get_running_loop()
        attempt = self._streak
        try:
            while True:
                attempt += 1
                if self.policy.exhausted(attempt):
                    s._begin_close(
                        f"reconnect failed after {attempt - 1} attempts: {error}", error
                    )
                    return
                delay = self.policy.delay(attempt)
                self._attempt_done = loop.create_future()
                s._emit(
                    RealtimeConnectionLost(
                        attempt=attempt,
                        retry_in_s=delay,
                        error=error,
                        info=s._event_info,
                        max_attempts=self.policy.max_attempts,
                    )
                )
                await self._wait(delay)
                s._emit(RealtimeReconnecting(attempt=attempt, info=s._event_info))
                outcome = await self._attempt()
                if isinstance(outcome, str):
                    error = outcome
                    self._attempt_done.set_result(False)
                    continue
                self._attempt_done.set_result(True)
                self._streak = attempt
                self._probation = loop.call_later(self.policy.healthy_after_s, self._healthy)
                restored, skipped, resent = outcome
                s._lifecycle.connected()
                s._emit(
                    RealtimeReconnected(
                        attempt=attempt,
                        restored_items=restored,
                        skipped_items=skipped,
                        resent=resent,
                        dropped_audio_bytes=self._dropped_audio,
                        info=s._event_info,
                    )
                )
                self._dropped_audio = 0
                return
        finally:
            self._task = None
            if self._attempt_done is not None and not self._attempt_done.done():
                self._attempt_done.set_result(False)

    async def _wait(self, delay: float) -> None:
        self._skip.clear()
        sleeper = asyncio.ensure_future(self.policy.sleep(delay))
        skipper = asyncio.ensure_future(self._skip.wait())
        try:
            await asyncio.wait({sleeper, skipper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            skipper.cancel()

    async def _attempt(self) -> tuple[int, int, int] | str:
        """One attempt: connect, restore, flush. The counts on success, else why it failed."""
        s = self._s
        # Whatever is left of the old connection goes first (close is idempotent and bounded).
        with contextlib.suppress(Exception):
            await asyncio.wait_for(s._model.close(), s.close_timeout_s)
        self._lost_again = False
        config = cast(
            RealtimeModelConfig,
            {**s._model_config, "initial_model_settings": s._current_settings},
        )
        try:
            await s._model.connect(config)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        if s._model_config.get("call_id"):
            # A SIP call keeps its conversation on the server: attaching again is enough.
            plan = RestorePlan()
        else:
            plan = restore_plan(s._history.view, live_calls=s._tools.live_calls())
        # Known before sending, so the server's echoes of them are recognised.
        self.restored_ids |= plan.restored_ids
        for message in plan.messages:
            if self._lost_again or not await self._send_now(
                RealtimeModelSendRawMessage(message={"type": message["type"], "other_data": {
                    k: v for k, v in message.items() if k != "type"}})
            ):
                return "the connection dropped again while the conversation was restored"
        pending = self._once([*self._unconfirmed, *self._held])
        self._unconfirmed.clear()
        self._held.clear()
        asked = any(_asks_response(e) for e in pending)
        resent = 0
        while pending:
            event = pending.pop(0)
            if self._lost_again or not await self._send_now(event):
                self._held.extendleft(reversed([event, *pending]))
                return "the connection dropped again while held messages were sent"
            self._sent(event)
            self._resent.append(event)
            resent += 1
            if not pending and self._held:  # sent while the restore ran
                pending = self._once(list(self._held))
                self._held.clear()
                asked = asked or any(_asks_response(e) for e in pending)
        if plan.owes_response and not asked and self.policy.resume_response and not self._resumed:
            self._resumed = True
            await self._send_now(RealtimeModelSendRawMessage(message={"type": "response.create"}))
        if self._lost_again:
            return "the connection dropped again right after reconnecting"
        self._drop_error = None
        self.state = "connected"
        return plan.restored, plan.skipped, resent

    def _once(self, events: list[RealtimeModelSendEvent]) -> list[RealtimeModelSendEvent]:
        """``events`` less those already re-sent during this streak, which are given up."""
        keep: list[RealtimeModelSendEvent] = []
        for event in events:
            if any(event is sent for sent in self._resent):
                what = (f"message {_texts(event)!r}"
                        if isinstance(event, RealtimeModelSendUserInput)
                        else type(event).__name__)
                self._s._emit_error(
                    f"{what} was not sent again: it was lost in two dropped connections",
                    kind="resend_abandoned",
                )
            else:
                keep.append(event)
        return keep

    async def stop(self) -> None:
        """The session is closing: stop reconnecting and watching."""
        self.state = "closed"
        if self._probation is not None:
            self._probation.cancel()
            self._probation = None
        if self._watch is not None:
            self._watch.reset()
        task = self._task
        if task is not None and task is not asyncio.current_task() and not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=1.0)
        if self._attempt_done is not None and not self._attempt_done.done():
            self._attempt_done.set_result(False)
