"""The console's own AgentListener, and the fan-out that shares the session's one listener slot.

A session drives exactly one listener (the runner's, else the starting agent's). The console needs
the countdown and subagent callbacks, and the user's agent may bring its own listener; so the
console passes the runner a fan-out that forwards each callback first to the console (which only
posts Textual messages) and then to the user's listener. The user's listener keeps the session's
guarantees: if it raises, the session logs it and reports an ``error`` event of kind "listener"
(the console shows it in the transcript); the console's part has already run by then.

The session calls, and warns about, only callbacks a listener's class overrides; so the fan-out's
class overrides exactly what one side needs: the console's callbacks that the settings can fire,
plus whatever the user's listener overrides. No spurious "will never be called" warnings, and the
user's own warnings stay as they would be without the console.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from textual.message import Message

from console.realtime.listener import AgentListener
from console.realtime.subagent import SubagentTool

from .widgets.handoff_graph import handoff_target

log = logging.getLogger("console.ui.listener")

CALLBACKS: tuple[str, ...] = tuple(
    name
    for name, member in inspect.getmembers(AgentListener, inspect.iscoroutinefunction)
    if name.startswith("on_")
)
"""Every callback name of AgentListener."""

COUNTDOWN = "on_user_inactivity_countdown"
SUBAGENT_CALLBACKS = ("on_subagent_started", "on_subagent_finished")


class ConsoleListener(AgentListener):
    """Posts a message per callback the console shows; never awaits anything slow."""

    class CountdownTicked(Message):
        """``remaining`` whole seconds of user inactivity are left before the session closes."""

        def __init__(self, remaining: int) -> None:
            super().__init__()
            self.remaining = remaining

    class SubagentStarted(Message):
        def __init__(self, agent_name: str) -> None:
            super().__init__()
            self.agent_name = agent_name

    class SubagentFinished(Message):
        def __init__(self, agent_name: str) -> None:
            super().__init__()
            self.agent_name = agent_name

    def __init__(self, post: Callable[[Message], Any]) -> None:
        self._post = post

    async def on_user_inactivity_countdown(self, remaining_seconds: int) -> None:
        self._post(self.CountdownTicked(remaining_seconds))

    async def on_subagent_started(self, agent_name: str) -> None:
        self._post(self.SubagentStarted(agent_name))

    async def on_subagent_finished(self, agent_name: str) -> None:
        self._post(self.SubagentFinished(agent_name))


def overrides(listener: AgentListener | None) -> set[str]:
    """The callbacks ``listener``'s class overrides (what the session would call on it)."""
    if listener is None:
        return set()
    cls = type(listener)
    return {name for name in CALLBACKS if getattr(cls, name) is not getattr(AgentListener, name)}


def has_subagents(agents: Iterable[Any]) -> bool:
    """Whether any agent reachable through handoffs from ``agents`` has a subagent tool."""
    todo = list(agents)
    seen: set[int] = set()
    while todo:
        agent = todo.pop()
        if agent is None or id(agent) in seen:
            continue
        seen.add(id(agent))
        if any(isinstance(tool, SubagentTool) for tool in getattr(agent, "tools", ()) or ()):
            return True
        for handoff in getattr(agent, "handoffs", ()) or ():
            todo.append(handoff_target(handoff, {})[1])
    return False


def console_callbacks(agents: Iterable[Any], run_config: Mapping[str, Any] | None) -> set[str]:
    """The callbacks the console shows that this session's settings can fire."""
    wanted: set[str] = set()
    if (run_config or {}).get("user_inactivity_timeout_s"):
        wanted.add(COUNTDOWN)
    if has_subagents(agents):
        wanted.update(SUBAGENT_CALLBACKS)
    return wanted


class FanOutListener(AgentListener):
    """Forwards callbacks to the console's listener, then to the user's (see the module).

    Built through ``fan_out``, which makes a subclass overriding only the needed callbacks."""

    def __init__(
        self, console: AgentListener, user: AgentListener | None, console_names: Collection[str]
    ) -> None:
        self.console = console
        self.user = user
        self.console_names = frozenset(console_names)

    async def _forward(self, name: str, *args: Any) -> None:
        if name in self.console_names:
            try:
                await getattr(self.console, name)(*args)
            except Exception:
                # The console's part only posts messages; if that ever fails, the user's
                # listener must still hear the callback.
                log.exception("console listener %s failed", name)
        if self.user is not None:
            await getattr(self.user, name)(*args)  # errors reach the session's reporting


def _forwarder(name: str) -> Callable[..., Any]:
    async def forward(self: FanOutListener, *args: Any) -> None:
        await self._forward(name, *args)

    forward.__name__ = forward.__qualname__ = name
    return forward


_classes: dict[tuple[frozenset[str], str], type[FanOutListener]] = {}


def _fan_out_class(names: frozenset[str], user: AgentListener | None) -> type[FanOutListener]:
    # Named after the user's listener, so the session's "will never be called" warnings name
    # the class the user wrote; cached, so they come once per class, not once per session.
    title = f"{type(user).__name__}+console" if user is not None else "ConsoleFanOut"
    cls = _classes.get((names, title))
    if cls is None:
        members: dict[str, Any] = {name: _forwarder(name) for name in sorted(names)}
        members["__qualname__"] = title
        cls = type(title, (FanOutListener,), members)
        _classes[(names, title)] = cls
    return cls


def fan_out(
    console: AgentListener, user: AgentListener | None, console_names: Collection[str]
) -> AgentListener | None:
    """The listener to give the runner: the user's alone when the console needs nothing, else a
    fan-out overriding ``console_names`` plus what the user's listener overrides."""
    wanted = frozenset(console_names)
    if not wanted:
        return user
    names = wanted | overrides(user)
    return _fan_out_class(names, user)(console, user, wanted & overrides(console))
