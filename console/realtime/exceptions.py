"""Exceptions raised by the realtime core (names as in the Agents SDK)."""

from __future__ import annotations


class AgentsException(Exception):
    """Base class of every exception the core raises on purpose."""


class UserError(AgentsException):
    """The code using the core did something wrong (bad tool signature, duplicate tool names...)."""


class ModelBehaviorError(AgentsException):
    """The model produced something unusable (invalid tool arguments, unknown tool...)."""
