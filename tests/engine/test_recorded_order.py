"""Conformance: the engine's event order matches recordings of the real API, turn for turn.

The recordings are replayed: the client events they sent are sent to the engine, and the types of
the events that come back are compared with the recorded ones. Ids, text and audio differ by
design; how many deltas a part streams does too, so runs of one delta type count as one entry.
"""

from __future__ import annotations

from console.engine import LocalEngine

from .support import (
    Client,
    collapse,
    received_types,
    sent_events,
    silence_pcm,
    speech_pcm,
)

TRANSCRIPTION = (
    "conversation.item.input_audio_transcription.delta",
    "conversation.item.input_audio_transcription.completed",
)


async def test_text_turn_matches_recording(client: Client) -> None:
    for event in sent_events("text_in_audio_out_turn"):
        await client.send(event)
    await client.until("response.done")
    ours = [e["type"] for e in client.received]
    assert collapse(ours) == collapse(received_types("text_in_audio_out_turn"))
    # Like the recording: all of the (one-sentence) transcript, then all of the audio.
    last_text = max(i for i, t in enumerate(ours) if t == "response.output_audio_transcript.delta")
    assert last_text < ours.index("response.output_audio.delta")


async def test_tool_round_matches_recording(client: Client) -> None:
    sent = sent_events("tool_call_round")
    for event in sent[:3]:  # session.update (tools, text), the question, response.create
        await client.send(event)
    events = await client.until("response.function_call_arguments.done")
    done = events[-1]
    assert done["name"] == "get_weather"
    assert done["arguments"] == '{"city": "London"}'
    # The recording's client answers as soon as the arguments are done, before response.done.
    output = sent[3]
    assert output["item"]["type"] == "function_call_output"
    await client.send({**output, "item": {**output["item"], "call_id": done["call_id"]}})
    await client.until("response.done")
    await client.send(sent[4])  # response.create
    await client.until("response.done")
    assert collapse(e["type"] for e in client.received) == collapse(
        received_types("tool_call_round")
    )
    final = client.received[-1]["response"]["output"][0]["content"][0]["text"]
    assert "It is foggy and 12 degrees in London." in final


async def test_audio_turn_matches_recording(engine: LocalEngine) -> None:
    """Server VAD turn. The recording's transcription deltas arrive interleaved with the response
    (the real API transcribes in parallel); ours come right after response.created, before the
    output item. So transcription events are compared apart: same types, same item, and placed
    after the user item and before response.done."""
    client = await Client.connect(engine)
    await client.send(sent_events("audio_in_server_vad_turn")[0])  # session.update
    await client.until("session.updated")
    await client.append(
        silence_pcm(500) + speech_pcm("Hello my name is Marcelo.") + silence_pcm(800)
    )
    await client.until("response.done")
    await client.close()
    recorded = received_types("audio_in_server_vad_turn")
    ours = [e["type"] for e in client.received]
    assert collapse(t for t in ours if t not in TRANSCRIPTION) == collapse(
        t for t in recorded if t not in TRANSCRIPTION
    )
    assert collapse(t for t in ours if t in TRANSCRIPTION) == collapse(
        t for t in recorded if t in TRANSCRIPTION
    )
    first = ours.index(TRANSCRIPTION[0])
    assert ours.index("conversation.item.done") < first
    assert ours.index(TRANSCRIPTION[1]) < ours.index("response.done")
    user_item = next(e for e in client.received if e["type"] == "input_audio_buffer.committed")
    for event in client.received:
        if event["type"] in TRANSCRIPTION:
            assert event["item_id"] == user_item["item_id"]
