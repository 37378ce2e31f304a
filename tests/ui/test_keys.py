"""Keys, keymap remapping, command palette and themes, on a real session over a scripted model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from console.realtime import RealtimeRunner
from console.realtime.model_events import RealtimeModelToolCallEvent
from console.realtime.testing import ScriptedRealtimeModel
from console.ui.app import COMMANDS, RtConsoleApp
from console.ui.audio_protocols import StaticLevels
from console.ui.config import ConsoleConfig
from console.ui.demo_agents import demo_agents

from .conftest import make_app
from .test_app_local import wait_for


def scripted_app(model: ScriptedRealtimeModel, **options: Any) -> RtConsoleApp:
    agents = demo_agents()
    agents[0].tools.append(agents[0].handoffs[0].tools[0])  # type: ignore[union-attr]

    @asynccontextmanager
    async def opener() -> AsyncIterator[Any]:
        session = await RealtimeRunner(agents[0], model=model).run()
        async with session:
            yield session

    return make_app(agents=agents, open_session=opener, frame_rate=60.0, **options)


REFUND = RealtimeModelToolCallEvent(
    name="refund_order", call_id="call_7", arguments='{"order_id": "7", "amount": 5}', id="fc_7"
)


async def test_remapped_approve_key_from_the_config() -> None:
    model = ScriptedRealtimeModel(strict=False)
    app = scripted_app(model, config=ConsoleConfig(keymap={"approve": "ctrl+o"}))
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: app.session is not None)
        await model.emit(REFUND)
        await wait_for(pilot, lambda: bool(app.main.approvals.pending))
        assert "ctrl+o approves" in app.main.transcript.entries[-1].text
        await pilot.press("ctrl+y")  # the old key no longer approves
        await pilot.pause()
        assert app.main.approvals.pending
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: bool(model.sent_of("send_tool_output")))
        (sent,) = model.sent_of("send_tool_output")
        assert sent.tool_call.call_id == "call_7" and "refunded $5.00" in sent.output


async def test_approve_always_sticks_for_the_tool() -> None:
    model = ScriptedRealtimeModel(strict=False)
    app = scripted_app(model)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: app.session is not None)
        await model.emit(REFUND)
        await wait_for(pilot, lambda: bool(app.main.approvals.pending))
        await pilot.press("f5")
        await wait_for(pilot, lambda: len(model.sent_of("send_tool_output")) == 1)
        await model.emit(RealtimeModelToolCallEvent(
            name="refund_order", call_id="call_8", arguments='{"order_id": "8", "amount": 1}'
        ))
        await wait_for(pilot, lambda: len(model.sent_of("send_tool_output")) == 2)
        assert not app.main.approvals.pending
        assert any("approved always refund_order" in e.text for e in app.main.transcript.entries)


async def test_toggles_clear_theme_and_focus() -> None:
    levels = StaticLevels()
    app = make_app(levels=levels)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("f8")
        assert app.muted and levels.muted and app.main.status.muted
        await pilot.press("f9")
        assert app.push_to_talk and app.main.status.push_to_talk
        assert app.theme == "rtconsole-dark"
        await pilot.press("f2")
        assert app.theme == app.theme_names[1]
        await pilot.press("ctrl+l")
        assert app.main.transcript.entries == []
        assert app.focused is app.main.input
        await pilot.press("tab")
        assert app.focused is not app.main.input
        await pilot.press("escape")  # interrupt without a session: a visible note, no crash
        assert app.main.transcript.entries[-1].text.startswith("interrupt: not connected")


async def test_every_command_is_in_the_footer_and_the_palette() -> None:
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        titles = {command.title for command in app.get_system_commands(app.screen)}
        bound = {b.id for b in app.BINDINGS if hasattr(b, "id")}
        for binding_id, _action, title, _help in COMMANDS:
            assert binding_id in bound
            if binding_id != "quit":
                assert title in titles
        assert "Quit" in titles
        shown = {binding.binding.id for binding in app.active_bindings.values()}
        assert {"approve", "reject", "approve_always", "reject_always", "interrupt", "mute",
                "push_to_talk", "theme", "clear", "quit", "send", "focus_next"} <= shown
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Clear")
        await command.callback()  # type: ignore[misc]
        assert app.main.transcript.entries == []


async def test_unknown_theme_falls_back_with_a_note() -> None:
    app = make_app(config=ConsoleConfig(theme="no-such-theme"))
    async with app.run_test(size=(120, 30)):
        assert app.theme == "rtconsole-dark"
        assert any("unknown theme" in e.text for e in app.main.transcript.entries)


async def test_quit_closes_a_scripted_session() -> None:
    model = ScriptedRealtimeModel(strict=False)
    app = scripted_app(model)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.session is not None)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: model.closed)
    assert app.return_value == 0
