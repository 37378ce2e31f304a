"""The deterministic reply policy: a scripted turn, a matching tool or handoff, or an echo."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .arguments import extract_arguments
from .scenario import ScenarioCursor
from .words import STOP_WORDS, content_stems, identifier_words, sounds_like, stem

GREETING = "Hello! This is the rtconsole local engine. Say or type something and I will answer."
HANDOFF_PREFIX = "transfer_to_"
_GENERIC = {"agent", "assistant", "bot", "team", "desk", "service", "the", "to"}
# Words of the SDK's default handoff description ("Handoff to the X agent to handle the
# request."), which say nothing about what the agent is for.
_HANDOFF_BOILERPLATE = {"handoff", "hand", "off", "handle", "request", "transfer", "agent"}


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Call:
    name: str
    arguments: str


Output = Say | Call


@dataclass
class Heard:
    """The latest input the reply is about."""

    kind: str  # "user", "tool", "pending" (a call not answered yet) or "none"
    text: str = ""
    tool_name: str = ""


@dataclass
class PolicyInput:
    items: list[dict[str, Any]]
    tools: list[dict[str, Any]] = field(default_factory=list)
    tool_choice: Any = "auto"
    transcripts: dict[str, str] = field(default_factory=dict)  # item id -> what the engine heard


def message_text(item: dict[str, Any], transcripts: dict[str, str]) -> str:
    parts = []
    for part in item.get("content") or []:
        kind = part.get("type")
        if kind in ("input_text", "output_text", "text"):
            parts.append(part.get("text") or "")
        elif kind in ("input_audio", "output_audio", "audio"):
            parts.append(part.get("transcript") or transcripts.get(item.get("id", ""), ""))
        elif kind == "input_image":
            parts.append("[image]")
    return " ".join(p for p in parts if p).strip()


def latest_input(inp: PolicyInput) -> Heard:
    names = {
        i.get("call_id"): i.get("name", "") for i in inp.items if i.get("type") == "function_call"
    }
    answered = {i.get("call_id") for i in inp.items if i.get("type") == "function_call_output"}
    for item in reversed(inp.items):
        if item.get("type") == "function_call_output":
            return Heard("tool", str(item.get("output", "")), names.get(item.get("call_id"), ""))
        if item.get("type") == "function_call" and item.get("call_id") not in answered:
            # A response asked for while a call runs (a holding message): not a new request.
            return Heard("pending", "", str(item.get("name", "")))
        if item.get("type") == "message" and item.get("role") == "user":
            return Heard("user", message_text(item, inp.transcripts))
    return Heard("none")


def _humanise(name: str) -> str:
    return " ".join(identifier_words(name)) or name


def tool_sentence(tool_name: str, output: str) -> str:
    """One sentence that uses a tool's output."""
    if tool_name.startswith(HANDOFF_PREFIX):
        return (
            f"You are now talking to {_humanise(tool_name[len(HANDOFF_PREFIX) :])}, how can I help?"
        )
    try:
        data = json.loads(output)
    except (json.JSONDecodeError, ValueError):
        data = output
    if isinstance(data, dict):
        summary = ", ".join(f"{_humanise(str(k))} is {v}" for k, v in list(data.items())[:6])
    elif isinstance(data, list):
        summary = ", ".join(str(v) for v in data[:6])
    else:
        summary = str(data)
    summary = re.sub(r"\s+", " ", summary).strip()
    if len(summary) > 300:
        summary = summary[:297].rstrip() + "..."
    who = _humanise(tool_name) if tool_name else "the tool"
    text = f"The {who} tool says: {summary}" if summary else f"The {who} tool returned nothing"
    return text if text[-1] in ".!?" else text + "."


def holding_sentence(tool_name: str) -> str:
    """What the engine says while a call it made has no output yet."""
    return f"One moment, the {_humanise(tool_name) if tool_name else 'tool'} is still working."


def echo_sentence(text: str) -> str:
    m = re.fullmatch(r"\[speech, ([\d.]+) s\]", text)
    if m:
        return f"I heard {m.group(1)} seconds of speech, but no speech recogniser is installed."
    if not text:
        return "I did not catch anything; please say that again."
    return f'You said: "{text}"' + ("" if text[-1] in ".!?" else ".")


