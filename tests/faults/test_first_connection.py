"""A first connection that fails: said in words with what to try, retried on the reconnect backoff,
and Ctrl+R retries it at once (the server here is the engine in its own process)."""

from __future__ import annotations

import asyncio
from typing import Any

from console.launch.backend import Plan, open_session
from console.launch.console_app import session_run_config
from console.realtime.reconnect import ReconnectPolicy
from console.ui.app import BackendInfo
from console.ui.config import ConsoleConfig
from console.ui.demo_agents import DEMO_RUN_CONFIG, demo_agents
from console.ui.first_connection import explain
from tests.reconnect.support import EngineProcess, free_port
from tests.ui.conftest import make_app
from tests.ui.test_app_local import lines, say, wait_for

HINT = "demo agents: ask about the weather"


def shown(app: Any) -> str:
    """The transcript's words, lines unwrapped."""
    return " ".join(lines(app).split())


def console_for(url: str, policy: ReconnectPolicy) -> Any:
    agents = demo_agents()
    plan = Plan("openai", "gpt-realtime", None, url, "")
    run_config = session_run_config(ConsoleConfig(), DEMO_RUN_CONFIG)
    return make_app(
        agents=agents, open_session=lambda: open_session(agents, plan, None, run_config),
        backend=BackendInfo(plan.label, plan.model, url), frame_rate=60.0,
        first_connection_retry=policy, hint=HINT,
    )


async def test_ctrl_r_after_a_refused_first_connection_connects_once_the_server_is_up() -> None:
    engine = EngineProcess(free_port())  # nothing listens there yet
    url = f"ws://127.0.0.1:{engine.port}/v1/realtime"
    # A first automatic retry far beyond the test: only the retry key can bring the session.
    app = console_for(url, ReconnectPolicy(enabled=True, initial_delay_s=600.0, max_delay_s=600.0))
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            status = app.main.status
            await wait_for(pilot, lambda: "refused the connection" in lines(app))
            text = shown(app)
            assert f"127.0.0.1:{engine.port} refused the connection: is the server running?" in text
            assert "retrying in 600.0 s" in text and HINT not in text
            await wait_for(pilot, lambda: status.connection == "disconnected"
                           and "(attempt 1)" in status.connection_detail)
            assert status.backend == f"127.0.0.1:{engine.port}"
            await say(pilot, "anyone there?")  # says what to do, not just "not connected"
            await wait_for(pilot, lambda: "send: not connected (ctrl+r retries the connection "
                           "now)" in shown(app))
            await engine.start()
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: status.connection == "connected", steps=3000)
            await wait_for(pilot, lambda: HINT in lines(app))  # now there is someone to ask
            await say(pilot, "hello after the retry")
            await wait_for(pilot, lambda: 'You said: "hello after the retry"' in lines(app),
                           steps=3000)
    finally:
        engine.stop()


async def test_a_refused_first_connection_is_retried_on_the_reconnect_backoff() -> None:
    engine = EngineProcess(free_port())
    url = f"ws://127.0.0.1:{engine.port}/v1/realtime"
    waits: list[float] = []
    third = asyncio.Event()

    async def sleep(seconds: float) -> None:
        # The policy's clock: the first two waits pass at once, the third lasts until the
        # server is up, so the retry after it connects.
        waits.append(seconds)
        if len(waits) == 3:
            await third.wait()

    policy = ReconnectPolicy(enabled=True, initial_delay_s=0.5, max_delay_s=10.0, sleep=sleep)
    app = console_for(url, policy)
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            await wait_for(pilot, lambda: len(waits) == 3)
            await engine.start()
            third.set()
            await wait_for(pilot, lambda: app.main.status.connection == "connected", steps=3000)
            assert waits == [policy.delay(1), policy.delay(2), policy.delay(3)] == [0.5, 1.0, 2.0]
            assert lines(app).count("refused the connection") == 3
    finally:
        engine.stop()


async def test_a_console_that_gives_up_still_retries_on_ctrl_r() -> None:
    port = free_port()
    app = console_for(f"ws://127.0.0.1:{port}/v1/realtime", ReconnectPolicy(enabled=False))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: "refused the connection" in lines(app))
        assert "ctrl+r tries again" in shown(app)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: lines(app).count("refused the connection") == 2)
        await pilot.press("ctrl+q")
    assert app.return_value == 0


def test_failures_in_words_with_what_to_try() -> None:
    dns = ("could not connect to wss://api.openai.com/v1/realtime?model=gpt-realtime: gaierror: "
           "[Errno -2] Name or service not known")
    assert explain(dns, None).startswith(
        "cannot reach api.openai.com: no network? try --backend local ("
    )
    assert "[Errno -2] Name or service not known" in explain(dns, None)
    refused = "could not connect to ws://10.0.0.5:8765/v1/realtime: ConnectionRefusedError: ..."
    assert explain(refused, "ws://10.0.0.5:8765/v1/realtime").startswith(
        "10.0.0.5:8765 refused the connection: is the server running?"
    )
    key = "could not connect to wss://api.openai.com/v1/realtime: InvalidStatus: server " \
          "rejected WebSocket connection: HTTP 401"
    assert explain(key, None).startswith("api.openai.com rejected the key: check OPENAI_API_KEY")
    assert explain(key, "ws://h:1/v1/realtime").startswith("h:1 rejected the key: check --token")
    assert explain("OSError: no voice", None, local=True).startswith(
        "the local engine did not start"
    )
