"""The console through a dropped connection: the engine, in its own process, is killed with SIGKILL
and started again on the same port while the app runs; the status bar and transcript say so, the
retry key reconnects at once, and the conversation goes on where it was."""

from __future__ import annotations

from typing import Any

from console.launch.backend import Plan, open_session
from console.launch.console_app import session_run_config
from console.ui.config import ConsoleConfig
from console.ui.demo_agents import DEMO_RUN_CONFIG, demo_agents
from tests.reconnect.support import EngineProcess
from tests.ui.conftest import make_app
from tests.ui.test_app_local import lines, say, texts, wait_for


async def test_engine_killed_and_restarted_the_console_reconnects() -> None:
    engine = await EngineProcess().start()
    agents = demo_agents()
    plan = Plan("openai", "gpt-realtime", None, engine.url, "local-test-key")
    run_config = session_run_config(ConsoleConfig(), DEMO_RUN_CONFIG)
    # A first retry far beyond the test's waits: only the retry key can bring the session back.
    run_config["reconnect"] = {"enabled": True, "initial_delay_s": 600.0}
    app = make_app(
        agents=agents, open_session=lambda: open_session(agents, plan, None, run_config),
        frame_rate=60.0,
    )
    states: list[str] = []
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            status = app.main.status

            def seen(condition: Any) -> Any:
                def check() -> bool:
                    shown = f"{status.connection} {status.connection_detail}".strip()
                    if not states or states[-1] != shown:
                        states.append(shown)
                    return bool(condition())
                return check

            await wait_for(pilot, seen(lambda: status.connection == "connected"))
            await say(pilot, "remember the word pineapple")
            await wait_for(pilot, lambda: 'You said: "remember the word pineapple"' in lines(app))

            engine.kill9()
            await wait_for(pilot, seen(lambda: status.connection == "reconnecting"), steps=1000)
            await wait_for(pilot, lambda: "connection lost:" in lines(app))
            # Typed while down: held by the core, shown as usual, sent after the restore.
            await say(pilot, "are you back")
            await engine.start()
            await pilot.press("ctrl+r")  # retry now, instead of waiting out the backoff
            await wait_for(pilot, seen(lambda: "reconnected: conversation restored" in lines(app)),
                           steps=1500)
            assert status.connection == "connected" and status.connection_detail == ""
            await wait_for(pilot, lambda: 'You said: "are you back"' in lines(app), steps=1000)
            await say(pilot, "and now a new line")
            await wait_for(pilot, lambda: 'You said: "and now a new line"' in lines(app))
            # The new server session holds the conversation from before the kill.
            history = [getattr(item, "item_id", "") for item in app.session.history]
            assert len(history) >= 6
            text = lines(app)
            assert text.index("remember the word pineapple") < text.index("connection lost")
            assert text.index("connection lost") < text.index("reconnected")
    finally:
        engine.stop()
    # Sampled every frame or so: the short "reconnecting (attempt 1)" may fall between samples.
    lost = states.index("reconnecting in 600.0 s (attempt 1)")
    assert states[lost - 1] == "connected" and states[-1] == "connected", states
    assert set(states[lost + 1 : -1]) <= {"reconnecting (attempt 1)"}, states


async def test_when_the_attempts_run_out_the_session_ends_and_ctrl_r_opens_a_new_one() -> None:
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    from console.realtime import RealtimeRunner
    from tests.reconnect.support import FlakyModel, no_wait

    model = FlakyModel()
    agents = demo_agents()
    config: Any = {"reconnect": {"enabled": True, "max_attempts": 2, "sleep": no_wait}}

    @asynccontextmanager
    async def opener() -> AsyncIterator[Any]:
        session = await RealtimeRunner(agents[0], model=model, config=config).run()
        async with session:
            yield session

    app = make_app(agents=agents, open_session=opener, frame_rate=60.0)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.status.connection == "connected")
        model.failures = [ConnectionRefusedError("connect call failed")] * 2
        await model.drop()
        await wait_for(pilot, lambda: "session closed: reconnect failed after 2 attempts" in
                       lines(app))
        # The close is shown while the session worker is still winding down; the status and the
        # session slot follow when it has finished.
        await wait_for(pilot, lambda: app.main.status.connection == "disconnected")
        await wait_for(pilot, lambda: app.session is None)
        text = lines(app)
        assert "connection lost: connection reset by peer" in text
        assert "reconnect attempt 1 failed: ConnectionRefusedError" in text
        assert app.is_running
        assert "ctrl+r opens a new session" in lines(app).casefold()
        # The server is back: Ctrl+R opens a new session, which connects and takes a message.
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.main.status.connection == "connected")
        await wait_for(pilot, lambda: app.session is not None)
        assert app.session is not None and app.session.connection_state == "connected"
        await pilot.press("ctrl+q")
    assert app.return_value == 0


async def test_a_server_that_slams_every_connection_stops_with_the_count_shown() -> None:
    from websockets.asyncio.server import serve

    from tests.reconnect.test_storm import SlammingServer

    server = SlammingServer()
    agents = demo_agents()

    async def no_wait(seconds: float) -> None:
        return None

    async with serve(server.handle, "127.0.0.1", 0) as ws_server:
        url = f"ws://127.0.0.1:{ws_server.sockets[0].getsockname()[1]}/v1/realtime"
        plan = Plan("openai", "gpt-realtime", None, url, "local-test-key")
        run_config = session_run_config(ConsoleConfig(), DEMO_RUN_CONFIG)
        run_config["reconnect"] = {"enabled": True, "max_attempts": 3, "sleep": no_wait,
                                   "healthy_after_s": 1e6}
        app = make_app(
            agents=agents, open_session=lambda: open_session(agents, plan, None, run_config),
            frame_rate=60.0,
        )
        async with app.run_test(size=(140, 40)) as pilot:
            await wait_for(pilot, lambda: any("reconnect failed after 3 attempts" in text
                                              for text in texts(app)), steps=1500)
            shown = "\n".join(texts(app))
            await pilot.press("ctrl+q")
    assert "(attempt 3 of 3)" in shown
    assert server.connections == 4
