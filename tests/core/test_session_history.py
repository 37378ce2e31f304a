"""History kept from model events: add, insert after, merge without losing text, delete."""

from __future__ import annotations

from typing import Any

import pytest

from console.realtime import (
    AssistantAudio,
    AssistantMessageItem,
    AssistantText,
    InputAudio,
    InputImage,
    InputText,
    RealtimeAgent,
    RealtimeModelInputAudioTranscriptionCompletedEvent,
    RealtimeModelItemDeletedEvent,
    RealtimeModelItemUpdatedEvent,
    RealtimeModelOutputTextDeltaEvent,
    RealtimeModelTranscriptDeltaEvent,
    RealtimeSession,
    RealtimeToolCallItem,
    UserMessageItem,
)
from console.realtime.testing import ScriptedRealtimeModel

from .conftest import Reader, start


def ids(session: RealtimeSession[Any]) -> list[str]:
    return [item.item_id for item in session.history]


async def updated(model: ScriptedRealtimeModel, item: Any) -> None:
    await model.emit(RealtimeModelItemUpdatedEvent(item=item))


@pytest.fixture
async def session(model: ScriptedRealtimeModel) -> Any:
    s = await start(RealtimeAgent("Main"), model)
    yield s
    await s.close()


async def test_items_are_appended_or_inserted_after_previous(
    model: ScriptedRealtimeModel, session: RealtimeSession[Any]
) -> None:
    await updated(model, UserMessageItem(item_id="u1", content=[InputText(text="hi")]))
    await updated(model, AssistantMessageItem(item_id="a1", previous_item_id="u1"))
    await updated(model, UserMessageItem(item_id="u2", previous_item_id="u1"))
    await updated(model, UserMessageItem(item_id="u3", previous_item_id="missing"))
    await updated(model, UserMessageItem(item_id="u4", previous_item_id="u2"))
    assert ids(session) == ["u1", "u2", "u4", "a1", "u3"]
    # Positions stay right after middle inserts (the index is rebuilt lazily).
    view: Any = session.history
    assert [view.index_of(i) for i in ids(session)] == [0, 1, 2, 3, 4]
    assert view.get("a1").item_id == "a1" and view.get("zzz") is None
    added = [e for e in await finish(session) if e.type == "history_added"]
    assert [e.item.item_id for e in added] == ["u1", "a1", "u2", "u3", "u4"]


async def test_update_in_place_keeps_known_transcript_and_text(
    model: ScriptedRealtimeModel, session: RealtimeSession[Any]
) -> None:
    await updated(model, AssistantMessageItem(item_id="a1", status="in_progress"))
    stored = session.history[0]
    for delta in ("Hello", " there"):
        await model.emit(RealtimeModelTranscriptDeltaEvent(item_id="a1", delta=delta,
                                                           response_id="r1"))
    assert stored.content[0].transcript == "Hello there"  # type: ignore[union-attr]
    # A later snapshot without the transcript (as item.retrieved sends) must not erase it.
    await updated(model, AssistantMessageItem(item_id="a1", status="completed",
                                              content=[AssistantAudio(transcript=None)]))
    # A stale shorter snapshot must not shorten it either.
    await updated(model, AssistantMessageItem(item_id="a1",
                                              content=[AssistantAudio(transcript="Hello")]))
    # An empty content list keeps the content.
    await updated(model, AssistantMessageItem(item_id="a1", content=[]))
    assert session.history[0] is stored  # mutated in place: references stay valid
    assert stored.status == "completed"  # type: ignore[union-attr]
    assert stored.content[0].transcript == "Hello there"  # type: ignore[union-attr]
    # A full, different transcript from the server does replace it.
    await updated(model, AssistantMessageItem(item_id="a1",
                                              content=[AssistantAudio(transcript="Hi there!")]))
    assert stored.content[0].transcript == "Hi there!"  # type: ignore[union-attr]
    events = await finish(session)
    types = [e.type for e in events]
    # One initial history_updated at enter, then one per snapshot of the existing item.
    assert types.count("history_added") == 1 and types.count("history_updated") == 5
    updates = [e for e in events if e.type == "history_updated"]
    assert all(u.history is session.history for u in updates)  # a live view, not a copy


async def finish(session: RealtimeSession[Any]) -> list[Any]:
    await session.close()
    return await Reader(session).rest()


