"""Loading the user's agents from ``MODULE:ATTR`` (for the console and `rtconsole test`)."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from .errors import UsageError


def load_agents(spec: str) -> list[Any]:
    """Resolve ``module:attr`` to a list of RealtimeAgents (the first is the starting agent)."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"--agents {spec!r}: expected MODULE:ATTR, e.g. myagents:triage")
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # like `python -m`, find the user's modules in cwd
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise UsageError(f"--agents {spec!r}: cannot import {module_name!r}: {exc}") from None
    except Exception as exc:
        raise UsageError(
            f"--agents {spec!r}: importing {module_name!r} failed: {type(exc).__name__}: {exc}"
        ) from None
    for part in attr.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise UsageError(
                f"--agents {spec!r}: {module_name!r} has no attribute {attr!r}"
            ) from None
    from console.realtime.agent import RealtimeAgent

    if callable(target) and not isinstance(target, RealtimeAgent | type):
        try:
            target = target()
        except TypeError as exc:
            raise UsageError(
                f"--agents {spec!r}: the factory must take no arguments ({exc})"
            ) from None
        except Exception as exc:
            raise UsageError(
                f"--agents {spec!r}: the factory failed: {type(exc).__name__}: {exc}"
            ) from None
    agents = list(target) if isinstance(target, list | tuple) else [target]
    if not agents or not all(isinstance(agent, RealtimeAgent) for agent in agents):
        kind = type(target).__name__
        raise UsageError(
            f"--agents {spec!r}: expected a RealtimeAgent, a list of them, or a factory; got {kind}"
        )
    return agents


def scenario_agents(spec: str | None) -> Any:
    """`rtconsole test`'s agents: a source of fresh ones per scenario (the demo agents, with
    their run config, when ``spec`` is None). A bad spec fails here, as a usage error."""
    if spec is None:
        from console.ui.demo_agents import DEMO_RUN_CONFIG, demo_agents

        return lambda: (demo_agents(), dict(DEMO_RUN_CONFIG))
    load_agents(spec)
    return lambda: (load_agents(spec), None)
