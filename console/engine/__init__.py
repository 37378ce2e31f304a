"""The local engine: an offline WebSocket server speaking the OpenAI Realtime GA protocol."""

from .scenario import Scenario, ScenarioError, load_scenario
from .server import LocalEngine

__all__ = ["LocalEngine", "Scenario", "ScenarioError", "load_scenario"]
