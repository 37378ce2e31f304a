"""Responses and items: cancel, truncate, retrieve/delete, deferral, overrides, concurrency."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from console.engine import LocalEngine
from console.engine.conversation import Conversation
from console.engine.ids import IdGenerator
from console.engine.job_steps import Emit, Synthesize
from console.engine.voice import SyntheticVoice

from .support import Client, audio_ms, checked, drive


def _user(text: str, **extra: Any) -> dict[str, Any]:
    item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    return {"type": "conversation.item.create", "item": item, **extra}


def _conversation() -> Conversation:
    conv = Conversation(ids=IdGenerator(3), clock=lambda: 1_700_000_000.0)
    checked(conv.start())
    return conv


def test_cancel_between_deltas_is_exact() -> None:
    """Sans-I/O: a cancel lands between two audio deltas and the response closes right there."""
    conv = _conversation()
    checked(conv.handle(_user("Tell me everything you know about whales and dolphins, please.")))
    assert conv.handle({"type": "response.create"}) == []
    job = conv.next_job()
    assert job is not None
    events: list[dict[str, Any]] = []
    reply: Any = None
    deltas = 0
    while True:
        step = job.send(reply)
        reply = None
        if isinstance(step, Synthesize):
            reply = SyntheticVoice().synthesize(step.text, step.voice)
            continue
        assert isinstance(step, Emit)
        events += checked(step.events)
        if step.events[-1]["type"] == "response.output_audio.delta":
            deltas += 1
            if deltas == 3:
                assert conv.handle({"type": "response.cancel"}) == []
        if step.events[-1]["type"] == "response.done":
            break
    types = [e["type"] for e in events]
    assert types.count("response.output_audio.delta") == 3
    assert types[types.index("response.output_audio.done") :] == [
        "response.output_audio.done",
        "response.output_audio_transcript.done",
        "response.content_part.done",
        "conversation.item.done",
        "response.output_item.done",
        "response.done",
    ]
    done = events[-1]["response"]
    assert done["status"] == "cancelled"
    assert done["status_details"] == {"type": "cancelled", "reason": "client_cancelled"}
    assert done["output"][0]["status"] == "incomplete"


async def test_cancel_over_the_socket() -> None:
    async with LocalEngine(voice="synthetic", transcriber="placeholder", pace=1.0) as engine:
        client = await Client.connect(engine)
        await client.send(
            _user("Read me a very long poem about the patient, endless, grey sea. " * 3)
        )
        await client.send({"type": "response.create"})
        await client.until("response.output_audio.delta")
        await client.send({"type": "response.cancel"})
        events = await client.until("response.done")
        await client.close()
    assert events[-1]["response"]["status"] == "cancelled"
    assert audio_ms(client.received) < 3000  # the whole answer is about 15 s of audio


async def test_truncate_retrieve_and_delete(client: Client) -> None:
    await client.send(_user("Hello"))
    await client.send({"type": "response.create"})
    events = await client.until("response.done")
    item = events[-1]["response"]["output"][0]
    total_ms = audio_ms(events)
    await client.send(
        {
            "type": "conversation.item.truncate",
            "item_id": item["id"],
            "content_index": 0,
            "audio_end_ms": 300,
        }
    )
    truncated = await client.recv()
    assert truncated == {**truncated, "type": "conversation.item.truncated", "audio_end_ms": 300}
    await client.send({"type": "conversation.item.retrieve", "item_id": item["id"]})
    kept = (await client.recv())["item"]
    assert len(base64.b64decode(kept["content"][0]["audio"])) == 300 * 48
    assert kept["content"][0]["transcript"] == ""  # as the API: no text the user did not hear
    await client.send(
        {
            "type": "conversation.item.truncate",
            "item_id": item["id"],
            "content_index": 0,
            "audio_end_ms": 99999,
        }
    )
    error = (await client.recv())["error"]
    assert error["param"] == "audio_end_ms" and "shorter" in error["message"]
    assert total_ms > 300
    user_id = events[1]["item"]["id"]
    await client.send(
        {
            "type": "conversation.item.truncate",
            "item_id": user_id,
            "content_index": 0,
            "audio_end_ms": 0,
        }
    )
    assert (await client.recv())["error"]["code"] == "invalid_value"
    await client.send({"type": "conversation.item.delete", "item_id": user_id})
    assert (await client.recv()) == {
        **client.received[-1],
        "type": "conversation.item.deleted",
        "item_id": user_id,
    }
    await client.send({"type": "conversation.item.retrieve", "item_id": user_id})
    assert (await client.recv())["error"]["code"] == "item_not_found"


async def test_item_created_during_a_response_waits_for_it(client: Client) -> None:
    await client.send(_user("First question"))
    await client.send({"type": "response.create"})
    await client.until("response.created")
    await client.send(_user("Second question"))
    events = await client.until("conversation.item.done")
    while events[-1]["item"]["role"] != "user":
        events += await client.until("conversation.item.done")
    types = [e["type"] for e in events]
    assert types.index("response.done") < types.index(
        "conversation.item.added", types.index("response.done")
    )
    added = [e for e in events if e["type"] == "conversation.item.added"][-1]
    assert (
        added["previous_item_id"]
        == events[types.index("response.done")]["response"]["output"][0]["id"]
    )


async def test_text_modality_and_response_overrides(client: Client) -> None:
    await client.send(_user("Hello there, general."))
    await client.send(
        {
            "type": "response.create",
            "response": {
                "output_modalities": ["text"],
                "conversation": "none",
                "metadata": {"topic": "test"},
                "max_output_tokens": 3,
            },
        }
    )
    events = await client.until("response.done")
    types = [e["type"] for e in events]
    types = types[types.index("response.created") :]
    assert "response.output_audio.delta" not in types
    assert "conversation.item.added" not in types  # out of band: not added to the conversation
    assert types.count("response.output_text.delta") == 3
    response = events[-1]["response"]
    assert response["status"] == "incomplete"
    assert response["status_details"] == {"type": "incomplete", "reason": "max_output_tokens"}
    assert response["conversation_id"] is None
    assert response["metadata"] == {"topic": "test"}
    text = response["output"][0]["content"][0]
    assert text == {"type": "output_text", "text": "You said:"}


async def test_items_insert_after_previous_item_id(client: Client) -> None:
    await client.send(_user("one"))
    first = (await client.until("conversation.item.done"))[-1]["item"]["id"]
    await client.send(_user("zero", previous_item_id="root"))
    added = (await client.until("conversation.item.done"))[-2]
    assert added["previous_item_id"] is None
    await client.send(_user("between", previous_item_id=added["item"]["id"]))
    between = (await client.until("conversation.item.done"))[-2]
    assert between["previous_item_id"] == added["item"]["id"]
    await client.send(_user("lost", previous_item_id="item_missing"))
    assert (await client.recv())["error"]["param"] == "previous_item_id"
    await client.send(
        {"type": "conversation.item.create", "item": {"id": first, **_user("dup")["item"]}}
    )
    assert (await client.recv())["error"]["code"] == "duplicate_item_id"


def test_seeded_ids_make_runs_identical() -> None:
    def run() -> list[dict[str, Any]]:
        conv = _conversation()
        events = checked(conv.handle(_user("Same every time")))
        events += conv.handle({"type": "response.create"})
        return events + drive(conv)

    first, second = run(), run()
    assert first == second
    assert {e["event_id"][:6] for e in first} == {"event_"}
    assert first[-1]["response"]["id"].startswith("resp_")
    assert first[0]["item"]["id"].startswith("item_")


async def test_many_connections_are_separate_conversations(engine: LocalEngine) -> None:
    async def talk(n: int) -> str:
        client = await Client.connect(engine)
        await client.send(_user(f"I am client {n}"))
        await client.send({"type": "response.create"})
        events = await client.until("response.done")
        await client.close()
        items = [e for e in events if e["type"] == "conversation.item.added"]
        assert items[0]["previous_item_id"] is None  # nobody else's items in this conversation
        transcript: str = events[-1]["response"]["output"][0]["content"][0]["transcript"]
        return transcript

    replies = await asyncio.gather(*(talk(n) for n in range(12)))
    assert replies == [f'You said: "I am client {n}".' for n in range(12)]


async def test_output_audio_buffer_clear_is_explained(client: Client) -> None:
    await client.send({"type": "output_audio_buffer.clear"})
    error = (await client.recv())["error"]
    assert "conversation.item.truncate" in error["message"]


async def test_session_update_answers_with_the_full_session(client: Client) -> None:
    await client.send(
        {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "instructions": "Be brief.",
                "audio": {
                    "input": {
                        "transcription": {"model": "whisper-1"},
                        "turn_detection": {"type": "server_vad", "create_response": False},
                    },
                    "output": {"voice": "marin"},
                },
                "tools": [{"type": "function", "name": "ping"}],
                "tool_choice": "required",
            },
        }
    )
    session = (await client.recv())["session"]
    assert session["instructions"] == "Be brief."
    assert session["audio"]["input"]["transcription"] == {
        "model": "whisper-1",
        "language": None,
        "prompt": None,
    }
    detection = session["audio"]["input"]["turn_detection"]
    assert detection == {
        **detection,
        "threshold": 0.5,
        "create_response": False,
        "interrupt_response": True,
    }
    assert session["audio"]["output"] == {
        "format": {"type": "audio/pcm", "rate": 24000},
        "voice": "marin",
        "speed": 1.0,
    }
    assert session["tools"] == [
        {"type": "function", "name": "ping", "description": None, "parameters": None}
    ]
    await client.send(_user("anything"))
    await client.send({"type": "response.create"})
    events = await client.until("response.done")
    assert events[-1]["response"]["output"][0]["name"] == "ping"  # tool_choice required
    await client.send({"type": "response.create", "response": {"tool_choice": "none"}})
    await client.until("response.done")  # now the conversation has assistant audio
    await client.send(
        {
            "type": "session.update",
            "session": {"type": "realtime", "audio": {"output": {"voice": "ash"}}},
        }
    )
    assert (await client.recv())["error"]["code"] == "cannot_update_voice"
    await client.send(
        json.dumps(
            {
                "type": "session.update",
                "session": {
                    "type": "realtime",
                    "audio": {"output": {"format": {"type": "audio/pcm", "rate": 16000}}},
                },
            }
        )
    )
    assert (await client.recv())["error"]["param"] == "session.audio.output.format.rate"
