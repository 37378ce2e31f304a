"""Scenario files (TOML or JSON) that script the engine's replies and tool calls turn by turn.

A scenario is a list of turns, used one per response, in order::

    name = "weather demo"
    then = "policy"            # when the turns run out: "policy" (default) or "repeat"

    [[turns]]
    when = "weather"           # optional regex (case-insensitive) on the latest input:
                               # what the user said, or the last tool output
    hear = "What is the weather in London?"   # optional: transcript to report for spoken input
    say = "Let me look that up."              # optional reply
    calls = [{ name = "get_weather", arguments = { city = "London" } }]

    [[turns]]
    say = "Here it is: {output}"   # {heard}: the user's words, {output}: the last tool output

A turn whose `when` does not match is kept for a later response; that response falls back to
the default policy.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCENARIO_KEYS = {"name", "description", "then", "turns"}
_TURN_KEYS = {"when", "hear", "say", "calls"}
_CALL_KEYS = {"name", "arguments"}


class ScenarioError(ValueError):
    """A scenario that cannot be read; the message is one line, fit for a CLI error."""


@dataclass(frozen=True)
class ScriptedCall:
    name: str
    arguments: str


@dataclass(frozen=True)
class Turn:
    say: str | None = None
    calls: tuple[ScriptedCall, ...] = ()
    when: re.Pattern[str] | None = None
    hear: str | None = None


@dataclass(frozen=True)
class Scenario:
    """Immutable; each connection walks it with its own `ScenarioCursor`."""

    turns: tuple[Turn, ...] = ()
    name: str = ""
    then: str = "policy"

    @classmethod
    def from_dict(cls, data: Any) -> Scenario:
        if not isinstance(data, dict):
            raise ScenarioError("a scenario must be a table/object with a 'turns' list")
        _no_unknown(data, _SCENARIO_KEYS, "scenario")
        then = data.get("then", "policy")
        if then not in ("policy", "repeat"):
            raise ScenarioError(f"'then' must be 'policy' or 'repeat', not {then!r}")
        turns = data.get("turns", [])
        if not isinstance(turns, list):
            raise ScenarioError("'turns' must be a list of tables")
        name = data.get("name", "")
        if not isinstance(name, str):
            raise ScenarioError("'name' must be a string")
        return cls(tuple(_turn(t, i) for i, t in enumerate(turns, 1)), name, then)


def _no_unknown(data: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ScenarioError(
            f"unknown key {unknown[0]!r} in {where} (allowed: {', '.join(sorted(allowed))})"
        )


def _optional_str(data: dict[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ScenarioError(f"{where}: {key!r} must be a string")
    return value


def _turn(data: Any, number: int) -> Turn:
    where = f"turn {number}"
    if not isinstance(data, dict):
        raise ScenarioError(f"{where} must be a table/object")
    _no_unknown(data, _TURN_KEYS, where)
    when = _optional_str(data, "when", where)
    try:
        pattern = re.compile(when, re.IGNORECASE) if when else None
    except re.error as exc:
        raise ScenarioError(f"{where}: 'when' is not a valid regular expression: {exc}") from None
    calls = data.get("calls", [])
    if not isinstance(calls, list):
        raise ScenarioError(f"{where}: 'calls' must be a list of {{name, arguments}} tables")
    turn = Turn(
        say=_optional_str(data, "say", where),
        calls=tuple(_call(c, f"{where}, call {i}") for i, c in enumerate(calls, 1)),
        when=pattern,
        hear=_optional_str(data, "hear", where),
    )
    if turn.say is None and not turn.calls:
        raise ScenarioError(f"{where} needs 'say' or 'calls'")
    return turn


def _call(data: Any, where: str) -> ScriptedCall:
    if not isinstance(data, dict):
        raise ScenarioError(f"{where} must be a table/object")
    _no_unknown(data, _CALL_KEYS, where)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ScenarioError(f"{where} needs a 'name'")
    arguments = data.get("arguments", {})
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError as exc:
            raise ScenarioError(f"{where}: 'arguments' is not valid JSON: {exc}") from None
    if not isinstance(arguments, dict):
        raise ScenarioError(f"{where}: 'arguments' must be a table/object")
    return ScriptedCall(name, json.dumps(arguments))


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read a `.toml` or `.json` scenario; ScenarioError (one line) if missing or malformed."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"scenario file not found: {file}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read scenario {file}: {exc}") from None
    try:
        data = json.loads(text) if file.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        kind = "JSON" if file.suffix.lower() == ".json" else "TOML"
        raise ScenarioError(f"{file}: invalid {kind}: {exc}") from None
    try:
        return Scenario.from_dict(data)
    except ScenarioError as exc:
        raise ScenarioError(f"{file}: {exc}") from None


class ScenarioCursor:
    """One connection's position in a scenario."""

    def __init__(self, scenario: Scenario | None) -> None:
        self.scenario = scenario or Scenario()
        self.index = 0

    def peek(self) -> Turn | None:
        turns = self.scenario.turns
        if self.index >= len(turns) and self.scenario.then == "repeat" and turns:
            self.index = 0
        return turns[self.index] if self.index < len(turns) else None

    def take(self, heard: str) -> Turn | None:
        """The next turn if it applies to what was heard (and move past it), else None."""
        turn = self.peek()
        if turn is None or (turn.when is not None and not turn.when.search(heard)):
            return None
        self.index += 1
        return turn
