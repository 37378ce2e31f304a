"""Exceptions raised by the realtime core (names as in the Agents SDK)."""

from __future__ import annotations


class AgentsException(Exception):
    """Base class of every exception the core raises on purpose."""


class UserError(AgentsException):
    """The code using the core did something wrong (bad tool signature, duplicate tool names...)."""


class ModelBehaviorError(AgentsException):
    """The model produced something unusable (invalid tool arguments, unknown tool...)."""


class ToolTimeoutError(AgentsException):
    """A function tool ran past its ``timeout_seconds``. With ``timeout_behavior`` set to
    ``"raise_exception"`` it ends the session; otherwise ``timeout_error_function`` gets it."""

    def __init__(self, tool_name: str, timeout_seconds: float) -> None:
        self.tool_name = tool_name
        self.timeout_seconds = timeout_seconds
        super().__init__(f"Tool '{tool_name}' timed out after {timeout_seconds:g} seconds.")
