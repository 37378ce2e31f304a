"""Scenario files: what they hold, and bad ones refused with file:line and exit status 2."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from console.scenarios.command import scenario_files, select
from console.scenarios.locate import key_lines, line_of
from console.scenarios.model import ScenarioFileError, load_scenario

from .conftest import DEMO_NAMES, DEMO_SUITE, FILES, rtconsole, write_wav

GOOD = """\
name = "good"

[[turns]]
say = "hello"

[[turns]]
speak = "what is the weather"
decision = "always"

[turns.expect]
agent = "Triage"
approval = ["refund_order"]

[[turns.expect.tools]]
name = "get_weather"
arguments = { city = "Paris" }
"""


def test_a_scenario_file_reads_into_its_turns(scenario_file: Callable[..., Path]) -> None:
    scenario = load_scenario(scenario_file(GOOD))
    first, second = scenario.turns
    assert (first.say, first.spoken, first.decision) == ("hello", False, "reject")
    assert (second.speak, second.spoken, second.decision) == ("what is the weather", True,
                                                               "always")
    assert second.expect.agent == "Triage" and second.expect.approval == ["refund_order"]
    [tool] = second.expect.tools
    assert (tool.name, tool.arguments) == ("get_weather", {"city": "Paris"})
    assert scenario.title == "good" and scenario.timeout_s == 60


def test_the_demo_suite_loads_and_covers_the_issue() -> None:
    scenarios = [load_scenario(p) for p in scenario_files([DEMO_SUITE])]
    assert [s.path.stem for s in scenarios] == DEMO_NAMES
    turns = [t for s in scenarios for t in s.turns]
    assert any(t.speak for t in turns), "a spoken turn"
    assert {t.decision for t in turns} >= {"approve", "reject", "always"}
    expects = [t.expect for t in turns]
    assert any(e.guardrail for e in expects) and any(e.handoff for e in expects)
    assert {tool.name for e in expects for tool in e.tools} >= {
        "get_weather", "refund_order", "change_booking", "research"
    }


def test_key_lines_follow_tables_arrays_and_keys() -> None:
    lines = key_lines(GOOD)
    assert lines[("name",)] == 1
    assert lines[("turns", 0)] == 3 and lines[("turns", 0, "say")] == 4
    assert lines[("turns", 1, "expect", "approval")] == 12
    assert lines[("turns", 1, "expect", "tools", 0, "arguments")] == 16
    # An inline table's keys: the line of the key that holds it.
    assert line_of(lines, ("turns", 1, "expect", "tools", 0, "arguments", "city")) == 16


def test_k_selects_by_name_or_file_name() -> None:
    scenarios = [load_scenario(p) for p in scenario_files([DEMO_SUITE])]
    assert [s.title for s in select(scenarios, "REFUND")] == ["refund approved",
                                                             "refund rejected"]
    assert [s.path.name for s in select(scenarios, "spoken_")] == ["spoken_weather.toml"]


def _float_wav(path: Path) -> Path:
    # A 32-bit float WAV (format 3): the stdlib reader refuses it, as it should.
    data = struct.pack("<4f", 0.0, 0.1, -0.1, 0.0)
    fmt = struct.pack("<HHIIHH", 3, 1, 24000, 24000 * 4, 4, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


BAD_FILES = [
    ("unknown key", '[[turns]]\nsay = "hi"\nsya = "typo"\n', 3, "unknown key 'turns[1].sya'"),
    ("nested unknown key",
     '[[turns]]\nsay = "hi"\n\n[turns.expect]\nagent = "A"\n\n[[turns.expect.tools]]\n'
     'name = "t"\nargz = 1\n', 9, "unknown key 'turns[1].expect.tools[1].argz'"),
    ("wrong type", '[[turns]]\nsay = "hi"\n[turns.expect]\nagent = 3\n', 4,
     "turns[1].expect.agent: Input should be a valid string"),
    ("wrong decision", '[[turns]]\nsay = "hi"\ndecision = "maybe"\n', 3,
     "turns[1].decision"),
    ("no input", '[[turns]]\ndecision = "approve"\n', 1,
     "a turn needs exactly one of 'say', 'speak' or 'audio'"),
    ("no turns", 'name = "x"\n', None, "turns: required key missing"),
    ("bad regex", '[[turns]]\nsay = "hi"\n[turns.expect]\nreply_matches = "(("\n', 4,
     "not a valid regular expression"),
    ("bad TOML", '[[turns]]\nsay = "hi\n', 2, "invalid TOML"),
    ("bad engine script", '[engine]\nturns = [{ when = "x" }]\n\n[[turns]]\nsay = "hi"\n', 1,
     "engine: turn 1 needs 'say' or 'calls'"),
    ("missing WAV", '[[turns]]\naudio = "nowhere.wav"\n', 2, "no such audio file"),
    ("stereo WAV", '[[turns]]\naudio = "stereo.wav"\n', 2,
     "is not a 16-bit mono PCM WAV file (2 channels, 16-bit samples)"),
    ("8-bit WAV", '\n[[turns]]\naudio = "byte.wav"\n', 3,
     "is not a 16-bit mono PCM WAV file (1 channels, 8-bit samples)"),
    ("float WAV", '[[turns]]\naudio = "float.wav"\n', 2, "is not a 16-bit mono PCM WAV file"),
]


@pytest.fixture
def bad_audio(tmp_path: Path) -> Path:
    write_wav(tmp_path / "stereo.wav", bytes(400), channels=2)
    write_wav(tmp_path / "byte.wav", bytes(400), width=1)
    _float_wav(tmp_path / "float.wav")
    return tmp_path


@pytest.mark.parametrize(("case", "text", "line", "message"), BAD_FILES,
                         ids=[case[0] for case in BAD_FILES])
def test_bad_files_say_where_in_process(
    bad_audio: Path, case: str, text: str, line: int | None, message: str
) -> None:
    path = bad_audio / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(path)
    assert caught.value.line == line
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{path}:{line}: " if line else f"{path}: ")


@pytest.mark.parametrize("case", ["nested unknown key", "wrong type", "stereo WAV", "float WAV"])
def test_bad_files_exit_2_with_file_and_line_from_the_command(
    bad_audio: Path, case: str
) -> None:
    _, text, line, message = next(c for c in BAD_FILES if c[0] == case)
    path = bad_audio / "bad.toml"
    path.write_text(text, encoding="utf-8")
    done = rtconsole("test", path, data_dir=bad_audio / "data")
    assert done.returncode == 2
    assert done.stdout == ""
    [error] = done.stderr.splitlines()
    assert error.startswith(f"rtconsole test: error: {path}:{line}: ")
    assert message in error
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["nowhere.toml"], "nowhere.toml: no such scenario file or folder"),
    ([str(FILES), "-k", "zzz"], "no scenario matches -k 'zzz'"),
    ([str(FILES), "--jobs", "0"], "must be at least 1"),
    ([str(FILES), "--backend", "openai"], "--backend openai needs OPENAI_API_KEY"),
    ([str(FILES), "--agents", "nosuchmodule:agent"], "cannot import 'nosuchmodule'"),
    (["--agents", "console.ui.demo_agents:demo_agents"], "give scenario files or folders"),
])
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    done = rtconsole("test", *args, data_dir=tmp_path, )
    assert done.returncode == 2, done.stderr
    [error] = done.stderr.splitlines()
    assert error.startswith("rtconsole test: error: ") and message in error


def test_the_wheel_ships_the_demo_suite() -> None:
    import fnmatch
    import tomllib

    root = Path(__file__).resolve().parents[2]
    globs = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["console.scenarios"]
    package = root / "console" / "scenarios"
    shipped = {p.relative_to(package).as_posix() for p in DEMO_SUITE.glob("*.toml")}
    assert shipped and all(any(fnmatch.fnmatch(f, g) for g in globs) for f in shipped)
