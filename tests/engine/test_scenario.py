"""Scenario files script replies and tool calls; `rtconsole serve` loads them or says why not."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import websockets

from console.engine import LocalEngine, Scenario, ScenarioError, load_scenario

from .support import WEATHER_TOOL, Client, checked, silence_pcm, tone

ROOT = Path(__file__).resolve().parents[2]

DEMO = """
name = "weather demo"

[[turns]]
when = "weather"
hear = "What is the weather in Paris?"
say = "Let me look that up."
calls = [{ name = "get_weather", arguments = { city = "Paris" } }]

[[turns]]
say = "Here you are: {output}"
"""


def test_toml_and_json_load_the_same(tmp_path: Path) -> None:
    toml = tmp_path / "demo.toml"
    toml.write_text(DEMO)
    data = {
        "name": "weather demo",
        "turns": [
            {
                "when": "weather",
                "hear": "What is the weather in Paris?",
                "say": "Let me look that up.",
                "calls": [{"name": "get_weather", "arguments": '{"city": "Paris"}'}],
            },
            {"say": "Here you are: {output}"},
        ],
    }
    js = tmp_path / "demo.json"
    js.write_text(json.dumps(data))
    first, second = load_scenario(toml), load_scenario(js)
    assert first == second
    assert first.turns[0].calls[0].arguments == '{"city": "Paris"}'
    assert first.name == "weather demo"


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("a.toml", "turns = [", "invalid TOML"),
        ("a.json", "{", "invalid JSON"),
        ("a.toml", "[[turns]]\nsay = 1", "turn 1: 'say' must be a string"),
        ("a.toml", "[[turns]]\nwhen = 'x'", "turn 1 needs 'say' or 'calls'"),
        ("a.toml", "[[turns]]\nsay = 'x'\nsya = 'y'", "unknown key 'sya' in turn 1"),
        ("a.toml", "[[turns]]\nsay = 'x'\nwhen = '('", "not a valid regular expression"),
        ("a.toml", "then = 'loop'", "'then' must be 'policy' or 'repeat'"),
        ("a.json", '{"turns": [{"calls": [{"name": "f", "arguments": "{"}]}]}', "not valid JSON"),
    ],
)
def test_malformed_scenarios_say_what_is_wrong_in_one_line(
    tmp_path: Path, name: str, text: str, words: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_scenario(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="scenario file not found"):
        LocalEngine(scenario=tmp_path / "nope.toml")


async def test_scripted_turns_drive_the_conversation(tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    path.write_text(DEMO)
    async with LocalEngine(
        scenario=path, voice="synthetic", transcriber="placeholder", pace=None
    ) as engine:
        client = await Client.connect(engine)
        session = {
            "type": "realtime",
            "tools": [WEATHER_TOOL],
            "audio": {"input": {"transcription": {"model": "whisper-1"}}},
        }
        await client.send({"type": "session.update", "session": session})
        await client.until("session.updated")
        # Spoken input: the scenario's `hear` stands in for a recogniser.
        await client.append(silence_pcm(300) + tone(900) + silence_pcm(600))
        events = await client.until("response.done")
        heard = [e for e in events if e["type"].endswith("transcription.completed")]
        assert heard[0]["transcript"] == "What is the weather in Paris?"
        output = events[-1]["response"]["output"]
        assert [o["type"] for o in output] == ["message", "function_call"]
        assert output[0]["content"][0]["transcript"] == "Let me look that up."
        assert (output[1]["name"], output[1]["arguments"]) == ("get_weather", '{"city": "Paris"}')
        await client.send(
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "function_call_output",
                    "call_id": output[1]["call_id"],
                    "output": "Rain.",
                },
            }
        )
        await client.send({"type": "response.create"})
        events = await client.until("response.done")
        reply = events[-1]["response"]["output"][0]["content"][0]["transcript"]
        assert reply == "Here you are: Rain."
        # Turns used up: the default policy answers.
        await client.send(
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "Thanks"}],
                },
            }
        )
        await client.send({"type": "response.create"})
        events = await client.until("response.done")
        assert (
            events[-1]["response"]["output"][0]["content"][0]["transcript"] == 'You said: "Thanks".'
        )
        await client.close()


async def test_unmatched_turn_waits_for_its_words() -> None:
    scenario = Scenario.from_dict({"turns": [{"when": "^bye", "say": "Goodbye!"}]})
    async with LocalEngine(scenario=scenario, voice="synthetic", pace=None) as engine:
        client = await Client.connect(engine)
        for text, reply in (("hello", "Hello, how can I help you today?"), ("bye now", "Goodbye!")):
            await client.send(
                {
                    "type": "conversation.item.create",
                    "item": {
                        "type": "message",
                        "role": "user",
                        "content": [{"type": "input_text", "text": text}],
                    },
                }
            )
            await client.send(
                {"type": "response.create", "response": {"output_modalities": ["text"]}}
            )
            events = await client.until("response.done")
            assert events[-1]["response"]["output"][0]["content"][0]["text"] == reply
        await client.close()


def _serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "console.engine.serve", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--scenario", "/nonexistent/demo.toml"], "scenario file not found"),
        (["--port", "many"], "invalid int value"),
        (["--port", "70000"], "out of range"),
        (["--frobnicate"], "unrecognized arguments"),
    ],
)
def test_serve_rejects_bad_arguments_in_one_line(args: list[str], words: str) -> None:
    proc = _serve(*args)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert words in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_serve_rejects_a_malformed_scenario(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[turns]]\nsay = 3\n")
    proc = _serve("--scenario", str(bad))
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert err.strip() == f"rtconsole serve: error: {bad}: turn 1: 'say' must be a string"


async def test_serve_prints_url_and_token_and_stops_on_sigterm(tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    path.write_text(DEMO)
    proc = _serve("--scenario", str(path), "--voice", "synthetic")
    try:
        assert proc.stdout is not None
        url_line = proc.stdout.readline()
        token_line = proc.stdout.readline()
        assert url_line.startswith("rtconsole local engine listening on ws://127.0.0.1:")
        url, token = url_line.split()[-1], token_line.split()[-1]
        headers = {"Authorization": f"Bearer {token}"}
        async with websockets.connect(url, additional_headers=headers) as ws:
            assert checked([json.loads(await ws.recv())])[0]["type"] == "session.created"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopped." in out


def test_serve_main_returns_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    from console.cli import main

    assert main(["serve", "--port", "x"]) == 2
    assert capsys.readouterr().err.startswith("rtconsole serve: error: argument --port")
    assert main(["serve", "--help"]) == 0
    assert "rtconsole serve" in capsys.readouterr().out
