"""The ear's tuning set: requests, voices and values that neither bench_ear nor the tests use.

Tune the recogniser and the policy against this (`python -m tests.benchmarks.ear_dev`), never
against bench_ear's phrases: bench_ear then tells how the tuning carries over to unseen speech.
It decodes whole clips through `Recogniser` and asks `default_policy` directly (no WebSocket, no
real-time pacing), so a run takes seconds of CPU per phrase rather than real time.
"""

from __future__ import annotations

import random
import sys
import time
from typing import Any

from console.engine.ear import Recogniser
from console.engine.policy import Call, Heard, PolicyInput, Say, default_policy
from console.engine.routing import AgentMap
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
)
SEED = 4242
_CITIES = ("London", "Rome", "Boston", "Toronto", "Denver", "Vienna", "Oslo", "Athens", "Miami")
_TOPICS = ("renewable energy", "machine learning", "coffee", "electric bikes", "the economy")
_DATES = ("thursday", "next friday", "sunday", "the tenth of may", "this weekend")
_NUMBERS = {8: "eight", 25: "twenty five", 30: "thirty", 47: "forty seven", 90: "ninety"}
_LETTERS = ["a", "f", "g", "h", "j", "l", "n", "s", "v", "w"]
# Requests no tool fits: the right action is a reply in words, never a call.
_OFF_DOMAIN = (
    "what time is it",
    "tell me a joke",
    "this is my second turn",
    "how old are you",
    "i like the colour blue",
    "can you sing a song",
)


def _code(rng: random.Random) -> tuple[str, str]:
    letters = rng.sample(_LETTERS, 2)
    number = rng.choice(sorted(_NUMBERS))
    return f"{letters[0]} {letters[1]} {_NUMBERS[number]}", f"{''.join(letters).upper()}{number}"


def requests(seed: int = SEED) -> list[Request]:
    rng = random.Random(seed)
    out: list[Request] = []
    for _ in range(3):
        c = rng.choice(_CITIES)
        out.append(
            Request("Triage", f"what's the weather going to be in {c}", "get_weather", {"city": c})
        )
        c = rng.choice(_CITIES)
        out.append(Request("Triage", f"is it raining in {c} right now", "get_weather", {"city": c}))
        c = rng.choice(_CITIES)
        out.append(
            Request("Travel", f"give me the weather for {c} please", "get_weather", {"city": c})
        )
        t = rng.choice(_TOPICS)
        out.append(Request("Triage", f"please look into {t}", "research", {"task": t}))
        t = rng.choice(_TOPICS)
        out.append(Request("Triage", f"i would like some research on {t}", "research", {"task": t}))
        out.append(Request("Triage", "i was charged twice for my payment", "transfer_to_billing"))
        out.append(Request("Triage", "i need help with my booking", "transfer_to_travel"))
        k, m = _code(rng), rng.choice(sorted(_NUMBERS))
        out.append(
            Request(
                "Billing",
                f"i would like a refund of {_NUMBERS[m]} dollars for order {k[0]}",
                "refund_order",
                {"order_id": k[1], "amount": m},
            )
        )
        k, d = _code(rng), rng.choice(_DATES)
        out.append(
            Request(
                "Travel",
                f"can you change booking {k[0]} to {d}",
                "change_booking",
                {"booking_id": k[1], "new_date": d},
            )
        )
        c = rng.choice(_CITIES)
        out.append(Request("Billing", f"will it be sunny in {c} tomorrow", "transfer_to_triage"))
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


def main(verbose: bool = True) -> None:
    items = [(r, speak(r.text, VOICES[i % len(VOICES)])) for i, r in enumerate(requests())]
    agents = {a.name: a for a in _all_agents()}
    recognisers: dict[str, Recogniser] = {}
    edits = words = 0
    tally = {"right": 0, "asked": 0, "wrong": 0}
    typed = {"right": 0, "asked": 0, "wrong": 0}
    started = time.process_time()
    by_voice: dict[str, list[int]] = {}
    for n, (request, speech) in enumerate(items):
        recogniser = recognisers.get(request.agent)
        if recogniser is None:
            recogniser = recognisers[request.agent] = Recogniser()
            if request.agent != "Triage":
                triage = agents["Triage"]
                recogniser.adapt(str(triage.instructions), _tools(triage))
            agent = agents[request.agent]
            recogniser.adapt(str(agent.instructions), _tools(agent))
        recogniser.begin()
        for i in range(0, len(speech), 480):
            recogniser.feed(speech[i : i + 480], 24000)
        heard = recogniser.end()
        if request.tool:
            e, w = word_errors(request.text, heard)
            edits, words = edits + e, words + w
            voice = "+".join(map(str, VOICES[n % len(VOICES)]))
            tally_voice = by_voice.setdefault(voice, [0, 0])
            tally_voice[0], tally_voice[1] = tally_voice[0] + e, tally_voice[1] + w
        verdict = judge(request, act(request, heard))
        tally[verdict] += 1
        typed[judge(request, act(request, request.text))] += 1
        if verbose:
            out = act(request, heard)
            print(f"{verdict:5} {request.text!r} -> {heard!r} {out[-1] if out else None}")
    n = len(items)
    print(f"WER {100 * edits / words:.1f} %  (in-domain requests)")
    print("spoken:", {k: f"{10 * v / n:.1f}/10" for k, v in tally.items()})
    print("typed: ", {k: f"{10 * v / n:.1f}/10" for k, v in typed.items()})
    print("WER by voice:", {v: f"{100 * e / w:.0f} %" for v, (e, w) in by_voice.items()})
    print(f"cpu {time.process_time() - started:.1f} s")


if __name__ == "__main__":
    main(verbose="-q" not in sys.argv)
