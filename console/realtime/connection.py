"""ConnectionSupervisor: a session's connection state, reconnect and restore, the stall watchdog."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from .event_stream import SessionEvents
from .events import (
    RealtimeConnectionLost,
    RealtimeConnectionStateChanged,
    RealtimeReconnected,
    RealtimeReconnecting,
)
from .held_sends import HeldSends, asks_response
from .model import RealtimeModel, RealtimeModelConfig
from .model_events import RealtimeModelEvent
from .model_inputs import (
    RealtimeModelSendAudio,
    RealtimeModelSendEvent,
    RealtimeModelSendInterrupt,
    RealtimeModelSendRawMessage,
)
from .reconnect import ConnectionState, ReconnectPolicy, RestorePlan
from .stall_watch import StallWatch

# Failed sends of the current task: the transport reports them as ``not_connected`` error
# events from inside ``send_event``, so the listener runs in the sender's context.
_SEND_FAILURES: ContextVar[list[str] | None] = ContextVar("rtconsole_send_failures", default=None)


def _describe(error: Any) -> str:
    if isinstance(error, dict):
        text = str(error.get("message") or error.get("type") or "connection lost")
        code = error.get("code")
        return f"{text} (code {code})" if code is not None and str(code) not in text else text
    return str(error)


class ConnectionSupervisor:
    """Owns the connection state of one session; the session routes sends and model events
    through it. See ``console.realtime.reconnect`` for the reconnect sequence.

    What it needs of the session comes in explicitly: ``connect_config`` (the model config
    with the current agent's settings, for a reconnect), ``restore`` (the plan re-creating
    the conversation on a new server session), ``close_session`` (a drop that is not
    reconnected, or attempts run out), ``reconnected`` (the session is up again)."""

    def __init__(
        self,
        model: RealtimeModel,
        events: SessionEvents,
        *,
        policy: ReconnectPolicy,
        response_timeout_s: float | None,
        connect_config: Callable[[], RealtimeModelConfig],
        restore: Callable[[], RestorePlan],
        close_session: Callable[[str, Any], object],
        reconnected: Callable[[], None],
        close_timeout_s: Callable[[], float],
    ) -> None:
        self._model = model
        self._events = events
        self.policy = policy
        self._connect_config = connect_config
        self._restore = restore
        self._close_session = close_session
        self._on_reconnected = reconnected
        self._close_timeout_s = close_timeout_s
        self._state: ConnectionState = "disconnected"
        self.restored_ids: set[str] = set()
        self._sends = HeldSends(events)
        self._task: asyncio.Task[None] | None = None
        self._skip = asyncio.Event()
        self._attempt_done: asyncio.Future[bool] | None = None
        self._lost_again = False
        self._lost_early = False
        self._drop_error: str | None = None
        self._stall_s = response_timeout_s
        self._watch: StallWatch | None = None
        # Attempts used since the connection was last healthy: a connection that drops before
        # it is healthy continues this count instead of starting again at 1.
        self._streak = 0
        self._probation: asyncio.TimerHandle | None = None
        self._resumed = False  # the restore's response.create went out during this streak

    @property
    def state(self) -> ConnectionState:
        return self._state

    @state.setter
    def state(self, state: ConnectionState) -> None:
        previous, self._state = self._state, state
        if state != previous:
            self._events.emit_console(
                RealtimeConnectionStateChanged(state, previous, self._events.info)
            )

    @property
    def held(self) -> int:
        """Sends waiting for the connection to come back."""
        return len(self._sends.held)

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
        if self._events.closed:
            return
        if self.state == "reconnecting":
            self._sends.hold(event)
            return
        if await self._send_now(event):
            self._sent(event)
        elif self.policy.enabled and not self._events.closed:
            self._sends.hold(event)

    async def send_if(
        self, event: RealtimeModelSendEvent, send_if: Callable[[], bool]
    ) -> bool:
        """Send through the model's ``send_event_if``: never held (a condition checked after a
        reconnect would be meaningless); True if the event went out."""
        if self._events.closed or self.state == "reconnecting":
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
                await self._model.send_event(event)
                sent = True
            else:
                sent = await self._model.send_event_if(event, send_if)
        finally:
            _SEND_FAILURES.reset(token)
        return sent and not failures

    def _sent(self, event: RealtimeModelSendEvent) -> None:
        if self.policy.enabled:
            self._sends.sent(event)
        if self._watch is not None and not isinstance(event, RealtimeModelSendInterrupt) and (
            not isinstance(event, RealtimeModelSendAudio) or event.commit
        ):
            self._watch.request()

    # --- model events --------------------------------------------------------------------------

    def on_model_event(self, event: RealtimeModelEvent) -> None:
        kind = event.type
        if kind == "raw_server_event":
            if self._watch is not None:
                self._watch.server_event()
            if self._sends.unconfirmed:
                self._sends.acknowledge(event.data, self.restored_ids)  # type: ignore[union-attr]
        elif kind == "turn_started" or kind == "turn_ended":
            if self._watch is not None:
                self._watch.turn(kind == "turn_started")
            # A response.done from the server proves the connection; the turn end a transport
            # reports for a response cut off by the drop (no response id) does not.
            if kind == "turn_ended" and getattr(event, "response_id", None) is not None:
                self._healthy()

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
        self._sends.healthy()
        self._resumed = False

    def on_status(self, status: str) -> None:
        if status != "disconnected" or self._events.closed:
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
            self._close_session("disconnected", error)
            return
        self.state = "reconnecting"
        self._task = asyncio.get_running_loop().create_task(
            self._reconnect(error), name="realtime-reconnect"
        )

    def _stalled(self, timeout_s: float) -> None:
        self._events.error(
            f"the server sent nothing for {timeout_s:g} s while a response was awaited",
            kind="response_timeout",
            timeout_s=timeout_s,
        )

    # --- reconnecting --------------------------------------------------------------------------

    async def reconnect_now(self) -> bool:
        if self._events.closed or self.state in ("disconnected", "connecting"):
            return False
        if self.state == "connected":
            return True
        self._skip.set()
        done = self._attempt_done
        if done is None:
            return self.state == "connected"
        return await asyncio.shield(done)

    async def _reconnect(self, error: str) -> None:
        events = self._events
        loop = asyncio.get_running_loop()
        attempt = self._streak
        try:
            while True:
                attempt += 1
                if self.policy.exhausted(attempt):
                    self._close_session(
                        f"reconnect failed after {attempt - 1} attempts: {error}", error
                    )
                    return
                delay = self.policy.delay(attempt)
                self._attempt_done = loop.create_future()
                events.emit(
                    RealtimeConnectionLost(
                        attempt=attempt,
                        retry_in_s=delay,
                        error=error,
                        info=events.info,
                        max_attempts=self.policy.max_attempts,
                    )
                )
                await self._wait(delay)
                events.emit(RealtimeReconnecting(attempt=attempt, info=events.info))
                outcome = await self._attempt()
                if isinstance(outcome, str):
                    error = outcome
                    self._attempt_done.set_result(False)
                    continue
                self._attempt_done.set_result(True)
                self._streak = attempt
                self._probation = loop.call_later(self.policy.healthy_after_s, self._healthy)
                restored, skipped, resent = outcome
                self._on_reconnected()
                events.emit(
                    RealtimeReconnected(
                        attempt=attempt,
                        restored_items=restored,
                        skipped_items=skipped,
                        resent=resent,
                        dropped_audio_bytes=self._sends.take_dropped_audio(),
                        info=events.info,
                    )
                )
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
        # Whatever is left of the old connection goes first (close is idempotent and bounded).
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._model.close(), self._close_timeout_s())
        self._lost_again = False
        try:
            await self._model.connect(self._connect_config())
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        plan = self._restore()
        # Known before sending, so the server's echoes of them are recognised.
        self.restored_ids |= plan.restored_ids
        for message in plan.messages:
            if self._lost_again or not await self._send_now(
                RealtimeModelSendRawMessage(message={"type": message["type"], "other_data": {
                    k: v for k, v in message.items() if k != "type"}})
            ):
                return "the connection dropped again while the conversation was restored"
        sends = self._sends
        pending = sends.take()
        asked = any(asks_response(e) for e in pending)
        resent = 0
        while pending:
            event = pending.pop(0)
            if self._lost_again or not await self._send_now(event):
                sends.put_back([event, *pending])
                return "the connection dropped again while held messages were sent"
            self._sent(event)
            sends.resent_now(event)
            resent += 1
            if not pending and sends.held:  # sent while the restore ran
                pending = sends.take(unconfirmed=False)
                asked = asked or any(asks_response(e) for e in pending)
        if plan.owes_response and not asked and self.policy.resume_response and not self._resumed:
            self._resumed = True
            await self._send_now(RealtimeModelSendRawMessage(message={"type": "response.create"}))
        if self._lost_again:
            return "the connection dropped again right after reconnecting"
        self._drop_error = None
        self.state = "connected"
        return plan.restored, plan.skipped, resent

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
