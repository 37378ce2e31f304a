"""The console's messages as journal records and back: what a journal keeps so replay can re-post.

Every message the bridge or the console's listener posts is written, when the app handles it, as
``{"kind": "event", "type": "bridge.<Class>" | "listener.<Class>", "fields": {...}}``, the
fields being its constructor's arguments: plain values, except conversation items, which are
written as their JSON dump. Two things keep a long session's journal linear in its length:

- ``HistoryChanged`` carries the whole history. Its record holds only the items whose dump
  changed since they were last written (``items``), the ids of the tail the handler reads
  (``tail``, for a partial update) or, for a full update, the order only when it is not the
  known order plus new ids at the end (``append`` / ``order``). The decoder keeps the items
  written so far, so it rebuilds exactly the list the live handler saw.
- ``TranscriptStreamed.arrivals`` (perf-counter stamps for the latency benchmark) are not kept.

Handlers also read two bits of bridge state as it is at handling time: the current agent's name
and which items streamed as deltas. Records of item messages carry both under ``bridge``
(``agent``, ``streamed``), and replay sets them on its bridge before it hands the message on.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from dataclasses import fields as dataclass_fields
from functools import cache
from typing import Any

from pydantic import TypeAdapter
from textual.message import Message

from console.realtime.items import RealtimeItem

from .bridge import SessionBridge
from .listener import ConsoleListener
from .widgets.approvals import PendingApproval

PENDING_FIELDS = tuple(f.name for f in dataclass_fields(PendingApproval))

HISTORY_TAIL = 8
"""How many of the newest items a partial ``HistoryChanged`` shows (see SessionView)."""


def _nested(owner: type, prefix: str) -> dict[str, type[Message]]:
    return {
        f"{prefix}.{name}": value
        for name, value in vars(owner).items()
        if isinstance(value, type) and issubclass(value, Message)
    }


MESSAGE_TYPES: dict[str, type[Message]] = {
    **_nested(SessionBridge, "bridge"),
    **_nested(ConsoleListener, "listener"),
}
"""Journal type name -> message class, for everything replay can re-post."""
_NAMES: dict[type[Message], str] = {cls: name for name, cls in MESSAGE_TYPES.items()}


def type_name(message: Message) -> str | None:
    """The journal type of ``message``, or None for a message replay does not know."""
    return _NAMES.get(type(message))


_PARAMS: dict[type[Message], tuple[str, ...]] = {
    cls: tuple(name for name in inspect.signature(cls.__init__).parameters if name != "self")
    for cls in MESSAGE_TYPES.values()
}


def _params(cls: type[Message]) -> tuple[str, ...]:
    return _PARAMS[cls]


@cache
def _item_adapter() -> TypeAdapter[Any]:
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

        ``agent`` and ``streamed`` are the bridge's current agent and streamed item ids; item
        messages keep the part of them their handler reads under ``bridge``."""
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
            fields = {"item_id": message.item_id, "agent": message.agent, "text": message.text}
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
        cls = MESSAGE_TYPES.get(str(record.get("type")))
        if cls is None:
            return None
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