def _tool_score(tool: dict[str, Any], said: set[str]) -> int:
    name = {stem(w) for w in identifier_words(str(tool.get("name", ""))) if w not in STOP_WORDS}
    params = tool.get("parameters")
    props = params.get("properties") if isinstance(params, dict) else None
    props = props if isinstance(props, dict) else {}
    param_words = {stem(w) for p in props for w in identifier_words(str(p)) if w not in STOP_WORDS}
    description = content_stems(str(tool.get("description") or ""))
    # Recognisers mishear ("whether" for "weather"): long name words also match by sound.
    heard = {sounds_like(w) for w in said if len(w) >= 5}
    sound = {w for w in name - said if len(w) >= 5 and sounds_like(w) in heard}
    exact = 3 * len(name & said) + 2 * len(param_words & said) + len(description & said)
    return exact + 3 * len(sound)


def _handoff_score(tool: dict[str, Any], said: set[str]) -> tuple[int, int]:
    """(words of the agent's name heard, words of its description heard)."""
    agent = identifier_words(str(tool["name"])[len(HANDOFF_PREFIX) :])
    distinctive = {stem(w) for w in agent if w not in _GENERIC}
    about = content_stems(str(tool.get("description") or ""))
    about -= {stem(w) for w in _HANDOFF_BOILERPLATE | _GENERIC} | distinctive
    return len(distinctive & said), len(about & said)


def _call(tool: dict[str, Any], text: str) -> Call:
    name = str(tool.get("name", ""))
    arguments = extract_arguments(
        text, tool.get("parameters"), tool_name=name, description=str(tool.get("description") or "")
    )
    return Call(name, json.dumps(arguments))


def default_policy(heard: Heard, tools: list[dict[str, Any]], tool_choice: Any) -> list[Output]:
    if heard.kind == "tool":
        return [Say(tool_sentence(heard.tool_name, heard.text))]
    if heard.kind == "pending":
        return [Say(holding_sentence(heard.tool_name))]
    if heard.kind == "none":
        return [Say(GREETING)]
    functions = [t for t in tools if t.get("type", "function") == "function" and t.get("name")]
    if tool_choice == "none":
        functions = []
    if isinstance(tool_choice, dict) and tool_choice.get("name"):
        forced = [t for t in functions if t["name"] == tool_choice["name"]]
        if forced:
            return [_call(forced[0], heard.text)]
    said = content_stems(heard.text)
    handoffs = [t for t in functions if str(t["name"]).startswith(HANDOFF_PREFIX)]
    scored = sorted(
        ((_handoff_score(t, said), i, t) for i, t in enumerate(handoffs)),
        key=lambda s: (-s[0][0], -s[0][1], s[1]),
    )
    if scored and scored[0][0][0] > 0:
        return [_call(scored[0][2], heard.text)]
    plain = [t for t in functions if not str(t["name"]).startswith(HANDOFF_PREFIX)]
    ranked = sorted(
        ((_tool_score(t, said), i, t) for i, t in enumerate(plain)), key=lambda s: (-s[0], s[1])
    )
    if ranked and (ranked[0][0] >= 3 or (tool_choice == "required" and ranked[0][0] > 0)):
        return [_call(ranked[0][2], heard.text)]
    # No tool of this agent fits, but another agent's description does ("refund" for an agent
    # described as handling refunds): hand the conversation over.
    if scored and scored[0][0][1] > 0:
        return [_call(scored[0][2], heard.text)]
    if tool_choice == "required" and functions:
        return [_call((ranked[0][2] if ranked else functions[0]), heard.text)]
    return [Say(echo_sentence(heard.text))]


def _fill(template: str, heard: Heard) -> str:
    return template.replace("{heard}", heard.text if heard.kind == "user" else "").replace(
        "{output}", heard.text if heard.kind == "tool" else ""
    )


def decide(inp: PolicyInput, cursor: ScenarioCursor) -> list[Output]:
    """What the next response says or calls; deterministic for a given conversation and scenario."""
    heard = latest_input(inp)
    turn = cursor.take(heard.text)
    if turn is not None:
        outputs: list[Output] = []
        if turn.say is not None:
            outputs.append(Say(_fill(turn.say, heard)))
        outputs.extend(Call(c.name, c.arguments) for c in turn.calls)
        return outputs
    return default_policy(heard, inp.tools, inp.tool_choice)
