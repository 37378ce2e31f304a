"""Recorded Realtime sessions (jsonl) and what each one says happened, for any recording."""

from __future__ import annotations

import base64
import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RECORDINGS = Path(__file__).resolve().parents[1] / "fixtures" / "openai-realtime"


def recording_paths() -> list[Path]:
    """The recordings in tests/fixtures, plus files or folders in ``RTCONSOLE_RECORDINGS``."""
    paths = sorted(RECORDINGS.glob("*.jsonl")) if RECORDINGS.is_dir() else []
    for entry in filter(None, os.environ.get("RTCONSOLE_RECORDINGS", "").split(os.pathsep)):
        p = Path(entry)
        paths.extend(sorted(p.glob("*.jsonl")) if p.is_dir() else [p])
    return paths


@dataclass(frozen=True, slots=True)
class Line:
    direction: str  # "sent" by the client, or "received" from the server
    data: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.data.get("type", ""))


def load(path: Path) -> list[Line]:
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip():
            entry = json.loads(raw)
            lines.append(Line(entry["direction"], entry["data"]))
    return lines


@dataclass
class Expected:
    """What a recording shows: the facts a replay through a session must reproduce."""

    session_update: dict[str, Any] | None = None
    user_texts: list[str] = field(default_factory=list)
    user_audio_chunks: list[bytes] = field(default_factory=list)
    commits: int = 0
    user_transcripts: dict[str, str] = field(default_factory=dict)
    assistant_transcripts: dict[str, str] = field(default_factory=dict)
    assistant_texts: dict[str, str] = field(default_factory=dict)
    audio_bytes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    tool_calls: dict[str, tuple[str, str]] = field(default_factory=dict)  # call_id: (name, args)
    tool_outputs: dict[str, str] = field(default_factory=dict)  # call_id: output
    responses: dict[str, dict[str, Any]] = field(default_factory=dict)  # id: response.done body
    errors: int = 0


def expected(lines: list[Line]) -> Expected:
    exp = Expected()
    names: dict[str, str] = {}
    deltas: dict[str, list[str]] = defaultdict(list)
    text_deltas: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        d = line.data
        t = line.type
        if line.direction == "sent":
            if t == "session.update" and exp.session_update is None:
                exp.session_update = d.get("session", {})
            elif t == "conversation.item.create":
                created = d.get("item", {})
                if created.get("type") == "message" and created.get("role") == "user":
                    exp.user_texts.extend(
                        p["text"] for p in created.get("content", [])
                        if p.get("type") == "input_text"
                    )
                elif created.get("type") == "function_call_output":
                    exp.tool_outputs[created["call_id"]] = created.get("output", "")
            elif t == "input_audio_buffer.append":
                exp.user_audio_chunks.append(base64.b64decode(d["audio"]))
            elif t == "input_audio_buffer.commit":
                exp.commits += 1
            continue
        item: dict[str, Any] = d["item"] if isinstance(d.get("item"), dict) else {}
        if item.get("type") == "function_call" and item.get("name"):
            names[item["call_id"]] = item["name"]
        if t == "response.output_audio.delta":
            exp.audio_bytes[d["item_id"]] += len(base64.b64decode(d["delta"]))
        elif t == "response.output_audio_transcript.delta":
            deltas[d["item_id"]].append(d["delta"])
        elif t == "response.output_audio_transcript.done":
            exp.assistant_transcripts[d["item_id"]] = d["transcript"]
        elif t == "response.output_text.delta":
            text_deltas[d["item_id"]].append(d["delta"])
        elif t == "response.output_text.done":
            exp.assistant_texts[d["item_id"]] = d["text"]
        elif t == "conversation.item.input_audio_transcription.completed":
            exp.user_transcripts[d["item_id"]] = d["transcript"]
        elif t == "response.function_call_arguments.done":
            name = d.get("name") or names.get(d["call_id"], "")
            exp.tool_calls[d["call_id"]] = (name, d["arguments"])
        elif t == "response.output_item.done" and item.get("type") == "function_call":
            exp.tool_calls.setdefault(item["call_id"], (item["name"], item.get("arguments", "")))
        elif t == "response.done":
            exp.responses[d["response"]["id"]] = d["response"]
        elif t == "error":
            exp.errors += 1
    for item_id, parts in deltas.items():
        exp.assistant_transcripts.setdefault(item_id, "".join(parts))
    for item_id, parts in text_deltas.items():
        exp.assistant_texts.setdefault(item_id, "".join(parts))
    return exp
