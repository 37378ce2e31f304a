"""Session lifecycle: settings at connect, iteration, close and disconnect, sending."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from console.realtime import (
    DEFAULT_MODEL_SETTINGS,
    RealtimeAgent,
    RealtimeModelAudioEvent,
    RealtimeModelEndOfStreamEvent,
    RealtimeModelErrorEvent,
    RealtimeModelSendAudio,
    RealtimeModelSendInterrupt,
    RealtimeModelSendSessionUpdate,
    RealtimeModelSendUserInput,
    RealtimeModelToolCallEvent,
    RealtimeRunner,
    RealtimeSession,
    UserError,
    function_tool,
    realtime_handoff,
)
from console.realtime.testing import ScriptedRealtimeModel

from .conftest import GUARD_S, Reader, start


@function_tool
def lookup(q: str) -> str:
    return q


@function_tool(is_enabled=False)
def hidden() -> str:
    return ""


async def test_settings_precedence_at_connect(model: ScriptedRealtimeModel) -> None:
    other = RealtimeAgent("Other")
    agent = RealtimeAgent(
        "Main",
        instructions=lambda ctx, a: f"for {ctx.context}",
        tools=[lookup, hidden],
        handoffs=[other, realtime_handoff(RealtimeAgent("Off"), is_enabled=False)],
        prompt={"id": "pmpt_1"},
    )
    session = await start(
        agent,
        model,
        context="ann",
        config={"model_settings": {"voice": "verse", "speed": 1.1, "model_name": "run-model"},
                "tracing_disabled": True},
        model_config={"initial_model_settings": {"voice": "cedar"}, "url": "ws://x"},
    )
    options = model.connect_options
    assert options is not None and options["url"] == "ws://x"
    settings: Any = options["initial_model_settings"]
    assert settings["voice"] == "cedar"  # model config beats run config
    assert settings["speed"] == 1.1  # run config beats defaults
    assert settings["model_name"] == "run-model"
    assert settings["turn_detection"] == DEFAULT_MODEL_SETTINGS["turn_detection"]  # defaults
    assert settings["instructions"] == "for ann"
    assert settings["prompt"] == {"id": "pmpt_1"}
    assert [t.name for t in settings["tools"]] == ["lookup"]
    assert [h.tool_name for h in settings["handoffs"]] == ["transfer_to_other"]
    assert settings["tracing"] is None
    assert DEFAULT_MODEL_SETTINGS.get("instructions") is None  # defaults left untouched
    await session.close()


async def test_explicit_initial_settings_win_over_the_agent_at_connect_only(
    model: ScriptedRealtimeModel,
) -> None:
    agent = RealtimeAgent("Main", instructions="agent text")
    session = await start(
        agent, model, model_config={"initial_model_settings": {"instructions": "explicit"}}
    )
    assert model.connect_options["initial_model_settings"]["instructions"] == "explicit"  # type: ignore[index]
    await session.update_agent(RealtimeAgent("Next", instructions="next text"))
    update = model.sent_of("send_session_update")[-1]
    assert update.session_settings["instructions"] == "next text"
    await session.close()


async def test_duplicate_tool_names_are_refused(model: ScriptedRealtimeModel) -> None:
    clash = RealtimeAgent("lookup")
    agent = RealtimeAgent("Main", tools=[lookup, lookup])
    with pytest.raises(UserError):
        await start(agent, model)
    agent2 = RealtimeAgent("Main", tools=[lookup],
                           handoffs=[realtime_handoff(clash, tool_name_override="lookup")])
    with pytest.raises(UserError):
        await start(agent2, ScriptedRealtimeModel(strict=False))


async def test_enter_emits_history_then_agent_changed_and_iteration_ends_on_close(
    model: ScriptedRealtimeModel,
) -> None:
    agent = RealtimeAgent("Main")
    session = await start(agent, model)
    reader = Reader(session)
    assert (await reader.next()).type == "history_updated"  # first, as in the SDK
    changed = await reader.next()
    assert changed.type == "agent_changed" and changed.agent is agent  # type: ignore[union-attr]
    assert changed.previous is None  # type: ignore[union-attr]
    await session.close()
    rest = await reader.rest()
    assert [e.type for e in rest] == ["session_closed"]
    assert rest[-1].reason == "closed"  # type: ignore[union-attr]
    assert model.closed and model.listeners == ()
    # A new iterator after close ends at once; close is idempotent.
    assert [e async for e in session] == []
    await asyncio.wait_for(session.close(), GUARD_S)


async def test_waiting_iterators_all_end_when_the_server_disconnects(
    model: ScriptedRealtimeModel,
) -> None:
    session = await start(RealtimeAgent("Main"), model)

    async def consume(iterator: AsyncIterator[Any]) -> list[str]:
        return [e.type async for e in iterator]

    plain = [asyncio.create_task(consume(aiter(session))) for _ in range(2)]
    opted_in = [asyncio.create_task(consume(session.events())) for _ in range(2)]
    await asyncio.sleep(0)
    await model.disconnect()
    results = await asyncio.wait_for(asyncio.gather(*plain, *opted_in), GUARD_S)
    # Plain iteration ends as the SDK's; each events() iterator gets the close event, last.
    assert all("session_closed" not in r for r in results[:2])
    assert all(r[-1] == "session_closed" and r.count("session_closed") == 1 for r in results[2:])
    assert session.closed and session.closed_reason == "disconnected"
    await asyncio.wait_for(session.close(), GUARD_S)
    assert model.closed


async def test_async_with_closes_and_session_closed_carries_reason(
    model: ScriptedRealtimeModel,
) -> None:
    runner = RealtimeRunner(RealtimeAgent("Main"), model=model)
    async with await runner.run() as session:
        assert isinstance(session, RealtimeSession)
        assert model.connected
    events = await asyncio.wait_for(_all(session), GUARD_S)
    assert "session_closed" not in [e.type for e in events]
    assert session.closed_reason == "closed" and session.closed_error is None
    assert model.closed


async def _all(session: RealtimeSession[Any]) -> list[Any]:
    return [e async for e in session]


async def test_sending_maps_to_model_inputs_and_is_a_no_op_after_close(
    model: ScriptedRealtimeModel,
) -> None:
    session = await start(RealtimeAgent("Main"), model)
    await session.send_message("hello")
    message = {"type": "message", "role": "user",
               "content": [{"type": "input_text", "text": "hi"}]}
    await session.send_message(message)  # type: ignore[arg-type]
    await session.send_audio(b"\x00\x01", commit=True)
    await session.interrupt()
    assert model.sent == [
        RealtimeModelSendUserInput(user_input="hello"),
        RealtimeModelSendUserInput(user_input=message),  # type: ignore[arg-type]
        RealtimeModelSendAudio(audio=b"\x00\x01", commit=True),
        RealtimeModelSendInterrupt(),
    ]
    await session.close()
    sent = len(model.sent)
    await session.send_message("late")
    await session.send_audio(b"\x00")
    await session.interrupt()
    assert len(model.sent) == sent
    with pytest.raises(UserError):
        await session.enter()


async def test_close_does_not_hang_on_a_stuck_tool_or_a_stuck_model() -> None:
    release = asyncio.Event()

    @function_tool
    async def stuck() -> str:
        try:
            await release.wait()
        except asyncio.CancelledError:
            await asyncio.sleep(0)  # a tool that takes a moment to stop
            raise
        return "never"

    class StuckModel(ScriptedRealtimeModel):
        async def close(self) -> None:
            await asyncio.Event().wait()

    model = StuckModel()
    session = await start(RealtimeAgent("Main", tools=[stuck]), model)
    session.close_timeout_s = 0.05
    reader = Reader(session)
    await model.emit(RealtimeModelToolCallEvent(name="stuck", call_id="c1", arguments="{}"))
    await reader.until("tool_start")
    task = next(iter(session._tools.tasks))
    await asyncio.wait_for(session.close(), GUARD_S)
    assert task.cancelled()
    assert (await reader.rest())[-1].type == "session_closed"


async def test_close_from_inside_a_tool(model: ScriptedRealtimeModel) -> None:
    holder: dict[str, RealtimeSession[Any]] = {}
    done = asyncio.Event()

    @function_tool
    async def hang_up() -> str:
        await holder["s"].close()
        done.set()  # close() returned to the tool that called it
        return "bye"

    session = await start(RealtimeAgent("Main", tools=[hang_up]), model)
    holder["s"] = session
    await model.emit(RealtimeModelToolCallEvent(name="hang_up", call_id="c1", arguments="{}"))
    await asyncio.wait_for(_all(session), GUARD_S)
    assert session.closed_reason == "closed"
    await asyncio.wait_for(done.wait(), GUARD_S)
    assert model.closed


async def test_update_agent_sends_session_update_and_switches(
    model: ScriptedRealtimeModel,
) -> None:
    first, second = RealtimeAgent("First"), RealtimeAgent("Second", instructions="2nd",
                                                          tools=[lookup])
    session = await start(first, model)
    reader = Reader(session)
    await session.update_agent(second)
    assert session.current_agent is second
    update = model.sent[-1]
    assert isinstance(update, RealtimeModelSendSessionUpdate)
    assert update.session_settings["instructions"] == "2nd"
    assert [t.name for t in update.session_settings["tools"]] == ["lookup"]
    assert update.session_settings["voice"] == DEFAULT_MODEL_SETTINGS["voice"]
    changed = await reader.until("agent_changed", lambda e: e.previous is not None)
    assert changed.agent is second and changed.previous is first  # type: ignore[union-attr]
    await session.close()
    assert "agent_end" not in reader.types()  # agent_start/agent_end mark turns only


async def test_update_agent_reverts_when_the_update_cannot_be_sent() -> None:
    class Failing(ScriptedRealtimeModel):
        async def send_event(self, event: Any) -> None:
            raise ConnectionError("gone")

    model = Failing()
    first = RealtimeAgent("First")
    session = await start(first, model)
    with pytest.raises(ConnectionError):
        await session.update_agent(RealtimeAgent("Second"))
    assert session.current_agent is first
    await session.close()


async def test_raw_model_event_for_every_model_event(model: ScriptedRealtimeModel) -> None:
    session = await start(RealtimeAgent("Main"), model)
    audio = RealtimeModelAudioEvent(data=b"\x00\x00", response_id="r", item_id="i",
                                    content_index=0)
    await model.emit(audio)
    await session.close()
    events = await asyncio.wait_for(_all(session), GUARD_S)
    raw = [e for e in events if e.type == "raw_model_event"]
    assert [r.data for r in raw] == [audio]


async def test_a_failing_model_close_reaches_every_caller_and_close_retries() -> None:
    class FailsOnce(ScriptedRealtimeModel):
        def __init__(self) -> None:
            super().__init__(strict=False)
            self.attempts = 0
            self.started = asyncio.Event()
            self.release = asyncio.Event()

        async def close(self) -> None:
            self.attempts += 1
            self.started.set()
            await self.release.wait()
            if self.attempts == 1:
                raise RuntimeError("close failed")
            await super().close()

    model = FailsOnce()
    session = await start(RealtimeAgent("Main"), model)
    first = asyncio.create_task(session.close())
    await asyncio.wait_for(model.started.wait(), GUARD_S)
    second = asyncio.create_task(session.close())
    model.release.set()
    results = await asyncio.wait_for(
        asyncio.gather(first, second, return_exceptions=True), GUARD_S
    )
    assert isinstance(results[0], RuntimeError) and results[1] is results[0]
    assert model.attempts == 1 and session.closed  # closing, the model not yet closed
    await asyncio.wait_for(session.close(), GUARD_S)  # tries the model again
    assert model.attempts == 2 and model.closed
    await asyncio.wait_for(session.close(), GUARD_S)  # and then is a no-op
    assert model.attempts == 2


async def test_iterator_aclose_stops_that_iterator_only(model: ScriptedRealtimeModel) -> None:
    session = await start(RealtimeAgent("Main"), model)
    first, second = session.__aiter__(), session.__aiter__()
    await first.aclose()
    with pytest.raises(StopAsyncIteration):
        await first.__anext__()
    assert (await asyncio.wait_for(second.__anext__(), GUARD_S)).type == "history_updated"
    assert not session.closed
    await session.close()


async def test_an_iterator_waiting_before_enter_ends_on_close() -> None:
    session = await RealtimeRunner(
        RealtimeAgent("Main"), model=ScriptedRealtimeModel(strict=False)
    ).run()
    waiting = asyncio.create_task(anext(session.__aiter__(), None))
    await asyncio.sleep(0)
    assert not waiting.done()
    await asyncio.wait_for(session.close(), GUARD_S)
    # It ends as the SDK's does: no further event, StopAsyncIteration (anext's default here).
    assert await asyncio.wait_for(waiting, GUARD_S) is None
    assert session.closed_reason == "closed"


async def test_anext_after_the_last_event_stops_and_the_reason_stays_on_the_session(
    model: ScriptedRealtimeModel,
) -> None:
    session = await start(RealtimeAgent("Main"), model)
    assert session.closed_reason is None and session.closed_error is None
    plain = aiter(session)
    await model.emit(RealtimeModelErrorEvent(error={"message": "boom"}))
    await model.emit(RealtimeModelEndOfStreamEvent())
    seen = []
    while (event := await asyncio.wait_for(anext(plain, None), GUARD_S)) is not None:
        seen.append(event)
    # The stream's last event is the model's end of stream; the next anext() stops.
    assert seen[-1].type == "raw_model_event" and seen[-1].data.type == "end_of_stream"
    assert "error" in [e.type for e in seen]
    with pytest.raises(StopAsyncIteration):
        await anext(aiter(session))
    # events() is the console's opt-in: the same stream plus a last session_closed event.
    got = [e async for e in session.events()]
    assert [e.type for e in got] == ["session_closed"]
    assert got[-1].reason == session.closed_reason == "end of stream"  # type: ignore[union-attr]
    await session.close()
