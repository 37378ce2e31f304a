"""The deterministic reply policy: a scripted turn, a matching tool or handoff, or an echo."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from .arguments import extract_arguments
from .meanings import evidence, names_agent, names_tool
from .routing import HANDOFF_PREFIX, AgentMap
from .scenario import ScenarioCursor
from .spoken_values import identifier_words, tokens
from .vocabulary import KNOWN_VALUES, PLACES, value_kind

GREETING = "Hello! This is the rtconsole local engine. Say or type something and I will answer."
HELLO = "Hello, how can I help you today?"
# Spoken before a call whose tool says it needs approval, so the caller is not left in silence.
HOLDING_LINE = "One moment while I get that approved."
_GREETINGS = re.compile(
    r"(?:hello|hi|hey|hiya|howdy|greetings|good (?:morning|afternoon|evening|day))"
    r"(?: there| again| everyone)?(?:[,!. ]+how are you(?: doing)?(?: today)?)?",
    re.IGNORECASE,
)
_STOPS = re.compile(
    r"(?:(?:okay|ok|please|no|hey)[, ]+)*(?:stop(?: talking| it| that| please)?|be quiet|quiet"
    r"|shut up|enough|that's enough|that is enough|hold on|wait|cancel(?: that)?|never ?mind"
    r"|silence|pause)(?:[, ]+please)?",
    re.IGNORECASE,
)
_APPROVAL = re.compile(r"\bapprov|\bconfirm|\bauthori[sz]", re.IGNORECASE)
# How much a request must say for an action (meanings.evidence): enough to take it, or enough
# to take it when no other action weighs as much (a tie is asked back; less is echoed).
ACT, ASK = 3, 2
# A value the engine knows by name (a city, a common subject) of the kind a tool takes.
KNOWN_VALUE = 2
_SHAPED = {"place", "date", "code", "money"}


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
    request: str = ""  # for "tool": what the user asked before the call
    # for "user": the request whose missing values the reply before asked for ("I want a
    # refund" before "To refund order, I need the amount"), which this may answer
    asked: str = ""
    cut_in: bool = False  # for "user": said over a reply, which was cut short for it


@dataclass
class PolicyInput:
    items: list[dict[str, Any]]
    tools: list[dict[str, Any]] = field(default_factory=list)
    tool_choice: Any = "auto"
    transcripts: dict[str, str] = field(default_factory=dict)  # item id -> what the engine heard
    agents: AgentMap = field(default_factory=AgentMap)  # the other agents' tools, as learnt
    holding_line: str | None = HOLDING_LINE
    truncated: set[str] = field(default_factory=set)  # ids of replies the client cut short


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
    for index in range(len(inp.items) - 1, -1, -1):
        item = inp.items[index]
        if item.get("type") == "function_call_output":
            request = next(
                (
                    message_text(earlier, inp.transcripts)
                    for earlier in reversed(inp.items[:index])
                    if earlier.get("type") == "message" and earlier.get("role") == "user"
                ),
                "",
            )
            name = names.get(item.get("call_id"), "")
            return Heard("tool", str(item.get("output", "")), name, request)
        if item.get("type") == "function_call" and item.get("call_id") not in answered:
            # A response asked for while a call runs (a holding message): not a new request.
            return Heard("pending", "", str(item.get("name", "")))
        if item.get("type") == "message" and item.get("role") == "user":
            before = inp.items[index - 1] if index else {}
            # A reply the server cancelled, or one the client truncated where playback stopped.
            cut_in = before.get("role") == "assistant" and (
                before.get("status") == "incomplete" or before.get("id") in inp.truncated
            )
            text = message_text(item, inp.transcripts)
            return Heard("user", text, cut_in=cut_in, asked=_asked(inp, index))
    return Heard("none")


def _ask(tool_name: str, missing: list[str]) -> str:
    wanted = " and the ".join(_humanise(m) for m in missing)
    return f"To {_humanise(tool_name)}, I need the {wanted}. What is it?"


_ASKED = re.compile(r"\bTo [\w ]+, I need the [\w ]+\. What is it\?$")


def _asked(inp: PolicyInput, index: int, depth: int = 3) -> str:
    """The request whose missing values the last reply before the user's message at `index`
    asked for, with the answers already given to earlier such questions; "" if it asked none."""
    messages = (j for j in range(index - 1, -1, -1) if inp.items[j].get("type") == "message")
    j = next(messages, None)
    if j is None or inp.items[j].get("role") != "assistant" or depth == 0:
        return ""
    if not _ASKED.search(message_text(inp.items[j], inp.transcripts).strip()):
        return ""
    for k in range(j - 1, -1, -1):
        item = inp.items[k]
        if item.get("type") == "message" and item.get("role") == "user":
            earlier = _asked(inp, k, depth - 1)
            text = message_text(item, inp.transcripts).strip()
            return f"{earlier} {text}" if earlier else text
    return ""


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


def _param_evidence(tool: dict[str, Any], text: str) -> int:
    """1 when every required value was said and one has a shape of its own (a place after "in",
    a date, a code, an amount): "in Oslo" says something for a weather tool; free text does not."""
    params = tool.get("parameters")
    props = params.get("properties") if isinstance(params, dict) else None
    required = params.get("required") if isinstance(params, dict) else None
    if not isinstance(props, dict) or not isinstance(required, list) or not required:
        return 0
    missing: list[str] = []
    values = json.loads(_call(tool, text, missing).arguments)
    if missing:
        return 0
    for name in required:
        raw = props.get(name)
        schema = raw if isinstance(raw, dict) else {}
        kind, value = value_kind(str(name), schema), str(values.get(name, ""))
        if kind == "place":
            place = rf"\b(?:in|for|at|near|from|to)\s+(?:the\s+)?{re.escape(value)}\b"
            if len(value) > 2 and (
                value.lower() in PLACES or re.search(place, text, re.IGNORECASE)
            ):
                return 1
        elif kind in _SHAPED and value:
            return 1
    return 0


def _known_value(tool: dict[str, Any], text: str) -> int:
    """KNOWN_VALUE when a required value of a kind the engine knows by name was said."""
    params = tool.get("parameters")
    props = params.get("properties") if isinstance(params, dict) else None
    required = params.get("required") if isinstance(params, dict) else None
    if not isinstance(props, dict) or not isinstance(required, list):
        return 0
    for name in required:
        schema = props.get(name)
        kind = value_kind(str(name), schema if isinstance(schema, dict) else {})
        known = KNOWN_VALUES.get(kind)
        if known is not None and known.search(text):
            return KNOWN_VALUE
        if kind == "place":
            # Or a place the engine knows by its sound ("in my army": Miami).
            said = json.loads(_call(tool, text).arguments).get(name)
            if isinstance(said, str) and said.lower() in PLACES:
                return KNOWN_VALUE
    return 0


def _tool_evidence(tool: dict[str, Any], text: str) -> int:
    found = evidence(text, str(tool.get("name", "")), str(tool.get("description") or ""))
    if found:
        return found + _param_evidence(tool, text)
    # A city or a subject the engine knows says something for a tool that takes one, even when
    # the words around it were misheard ("... for london please").
    return _known_value(tool, text)


def _handoff_evidence(tool: dict[str, Any], text: str) -> int:
    name = str(tool["name"])[len(HANDOFF_PREFIX) :]
    return evidence(text, name, str(tool.get("description") or ""), handoff=True)


def _reach(handoff: dict[str, Any], text: str, agents: AgentMap) -> int:
    """How well the agent a handoff leads to fits: its description, or its tools if known."""
    return max(
        _handoff_evidence(handoff, text), _best_tool(agents.tools_behind(handoff["name"]), text)[0]
    )


def _call(tool: dict[str, Any], text: str, missing: list[str] | None = None) -> Call:
    name = str(tool.get("name", ""))
    arguments = extract_arguments(
        text,
        tool.get("parameters"),
        tool_name=name,
        description=str(tool.get("description") or ""),
        missing=missing,
    )
    return Call(name, json.dumps(arguments))


def _act(tool: dict[str, Any], text: str, holding_line: str | None) -> list[Output]:
    """Call the tool; ask instead when a required value was not said (never invent it)."""
    missing: list[str] = []
    call = _call(tool, text, missing)
    if missing:
        return [Say(_ask(call.name, missing))]
    if holding_line and _APPROVAL.search(str(tool.get("description") or "")):
        return [Say(holding_line), call]
    return [call]


def _ranked(tools: list[dict[str, Any]], text: str) -> list[tuple[int, int, dict[str, Any]]]:
    """Best first; of two that fit as well, the one the request names ("research wind turbines
    in Denmark" is research, though wind and a country also point at the weather)."""
    ranked = [(_tool_evidence(t, text), i, t) for i, t in enumerate(tools)]
    named = {i: names_tool(text, str(t.get("name", ""))) for _, i, t in ranked}
    return sorted(ranked, key=lambda s: (-s[0], not named[s[1]], s[1]))


def _best_tool(tools: list[dict[str, Any]], text: str) -> tuple[int, dict[str, Any] | None]:
    ranked = _ranked(tools, text)
    return (ranked[0][0], ranked[0][2]) if ranked else (0, None)


def _offer(functions: list[dict[str, Any]]) -> Say:
    """A question back, for a request that points at an action too weakly to take it."""
    things = [_humanise(str(t["name"])) for t in functions][:5]
    if not things:
        return Say("Sorry, I am not sure what you need. Could you say that again?")
    listed = ", ".join(things[:-1]) + (" or " if len(things) > 1 else "") + things[-1]
    return Say(f"Sorry, I am not sure what you need. I can {listed}. Which would you like?")


def _reply_to_handoff(heard: Heard, tools: list[dict[str, Any]], inp: PolicyInput) -> list[Output]:
    """A new agent picks up the request that brought the caller here, if it has the tool, or
    hands it on to the agent that has (Billing sent a booking here, to Triage: on to Travel)."""
    plain = [t for t in tools if not str(t.get("name", "")).startswith(HANDOFF_PREFIX)]
    score, tool = _best_tool(plain, heard.request)
    if tool is not None and score >= ACT:
        outputs = _act(tool, heard.request, inp.holding_line)
        if isinstance(outputs[0], Say) and len(outputs) == 1:  # it asks for a missing value
            agent = _humanise(heard.tool_name[len(HANDOFF_PREFIX) :])
            return [Say(f"You are now talking to {agent}. {outputs[0].text}")]
        return outputs
    onward = sorted(
        (-_reach(t, heard.request, inp.agents), i, t)
        for i, t in enumerate(tools)
        if str(t.get("name", "")).startswith(HANDOFF_PREFIX)
    )
    if onward and -onward[0][0] >= max(ACT, score + 1):
        return [_call(onward[0][2], heard.request)]
    return [Say(tool_sentence(heard.tool_name, heard.text))]


def is_greeting(text: str) -> bool:
    return _GREETINGS.fullmatch(text.strip(" .!?,")) is not None


def is_stop(text: str) -> bool:
    return _STOPS.fullmatch(text.strip(" .!?,")) is not None


def default_policy(heard: Heard, inp: PolicyInput) -> list[Output]:
    outputs = _reply(heard, inp)
    words_only = bool(outputs) and all(isinstance(o, Say) for o in outputs)
    if heard.kind == "user" and heard.asked and words_only and outputs[0] != Say(HELLO):
        # Nothing to do with these words alone: they may answer the question asked ("B C 12,
        # twenty dollars" after "I need the order id and the amount").
        answer = _reply(replace(heard, text=f"{heard.asked} {heard.text}", asked=""), inp)
        asks = [o for o in answer if isinstance(o, Say) and _ASKED.search(o.text)]
        if asks or any(isinstance(o, Call) for o in answer):
            return answer
    return outputs


def _reply(heard: Heard, inp: PolicyInput) -> list[Output]:
    tools, tool_choice = inp.tools, inp.tool_choice
    functions = [t for t in tools if t.get("type", "function") == "function" and t.get("name")]
    if tool_choice == "none":
        functions = []
    if heard.kind == "tool":
        if heard.tool_name.startswith(HANDOFF_PREFIX):
            return _reply_to_handoff(heard, functions, inp)
        return [Say(tool_sentence(heard.tool_name, heard.text))]
    if heard.kind == "pending":
        return [Say(holding_sentence(heard.tool_name))]
    if heard.kind == "none":
        return [Say(GREETING)]
    if isinstance(tool_choice, dict) and tool_choice.get("name"):
        forced = [t for t in functions if t["name"] == tool_choice["name"]]
        if forced:
            return [_call(forced[0], heard.text)]
    if tool_choice != "required":
        if is_stop(heard.text):
            return []  # the caller wants silence: no reply at all
        if is_greeting(heard.text):
            return [Say(HELLO)]
    text = heard.text
    handoffs = [t for t in functions if str(t["name"]).startswith(HANDOFF_PREFIX)]
    plain = [t for t in functions if not str(t["name"]).startswith(HANDOFF_PREFIX)]
    # An agent asked for by name ("billing please") is a handoff whatever else was said.
    for handoff in handoffs:
        if names_agent(text, str(handoff["name"])[len(HANDOFF_PREFIX) :]):
            return [_call(handoff, text)]
    ranked = _ranked(plain, text)
    score, tool = (ranked[0][0], ranked[0][2]) if ranked else (0, None)
    if tool_choice == "required" and tool is not None and score > 0:
        return [_call(tool, text)]
    # Another agent fits better: by its description ("invoices" for Billing), by a tool of its
    # learnt from earlier handoffs (a weather question put to Billing goes back to Triage), or
    # by an agent it hands on to (a booking put to Billing goes to Triage, for Travel).
    elsewhere = [
        (
            max(
                [
                    _reach(t, text, inp.agents),
                    *(_reach(h, text, inp.agents) for h in inp.agents.onward(t["name"], tools)),
                ]
            ),
            i,
            t,
        )
        for i, t in enumerate(handoffs)
    ]
    elsewhere.sort(key=lambda e: (-e[0], e[1]))
    if tool is not None and score >= ACT and (not elsewhere or score >= elsewhere[0][0]):
        return _act(tool, text, inp.holding_line)
    if elsewhere and elsewhere[0][0] >= ACT:
        return [_call(elsewhere[0][2], text)]
    if tool_choice == "required" and functions:
        return [_call(tool or functions[0], text)]
    # Weaker evidence is still acted on when nothing else has as much: a question back is
    # for a tie between actions (or a value that was not said, which `_act` asks for).
    # As above, the agent's own tool wins a tie with another agent's.
    own, away = [s for s, _, _ in ranked], [s for s, _, _ in elsewhere]
    best_away = away[0] if away else 0
    if tool is not None and ASK <= score >= best_away and (len(own) == 1 or score > own[1]):
        return _act(tool, text, inp.holding_line)
    if ASK <= best_away > score and (len(away) == 1 or best_away > away[1]):
        return [_call(elsewhere[0][2], text)]
    if max(score, best_away) >= ASK:
        # Two actions weigh the same: ask which one rather than guess.
        return [_offer(functions)]
    if heard.cut_in and len(tokens(text)) <= 2:
        # A word or two said over a reply, asking for nothing there is to do: most likely
        # "stop", "wait" or "no" heard through the reply's echo. Silence, as for "stop".
        return []
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
    return default_policy(heard, inp)
