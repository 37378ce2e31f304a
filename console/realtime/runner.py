"""RealtimeRunner: makes RealtimeSessions for a starting agent, a model and a run config."""

from __future__ import annotations

from typing import Any, Generic

from .agent import RealtimeAgent
from .config import RealtimeRunConfig
from .lifecycle import Clock
from .listener import AgentListener
from .model import RealtimeModel, RealtimeModelConfig
from .run_context import TContext
from .session import RealtimeSession


def _default_model() -> RealtimeModel:
    # Imported here so the core imports (and runs with other models) without the transport.
    from .openai_realtime import OpenAIRealtimeWebSocketModel

    model: RealtimeModel = OpenAIRealtimeWebSocketModel()
    return model


class RealtimeRunner(Generic[TContext]):
    """The realtime equivalent of ``Runner``: ``await runner.run()`` returns a session (not yet
    entered; use ``async with``).

    Without ``model``, each ``run()`` gets its own ``OpenAIRealtimeWebSocketModel`` (the SDK
    shares one model object between every session of a runner). ``listener`` (else the starting
    agent's) hears the session's lifecycle; ``lifecycle_clock`` is for tests of the inactivity
    countdown.
    """

    def __init__(
        self,
        starting_agent: RealtimeAgent[Any],
        *,
        model: RealtimeModel | None = None,
        config: RealtimeRunConfig | None = None,
        listener: AgentListener | None = None,
        lifecycle_clock: Clock | None = None,
    ) -> None:
        self._starting_agent = starting_agent
        self._model = model
        self._config = config
        self._listener = listener
        self._clock = lifecycle_clock

    async def run(
        self, *, context: TContext | None = None, model_config: RealtimeModelConfig | None = None
    ) -> RealtimeSession[TContext]:
        model = self._model if self._model is not None else _default_model()
        session: RealtimeSession[TContext] = RealtimeSession(
            model=model,
            agent=self._starting_agent,
            context=context,
            model_config=model_config,
            run_config=self._config,
            listener=self._listener,
            lifecycle_clock=self._clock,
        )
        await session.announce_starting()
        return session
