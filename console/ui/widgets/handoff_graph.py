"""The handoff graph: agents reachable from the start, edges, current and taken handoffs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..state import Agents


@dataclass(slots=True)
class AgentGraph:
    """Agent names in discovery order and, per agent, the agents its handoffs lead to."""

    nodes: list[str] = field(default_factory=list)
    edges: dict[str, list[str]] = field(default_factory=dict)


def handoff_target(handoff: Any, known: dict[str, Any]) -> tuple[str, Any | None]:
    """The name (and agent object, when it can be found) a handoff leads to."""
    if hasattr(handoff, "handoffs") and hasattr(handoff, "name"):
        return handoff.name, handoff  # a RealtimeAgent given directly
    agent = getattr(handoff, "agent", None)
    name = getattr(handoff, "agent_name", None) or getattr(agent, "name", None) or "?"
    return name, agent if agent is not None else known.get(name)


def build_graph(agents: Iterable[Any]) -> AgentGraph:
    """Breadth-first from the first agent; any further agents given are included as roots."""
    roots = list(agents)
    known = {agent.name: agent for agent in roots}
    graph = AgentGraph()
    queue = list(roots)
    while queue:
        agent = queue.pop(0)
        if agent.name in graph.edges:
            continue
        graph.nodes.append(agent.name)
        targets: list[str] = []
        for handoff in getattr(agent, "handoffs", ()) or ():
            name, target = handoff_target(handoff, known)
            targets.append(name)
            if target is not None:
                known.setdefault(name, target)
                queue.append(target)
            elif name not in graph.nodes:
                graph.nodes.append(name)
                graph.edges.setdefault(name, [])
        graph.edges[agent.name] = targets
    return graph


class HandoffGraph(Widget):
    """Text-drawn: each agent with its outgoing edges; the current agent and taken edges marked.

    The graph (who can hand off to whom) is the agents' own; which agent is current and which
    handoffs were taken is the console state's ``Agents`` slice, bound to ``agents``."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "graph--agent",
        "graph--current",
        "graph--edge",
        "graph--taken",
    }

    agents: reactive[Agents] = reactive(Agents, always_update=False, layout=True)

    def __init__(
        self,
        agents: Iterable[Any] = (),
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.graph = build_graph(agents)

    @property
    def current(self) -> str | None:
        return self.agents.current or (self.graph.nodes[0] if self.graph.nodes else None)

    @property
    def taken(self) -> Counter[tuple[str, str]]:
        return Counter({(source, target): n for source, target, n in self.agents.taken})

    def set_graph(self, graph: AgentGraph) -> None:
        """Show ``graph`` as given (a replay has the recorded graph, not the agents)."""
        self.graph = graph
        self.refresh(layout=True)

    def set_current(self, name: str) -> None:
        self.agents = self.agents.now(name)

    def mark_taken(self, source: str, target: str) -> None:
        self.agents = self.agents.handoff(source, target)

    def _agent_names(self) -> list[str]:
        """The graph's agents, then any agent that was current without being in it."""
        edges = self.graph.edges
        return [*self.graph.nodes, *(n for n in self.agents.seen
                                    if n not in edges and n not in self.graph.nodes)]

    def render(self) -> Text:
        agent_style = self.get_component_rich_style("graph--agent")
        current_style = self.get_component_rich_style("graph--current")
        edge_style = self.get_component_rich_style("graph--edge")
        taken_style = self.get_component_rich_style("graph--taken")
        current = self.current
        text = Text(no_wrap=True, overflow="ellipsis")
        for number, name in enumerate(self._agent_names()):
            if number:
                text.append("\n")
            is_current = name == current
            text.append("● " if is_current else "○ ", current_style if is_current else edge_style)
            text.append(name, current_style if is_current else agent_style)
            if is_current:
                text.append("  (current)", current_style)
            targets = self.graph.edges.get(name, [])
            for position, target in enumerate(targets):
                branch = "└─▶ " if position == len(targets) - 1 else "├─▶ "
                count = self.agents.count(name, target)
                text.append("\n  " + branch, taken_style if count else edge_style)
                text.append(target, current_style if target == current else agent_style)
                if count:
                    text.append(f"  ✓ taken x{count}", taken_style)
        return text

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return sum(1 + len(self.graph.edges.get(n, [])) for n in self._agent_names()) or 1
