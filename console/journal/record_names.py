"""The names of the journal's session records (console schema 2) and schema 1's old names."""

from __future__ import annotations

LEGACY_TYPES: dict[str, str] = {
    "bridge.ConnectionChanged": "session.connection",
    "bridge.TranscriptStreamed": "session.transcript",
    "bridge.UserSpoke": "session.user_transcript",
    "bridge.AgentStarted": "session.agent",
    "bridge.HandoffTaken": "session.handoff",
    "bridge.ToolStarted": "session.tool_start",
    "bridge.ToolEnded": "session.tool_end",
    "bridge.ApprovalRequested": "session.approval_required",
    "bridge.ErrorReported": "session.error",
    "bridge.GuardrailTripped": "session.guardrail",
    "bridge.HistoryChanged": "session.history",
    "bridge.ItemAdded": "session.item_added",
    "bridge.UserSpeechChanged": "session.user_speech",
    "bridge.TurnStarted": "session.turn_started",
    "bridge.TurnEnded": "session.turn_ended",
    "bridge.LatencyMeasured": "session.latency",
    "bridge.Interrupted": "session.interrupted",
    "bridge.Notice": "session.notice",
    "bridge.ConnectionLost": "session.connection_lost",
    "bridge.Reconnecting": "session.reconnecting",
    "bridge.Reconnected": "session.reconnected",
    "bridge.SessionEnded": "session.closed",
    "listener.CountdownTicked": "listener.countdown",
    "listener.SubagentStarted": "listener.subagent_started",
    "listener.SubagentFinished": "listener.subagent_finished",
    "bridge.UsageReported": "session.usage",
    "bridge.TurnMeasured": "session.turn_figures",
    "bridge.DecidedByRule": "session.decided_by_rule",
}
"""Console schema 1 (journals written up to 3677727) named records after the message classes;
its field names were the same as schema 2's, so only the type is translated."""


def canonical(name: object) -> object:
    """A record type in schema 2's name, whichever schema wrote it."""
    return LEGACY_TYPES.get(name, name) if isinstance(name, str) else name
