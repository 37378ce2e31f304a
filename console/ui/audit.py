"""The audit of tool calls: which an "always" rule decided, and how long the others waited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class RuleDecision:
    """A call an "always" rule decided with nobody asked (it never waited)."""

    call_id: str
    tool: str
    agent: str
    arguments: str
    decision: Literal["approved", "rejected"]


def _name(thing: Any, fallback: str) -> str:
    return str(getattr(thing, "name", None) or fallback)


class DecisionWatch:
    """Watches tool events: a call that starts (or ends without starting) without having asked
    for approval, while the run context holds an "always" decision for its tool, was decided by
    that rule. Also keeps when each approval was asked, for the operator's decision's wait."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._asked: dict[str, float] = {}
        self._started: set[str] = set()

    def observe(self, event: Any) -> RuleDecision | None:
        from console.realtime import events as ev  # at the first event, not at startup

        match event:
            case ev.RealtimeToolApprovalRequired(call_id=call_id):
                self._asked[call_id] = self._clock()
            case ev.RealtimeToolStart(call_id=str(call_id)):
                self._started.add(call_id)
                if call_id not in self._asked:
                    return self._by_rule(event, call_id, True)
            case ev.RealtimeToolEnd(call_id=str(call_id)):
                asked = self._asked.pop(call_id, None) is not None
                started = call_id in self._started
                self._started.discard(call_id)
                if not asked and not started:
                    return self._by_rule(event, call_id, False)
        return None

    def _by_rule(self, event: Any, call_id: str, approved: bool) -> RuleDecision | None:
        tool = _name(event.tool, "tool")
        rules = event.info.context.always_rules()
        if rules.get(tool) is not approved:
            return None
        return RuleDecision(
            call_id, tool, _name(event.agent, "agent"), str(event.arguments),
            "approved" if approved else "rejected",
        )

    def waited_ms(self, call_id: str) -> float | None:
        """How long the call has waited for a decision (None: it never asked)."""
        asked = self._asked.get(call_id)
        return None if asked is None else (self._clock() - asked) * 1000.0