async def test_user_transcription_fills_the_audio_item(
    model: ScriptedRealtimeModel, session: RealtimeSession[Any]
) -> None:
    await updated(model, UserMessageItem(item_id="u1", content=[InputAudio(transcript=None)]))
    await model.emit(RealtimeModelInputAudioTranscriptionCompletedEvent(
        item_id="u1", transcript="book a table"))
    await updated(model, UserMessageItem(item_id="u1", content=[InputAudio(audio=None)]))
    item: Any = session.history[0]
    assert item.content[0].transcript == "book a table"
    # Transcription before the item is known creates it; the item arriving later merges.
    await model.emit(RealtimeModelInputAudioTranscriptionCompletedEvent(
        item_id="u2", transcript="early"))
    await updated(model, UserMessageItem(item_id="u2", previous_item_id="u1",
                                         content=[InputAudio()]))
    assert ids(session) == ["u1", "u2"]
    assert session.history[1].content[0].transcript == "early"  # type: ignore[union-attr]


async def test_text_deltas_and_images_are_kept(
    model: ScriptedRealtimeModel, session: RealtimeSession[Any]
) -> None:
    for delta in ("a", "b", "c"):
        await model.emit(RealtimeModelOutputTextDeltaEvent(item_id="t1", delta=delta,
                                                           response_id="r"))
    item: Any = session.history[0]
    assert isinstance(item.content[0], AssistantText) and item.content[0].text == "abc"
    await updated(model, AssistantMessageItem(item_id="t1", content=[AssistantText()]))
    assert item.content[0].text == "abc"
    await updated(model, UserMessageItem(item_id="u1", content=[
        InputImage(image_url="data:1"), InputText(text="what is this")]))
    await updated(model, UserMessageItem(item_id="u1", content=[InputText(text="what is this")]))
    parts = session.history[1].content  # type: ignore[union-attr]
    assert [p.type for p in parts] == ["input_image", "input_text"]


async def test_tool_call_item_keeps_output_and_arguments(
    model: ScriptedRealtimeModel, session: RealtimeSession[Any]
) -> None:
    await updated(model, RealtimeToolCallItem(item_id="f1", call_id="c1", name="add",
                                              arguments='{"a":1}'))
    await updated(model, RealtimeToolCallItem(item_id="f1", call_id="c1", output="2",
                                              status="completed"))
    await updated(model, RealtimeToolCallItem(item_id="f1", name="add", status="completed"))
    item: Any = session.history[0]
    assert (item.name, item.arguments, item.output, item.status, item.call_id) == (
        "add", '{"a":1}', "2", "completed", "c1")


async def test_item_type_change_replaces_and_delete_removes(
    model: ScriptedRealtimeModel, session: RealtimeSession[Any]
) -> None:
    for i in range(5):
        await updated(model, UserMessageItem(item_id=f"u{i}"))
    await updated(model, AssistantMessageItem(item_id="u2"))
    assert isinstance(session.history[2], AssistantMessageItem)
    await model.emit(RealtimeModelItemDeletedEvent(item_id="u1"))
    await model.emit(RealtimeModelItemDeletedEvent(item_id="absent"))
    assert ids(session) == ["u0", "u2", "u3", "u4"]
    view: Any = session.history
    assert view.index_of("u4") == 3 and view.get("u1") is None
    with pytest.raises(ValueError):
        view.index_of("u1")
    await updated(model, UserMessageItem(item_id="u5", previous_item_id="u0"))
    assert ids(session) == ["u0", "u5", "u2", "u3", "u4"]
    await model.emit(RealtimeModelItemDeletedEvent(item_id="u4"))
    assert ids(session) == ["u0", "u5", "u2", "u3"]
    assert [view.index_of(i) for i in ids(session)] == [0, 1, 2, 3]
    types = [e.type for e in await finish(session)]
    # initial + type change + two real deletions (deleting an unknown id changes nothing)
    assert types.count("history_updated") == 4 and types.count("history_added") == 6


async def test_history_is_read_only(session: RealtimeSession[Any]) -> None:
    history: Any = session.history
    with pytest.raises((TypeError, AttributeError)):
        history.append(UserMessageItem(item_id="x"))
    with pytest.raises(TypeError):
        history[0] = UserMessageItem(item_id="x")
    assert len(history) == 0 and list(history) == []
