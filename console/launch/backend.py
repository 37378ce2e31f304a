"""Where a session runs (OpenAI, a --url server, the local engine) and opening it there."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import UsageError

if TYPE_CHECKING:
    from console.ui.config import ConsoleConfig


@dataclass(frozen=True)
class Plan:
    """What to connect to. The key is kept out of repr so it never reaches a log or traceback."""

    backend: str  # "openai" or "local"
    model: str
    voice: str | None
    url: str | None
    api_key: str = ""
    note: str | None = None

    def __repr__(self) -> str:
        return f"Plan(backend={self.backend!r}, model={self.model!r}, url={self.url!r})"

    @property
    def label(self) -> str:
        """The backend as the status bar names it: ours, OpenAI, or the --url server's host."""
        if self.url:
            from console.ui.first_connection import endpoint

            return endpoint(self.url)
        return "local engine" if self.backend == "local" else "openai"


def plan_backend(
    config: ConsoleConfig, environ: dict[str, str] | None = None, token: str | None = None
) -> Plan:
    environ = dict(os.environ) if environ is None else environ
    key = environ.get("OPENAI_API_KEY", "").strip()
    token = (token or environ.get("RTCONSOLE_TOKEN", "")).strip()
    model = config.model or "gpt-realtime"
    backend = config.backend
    if token and not config.url:
        raise UsageError("--token (or RTCONSOLE_TOKEN) is for a server given with --url; "
                         "OpenAI itself takes OPENAI_API_KEY")
    if backend == "auto":
        backend = "openai" if key or config.url else "local"
    if backend == "openai" and not key and not config.url:
        raise UsageError("--backend openai needs OPENAI_API_KEY in the environment (or --url)")
    note = None
    if backend == "local" and not config.url:
        why = "--backend local" if config.backend == "local" else "no OPENAI_API_KEY set"
        note = f"{why}: running on the built-in local engine (offline)"
    if config.url and token:
        key = token  # the --url server's own token; without one, OPENAI_API_KEY as before
    return Plan(backend, model, config.voice, config.url, key, note)


@asynccontextmanager
async def open_session(
    agents: Sequence[Any],
    plan: Plan,
    extra_config: dict[str, Any] | None = None,
    run_config: dict[str, Any] | None = None,
    *,
    listener: Any = None,
    lifecycle_clock: Any = None,
    journal: Any = None,
    wire_tap: Any = None,
) -> AsyncIterator[Any]:
    """Start (for the local backend) the engine, then run and enter a session; close both after.

    ``listener`` goes to the runner, so it replaces the starting agent's: pass a fan-out (see
    ``console.ui.listener``) to keep the user's. ``lifecycle_clock`` is for tests. ``journal``
    (a JournalWriter) sees every wire event both ways, and learns the key or engine token in
    use so it never writes them. ``wire_tap`` (the console's ``WireTap``) sees the same."""
    import asyncio

    from console.realtime import OpenAIRealtimeWebSocketModel, RealtimeRunner

    async with AsyncExitStack() as stack:
        settings: dict[str, Any] = {"model_name": plan.model}
        if plan.voice:
            settings["voice"] = plan.voice
        model_config: dict[str, Any] = {"initial_model_settings": settings}
        if plan.url:
            model_config["url"] = plan.url
        if plan.api_key:
            model_config["api_key"] = plan.api_key
        elif plan.url:
            model_config["headers"] = {}  # a server that takes no token: connect without one
        if plan.backend == "local" and not plan.url:
            from console.engine import LocalEngine

            # Building the engine loads its voice and recogniser: keep that off the event loop.
            engine = await stack.enter_async_context(await asyncio.to_thread(LocalEngine))
            model_config.update(engine.model_config())
        model_config.update(extra_config or {})
        transport = OpenAIRealtimeWebSocketModel()
        if journal is not None:
            key = model_config.get("api_key")
            journal.redactor.add(key if isinstance(key, str) else None)
            transport.add_wire_observer(journal.wire)
        if wire_tap is not None:
            key = model_config.get("api_key")
            wire_tap.redactor.add(key if isinstance(key, str) else None)
            transport.add_wire_observer(wire_tap.observe)
        runner: RealtimeRunner[Any] = RealtimeRunner(
            agents[0], model=transport, config=run_config,  # type: ignore[arg-type]
            listener=listener, lifecycle_clock=lifecycle_clock,
        )
        session = await runner.run(model_config=model_config)  # type: ignore[arg-type]
        await stack.enter_async_context(session)
        yield session
