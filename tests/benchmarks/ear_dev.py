"""The ear's tuning set: requests, voices and values that neither bench_ear nor the tests use.

Tune the recogniser and the policy against this (`python -m tests.benchmarks.ear_dev`), never
against bench_ear's phrases: bench_ear then tells how the tuning carries over to unseen speech.
It decodes whole clips through `Recogniser` and asks `default_policy` directly (no WebSocket, no
real-time pacing), so a run takes seconds of CPU per phrase rather than real time.
"""

from __future__ import annotations

import json
import random
import sys
import time
from typing import Any

import numpy as np

from console.engine.listening import Recognising
from console.engine.policy import Call, Heard, PolicyInput, Say, default_policy
from console.engine.routing import AgentMap
from console.engine.transcribe import Recognisers, make_transcriber
from console.realtime.handoffs import realtime_handoff
from console.realtime.wire_client import session_tools

from .bench_ear import Request, _all_agents, right_action, speak, word_errors

VOICES = (
    ("en-us", "m2", 150),
    ("en-gb-scotland", "m1", 160),
    ("en-us-nyc", "f3", 170),
    ("en", "m4", 145),
    ("en-gb-x-gbcwmd", "m5", 155),
    ("en-gb-x-gbclan", "f1", 165),
    ("en-us", "m6", 165),
    ("en-gb-x-rp", "m7", 150),
    ("en-029", "f5", 155),
)
SEED = 4242
ROUNDS = 3
PADDING_S = 0.3  # the server VAD's prefix_padding_ms
_CITIES = ("London", "Rome", "Boston", "Toronto", "Denver", "Vienna", "Oslo", "Athens", "Miami")
_TOPICS = ("renewable energy", "machine learning", "coffee", "electric bikes", "the economy")
_DATES = ("thursday", "next friday", "sunday", "the tenth of may", "this weekend")
_NUMBERS = {8: "eight", 25: "twenty five", 30: "thirty", 47: "forty seven", 90: "ninety"}
# Not "a": espeak-ng says it as the article ("uh"), which no listener would take for a letter.
_LETTERS = ["e", "f", "g", "h", "j", "l", "n", "s", "v", "w"]
# Requests no tool fits: the right action is a reply in words, never a call.
_OFF_DOMAIN = (
    "what time is it",
    "tell me a joke",
    "this is my second turn",
    "how old are you",
    "i like the colour blue",
    "can you sing a song",
)
# Phrasings per action ({c} city, {t} topic, {k} spelled code, {m} amount, {d} date).
_WEATHER = (
    "what's the weather going to be in {c}",
    "is it raining in {c} right now",
    "how hot is it in {c}",
    "do i need an umbrella in {c} today",
    "weather in {c} please",
    "what is the temperature in {c}",
)
_RESEARCH = (
    "please look into {t}",
    "i would like some research on {t}",
    "can you research {t} for me",
    "find out about {t}",
    "could you investigate {t}",
)
_BILLING = (
    "i was charged twice for my payment",
    "i have a question about my invoice",
    "i want my money back",
    "there is a problem with my bill",
)
_TRAVEL = (
    "i need help with my booking",
    "i want to change my trip",
    "i need to move my flight",
    "can you help me with my reservation",
)
_REFUND = (
    "i would like a refund of {m} dollars for order {k}",
    "please refund order {k} for {m} dollars",
    "refund {m} dollars on order {k}",
    "can i get {m} dollars back for order {k}",
)
_CHANGE = (
    "can you change booking {k} to {d}",
    "please move booking {k} to {d}",
    "reschedule my booking {k} for {d}",
    "i want to change reservation {k} to {d}",
)
_TRIAGE = (
    "will it be sunny in {c} tomorrow",
    "what's the weather like in {c}",
    "can you research {t} for me",
)


def voice_of(n: int) -> tuple[str, str, int]:
    """The voice of the n-th request: drawn, so that no voice always says the same kind."""
    return random.Random(SEED + n).choice(VOICES)


def _code(rng: random.Random) -> tuple[str, str]:
    letters = rng.sample(_LETTERS, 2)
    number = rng.choice(sorted(_NUMBERS))
    return f"{letters[0]} {letters[1]} {_NUMBERS[number]}", f"{''.join(letters).upper()}{number}"


def requests(seed: int = SEED, rounds: int = ROUNDS) -> list[Request]:
    rng = random.Random(seed)
    out: list[Request] = []
    for _ in range(rounds):
        for agent in ("Triage", "Travel"):
            c = rng.choice(_CITIES)
            text = rng.choice(_WEATHER).format(c=c)
            out.append(Request(agent, text, "get_weather", {"city": c}))
        for _ in range(2):
            t = rng.choice(_TOPICS)
            out.append(
                Request("Triage", rng.choice(_RESEARCH).format(t=t), "research", {"task": t})
            )
        out.append(Request("Triage", rng.choice(_BILLING), "transfer_to_billing"))
        out.append(Request("Triage", rng.choice(_TRAVEL), "transfer_to_travel"))
        k, m = _code(rng), rng.choice(sorted(_NUMBERS))
        text = rng.choice(_REFUND).format(m=_NUMBERS[m], k=k[0])
        out.append(Request("Billing", text, "refund_order", {"order_id": k[1], "amount": m}))
        k, d = _code(rng), rng.choice(_DATES)
        text = rng.choice(_CHANGE).format(k=k[0], d=d)
        out.append(Request("Travel", text, "change_booking", {"booking_id": k[1], "new_date": d}))
        text = rng.choice(_TRIAGE).format(c=rng.choice(_CITIES), t=rng.choice(_TOPICS))
        out.append(Request("Billing", text, "transfer_to_triage"))
    out += [Request("Triage", text, "") for text in _OFF_DOMAIN]
    return out


