"""Hung tools: the console's default time limit, and the operator cancelling a running call."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from console.cli import build_parser
from console.launch.backend import open_session
from console.launch.console_app import session_run_config
from console.realtime import RealtimeAgent, RealtimeRunner, function_tool
from console.realtime.model_events import RealtimeModelToolCallEvent
from console.realtime.testing import ScriptedRealtimeModel
from console.ui.config import DEFAULT_TOOL_TIMEOUT_S, ConfigError, ConsoleConfig, parse_config
from tests.reconnect.support import Reader
from tests.ui.conftest import make_app
from tests.ui.test_app_local import LOCAL, connect, say, texts, wait_for


@function_tool
async def lookup_archive(topic: str) -> str:
    """Look up the archive for a topic (it never answers)."""
    await asyncio.Event().wait()
    return topic


def lines(app: Any) -> str:
    return "\n".join(texts(app))


def hung_app(config: ConsoleConfig) -> Any:
    agents = [RealtimeAgent("Main", instructions="Help.", tools=[lookup_archive])]
    run_config = session_run_config(config, None)
    return make_app(agents=agents, config=config, frame_rate=60.0,
                    open_session=lambda: open_session(agents, LOCAL, None, run_config))


def test_the_console_sets_a_default_tool_time_limit_that_config_and_flag_change() -> None:
    assert session_run_config(ConsoleConfig(), None)["tool_timeout_s"] == DEFAULT_TOOL_TIMEOUT_S
    assert session_run_config(ConsoleConfig(tool_timeout=5), None)["tool_timeout_s"] == 5
    assert parse_config("tool_timeout = 7.5\n", Path("c.toml")).tool_timeout == 7.5
    args = build_parser().parse_args(["--tool-timeout", "12"])
    assert ConsoleConfig().override(tool_timeout=args.tool_timeout).tool_timeout == 12
    with pytest.raises(ConfigError, match="tool_timeout must be a number of seconds above 0"):
        parse_config("tool_timeout = -1\n", Path("c.toml"))
    # An agent file's own run config still wins.
    own = session_run_config(ConsoleConfig(), {"tool_timeout_s": 9})
    assert own["tool_timeout_s"] == 9


async def test_a_hung_tool_times_out_and_the_transcript_says_so() -> None:
    app = hung_app(ConsoleConfig(tool_timeout=0.05))
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        await say(pilot, "look up the archive for topic cats")
        await wait_for(pilot, lambda: "lookup_archive timed out after 0.05 s" in lines(app))
        await wait_for(pilot, lambda: "timed out after 0.05 seconds" in lines(app))
        await pilot.press("ctrl+q")


async def test_the_operator_cancels_a_running_tool_with_a_key() -> None:
    app = hung_app(ConsoleConfig(tool_timeout=None))
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        await say(pilot, "look up the archive for topic cats")
        await wait_for(pilot, lambda: bool(getattr(app.session, "running_tool_calls", None)))
        await pilot.press("f7")
        await wait_for(pilot, lambda: "cancelled by the operator" in lines(app))
        # The model heard it too, and answered with that output.
        await wait_for(pilot, lambda: "was cancelled by the operator before it finished"
                       in lines(app))
        assert app.session.running_tool_calls == []  # type: ignore[union-attr]
        await pilot.press("ctrl+q")


async def test_cancel_tool_call_is_public_and_only_stops_running_calls() -> None:
    model = ScriptedRealtimeModel(strict=False)
    session = await (await RealtimeRunner(RealtimeAgent("Main", tools=[lookup_archive]),
                                          model=model).run()).enter()
    reader = Reader(session)
    assert await session.cancel_tool_call("nope") is False
    await model.emit(RealtimeModelToolCallEvent("lookup_archive", "c1", '{"topic": "x"}'))
    await reader.until("tool_start")
    assert session.running_tool_calls == ["c1"]
    assert await session.cancel_tool_call("c1") is True
    error = await reader.until("error")
    end = await reader.until("tool_end")
    assert (error.error["kind"], error.error["call_id"]) == ("tool_cancelled", "c1")
    assert end.output == "Tool lookup_archive was cancelled by the operator before it finished."
    assert [e.output for e in model.sent_of("send_tool_output")] == [end.output]
    assert session.running_tool_calls == []
    assert await session.cancel_tool_call("c1") is False
    await session.close()
