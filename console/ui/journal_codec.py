"""The console's session events as journal records and back: what replay hands the reducer again.

Every message the bridge or the console's listener posts is written, when the app reduces it, as
``{"kind": "event", "type": "call.<what>" | "listener.<what>", "fields": {...}}`` (the
``RECORDS`` table: console schema 2, independent of the message classes' names; schema 1's
``bridge.<Class>`` types still decode). Fields are plain values, except conversation items,
which are written as their JSON dump. Two things keep a long session's journal linear in its length:

- ``HistoryChanged`` carries the whole history. Its record holds only the items whose dump
  changed since they were last written (``items``), the ids of the tail the handler reads
  (``tail``, for a partial update) or, for a full update, the order only when it is not the
  known order plus new ids at the end (``append`` / ``order``). The decoder keeps the items
  written so far, so it rebuilds exactly the list the live handler saw.
- ``TranscriptStreamed.arrivals`` (perf-counter stamps for the latency benchmark) are not kept.

Records of item messages also carry, under ``bridge``, the current agent's name and which items
streamed as deltas when they were written (the first version's replay needed them; the reducer
does not, and decoding still returns them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from dataclasses import fields as dataclass_fields
from functools import cache
from typing import TYPE_CHECKING, Any

from textual.message import Message

from console.journal.record_names import canonical

from .bridge import SessionBridge
from .listener import ConsoleListener
from .reducer import HISTORY_TAIL
from .widgets.approvals import PendingApproval

if TYPE_CHECKING:
    from pydantic import TypeAdapter

PENDING_FIELDS = tuple(f.name for f in dataclass_fields(PendingApproval))



B = SessionBridge
L = ConsoleListener

RECORDS: tuple[tuple[str, type[Message], tuple[str, ...]], ...] = (
    ("call.connection", B.ConnectionChanged, ("status",)),
    ("call.transcript", B.TranscriptStreamed, ("item_id", "agent", "text")),
    ("call.user_transcript", B.UserSpoke, ("item_id", "text")),
    ("call.agent", B.AgentStarted, ("agent",)),
    ("call.handoff", B.HandoffTaken, ("source", "target")),
    ("call.tool_start", B.ToolStarted, ("agent", "tool", "arguments", "call_id")),
    ("call.tool_end", B.ToolEnded, ("agent", "tool", "output", "call_id")),
    ("call.approval_required", B.ApprovalRequested, ("agent", "tool", "arguments", "call_id")),
    ("call.approvals", B.ApprovalsChanged, ("pending",)),
    ("call.error", B.ErrorReported, ("text", "source")),
    ("call.guardrail", B.GuardrailTripped, ("text", "guardrails")),
    ("call.history", B.HistoryChanged, ("items", "full")),
    ("call.item_added", B.ItemAdded, ("item",)),
    ("call.user_speech", B.UserSpeechChanged, ("started",)),
    ("call.turn_started", B.TurnStarted, ()),
    ("call.turn_ended", B.TurnEnded, ("status",)),
    ("call.latency", B.LatencyMeasured, ("milliseconds", "kind")),
    ("call.usage", B.UsageReported, ("tokens", "cost")),
    ("call.turn_figures", B.TurnMeasured,
     ("number", "stages", "tool_ms", "approval_ms", "total_ms", "tokens", "cost")),
    ("call.decided_by_rule", B.DecidedByRule,
     ("agent", "tool", "arguments", "call_id", "decision")),
    ("call.interrupted", B.Interrupted, ("item_id",)),
    ("call.notice", B.Notice, ("text",)),
    ("call.connection_lost", B.ConnectionLost,
     ("attempt", "retry_in_s", "error", "max_attempts")),
    ("call.reconnecting", B.Reconnecting, ("attempt",)),
    ("call.reconnected", B.Reconnected,
     ("attempt", "restored_items", "skipped_items", "resent", "dropped_audio_bytes")),
    ("call.closed", B.SessionEnded, ("reason", "error")),
    ("listener.countdown", L.CountdownTicked, ("remaining",)),
    ("listener.subagent_started", L.SubagentStarted, ("agent_name",)),
    ("listener.subagent_finished", L.SubagentFinished, ("agent_name",)),
)
"""The journal's session records (console schema 2): (record type, message, its fields in the
message's argument order). The record types and field names are the schema: renaming a message
class changes this table, never a journal. Fields carry plain JSON values."""


MESSAGE_TYPES: dict[str, type[Message]] = {name: cls for name, cls, _ in RECORDS}
"""Journal record type -> message class, for everything replay can re-post."""
_NAMES: dict[type[Message], str] = {cls: name for name, cls, _ in RECORDS}
_PARAMS: dict[type[Message], tuple[str, ...]] = {cls: params for _, cls, params in RECORDS}


def record_type(name: str) -> str | None:
    """The schema-2 record type of a journal record type of either schema (None: not a
    session record)."""
    name = str(canonical(name))
    return name if name in MESSAGE_TYPES else None


def type_name(message: Message) -> str | None:
    """The journal type of ``message``, or None for a message replay does not know."""
    return _NAMES.get(type(message))


def _params(cls: type[Message]) -> tuple[str, ...]:
    return _PARAMS[cls]


@cache
def _item_adapter() -> TypeAdapter[Any]:
    # Imported when the first item is journaled or replayed, not with the console.
    from pydantic import TypeAdapter

    from console.realtime.items import RealtimeItem

    return TypeAdapter(RealtimeItem)


def _dump(item: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = item.model_dump(mode="json")
    return dumped


@dataclass(slots=True)
class MessageEncoder:
    """Turns handled messages into journal records (one encoder per journal)."""

    _written: dict[str, str] = field(default_factory=dict)
    """item id -> the JSON of its last written dump."""
    _order: list[str] = field(default_factory=list)
    """The item order of the last full history written."""

    def encode(
        self, message: Message, *, agent: str = "", streamed: Iterable[str] = ()
    ) -> dict[str, Any] | None:
        """``{"type", "fields"[, "bridge"]}`` for ``message``, or None if it is not replayable.

        ``agent`` is the console state's current agent (a reply's deltas are labelled with it)
        and ``streamed`` the bridge's streamed item ids; item messages keep them under
        ``bridge``."""
        name = type_name(message)
        if name is None:
            return None
        fields: dict[str, Any]
        if isinstance(message, SessionBridge.HistoryChanged):
            fields = self._history(message.items, message.full)
            shown = message.items if message.full else message.items[-HISTORY_TAIL:]
            ids = [item.item_id for item in shown]
        elif isinstance(message, SessionBridge.ItemAdded):
            fields = {"item": self._item(message.item, force=True)}
            ids = [message.item.item_id]
        elif isinstance(message, SessionBridge.TranscriptStreamed):
            # The label the reducer gave the reply (the current agent), unless the message
            # carried its own (a replayed journal's).
            fields = {"item_id": message.item_id, "agent": message.agent or agent,
                      "text": message.text}
            return {"type": name, "fields": fields}
        elif isinstance(message, SessionBridge.ApprovalsChanged):
            pending = [asdict(approval) for approval in message.pending]
            return {"type": name, "fields": {"pending": pending}}
        else:
            fields = {param: getattr(message, param) for param in _params(type(message))}
            return {"type": name, "fields": fields}
        known = streamed if isinstance(streamed, set | frozenset) else set(streamed)
        bridge = {"agent": agent, "streamed": [item_id for item_id in ids if item_id in known]}
        return {"type": name, "fields": fields, "bridge": bridge}

    def _item(self, item: Any, *, force: bool = False) -> dict[str, Any] | None:
        dumped = _dump(item)
        text = json.dumps(dumped, sort_keys=True, ensure_ascii=False)
        if not force and self._written.get(item.item_id) == text:
            return None
        self._written[item.item_id] = text
        return dumped

    def _history(self, items: Sequence[Any], full: bool) -> dict[str, Any]:
        shown = list(items) if full else list(items[-HISTORY_TAIL:])
        changed = [dumped for item in shown if (dumped := self._item(item)) is not None]
        ids = [item.item_id for item in shown]
        out: dict[str, Any] = {"full": full, "items": changed}
        if not full:
            out["tail"] = ids
            return out
        known = self._order
        if ids[: len(known)] == known:
            if len(ids) > len(known):
                out["append"] = ids[len(known):]
        else:
            out["order"] = ids
        self._order = ids
        return out


@dataclass(slots=True)
class Decoded:
    """A message rebuilt from a record, with the bridge state its handler expects."""

    message: Message
    agent: str | None = None
    streamed: list[str] = field(default_factory=list)


class MessageDecoder:
    """Rebuilds messages from records written by ``MessageEncoder``, in order."""

    def __init__(self) -> None:
        self._items: dict[str, Any] = {}
        self._order: list[str] = []

    def decode(self, record: dict[str, Any]) -> Decoded | None:
        """The message of an ``event`` record, or None for records that are not messages."""
        name = record_type(str(record.get("type")))
        if name is None:
            return None
        cls = MESSAGE_TYPES[name]
        raw = record.get("fields")
        fields: dict[str, Any] = raw if isinstance(raw, dict) else {}
        message: Message
        if cls is SessionBridge.HistoryChanged:
            message = SessionBridge.HistoryChanged(*self._history(fields))
        elif cls is SessionBridge.ItemAdded:
            message = SessionBridge.ItemAdded(self._load(fields["item"]))
        elif cls is SessionBridge.ApprovalsChanged:
            raw_pending = fields.get("pending")
            pending = raw_pending if isinstance(raw_pending, list) else []
            return Decoded(SessionBridge.ApprovalsChanged(tuple(
                PendingApproval(**{k: str(p.get(k, "")) for k in PENDING_FIELDS})
                for p in pending if isinstance(p, dict)
            )))
        elif cls is SessionBridge.TranscriptStreamed:
            message = SessionBridge.TranscriptStreamed(
                str(fields.get("item_id")), str(fields.get("agent", "")),
                str(fields.get("text", "")), [],
            )
        else:
            # By name, so a field a version did not write takes the message's default.
            return Decoded(cls(**{p: fields[p] for p in _params(cls) if p in fields}))
        bridge = record.get("bridge")
        if not isinstance(bridge, dict):
            return Decoded(message)
        streamed = bridge.get("streamed")
        return Decoded(
            message,
            agent=bridge.get("agent"),
            streamed=list(streamed) if isinstance(streamed, list) else [],
        )

    def _load(self, dumped: dict[str, Any]) -> Any:
        item = _item_adapter().validate_python(dumped)
        self._items[item.item_id] = item
        return item

    def _history(self, record: dict[str, Any]) -> tuple[list[Any], bool]:
        for dumped in record.get("items") or []:
            self._load(dumped)
        full = bool(record.get("full"))
        if not full:
            ids = list(record.get("tail") or [])
        elif "order" in record:
            ids = list(record["order"])
        else:
            ids = self._order + list(record.get("append") or [])
        if full:
            self._order = ids
        return [self._items[item_id] for item_id in ids if item_id in self._items], full