def _tools(agent: Any) -> list[dict[str, Any]]:
    return session_tools(agent.tools, [realtime_handoff(h) for h in agent.handoffs])


def act(request: Request, text: str) -> list[dict[str, Any]]:
    """What the policy does with `text` said to `request.agent` (after Triage, as in a call)."""
    agents = {a.name: a for a in _all_agents()}
    known = AgentMap()
    known.learn(_tools(agents["Triage"]), None)
    tools = _tools(agents[request.agent])
    if request.agent != "Triage":
        known.learn(tools, None)
    outputs = default_policy(Heard("user", text), PolicyInput([], tools=tools, agents=known))
    return [
        {"type": "function_call", "name": o.name, "arguments": o.arguments}
        if isinstance(o, Call)
        else {"type": "message", "text": o.text}
        for o in outputs
        if isinstance(o, Call | Say)
    ]


def judge(request: Request, output: list[dict[str, Any]]) -> str:
    """ "right", "asked" (words, no call: a question back), or "wrong" (a call that is not it)."""
    calls = [o for o in output if o["type"] == "function_call"]
    if not request.tool:
        return "right" if not calls else "wrong"
    if right_action(request, output):
        return "right"
    return "asked" if not calls else "wrong"


def hear_all(items: list[tuple[Request, np.ndarray]], ear: Recognisers) -> list[str]:
    """Each request's transcript, by a recogniser adapted to its agent (after Triage's)."""
    agents = {a.name: a for a in _all_agents()}
    recognisers: dict[str, Recognising] = {}
    heard = []
    for request, speech in items:
        recogniser = recognisers.get(request.agent)
        if recogniser is None:
            recogniser = recognisers[request.agent] = ear.recogniser()
            if request.agent != "Triage":
                triage = agents["Triage"]
                recogniser.adapt(str(triage.instructions), _tools(triage))
            agent = agents[request.agent]
            recogniser.adapt(str(agent.instructions), _tools(agent))
        recogniser.begin()
        # What the engine hears of an utterance starts with the VAD's padding before the speech.
        speech = np.concatenate([np.zeros(int(24000 * PADDING_S), speech.dtype), speech])
        for i in range(0, len(speech), 480):
            recogniser.feed(speech[i : i + 480], 24000)
        heard.append(recogniser.end())
    return heard


def main(argv: list[str]) -> None:
    """`-q` summary only; `--rounds N` more requests; `--ear whisper|pocketsphinx` (default: the
    engine's own choice); `--save F` / `--load F` keep the transcripts in a JSON file, to try
    policy changes without hearing the clips again."""
    verbose = "-q" not in argv
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else ROUNDS
    chosen = requests(rounds=rounds)
    started = time.process_time()
    if "--load" in argv:
        with open(argv[argv.index("--load") + 1], encoding="utf-8") as f:
            heard = json.load(f)
    else:
        items = [(r, speak(r.text, voice_of(i))) for i, r in enumerate(chosen)]
        ear = make_transcriber(argv[argv.index("--ear") + 1] if "--ear" in argv else "auto")
        assert isinstance(ear, Recognisers), "no recogniser installed"
        heard = hear_all(items, ear)
    if "--save" in argv:
        with open(argv[argv.index("--save") + 1], "w", encoding="utf-8") as f:
            json.dump(heard, f)
    edits = words = 0
    tally = {"right": 0, "asked": 0, "wrong": 0}
    typed = {"right": 0, "asked": 0, "wrong": 0}
    by_voice: dict[str, list[int]] = {}
    off = 0
    for n, (request, text) in enumerate(zip(chosen, heard, strict=True)):
        if request.tool:
            e, w = word_errors(request.text, text)
            edits, words = edits + e, words + w
            voice = "+".join(map(str, voice_of(n)))
            tally_voice = by_voice.setdefault(voice, [0, 0])
            tally_voice[0], tally_voice[1] = tally_voice[0] + e, tally_voice[1] + w
            verdict = judge(request, act(request, text))
            tally[verdict] += 1
            typed[judge(request, act(request, request.text))] += 1
        else:
            verdict = judge(request, act(request, text))
            off += verdict == "right"
        if verbose:
            out = act(request, text)
            print(f"{verdict:5} {request.text!r} -> {text!r} {out[-1] if out else None}")
    n = sum(1 for r in chosen if r.tool)
    print(f"WER {100 * edits / words:.1f} %  ({n} in-domain requests)")
    print("spoken:", {k: f"{10 * v / n:.1f}/10" for k, v in tally.items()})
    print("typed: ", {k: f"{10 * v / n:.1f}/10" for k, v in typed.items()})
    print(f"off-domain spoken, no call: {off} of {len(chosen) - n}")
    print("WER by voice:", {v: f"{100 * e / w:.0f} %" for v, (e, w) in by_voice.items()})
    print(f"cpu {time.process_time() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
