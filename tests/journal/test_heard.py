"""What the caller heard: played audio mapped onto a reply's transcript, per delta or pro rata."""

from __future__ import annotations

import base64

from console.journal.heard import HeardTracker, SpokenReply

ITEM = "item_a1"


def audio(ms: int, *, journaled: bool = False, item: str = ITEM) -> dict[str, object]:
    pcm = b"\x00\x01" * (ms * 24)  # PCM16 at 24 kHz: 48 bytes a millisecond
    if journaled:
        return {"type": "response.output_audio.delta", "item_id": item, "delta_bytes": len(pcm)}
    return {"type": "response.output_audio.delta", "item_id": item,
            "delta": base64.b64encode(pcm).decode()}


def text(delta: str, item: str = ITEM) -> dict[str, object]:
    return {"type": "response.output_audio_transcript.delta", "item_id": item, "delta": delta}


def truncate(ms: int, item: str = ITEM) -> dict[str, object]:
    return {"type": "conversation.item.truncate", "item_id": item, "content_index": 0,
            "audio_end_ms": ms}


def test_per_delta_offsets_place_the_cut_inside_the_sentence_being_spoken() -> None:
    # As the local engine streams: a sentence's words, then that sentence's audio.
    reply = SpokenReply()
    reply.add_text(10)  # "Sentence 1" spoken over 0..1000 ms
    reply.add_audio(1000)
    reply.add_text(20)  # twenty characters spoken over 1000..3000 ms
    reply.add_audio(2000)
    assert reply.heard_chars(500) == (5, "per-delta")
    assert reply.heard_chars(1000) == (10, "per-delta")
    assert reply.heard_chars(2000) == (20, "per-delta")
    assert reply.heard_chars(3000) == (30, "per-delta")
    assert reply.heard_chars(99_999) == (30, "per-delta")  # never more than was received


def test_interleaved_deltas_follow_the_audio_not_the_average() -> None:
    # A long first delta over a short stretch of audio: proportional mapping would be wrong.
    reply = SpokenReply()
    reply.add_text(40)
    reply.add_audio(500)
    reply.add_text(4)
    reply.add_audio(1500)
    chars, method = reply.heard_chars(500)
    assert (chars, method) == (40, "per-delta")
    assert round(44 * 500 / 2000) != chars


def test_a_transcript_sent_before_any_audio_maps_in_proportion() -> None:
    reply = SpokenReply()
    for _ in range(4):
        reply.add_text(25)
    reply.add_audio(4000)
    assert reply.heard_chars(1000) == (25, "proportional")
    assert reply.heard_chars(-5) == (0, "proportional")


def test_the_tracker_reads_the_wire_and_answers_on_the_truncate() -> None:
    tracker = HeardTracker()
    for event in (text("Hello there. "), audio(600), text("How are you today?"), audio(900)):
        assert tracker.wire("recv", event) is None
    heard = tracker.wire("sent", truncate(600))
    assert heard is not None
    assert (heard.item_id, heard.chars, heard.method) == (ITEM, 13, "per-delta")
    assert heard.audio_ms == 1500
    # Another item's truncate, or one for an item never heard of, says nothing wrong.
    assert tracker.wire("sent", truncate(100, "item_other")) is None


def test_journaled_audio_counts_and_g711_rates() -> None:
    journaled = HeardTracker()
    live = HeardTracker()
    for tracker, journal in ((journaled, True), (live, False)):
        tracker.wire("recv", text("abcdefghij"))
        tracker.wire("recv", audio(1000, journaled=journal))
    a, b = journaled.wire("sent", truncate(500)), live.wire("sent", truncate(500))
    assert a is not None and b is not None and a.chars == b.chars == 5

    g711 = HeardTracker()
    g711.wire("recv", {"type": "session.updated",
                       "session": {"audio": {"output": {"format": {"type": "audio/pcmu"}}}}})
    g711.wire("recv", text("abcdefghij"))
    # 8000 bytes of μ-law is one second (as 48000 bytes of PCM16 would be).
    g711.wire("recv", {"type": "response.output_audio.delta", "item_id": ITEM,
                       "delta_bytes": 8000})
    heard = g711.wire("sent", truncate(500))
    assert heard is not None and heard.audio_ms == 1000 and heard.chars == 5
