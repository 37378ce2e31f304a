"""The history tree: conversation items grouped by turn, expandable to parts and tool calls."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

LABEL_LIMIT = 70


def _clip(text: str, limit: int = LABEL_LIMIT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


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


def item_label(item: Any, redact: Callable[[str], str] = str) -> Text:
    if getattr(item, "type", None) == "function_call":
        status = "" if item.status == "completed" else f" [{item.status}]"
        return Text.assemble(("⚙ ", "bold"), (item.name or "tool", "bold"), status)
    role = getattr(item, "role", "?")
    suffix = " …" if getattr(item, "status", None) == "in_progress" else ""
    text = _clip(redact(item_text(item)))
    return Text.assemble((f"{role}: ", "bold"), text or "(no text yet)", suffix)


def item_children(item: Any, redact: Callable[[str], str] = str) -> Iterable[str]:
    """What the transcript does not show: the item's id and status, a call's id, arguments
    and output in full (clipped at 200 characters), each part's type."""
    status = getattr(item, "status", None)
    yield f"id: {item.item_id}" + (f" · {status}" if status else "")
    if getattr(item, "type", None) == "function_call":
        yield f"call_id: {item.call_id or '-'}"
        yield f"arguments: {_clip(redact(item.arguments or '{}'), 200)}"
        output = item.output
        yield f"output: {_clip(redact(str(output)), 200)}" if output is not None else "output: …"
        return
    for part in getattr(item, "content", ()) or ():
        kind = getattr(part, "type", "part")
        yield f"{kind}: {_clip(redact(part_text(part)), 200) or '(empty)'}"


class HistoryTree(Tree[str]):
    """Follows history_updated/added incrementally: only new or changed items touch the tree."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__("history", name=name, id=id, classes=classes)
        self.show_root = False
        self.guide_depth = 2
        self._item_nodes: dict[str, TreeNode[str]] = {}
        self._signatures: dict[str, tuple[Any, ...]] = {}
        self._turn: TreeNode[str] | None = None
        self._turns = 0
        self._turn_nodes: dict[int, TreeNode[str]] = {}
        self._figures: dict[int, str] = {}
        """Each measured turn's figures by the timeline's number (a turn not in the tree yet
        gets them when it comes)."""
        self._widest = 0
        """The widest item label so far, in cells."""
        self.redact: Callable[[str], str] = str
        """Hides known secrets in what is shown (the app gives its redactor's ``text``)."""

    @property
    def item_ids(self) -> list[str]:
        return list(self._item_nodes)

    def sync(self, items: Sequence[Any]) -> None:
        """Bring the tree in line with the whole history (deleted items go, changed ones update)."""
        seen = set()
        for item in items:
            seen.add(item.item_id)
            self.upsert(item)
        for gone in [item_id for item_id in self._item_nodes if item_id not in seen]:
            self.remove_item(gone)

    def upsert(self, item: Any) -> None:
        item_id = item.item_id
        sig = signature(item)
        node = self._item_nodes.get(item_id)
        if node is not None and self._signatures.get(item_id) == sig:
            return
        self._signatures[item_id] = sig
        label = item_label(item, self.redact)
        wider = label.cell_len > self._widest
        self._widest = max(self._widest, label.cell_len)
        if node is None:
            parent = self._turn_for(item)
            node = parent.add(label, data=item_id, expand=False)
            self._item_nodes[item_id] = node
            for child in item_children(item, self.redact):
                node.add_leaf(child)
            return
        node.set_label(label)
        if wider:
            # Tree measures its width when lines change, not on a relabel: without this a label
            # that grew (a streamed reply) would stay partly out of horizontal reach. Expanding
            # the (always expanded) root is the public way to have the lines measured again.
            self.root.expand()
        children = list(item_children(item, self.redact))
        if len(children) == len(node.children):
            # Relabel in place: same shape, so the tree's layout does not change.
            for leaf, text in zip(node.children, children, strict=True):
                if str(leaf.label) != text:
                    leaf.set_label(text)
        else:
            node.remove_children()
            for child in children:
                node.add_leaf(child)

    def remove_item(self, item_id: str) -> None:
        node = self._item_nodes.pop(item_id, None)
        self._signatures.pop(item_id, None)
        if node is not None:
            node.remove()

    def clear_history(self) -> None:
        self.clear()
        self._item_nodes.clear()
        self._signatures.clear()
        self._turn = None
        self._turns = 0
        self._turn_nodes.clear()
        self._figures.clear()
        self._widest = 0

    def show_turn_figures(self, number: int, text: str) -> None:
        """Turn ``number`` (``TurnMeasured.number``) was measured: its node says ``text``."""
        self._figures[number] = text
        node = self._turn_nodes.get(number)
        if node is not None:
            self._label_turn(number, node)

    def _label_turn(self, number: int, node: TreeNode[str]) -> None:
        figures = self._figures.get(number)
        label = f"Turn {number}" + (f" · {figures}" if figures else "")
        node.set_label(label)
        if cell_len(label) > self._widest:
            self._widest = cell_len(label)
            self.root.expand()  # have the lines measured again (see ``upsert``)

    def _turn_for(self, item: Any) -> TreeNode[str]:
        # Numbered as the console's turn timeline numbers ``TurnMeasured``: a turn starts with
        # each user input, or with a response that came when no turn was open (a greeting, or
        # one after the last turn was measured), so figures land on the turn they measured.
        user = getattr(item, "role", None) == "user"
        if user or self._turn is None or self._turns in self._figures:
            self._turns += 1
            self._turn = self.root.add(f"Turn {self._turns}", expand=True)
            self._turn_nodes[self._turns] = self._turn
            if self._turns in self._figures:
                self._label_turn(self._turns, self._turn)
        return self._turn
