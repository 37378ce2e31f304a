"""Scenario files (TOML): caller turns and what must happen after each, as pydantic models."""

from __future__ import annotations

import re
import tomllib
import wave
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from console.engine.scenario import Scenario as EngineScript
from console.engine.scenario import ScenarioError

from .locate import key_lines, line_of

Decision = Literal["approve", "reject", "always"]


class ScenarioFileError(ValueError):
    """A scenario file that cannot be used; ``str()`` is one line, ``path:line: what``."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


class _Strict(BaseModel):
    # Unknown keys and values of the wrong type are errors, never silently coerced.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _pattern(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


class ToolExpectation(_Strict):
    """A tool the model called this turn."""

    name: str
    arguments: dict[str, Any] | None = None
    """Must be a subset of the call's arguments (nested tables compare as subsets too)."""
    arguments_match: str | None = None
    """A regular expression searched for in the call's arguments as JSON."""
    ran: bool | None = None
    """True: the tool ran (approved or needing no approval); false: it did not (rejected)."""

    _check_pattern = field_validator("arguments_match")(_pattern)


class Expect(_Strict):
    """What must have happened by the end of a turn; every key is optional."""

    tools: list[ToolExpectation] = Field(default_factory=list)
    no_tools: bool = False
    """No tool at all was called this turn (handoffs count as tools)."""
    handoff: str | None = None
    """A handoff to this agent happened this turn."""
    agent: str | None = None
    """The agent holding the call when the turn ended."""
    approval: str | list[str] | bool | None = None
    """Approval was asked for this tool (or these tools); true: for any; false: never."""
    guardrail: str | bool | None = None
    """This output guardrail tripped (true: any did; false: none did)."""
    reply_contains: str | list[str] | None = None
    """Case-insensitive text the agent's replies this turn must contain."""
    reply_matches: str | None = None
    """A regular expression (case-insensitive) searched for in the agent's replies."""
    heard_matches: str | None = None
    """A regular expression (case-insensitive) searched for in what the engine heard."""
    max_latency_ms: float | None = Field(default=None, ge=0)
    """From the end of the caller's turn to the first audio or text of the reply."""

    _check_patterns = field_validator("reply_matches", "heard_matches")(_pattern)


class CallerTurn(_Strict):
    """One thing the caller does: type (``say``), speak text with the engine's voice
    (``speak``) or play a WAV file (``audio``), then what must have happened."""

    say: str | None = None
    speak: str | None = None
    audio: str | None = None
    commit: bool = False
    """Speech only: commit the audio buffer (push to talk) instead of relying on server VAD."""
    decision: Decision = "reject"
    """What the operator answers to every approval asked during the turn."""
    expect: Expect = Field(default_factory=Expect)

    @model_validator(mode="after")
    def _one_input(self) -> CallerTurn:
        given = [key for key in ("say", "speak", "audio") if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError("a turn needs exactly one of 'say', 'speak' or 'audio'")
        return self

    @property
    def spoken(self) -> bool:
        return self.say is None

    @property
    def label(self) -> str:
        if self.say is not None:
            return f"say {self.say!r}"
        if self.speak is not None:
            return f"speak {self.speak!r}"
        return f"audio {self.audio}"


class Scenario(_Strict):
    """A scenario file: metadata, an optional engine script, and the caller's turns."""

    name: str = ""
    description: str = ""
    timeout_s: float = Field(default=60.0, gt=0)
    """How long a turn may take to settle before it fails."""
    engine: dict[str, Any] | None = None
    """Engine-side script (local backend): exact replies and tool calls, see the README."""
    turns: list[CallerTurn] = Field(min_length=1)
    _path: Path = PrivateAttr(default=Path("scenario.toml"))

    @property
    def path(self) -> Path:
        """The file it was read from (relative audio files are found beside it)."""
        return self._path

    def read_from(self, path: Path) -> Scenario:
        self._path = path
        return self

    @property
    def title(self) -> str:
        return self.name or self.path.stem

    def engine_script(self) -> EngineScript | None:
        return EngineScript.from_dict(self.engine) if self.engine is not None else None

    def audio_path(self, turn: CallerTurn) -> Path:
        assert turn.audio is not None
        return (self.path.parent / turn.audio).resolve()


def load_scenario(path: Path) -> Scenario:
    """Read and check a scenario file; ScenarioFileError with the file and line otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioFileError(path, None, "no such scenario file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioFileError(path, None, f"cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+)", str(exc))
        raise ScenarioFileError(
            path, int(found.group(1)) if found else None, f"invalid TOML: {exc}"
        ) from None
    lines = key_lines(text)
    try:
        scenario = Scenario.model_validate(data).read_from(path)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = _data_loc(data, error["loc"])
        raise ScenarioFileError(path, line_of(lines, loc), _describe(loc, error)) from None
    if scenario.engine is not None:
        try:
            scenario.engine_script()
        except ScenarioError as exc:
            raise ScenarioFileError(path, lines.get(("engine",)), f"engine: {exc}") from None
    for number, turn in enumerate(scenario.turns):
        if turn.audio is not None:
            problem = wav_problem(scenario.audio_path(turn))
            if problem:
                raise ScenarioFileError(path, lines.get(("turns", number, "audio")), problem)
    return scenario


def _data_loc(data: Any, loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """The part of a pydantic error location that names keys of the file (not union members)."""
    out: list[int | str] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str):
            out.append(part)
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            out.append(part)
            node = node[part]
        else:
            break
    return tuple(out)


def _describe(loc: tuple[int | str, ...], error: Any) -> str:
    where = ""
    for part in loc:
        where += f"[{part + 1}]" if isinstance(part, int) else f".{part}" if where else part
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown key {where!r}"
    if kind == "missing":
        missing = error["loc"][-1]
        return f"{where + '.' if where else ''}{missing}: required key missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def wav_problem(path: Path) -> str | None:
    """Why a WAV file cannot be used as caller audio (16-bit mono PCM), or None."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width = wav.getnchannels(), wav.getsampwidth()
            if wav.getnframes() == 0:
                return f"{path}: the WAV file holds no audio"
    except FileNotFoundError:
        return f"no such audio file: {path}"
    except (OSError, EOFError, wave.Error) as exc:
        return f"{path} is not a 16-bit mono PCM WAV file ({exc})"
    if channels != 1 or width != 2:
        return (
            f"{path} is not a 16-bit mono PCM WAV file "
            f"({channels} channels, {8 * width}-bit samples)"
        )
    return None
