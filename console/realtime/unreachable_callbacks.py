"""Which AgentListener callbacks a session's settings leave unreachable, and why."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .agent import RealtimeAgent


def unreachable_callbacks(
    settings: Mapping[str, Any], agent: RealtimeAgent[Any], inactivity_timeout_s: float | None
) -> dict[str, str]:
    """Callback names mapped to why they can never fire (for ``warn_unreachable``)."""
    reasons: dict[str, str] = {}
    if not inactivity_timeout_s:
        reasons["on_user_inactivity_countdown"] = "user_inactivity_timeout_s is not set"
    if settings.get("input_audio_transcription", True) is None:
        reasons["on_user_transcript"] = "no input audio transcription model is configured"
    if settings.get("turn_detection", True) is None:
        why = "turn detection is off, so the server reports no speech"
        reasons["on_user_started_speaking"] = reasons["on_user_stopped_speaking"] = why
    if not _has_subagents(agent):
        why = "no agent reachable from the starting agent has a subagent tool"
        reasons["on_subagent_started"] = reasons["on_subagent_finished"] = why
    return reasons


def _has_subagents(start: RealtimeAgent[Any]) -> bool:
    from .subagent import SubagentTool

    seen: set[int] = set()
    todo = [start]
    while todo:
        agent = todo.pop()
        if id(agent) in seen:
            continue
        seen.add(id(agent))
        if any(isinstance(tool, SubagentTool) for tool in _listed(agent, "tools")):
            return True
        for handoff in _listed(agent, "handoffs"):
            target = handoff if isinstance(handoff, RealtimeAgent) else handoff.agent
            if isinstance(target, RealtimeAgent):
                todo.append(target)
    return False


def _listed(agent: Any, name: str) -> list[Any] | tuple[Any, ...]:
    """``agent.<name>`` if it is a list (a stand-in agent of a test may have anything)."""
    value = getattr(agent, name, ())
    return value if isinstance(value, list | tuple) else ()
