"""The console's listener: the fan-out, the countdown, subagents and listener errors."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from textual.message import Message

from console.launch.backend import open_session
from console.realtime import AgentListener, RealtimeAgent, realtime_handoff
from console.realtime.lifecycle import warn_unreachable
from console.realtime.subagent import subagent
from console.ui.app import RtConsoleApp
from console.ui.demo_agents import DEMO_RUN_CONFIG, demo_agents
from console.ui.listener import (
    COUNTDOWN,
    SUBAGENT_CALLBACKS,
    ConsoleListener,
    console_callbacks,
    fan_out,
    overrides,
)

from .conftest import make_app
from .test_app_local import LOCAL, connect, lines, say, texts, wait_for


class ManualClock:
    """A lifecycle clock that moves only when the test says so: no real seconds are waited."""

    def __init__(self) -> None:
        self.now_s = 0.0
        self.sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        return self.now_s

    async def sleep(self, seconds: float) -> None:
        entry = (self.now_s + seconds, asyncio.get_running_loop().create_future())
        self.sleepers.append(entry)
        try:
            await entry[1]
        finally:
            self.sleepers.remove(entry)

    def advance(self, seconds: float) -> None:
        self.now_s += seconds
        for target, future in list(self.sleepers):
            if target <= self.now_s + 1e-9 and not future.done():
                future.set_result(None)


class Recording(AgentListener):
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.fail = fail

    async def on_user_inactivity_countdown(self, remaining_seconds: int) -> None:
        self.calls.append(("countdown", remaining_seconds))
        if self.fail:
            raise RuntimeError("user listener failed")

    async def on_user_transcript(self, text: str) -> None:
        self.calls.append(("transcript", text))


# -- the fan-out, without a session ---------------------------------------------------------


def test_console_callbacks_follow_the_settings() -> None:
    plain = RealtimeAgent[Any](name="Plain")
    assert console_callbacks([plain], None) == set()
    assert console_callbacks([plain], {"user_inactivity_timeout_s": 30}) == {COUNTDOWN}
    assert console_callbacks(demo_agents(), DEMO_RUN_CONFIG) == set(SUBAGENT_CALLBACKS)

    async def work(task: str, ctx: Any) -> str:
        return task

    deep = RealtimeAgent[Any](name="Deep", tools=[subagent("dig", work, description="Dig.")])
    via_agent = RealtimeAgent[Any](name="Front", handoffs=[deep])
    via_handoff = RealtimeAgent[Any](name="Front", handoffs=[realtime_handoff(deep)])
    assert console_callbacks([via_agent], None) == set(SUBAGENT_CALLBACKS)
    assert console_callbacks([via_handoff], None) == set(SUBAGENT_CALLBACKS)


async def test_fan_out_forwards_to_the_console_first_then_the_user() -> None:
    posted: list[Message] = []
    user = Recording()
    listener = fan_out(ConsoleListener(posted.append), user, {COUNTDOWN})
    assert listener is not None and listener is not user
    # It overrides what either side needs, and nothing else (so no spurious warnings).
    assert overrides(listener) == {COUNTDOWN, "on_user_transcript"}
    await listener.on_user_inactivity_countdown(3)
    await listener.on_user_transcript("hello")
    assert [type(m).__name__ for m in posted] == ["CountdownTicked"]
    assert isinstance(posted[0], ConsoleListener.CountdownTicked) and posted[0].remaining == 3
    assert user.calls == [("countdown", 3), ("transcript", "hello")]
    again = fan_out(ConsoleListener(posted.append), Recording(), {COUNTDOWN})
    assert type(again) is type(listener)  # one class per shape: the session warns once


async def test_fan_out_lets_the_users_errors_reach_the_session() -> None:
    posted: list[Message] = []
    listener = fan_out(ConsoleListener(posted.append), Recording(fail=True), {COUNTDOWN})
    assert listener is not None
    with pytest.raises(RuntimeError, match="user listener failed"):
        await listener.on_user_inactivity_countdown(2)
    assert len(posted) == 1  # the console heard it before the user's listener failed


def test_fan_out_is_the_users_listener_when_the_console_needs_nothing() -> None:
    user = Recording()
    console = ConsoleListener(lambda message: None)
    assert fan_out(console, user, set()) is user
    assert fan_out(console, None, set()) is None
    alone = fan_out(console, None, set(SUBAGENT_CALLBACKS))
    assert alone is not None and overrides(alone) == set(SUBAGENT_CALLBACKS)


def test_no_warning_for_callbacks_the_console_does_not_ask_for() -> None:
    # The session warns about overridden callbacks its settings cannot fire; the console adds
    # the countdown only with a timeout, so a session without one warns about nothing of ours.
    class Quiet(AgentListener):
        async def on_agent_stopped(self) -> None:
            return None

    console = ConsoleListener(lambda message: None)
    listener = fan_out(console, Quiet(), set(SUBAGENT_CALLBACKS))
    assert listener is not None
    reasons = {COUNTDOWN: "user_inactivity_timeout_s is not set"}
    assert warn_unreachable(listener, reasons) == []
    assert type(listener).__name__ == "Quiet+console"


# -- Pilot tests on the local engine --------------------------------------------------------


def listening_app(
    agents: Sequence[RealtimeAgent[Any]],
    run_config: dict[str, Any] | None = None,
    clock: ManualClock | None = None,
) -> RtConsoleApp:
    """The console as the CLI wires it: the console's listener fanned out with the agent's."""
    wanted = console_callbacks(agents, run_config)

    def opener() -> Any:
        listener = fan_out(app.listener, agents[0].listener, wanted)
        return open_session(
            list(agents), LOCAL, None, run_config, listener=listener, lifecycle_clock=clock
        )

    app = make_app(agents=list(agents), open_session=opener, frame_rate=60.0)
    return app


def status_text(app: RtConsoleApp) -> str:
    return str(app.main.status.render())


async def test_countdown_in_the_status_bar_then_the_session_closes() -> None:
    clock = ManualClock()
    run_config = {**DEMO_RUN_CONFIG, "user_inactivity_timeout_s": 30}
    app = listening_app(demo_agents(), run_config, clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        await wait_for(pilot, lambda: bool(clock.sleepers))
        assert app.main.status.countdown == 0 and "inactive" not in status_text(app)
        clock.advance(25)
        await wait_for(pilot, lambda: app.main.status.countdown == 5)
        assert "inactive: 5 s" in status_text(app)
        # Typing is activity: the countdown goes away and the clock starts from full again.
        await say(pilot, "hello")
        assert app.main.status.countdown == 0
        await wait_for(pilot, lambda: "Hello, how can I help you today?" in texts(app))
        await wait_for(pilot, lambda: [t for t, _ in clock.sleepers] == [clock.now_s + 25])
        clock.advance(25)
        for remaining in (5, 4, 3, 2, 1):
            await wait_for(pilot, lambda: app.main.status.countdown == remaining)  # noqa: B023
            assert f"inactive: {remaining} s" in status_text(app)
            clock.advance(1)
        await wait_for(pilot, lambda: app.main.status.connection == "disconnected")
        await wait_for(pilot, lambda: "session closed: no user activity for 30 s" in lines(app))
        assert app.main.status.countdown == 0 and "inactive" not in status_text(app)
        assert "session ended" not in texts(app)  # the reason was shown instead


async def test_a_running_subagent_shows_in_the_status_bar() -> None:
    release = asyncio.Event()

    async def research(task: str, ctx: Any) -> str:
        await release.wait()
        return f"found notes on {task}"

    tool = subagent("research", research, description="Research a topic in depth.")
    agent = RealtimeAgent[Any](name="Researcher", instructions="Delegate research.", tools=[tool])
    app = listening_app([agent])
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        await say(pilot, "research the history of tea")
        await wait_for(pilot, lambda: app.main.status.subagents == ("research",))
        assert "subagent research running" in status_text(app)
        await wait_for(pilot, lambda: "One moment, the research is still working." in texts(app))
        assert "subagent   research started" in lines(app)
        assert app.main.status.subagents == ("research",)  # still running while it talks
        release.set()
        await wait_for(pilot, lambda: app.main.status.subagents == ())
        await wait_for(pilot, lambda: "The research tool says: found notes on" in lines(app))
        assert "subagent   research finished" in lines(app)
        assert "subagent" not in status_text(app)


async def test_the_demo_research_subagent_runs_on_the_local_engine() -> None:
    app = listening_app(demo_agents(research_seconds=0.05), DEMO_RUN_CONFIG)
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        await say(pilot, "please research the history of tea")
        await wait_for(pilot, lambda: "The research tool says: research on" in lines(app))
        await wait_for(pilot, lambda: "subagent   research finished" in lines(app))
        order = [e.text for e in app.main.transcript.entries if e.label == "subagent"]
        assert order == ["research started", "research finished"]
        assert app.main.status.subagents == ()


class Boom(AgentListener):
    async def on_agent_session_connected(self) -> None:
        raise RuntimeError("listener went boom")


async def test_a_failing_agent_listener_shows_in_the_transcript_and_the_session_goes_on() -> None:
    agent = RealtimeAgent[Any](name="Fragile", instructions="test", listener=Boom())
    # With a timeout the console fans out, so the user's failure passes through the fan-out.
    run_config = {"user_inactivity_timeout_s": 600}
    app = listening_app([agent], run_config)
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        await wait_for(pilot, lambda: "listener" in [e.label for e in app.main.transcript.entries])
        entry = next(e for e in app.main.transcript.entries if e.label == "listener")
        assert entry.kind == "error"
        assert "on_agent_session_connected" in entry.text and "went boom" in entry.text
        await say(pilot, "are you still there")
        await wait_for(pilot, lambda: 'You said: "are you still there"' in lines(app))
        assert app.main.status.connection == "connected"
