"""ActiveAgent: the agent holding a session's conversation, with the settings last sent for it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .agent import RealtimeAgent
from .agent_settings import AgentSettings, settings_for_agent
from .config import RealtimeRunConfig, RealtimeSessionModelSettings
from .handoffs import Handoff
from .run_context import RunContextWrapper
from .tools import FunctionTool


class ActiveAgent:
    """Which agent speaks, what the model was offered for it (tools, handoffs) and the settings
    last sent (what a reconnect sends again). The one place a session keeps these."""

    def __init__(
        self,
        agent: RealtimeAgent[Any],
        context: RunContextWrapper[Any],
        run_config: RealtimeRunConfig,
        initial_settings: RealtimeSessionModelSettings | None,
    ) -> None:
        self.agent = agent
        self.offered = AgentSettings({}, {}, {})
        self._context = context
        self._run_config = run_config
        self._initial = initial_settings

    @property
    def settings(self) -> RealtimeSessionModelSettings:
        return self.offered.settings

    @property
    def tools(self) -> dict[str, FunctionTool]:
        return self.offered.tools

    @property
    def handoffs(self) -> dict[str, Handoff[Any, Any]]:
        return self.offered.handoffs

    async def prepare(
        self, agent: RealtimeAgent[Any], *, at_connect: bool = False
    ) -> AgentSettings:
        """The settings, tools and handoffs ``agent`` would have (nothing changes yet)."""
        return await settings_for_agent(
            agent, self._context, self._run_config, self._initial, at_connect=at_connect
        )

    def switch(self, agent: RealtimeAgent[Any], prepared: AgentSettings) -> RealtimeAgent[Any]:
        """``agent`` holds the conversation from now on; returns the one that held it."""
        previous, self.agent, self.offered = self.agent, agent, prepared
        return previous

    def replace_settings(self, settings: RealtimeSessionModelSettings) -> None:
        """The same agent and tools, other settings sent (turn detection changed)."""
        self.offered = replace(self.offered, settings=settings)
