"""Runs scenarios through the real stack: core -> transport -> local engine (or the OpenAI API)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.journal import JournalWriter, Redactor
from console.journal.store import new_journal_path
from console.realtime import OpenAIRealtimeWebSocketModel, RealtimeRunner

from . import speech
from .check import check
from .model import CallerTurn, Scenario
from .outcome import ScenarioResult, StepResult
from .tap import JournalTap, TapFactory
from .watch import SessionEnded, TurnWatcher

AgentSource = Callable[[], tuple[Sequence[Any], dict[str, Any] | None]]
"""Returns the agents (the first starts) and their run config; called once per scenario, so a
factory gives each scenario fresh agents."""
CONNECT_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Backend:
    """Where scenarios run. The key stays out of repr."""

    name: str = "local"  # "local" or "openai"
    model: str = "gpt-realtime"
    url: str | None = None
    api_key: str = field(default="", repr=False)


@dataclass
class RunOptions:
    agents: AgentSource
    backend: Backend = field(default_factory=Backend)
    journal_dir: Path | None = None
    """Where journals go; failing scenarios keep theirs (None: no journals)."""
    tap: TapFactory | None = None
    """Journals what the console would show, so ``rtconsole replay`` can play it."""
    clock: Callable[[], float] = time.perf_counter


async def run_all(
    scenarios: Sequence[Scenario],
    options: RunOptions,
    *,
    jobs: int = 1,
    on_result: Callable[[int, ScenarioResult], None] | None = None,
) -> list[ScenarioResult]:
    """Run every scenario, at most ``jobs`` at a time; results in the order given.
    ``on_result(index, result)`` is called as each one finishes."""
    gate = asyncio.Semaphore(max(1, jobs))

    async def one(index: int, scenario: Scenario) -> ScenarioResult:
        async with gate:
            result = await run_scenario(scenario, options)
        if on_result is not None:
            on_result(index, result)
        return result

    return list(await asyncio.gather(*(one(i, s) for i, s in enumerate(scenarios))))


async def run_scenario(scenario: Scenario, options: RunOptions) -> ScenarioResult:
    clock = options.clock
    started = clock()
    result = ScenarioResult(scenario.title, scenario.path)
    journal: JournalWriter | None = None
    tap: JournalTap | None = None
    try:
        async with AsyncExitStack() as stack:
            agents, run_config = options.agents()
            model_config = await _model_config(stack, scenario, options.backend)
            journal = _open_journal(options.journal_dir, scenario, model_config)
            if journal is not None:
                if options.tap is not None:
                    tap = options.tap(journal, agents, options.backend.name)
                    tap.start()
                else:
                    journal.meta(agent=agents[0].name, backend=options.backend.name,
                                 scenario=scenario.title)
            transport = OpenAIRealtimeWebSocketModel()
            if journal is not None:
                transport.add_wire_observer(journal.wire)
            runner: RealtimeRunner[Any] = RealtimeRunner(
                agents[0], model=transport, config=run_config  # type: ignore[arg-type]
            )
            session = await runner.run(model_config=model_config)  # type: ignore[arg-type]
            watcher = TurnWatcher(session, clock, tap)
            transport.add_wire_observer(watcher.wire)
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT_S):
                    await stack.enter_async_context(session)
                    consumer = asyncio.get_running_loop().create_task(watcher.consume())
                    stack.push_async_callback(_finished, session, consumer)
                    await watcher.session_ready.wait()
            except TimeoutError:
                raise ConnectionError(
                    f"no session after {CONNECT_TIMEOUT_S:g} s (session.updated never came)"
                ) from None
            await _turns(scenario, session, watcher, result, clock)
    except Exception as exc:
        result.error = _one_line(exc)
    result.seconds = clock() - started
    if journal is not None:
        _close_journal(journal, tap, result)
    return result


async def _turns(
    scenario: Scenario,
    session: Any,
    watcher: TurnWatcher,
    result: ScenarioResult,
    clock: Callable[[], float],
) -> None:
    for number, turn in enumerate(scenario.turns, 1):
        step = StepResult(number, turn.label)
        result.steps.append(step)
        audio = await asyncio.to_thread(_audio, scenario, turn) if turn.spoken else b""
        step.record = watcher.begin(turn.decision)
        began = clock()
        try:
            await _send(session, turn, audio)
            await watcher.wait_settled(scenario.timeout_s)
        except TimeoutError:
            step.failures.append(
                f"the turn did not settle within {scenario.timeout_s:g} s "
                f"(waiting for {watcher.pending()})"
            )
        except SessionEnded as exc:
            step.failures.append(str(exc))
        watcher.end()
        step.seconds = clock() - began
        if not step.failures:
            step.failures = check(turn.expect, step.record)
        elif number < len(scenario.turns):
            # The conversation is in an unknown state: later turns would say nothing useful.
            result.skipped_steps = len(scenario.turns) - number
            return


def _audio(scenario: Scenario, turn: CallerTurn) -> bytes:
    if turn.audio is not None:
        return speech.read_wav(scenario.audio_path(turn))
    return speech.speak(str(turn.speak))


async def _send(session: Any, turn: CallerTurn, audio: bytes) -> None:
    if turn.say is not None:
        await session.send_message(turn.say)
        return
    # The console's audio path: 20 ms PCM16 chunks through send_audio; server VAD hears the
    # trailing silence, or (push to talk) the last chunk commits.
    pcm = audio if turn.commit else speech.with_silence(audio)
    parts = list(speech.chunks(pcm))
    for index, chunk in enumerate(parts):
        await session.send_audio(chunk, commit=turn.commit and index == len(parts) - 1)


async def _model_config(
    stack: AsyncExitStack, scenario: Scenario, backend: Backend
) -> dict[str, Any]:
    config: dict[str, Any] = {"initial_model_settings": {"model_name": backend.model}}
    if backend.name == "local" and backend.url is None:
        from console.engine import LocalEngine

        script = scenario.engine_script()
        # As fast as possible: scenario runs wait on events, never on audio's real time.
        engine = await asyncio.to_thread(LocalEngine, scenario=script, pace=None)
        await stack.enter_async_context(engine)
        config.update(engine.model_config())
        return config
    if backend.url:
        config["url"] = backend.url
    if backend.api_key:
        config["api_key"] = backend.api_key
    return config


async def _finished(session: Any, consumer: asyncio.Task[None]) -> None:
    """Close the session, then let the event reader see the end of its stream."""
    await session.close()
    try:
        await asyncio.wait_for(consumer, 10.0)
    except (TimeoutError, asyncio.CancelledError):
        consumer.cancel()


def _open_journal(
    directory: Path | None, scenario: Scenario, model_config: dict[str, Any]
) -> JournalWriter | None:
    if directory is None:
        return None
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = new_journal_path(directory)
    key = model_config.get("api_key")
    journal = JournalWriter(path, redactor=Redactor([key if isinstance(key, str) else None]))
    os.chmod(path, 0o600)  # a conversation: the owner's only
    return journal


def _close_journal(journal: JournalWriter, tap: JournalTap | None, result: ScenarioResult) -> None:
    if not result.passed:
        lines = [f"scenario failed: {result.name}"]
        if result.error:
            lines.append(f"error: {result.error}")
        for step in result.steps:
            lines += [f"turn {step.number} ({step.label}): {failure}" for failure in step.failures]
        for text in lines:
            if tap is not None:
                tap.line(text)
            else:
                journal.event("scenario_failure", text=text)
    if tap is not None:
        tap.finish()
    journal.close()
    if result.passed:
        journal.path.unlink(missing_ok=True)
    else:
        result.journal = journal.path


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
