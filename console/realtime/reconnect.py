"""Reconnect policy and conversation restore: backoff delays, and the history as client events.

How a session reconnects (``RealtimeRunConfig["reconnect"]``, off by default):

1. A connection that ends abnormally (reset, kill, ping timeout, any close code but 1000) is a
   drop. A model reports one by emitting an ``error`` event whose error has ``type``
   ``"connection_closed"`` before its ``disconnected`` status; the OpenAI transport does. A
   clean close (code 1000), ``session.close()`` and a drop with reconnect off end the session.
2. The session emits ``connection_lost`` (attempt, retry_in_s, error), waits (``sleep``, cut
   short by ``session.reconnect_now()``), emits ``reconnecting`` and calls ``model.connect``
   again with the current agent's settings (the last ones sent: after handoffs too).
3. It re-creates the history on the new server session with ``conversation.item.create``, in
   order, keeping item ids (``restore_plan`` below), then sends what was held while down, then
   emits ``reconnected``. A failed attempt emits ``connection_lost`` again with a longer wait;
   when ``max_attempts`` run out the session closes with a reason that says so. A SIP call
   (``call_id`` in the model config) keeps its conversation on the server, so nothing is
   re-created there: attaching to the call again is enough.

4. A new connection is only trusted once it is healthy: it stayed up ``healthy_after_s`` or a
   response completed on it. One that drops before that continues the same count of attempts
   (with the longer wait), so a server that accepts and then closes at once cannot cause a
   storm of reconnects. Each held or unconfirmed message is sent again at most once per such
   run of drops (and the restored conversation's ``response.create`` too): a message that was
   re-sent and lost again is given up with an ``error`` event (``kind`` ``"resend_abandoned"``),
   since against a real API each repeat may be a paid response.

``session.connection_state`` tells where it stands (``ConnectionState``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .config import RealtimeReconnectConfig
from .items import (
    AssistantMessageItem,
    RealtimeItem,
    RealtimeToolCallItem,
    SystemMessageItem,
    UserMessageItem,
)

ConnectionState = Literal["disconnected", "connecting", "connected", "reconnecting", "closed"]
"""``disconnected``: not entered yet (or entering failed); ``connecting``: entering;
``connected``; ``reconnecting``: the connection dropped, waiting for or making an attempt, or
restoring the conversation; ``closed``: closing or closed, for good."""

DEFAULT_MAX_ATTEMPTS = 10


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """The reconnect settings of a run config, with defaults, and the backoff they give."""

    enabled: bool = False
    max_attempts: int | None = DEFAULT_MAX_ATTEMPTS
    initial_delay_s: float = 0.5
    max_delay_s: float = 10.0
    resume_response: bool = True
    healthy_after_s: float = 10.0
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep

    @classmethod
    def from_config(cls, config: RealtimeReconnectConfig | Mapping[str, Any] | None) -> (
        ReconnectPolicy
    ):
        c: Mapping[str, Any] = config or {}
        max_attempts = c.get("max_attempts", DEFAULT_MAX_ATTEMPTS)
        if max_attempts is not None and max_attempts < 1:
            raise ValueError("reconnect max_attempts must be at least 1 (or None: no limit)")
        initial = float(c.get("initial_delay_s", 0.5))
        ceiling = float(c.get("max_delay_s", 10.0))
        if initial < 0 or ceiling < 0:
            raise ValueError("reconnect delays cannot be negative")
        return cls(
            enabled=bool(c.get("enabled", False)),
            max_attempts=max_attempts,
            initial_delay_s=initial,
            max_delay_s=max(ceiling, initial),
            resume_response=bool(c.get("resume_response", True)),
            healthy_after_s=float(c.get("healthy_after_s", 10.0)),
            sleep=c.get("sleep") or asyncio.sleep,
        )

    def delay(self, attempt: int) -> float:
        """The wait before attempt ``attempt`` (1-based): doubling from the initial delay."""
        # Capped exponent: 2.0 ** 1100 overflows a float.
        return min(self.max_delay_s, self.initial_delay_s * 2.0 ** min(attempt - 1, 64))

    def exhausted(self, attempt: int) -> bool:
        """True when attempt ``attempt`` is past the limit."""
        return self.max_attempts is not None and attempt > self.max_attempts


@dataclass(slots=True)
class RestorePlan:
    """Client events that re-create a history on a new server session, and what they cover."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    restored_ids: set[str] = field(default_factory=set)
    restored: int = 0
    skipped: int = 0
    owes_response: bool = False
    """The conversation ends on a user message or a tool output that no response answered."""


def _create(item: dict[str, Any], previous: str | None) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "conversation.item.create", "item": item}
    if previous is not None:
        message["previous_item_id"] = previous
    return message


def _user_parts(item: UserMessageItem | SystemMessageItem) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for part in item.content:
        if part.type == "input_text" and part.text:
            parts.append({"type": "input_text", "text": part.text})
        elif part.type == "input_audio" and part.transcript:
            # The audio itself is not kept; what was said survives as text.
            parts.append({"type": "input_text", "text": part.transcript})
        elif part.type == "input_image" and part.image_url:
            image: dict[str, Any] = {"type": "input_image", "image_url": part.image_url}
            if part.detail in ("auto", "low", "high"):
                image["detail"] = part.detail
            parts.append(image)
    return parts


def _assistant_parts(item: AssistantMessageItem) -> list[dict[str, Any]]:
    # conversation.item.create cannot carry assistant audio: its transcript goes as text.
    texts = [part.text if part.type == "text" else part.transcript for part in item.content]
    return [{"type": "output_text", "text": text} for text in texts if text]


def restore_plan(history: Iterable[RealtimeItem], *, live_calls: Collection[str]) -> RestorePlan:
    """``conversation.item.create`` events re-creating ``history`` in order, with its item ids.

    User text stays ``input_text``; user audio becomes ``input_text`` of its transcript (skipped
    without one); assistant messages become ``output_text`` of their text or transcript; a tool
    call becomes a ``function_call`` item and, once answered, a ``function_call_output``. A call
    with no output is restored only if it is in ``live_calls`` (waiting for approval or still
    running): its output will follow under the same ``call_id``. A call cut off before it was
    complete is skipped, as are empty messages. Each item goes after the one restored before it
    (``previous_item_id``) when that one has an id.
    """
    plan = RestorePlan()
    previous: str | None = None
    for item in history:
        created: list[dict[str, Any]] = []
        if isinstance(item, UserMessageItem | SystemMessageItem):
            parts = _user_parts(item)
            if parts:
                created.append(
                    {"type": "message", "role": item.role, "id": item.item_id, "content": parts}
                )
        elif isinstance(item, AssistantMessageItem):
            parts = _assistant_parts(item)
            if parts:
                created.append(
                    {"type": "message", "role": "assistant", "id": item.item_id,
                     "content": parts}
                )
        elif isinstance(item, RealtimeToolCallItem) and item.call_id and item.name and (
            item.output is not None or item.call_id in live_calls
        ):
            created.append(
                {"type": "function_call", "id": item.item_id, "call_id": item.call_id,
                 "name": item.name, "arguments": item.arguments}
            )
            if item.output is not None:
                created.append(
                    {"type": "function_call_output", "call_id": item.call_id,
                     "output": item.output}
                )
        if not created:
            plan.skipped += 1
            continue
        for payload in created:
            plan.messages.append(_create(payload, previous))
            previous = payload.get("id")
        plan.restored += 1
        plan.restored_ids.add(item.item_id)
        last = created[-1]
        plan.owes_response = last.get("role") == "user" or last["type"] == "function_call_output"
    return plan
