"""Which tools each agent of the session has, learnt from the session.updates after handoffs.

The protocol only shows the current agent's tools. When a handoff (`transfer_to_billing`) is
followed by a session.update, the new tools are Billing's; the tools of the first agent are
named when another agent offers a handoff back to an agent not met under another name. So the
policy can send a caller on to the agent that has the tool for a request, or towards it: Billing
sends a booking to Triage, whose handoff to Travel says it handles bookings.
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

    def onward(self, handoff: str, here: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The handoffs the agent `handoff` leads to offers, but those known to lead back to the
        agent whose tools are `here`. None while that agent was not met by a handoff (a client
        that changed the tools itself): any of them might lead back."""
        back = _names(here)
        met = [*self._named.values(), *([self._first] if self._first is not None else [])]
        if not any(_names(tools) == back for tools in met):
            return []
        return [
            t
            for t in self._named.get(handoff, [])
            if str(t.get("name")).startswith(HANDOFF_PREFIX)
            and _names(self._named.get(str(t.get("name")), [])) != back
        ]


def _names(tools: list[dict[str, Any]]) -> set[str]:
    return {str(t.get("name")) for t in tools}
