"""Local engine's ear: WER, right-action rate and real-time factor of recognition adapted to the
demo agents, and end of speech -> first audio, on requests spoken by espeak-ng at run time.

The phrasings, values and voices here are used by no test (the tests speak other requests with the
default en-us voice), so the figures measure how the engine does on speech it was not tuned on.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import re
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from console.dsp import resample
from console.engine import LocalEngine
from console.engine.transcribe import Recognisers, make_transcriber
from console.engine.voice import parse_wav
from console.realtime.handoffs import realtime_handoff
from console.realtime.wire_client import session_tools
from console.ui.demo_agents import demo_agents

# espeak-ng voice, variant and words per minute: none of these is used by the tests.
VOICES = (
    ("en-gb", "m3", 150),
    ("en-us", "f2", 175),
    ("en-029", "m1", 160),
    ("en-gb-x-rp", "f4", 140),
)
PHRASES = 24
# The recogniser measured: the engine's own choice (Whisper when installed); RTCONSOLE_EAR names
# another ("pocketsphinx") to compare.
EAR = os.environ.get("RTCONSOLE_EAR", "auto")
SEED = 20261130

_CITIES = ("Paris", "Tokyo", "Berlin", "Madrid", "Chicago", "Sydney", "Dublin", "Lisbon", "Seattle")
# Subjects the engine's own vocabulary does not list (it lists everyday research subjects; the
# benchmark must not measure those it was given).
_TOPICS = ("wind turbines", "ancient egypt", "honey bees", "volcanoes", "the moon landing")
_DATES = ("friday", "next monday", "tomorrow", "saturday", "the third of june")
_NUMBERS = {
    12: "twelve",
    15: "fifteen",
    20: "twenty",
    35: "thirty five",
    42: "forty two",
    60: "sixty",
}
_LETTERS = ["b", "c", "d", "k", "m", "p", "r", "t", "x", "z"]


@dataclass
class Request:
    agent: str
    text: str
    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)


def _code(rng: random.Random) -> tuple[str, str]:
    """("A B 12"-style spoken form, "AB12" value)."""
    letters = rng.sample(_LETTERS, 2)
    number = rng.choice(sorted(_NUMBERS))
    return f"{letters[0]} {letters[1]} {_NUMBERS[number]}", f"{''.join(letters).upper()}{number}"


def requests(n: int = PHRASES, seed: int = SEED) -> list[Request]:
    """In-domain requests for the demo agents with the action each should lead to."""
    rng = random.Random(seed)
    makers = [
        lambda: (
            (c := rng.choice(_CITIES))
            and Request("Triage", f"how is the weather in {c} today", "get_weather", {"city": c})
        ),
        lambda: (
            (c := rng.choice(_CITIES))
            and Request("Triage", f"tell me the forecast for {c}", "get_weather", {"city": c})
        ),
        lambda: (
            (t := rng.choice(_TOPICS))
            and Request("Triage", f"could you research {t} for me", "research", {"task": t})
        ),
        lambda: Request("Triage", "i have a question about my invoice", "transfer_to_billing"),
        lambda: Request("Triage", "i need to change my trip", "transfer_to_travel"),
        lambda: (
            (k := _code(rng), m := rng.choice(sorted(_NUMBERS)))
            and Request(
                "Billing",
                f"please refund {_NUMBERS[m]} dollars on order {k[0]}",
                "refund_order",
                {"order_id": k[1], "amount": m},
            )
        ),
        lambda: (
            (k := _code(rng), d := rng.choice(_DATES))
            and Request(
                "Travel",
                f"move my booking {k[0]} to {d}",
                "change_booking",
                {"booking_id": k[1], "new_date": d},
            )
        ),
        lambda: (
            (c := rng.choice(_CITIES))
            and Request("Billing", f"what is the weather like in {c}", "transfer_to_triage")
        ),
    ]
    return [makers[i % len(makers)]() for i in range(n)]


def speak(text: str, voice: tuple[str, str, int]) -> np.ndarray:
    """24 kHz float samples of `text` in an espeak-ng voice."""
    name, variant, wpm = voice
    wav = subprocess.run(
        ["espeak-ng", "--stdout", "-v", f"{name}+{variant}", "-s", str(wpm)],
        input=text.encode(),
        capture_output=True,
        check=True,
    ).stdout
    samples, rate = parse_wav(wav)
    return resample(samples, rate, 24000)


_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]  # fmt: skip
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def normalised(text: str) -> list[str]:
    """Words as a WER counts them, on both sides alike (as Whisper's English normaliser does):
    lower case, no punctuation, numbers as digits ("forty two", "42"), "$20" as "20 dollars",
    codes as letters and a number ("AB12", "a b twelve": "a b 12")."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"\$(\d+)(?:\.00?)?\b", r"\1 dollars", text)
    text = re.sub(r"\b([a-z]{1,3})(\d+)\b", lambda m: " ".join(m[1]) + " " + m[2], text)
    words = re.findall(r"[a-z']+|\d+", text)
    out: list[str] = []
    for word in words:
        if word in _UNITS:
            unit = _UNITS.index(word)
            if (
                out
                and unit < 10
                and out[-1].isdigit()
                and out[-1].endswith("0")
                and len(out[-1]) == 2
            ):
                out[-1] = str(int(out[-1]) + unit)  # "forty" "two" -> 42
            else:
                out.append(str(unit))
        elif word in _TENS:
            out.append(str(20 + 10 * _TENS.index(word)))
        else:
            out.append(word)
    return out


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(word edits, reference words), after `normalised`."""
    ref, hyp = normalised(reference), normalised(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1], len(ref)


def right_action(request: Request, output: list[dict[str, Any]]) -> bool:
    calls = [o for o in output if o.get("type") == "function_call"]
    if not calls or calls[-1]["name"] != request.tool:
        return False
    arguments = json.loads(calls[-1]["arguments"] or "{}")
    for key, want in request.arguments.items():
        got = arguments.get(key)
        if isinstance(want, str):
            if str(got).lower().strip() != want.lower():
                return False
        elif got != want:
            return False
    return True


def _session(agent_name: str) -> dict[str, Any]:
    agents = {a.name: a for a in _all_agents()}
    agent = agents[agent_name]
    tools = session_tools(agent.tools, [realtime_handoff(h) for h in agent.handoffs])
    audio = {
        "input": {
            "turn_detection": {"type": "semantic_vad"},
            "transcription": {"model": "gpt-4o-transcribe"},
        }
    }
    body = {"type": "realtime", "instructions": agent.instructions, "tools": tools, "audio": audio}
    return {"type": "session.update", "session": body}


def _all_agents() -> list[Any]:
    triage = demo_agents()[0]
    return [triage, *triage.handoffs]


@dataclass
class Heard:
    transcript: str
    output: list[dict[str, Any]]
    stop_to_transcript_ms: float  # speech_stopped -> transcription completed
    speech_end_to_audio_ms: float | None  # last speech sent (real time) -> first audio delta


async def _one(engine: LocalEngine, request: Request, speech: np.ndarray) -> Heard:
    import websockets

    headers = {"Authorization": f"Bearer {engine.token}"}
    async with websockets.connect(engine.url, additional_headers=headers) as ws:
        await ws.recv()
        # As in the console: the call starts with Triage; a specialist's session follows it.
        for agent in dict.fromkeys(("Triage", request.agent)):
            await ws.send(json.dumps(_session(agent)))
            while json.loads(await ws.recv())["type"] != "session.updated":
                pass
        pcm = (np.clip(speech, -1, 1) * 32767).astype("<i2").tobytes()
        quiet = bytes(480 * 2 * 15)  # 300 ms of silence before and 1 s after
        stream = quiet + pcm + quiet * 3
        speech_end = len(quiet) + len(pcm)
        received: list[tuple[float, dict[str, Any]]] = []

        async def reader() -> None:
            async for message in ws:
                event = json.loads(message)
                received.append((time.perf_counter(), event))
                if event["type"] == "response.done":
                    return

        task = asyncio.create_task(reader())
        started, end_at = time.perf_counter(), 0.0
        for offset in range(0, len(stream), 960):  # 20 ms chunks, paced as a microphone would
            chunk = stream[offset : offset + 960]
            await ws.send(
                json.dumps(
                    {"type": "input_audio_buffer.append", "audio": base64.b64encode(chunk).decode()}
                )
            )
            if offset < speech_end <= offset + 960:
                end_at = time.perf_counter()
            due = started + (offset + 960) / 48000
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            if task.done():
                break
        await asyncio.wait_for(task, 30)
    times = {e["type"]: t for t, e in reversed(received)}
    events = [e for _, e in received]
    transcript = next(
        (
            e["transcript"]
            for e in events
            if e["type"] == "conversation.item.input_audio_transcription.completed"
        ),
        "",
    )
    first_audio = times.get("response.output_audio.delta")
    return Heard(
        transcript,
        events[-1]["response"]["output"],
        (
            times["conversation.item.input_audio_transcription.completed"]
            - times["input_audio_buffer.speech_stopped"]
        )
        * 1000,
        (first_audio - end_at) * 1000 if first_audio else None,
    )


async def _run_all(items: list[tuple[Request, np.ndarray]], verbose: bool) -> list[Heard]:
    out = []
    async with LocalEngine(voice="espeak", transcriber=EAR, pace=1.0) as engine:
        for request, speech in items:
            heard = await _one(engine, request, speech)
            if verbose:
                last = heard.output[-1] if heard.output else {}
                said = f"{request.text!r} -> {heard.transcript!r}"
                print(said, last.get("name"), last.get("arguments"))
            out.append(heard)
    return out


def _rtf(items: list[tuple[Request, np.ndarray]]) -> float:
    """CPU seconds of recognition per second of speech, with each agent's vocabulary."""
    agents = {a.name: a for a in _all_agents()}
    ear = make_transcriber(EAR)
    assert isinstance(ear, Recognisers)
    cpu = audio = 0.0
    for request, speech in items:
        recogniser = ear.recogniser()
        agent = agents[request.agent]
        recogniser.adapt(
            str(agent.instructions),
            session_tools(agent.tools, [realtime_handoff(h) for h in agent.handoffs]),
        )
        recogniser.begin()  # builds the decoder outside the timing
        recogniser.feed(speech[:2400], 24000)
        recogniser.end()
        started = time.process_time()
        recogniser.begin()
        for i in range(0, len(speech), 480):
            recogniser.feed(speech[i : i + 480], 24000)
        recogniser.end()
        cpu += time.process_time() - started
        audio += len(speech) / 24000
    return cpu / audio


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(verbose: bool = False) -> list[tuple[str, float, str, str]]:
    items = [
        (request, speak(request.text, VOICES[i % len(VOICES)]))
        for i, request in enumerate(requests())
    ]
    heard = asyncio.run(_run_all(items, verbose))
    edits = words = 0
    for (request, _), h in zip(items, heard, strict=True):
        e, w = word_errors(request.text, h.transcript)
        edits, words = edits + e, words + w
    right = sum(right_action(r, h.output) for (r, _), h in zip(items, heard, strict=True))
    # A call that is not the right action (a question back, or no call, is not counted here).
    wrong = sum(
        any(o.get("type") == "function_call" for o in h.output) and not right_action(r, h.output)
        for (r, _), h in zip(items, heard, strict=True)
    )
    ready = [h.stop_to_transcript_ms for h in heard]
    first = [h.speech_end_to_audio_ms for h in heard if h.speech_end_to_audio_ms is not None]
    rows = [
        ("word error rate, held-out voices and phrasings", 100 * edits / words, "%", "<= 30 %"),
        (
            "right action (tool + key arguments, or handoff)",
            10 * right / len(items),
            "of 10",
            ">= 8",
        ),
        ("wrong call (a call, not the right one)", 10 * wrong / len(items), "of 10", "low"),
        ("recognition real-time factor (CPU / audio)", _rtf(items), "x", "< 1"),
        ("speech stopped -> transcript, median", statistics.median(ready), "ms", "<= 300 ms"),
        ("speech stopped -> transcript, p95", _percentile(ready, 0.95), "ms", "<= 300 ms"),
    ]
    if first:
        rows += [
            (
                "end of speech -> first audio, median",
                statistics.median(first),
                "ms",
                "(VAD wait incl.)",
            ),
            ("end of speech -> first audio, p95", _percentile(first, 0.95), "ms", ""),
        ]
    return rows


if __name__ == "__main__":
    for row in run(verbose=True):
        print(*row, sep="\t")
