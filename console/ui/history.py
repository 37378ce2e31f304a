"""The history tree's slice of the console state: the session's items by turn, and turn labels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .tokens import format_cost

if TYPE_CHECKING:
    from .timeline import TurnFigures


def turn_summary(figures: TurnFigures, cost: float | None) -> str:
    """A measured turn's label: ``842 ms · 312 in / 95 out · $0.0031``, the whole turn, then its
    tokens and cost once usage came (a turn without usage shows its time alone)."""
    parts = [f"{figures.total_ms:.0f} ms"]
    if figures.tokens.total:
        parts.append(f"{figures.tokens.input} in / {figures.tokens.output} out")
        if cost is not None:
            parts.append(format_cost(cost))
    return " · ".join(parts)


def part_text(part: Any) -> str:
    return str(getattr(part, "text", None) or getattr(part, "transcript", None) or "")


def item_text(item: Any) -> str:
    return " ".join(t for t in (part_text(p) for p in getattr(item, "content", ()) or ()) if t)


def signature(item: Any) -> tuple[Any, ...]:
    """Cheap fingerprint of what the tree shows, so unchanged items cost no widget work."""
    if getattr(item, "type", None) == "function_call":
        return ("call", item.name, item.status, len(item.arguments), item.output)
    parts = tuple(
        (getattr(p, "type", ""), len(part_text(p))) for p in getattr(item, "content", ()) or ()
    )
    return ("msg", getattr(item, "role", ""), getattr(item, "status", None), parts)


@dataclass(frozen=True, slots=True)
class Entry:
    """An item as the tree shows it: under turn ``turn``, drawn from what ``signature`` says.
    A new entry means the tree has something to redraw; an unchanged item keeps its entry."""

    item: Any
    turn: int
    signature: tuple[Any, ...]


@dataclass(frozen=True, slots=True, eq=False)
class History:
    """The session's history as the tree shows it. Replaced only when an item is added, changes
    or goes, or a turn is measured (a few times a second at most, never per delta): the entries
    are copied then, and an unchanged history event returns the same object.

    Turns are numbered as the console's turn timeline numbers ``TurnMeasured``: a turn starts
    with each user input, or with a response that came when no turn was open (a greeting, or
    one after the last turn was measured), so figures land on the turn they measured."""

    entries: Mapping[str, Entry] = field(default_factory=dict)
    """By item id, in the order the tree shows them (turn by turn)."""
    turns: int = 0
    """Turns opened so far."""
    labels: Mapping[int, str] = field(default_factory=dict)
    """Each measured turn's figures, as its node says them, by turn number (a turn not in the
    history yet gets them when it comes)."""

    @property
    def items(self) -> list[Any]:
        return [entry.item for entry in self.entries.values()]

    def upsert(self, items: Iterable[Any]) -> History:
        """The history with ``items`` added (at the end) or changed in place."""
        entries: dict[str, Entry] | None = None
        turns = self.turns
        for item in items:
            shown = (self.entries if entries is None else entries).get(item.item_id)
            sig = signature(item)
            if shown is not None and shown.signature == sig:
                continue
            if entries is None:
                entries = dict(self.entries)
            if shown is not None:
                turn = shown.turn
            else:
                if getattr(item, "role", None) == "user" or turns == 0 or turns in self.labels:
                    turns += 1
                turn = turns
            entries[item.item_id] = Entry(item, turn, sig)
        return self if entries is None else History(entries, turns, self.labels)

    def sync(self, items: Iterable[Any]) -> History:
        """The history made the whole of ``items``: new and changed ones in, others out."""
        items = list(items)
        history = self.upsert(items)
        return history.without(set(history.entries) - {item.item_id for item in items})

    def without(self, item_ids: Iterable[str]) -> History:
        gone = {item_id for item_id in item_ids if item_id in self.entries}
        if not gone:
            return self
        entries = {k: e for k, e in self.entries.items() if k not in gone}
        return History(entries, self.turns, self.labels)

    def measured(self, number: int, label: str) -> History:
        """Turn ``number`` was measured: its node says ``label``."""
        if self.labels.get(number) == label:
            return self
        return History(self.entries, self.turns, {**self.labels, number: label})
