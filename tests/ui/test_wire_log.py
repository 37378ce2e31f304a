"""WireLog: bounded, redacted like the journal, audio summarised; the inspector's filters."""

from __future__ import annotations

import base64
import json
import re

import pytest

from console.journal.redact import REDACTED, Redactor
from console.journal.wire_log import WireFilter, WireLog

KEY = "sk-test-1234567890abcdef"


def test_the_ring_keeps_the_newest_and_memory_stays_flat() -> None:
    log = WireLog(capacity=100, clock=lambda: 0.0)
    for n in range(1000):
        log.record("recv", {"type": "response.output_text.delta", "delta": f"w{n}"})
    assert len(log) == 100 and log.seq == 1000
    kept = list(log)
    assert kept[0].seq == 901 and kept[-1].data["delta"] == "w999"
    assert [e.seq for e in log.since(995)] == [996, 997, 998, 999, 1000]
    assert len(log.since(0)) == 100  # what dropped off the ring is not invented


def test_audio_is_a_byte_count_and_the_size_is_the_wire_size() -> None:
    log = WireLog(clock=lambda: 0.0)
    pcm = bytes(4800)
    payload = base64.b64encode(pcm).decode()
    event = {"type": "response.output_audio.delta", "item_id": "i", "delta": payload}
    log.record("recv", event)
    retrieved = {"type": "conversation.item.retrieved", "item": {
        "id": "i", "content": [{"type": "output_audio", "audio": payload, "transcript": "hi"}]}}
    log.record("recv", retrieved)
    delta, item = list(log)
    assert "delta" not in delta.data and delta.data["delta_bytes"] == 4800
    assert delta.size >= len(json.dumps(event, separators=(",", ":"))) - 20
    part = item.data["item"]["content"][0]
    assert part == {"type": "output_audio", "audio_bytes": 4800, "transcript": "hi"}
    assert payload not in item.pretty() and item.size > len(payload)


def test_known_secrets_are_redacted_as_the_journal_does() -> None:
    log = WireLog(Redactor([KEY]), clock=lambda: 0.0)
    log.record("recv", {"type": "error", "error": {"message": f"bad key {KEY}"}})
    log.record("sent", {"type": "session.update", "session": {"api_key": "anything"}})
    log.record("recv", {"type": "x", "text": "Bearer abc.def"})
    shown = "\n".join(entry.pretty() for entry in log)
    assert KEY not in shown and "anything" not in shown and "abc.def" not in shown
    assert shown.count(REDACTED) == 3


def test_filters_by_type_and_by_regex_over_the_json() -> None:
    log = WireLog(clock=lambda: 0.0)
    log.record("sent", {"type": "response.create"})
    log.record("recv", {"type": "response.output_text.delta", "delta": "Lisbon"})
    log.record("recv", {"type": "response.output_text.delta", "delta": "Porto"})
    log.record("recv", {"type": "response.done", "response": {"status": "completed"}})
    by_type = WireFilter.build("response.output_text.delta", "")
    assert [e.data["delta"] for e in by_type.apply(log)] == ["Lisbon", "Porto"]
    both = WireFilter.build("response.output_text.delta", "lisbon")
    assert [e.data["delta"] for e in both.apply(log)] == ["Lisbon"]
    assert [e.type for e in WireFilter.build(None, "status").apply(log)] == ["response.done"]
    with pytest.raises(re.error):
        WireFilter.build(None, "(unclosed")
