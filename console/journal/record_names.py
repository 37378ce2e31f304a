"""The names of the journal's call records (console schema 2) and those older journals used."""

from __future__ import annotations

LEGACY_TYPES: dict[str, str] = {
    "bridge.ConnectionChanged": "call.connection",
    "bridge.TranscriptStreamed": "call.transcript",
    "bridge.UserSpoke": "call.user_transcript",
    "bridge.AgentStarted": "call.agent",
    "bridge.HandoffTaken": "call.handoff",
    "bridge.ToolStarted": "call.tool_start",
    "bridge.ToolEnded": "call.tool_end",
    "bridge.ApprovalRequested": "call.approval_required",
    "bridge.ErrorReported": "call.error",
    "bridge.GuardrailTripped": "call.guardrail",
    "bridge.HistoryChanged": "call.history",
    "bridge.ItemAdded": "call.item_added",
    "bridge.UserSpeechChanged": "call.user_speech",
    "bridge.TurnStarted": "call.turn_started",
    "bridge.TurnEnded": "call.turn_ended",
    "bridge.LatencyMeasured": "call.latency",
    "bridge.Interrupted": "call.interrupted",
    "bridge.Notice": "call.notice",
    "bridge.ConnectionLost": "call.connection_lost",
    "bridge.Reconnecting": "call.reconnecting",
    "bridge.Reconnected": "call.reconnected",
    "bridge.SessionEnded": "call.closed",
    "listener.CountdownTicked": "listener.countdown",
    "listener.SubagentStarted": "listener.subagent_started",
    "listener.SubagentFinished": "listener.subagent_finished",
    "bridge.UsageReported": "call.usage",
    "bridge.TurnMeasured": "call.turn_figures",
    "bridge.DecidedByRule": "call.decided_by_rule",
}
"""Console schema 1 (journals written up to 3677727) named records after the message classes;
its field names were the same as schema 2's, so only the type is translated."""


def canonical(name: object) -> object:
    """A record type in schema 2's name, whichever version wrote it. Journals written while
    schema 2 was new named these records ``session.*``, a prefix the wire's own events use."""
    if not isinstance(name, str):
        return name
    if name.startswith("session."):
        return "call." + name.removeprefix("session.")
    return LEGACY_TYPES.get(name, name)
