"""AgentListener: lifecycle callbacks for voice-agent applications, and AgentError."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AgentError:
    """An error as a listener sees it: the server's or ours, never with a secret in it."""

    type: str
    message: str
    code: str | None = None
    param: str | None = None


class AgentListener:
    """Follow a session without reading raw events: subclass and override what you need.

    Every method is an async no-op by default. Pass a listener as ``RealtimeAgent(...,
    listener=...)`` (the starting agent's listener drives the session) or
    ``RealtimeRunner(..., listener=...)``. A listener that raises is logged and reported as an
    error event; it never breaks the session.
    """

    async def on_agent_starting(self) -> None:
        """``run()`` was called; nothing has been sent yet."""

    async def on_agent_session_connected(self) -> None:
        """The socket is open and the session is configured."""

    async def on_agent_stopped(self) -> None:
        """The session has fully shut down."""

    async def on_agent_error(self, error: AgentError) -> None:
        """The server, a tool or the transport reported an error."""

    async def on_agent_interrupted(self) -> None:
        """The user barged in on the assistant (or the operator interrupted it)."""

    async def on_user_started_speaking(self) -> None:
        """Voice activity detection heard the user start."""

    async def on_user_stopped_speaking(self) -> None:
        """Voice activity detection heard the user stop."""

    async def on_user_transcript(self, text: str) -> None:
        """The final transcript of a user turn (only with a transcription model configured)."""

    async def on_assistant_started_responding(self) -> None:
        """The first audio of an assistant response arrived."""

    async def on_assistant_stopped_responding(self) -> None:
        """The assistant's audio response ended (done, cancelled or interrupted)."""

    async def on_assistant_transcript(self, text: str) -> None:
        """The complete transcript (or text) of an assistant response."""

    async def on_assistant_transcript_delta(self, delta: str) -> None:
        """A piece of the assistant's transcript or text as it streams."""

    async def on_subagent_started(self, agent_name: str) -> None:
        """A subagent tool began its delegated task."""

    async def on_subagent_finished(self, agent_name: str) -> None:
        """A subagent tool finished (or failed, or was cancelled)."""

    async def on_user_inactivity_countdown(self, remaining_seconds: int) -> None:
        """5, 4, 3, 2, 1 seconds before the user-inactivity timeout closes the session."""
