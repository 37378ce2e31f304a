"""The history tree: conversation items grouped by turn, expandable to parts and tool calls."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ..history import Entry, History, item_text, part_text

LABEL_LIMIT = 70


def _clip(text: str, limit: int = LABEL_LIMIT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


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
    """Shows its slice of the console state, ``history`` (a reactive): a new slice that extends
    the one shown touches only the items whose entry changed (and the turns newly labelled);
    one that does not (a new session's) is drawn anew."""

    history: reactive[History] = reactive(History, always_update=False, init=False, repaint=False)
    """Drawn by ``watch_history``, line by line: a new slice repaints only what changed."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__("history", name=name, id=id, classes=classes)
        self.show_root = False
        self.guide_depth = 2
        self._item_nodes: dict[str, TreeNode[str]] = {}
        self._turn_nodes: dict[int, TreeNode[str]] = {}
        self._widest = 0
        """The widest label so far, in cells."""
        self.redact: Callable[[str], str] = str
        """Hides known secrets in what is shown (the app gives its redactor's ``text``)."""

    @property
    def item_ids(self) -> list[str]:
        return list(self._item_nodes)

    # A tree used on its own (tests) changes its slice through these; the console binds it.

    def sync(self, items: Sequence[Any]) -> None:
        """Bring the tree in line with the whole history (deleted items go, changed ones update)."""
        self.history = self.history.sync(items)

    def upsert(self, item: Any) -> None:
        self.history = self.history.upsert((item,))

    def remove_item(self, item_id: str) -> None:
        self.history = self.history.without((item_id,))

    def clear_history(self) -> None:
        self.history = History()

    def show_turn_figures(self, number: int, text: str) -> None:
        """Turn ``number`` (``TurnMeasured.number``) was measured: its node says ``text``."""
        self.history = self.history.measured(number, text)

    # -- drawing the slice -------------------------------------------------------------------

    def watch_history(self, shown: History, history: History) -> None:
        if history.turns < shown.turns:
            # Not a successor of what is shown (turns only ever open): start again.
            self.clear()
            self._item_nodes.clear()
            self._turn_nodes.clear()
            self._widest = 0
            shown = History()
        added = 0
        for item_id, entry in history.entries.items():
            before = shown.entries.get(item_id)
            if before is entry:
                continue
            added += before is None
            self._show(item_id, entry, history)
        if len(shown.entries) + added > len(history.entries):
            for gone in [i for i in shown.entries if i not in history.entries]:
                node = self._item_nodes.pop(gone, None)
                if node is not None:
                    node.remove()
        if history.labels is not shown.labels:
            for number, label in history.labels.items():
                node = self._turn_nodes.get(number)
                if node is not None and shown.labels.get(number) != label:
                    self._label_turn(number, node, label)

    def _show(self, item_id: str, entry: Entry, history: History) -> None:
        item = entry.item
        label = item_label(item, self.redact)
        wider = label.cell_len > self._widest
        self._widest = max(self._widest, label.cell_len)
        node = self._item_nodes.get(item_id)
        if node is None:
            node = self._turn(entry.turn, history).add(label, data=item_id, expand=False)
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

    def _turn(self, number: int, history: History) -> TreeNode[str]:
        node = self._turn_nodes.get(number)
        if node is None:
            node = self.root.add(f"Turn {number}", expand=True)
            self._turn_nodes[number] = node
            label = history.labels.get(number)
            if label:
                self._label_turn(number, node, label)
        return node

    def _label_turn(self, number: int, node: TreeNode[str], figures: str) -> None:
        label = f"Turn {number}" + (f" · {figures}" if figures else "")
        node.set_label(label)
        if cell_len(label) > self._widest:
            self._widest = cell_len(label)
            self.root.expand()  # have the lines measured again (see ``_show``)
