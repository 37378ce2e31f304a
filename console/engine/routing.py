"""Which tools each agent of the session has, learnt from the session.updates after handoffs.

The protocol only shows the current agent's tools. When a handoff (`transfer_to_billing`) is
followed by a session.update, the new tools are Billing's; the tools of the first agent are
named when another agent offers a handoff back to an agent not met under another name. So the
policy can send a caller on to the agent that has the tool for a request.
"""

from __future__ import annotations

from typing import Any

HANDOFF_PREFIX = "transfer_to_"


class AgentMap:
    """Handoff tool name -> the tools of the agent it leads to, as far as seen."""

    def __init__(self) -> None:
        self._named: dict[str, list[dict[str, Any]]] = {}
        self._first: list[dict[str, Any]] | None = None

    def learn(self, tools: list[dict[str, Any]], last_handoff: str | None) -> None:
        """The session now has `tools`; `last_handoff` is the handoff called before, if any."""
        if last_handoff:
            self._named[last_handoff] = tools
        elif self._first is None:
            self._first = tools
        if self._first is not None:
            first_names = {str(t.get("name")) for t in self._first}
            for tool in tools:
                name = str(tool.get("name", ""))
                if (
                    name.startswith(HANDOFF_PREFIX)
                    and name not in self._named
                    and name not in first_names
                    and not any(t is self._first for t in self._named.values())
                ):
                    self._named[name] = self._first

    def tools_behind(self, handoff: str) -> list[dict[str, Any]]:
        """The tools of the agent `handoff` leads to (none known: empty)."""
        return [
            t
            for t in self._named.get(handoff, [])
            if not str(t.get("name")).startswith(HANDOFF_PREFIX)
        ]
