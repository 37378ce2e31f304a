"""The runner on the real stack (core, transport, local engine over loopback WebSocket)."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from console.journal.store import read_records
from console.realtime import RealtimeAgent, function_tool
from console.scenarios import speech
from console.scenarios.model import load_scenario
from console.scenarios.outcome import ScenarioResult
from console.scenarios.runner import RunOptions, run_all
from console.ui.audio_protocols import StaticLevels
from console.ui.demo_agents import DEMO_RUN_CONFIG, demo_agents
from console.ui.replay import ReplayApp, load_recording
from console.ui.scenario_tap import ConsoleTap
from console.ui.themes import builtin_theme_dirs

from .conftest import FILES, write_wav


def demo() -> tuple[Sequence[Any], dict[str, Any]]:
    return demo_agents(), dict(DEMO_RUN_CONFIG)


async def run(path: Path, journals: Path | None = None, agents: Any = demo) -> ScenarioResult:
    options = RunOptions(agents=agents, journal_dir=journals, tap=ConsoleTap)
    [result] = await run_all([load_scenario(path)], options)
    return result


async def test_a_failing_scenario_says_why_and_keeps_a_journal_replay_shows(
    tmp_path: Path,
) -> None:
    result = await run(FILES / "failing.toml", tmp_path / "journals")
    assert not result.passed and result.error is None
    first, second = result.steps
    assert first.failures == [
        'expected tool call get_weather, arguments ⊇ {"city": "Rome"}; '
        'got get_weather({"city": "Paris"})',
        "expected agent Travel at the end; got Triage",
        "expected the reply to contain 'Lisbon'; got 'The get weather tool says: Paris: "
        "windy, 11 °C.'",
    ]
    assert 'tool: get_weather({"city": "Paris"}) ran -> Paris: windy, 11 °C' in \
        first.record.transcript()
    # The first turn settled, so the second still ran, and passed.
    assert second.passed and second.record.handoffs == ["Billing"]

    journal = result.journal
    assert journal is not None and journal.parent == tmp_path / "journals"
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    assert stat.S_IMODE(journal.parent.stat().st_mode) == 0o700
    records = list(read_records(journal))
    assert records[0]["kind"] == "meta" and records[-1]["type"] == "journal_closed"
    assert {"sent", "recv", "event"} <= {r["kind"] for r in records}

    replay = ReplayApp(load_recording(journal), tick_s=0, blink=False, frame_rate=0.0,
                       levels=StaticLevels(), theme_dirs=builtin_theme_dirs())
    async with replay.run_test(size=(140, 40)) as pilot:
        replay.play_all()
        await pilot.pause()
        # Long lines wrap under their first: compare the words.
        shown = " ".join(" ".join(replay.main.transcript.plain_lines()).split())
    assert "What is the weather in Paris?" in shown
    assert "The get weather tool says: Paris" in shown
    assert "scenario failed: failing on purpose" in shown
    assert "expected agent Travel at the end; got Triage" in shown
    assert replay.main.status.agent == "Billing"


async def test_a_passing_scenario_leaves_no_journal(tmp_path: Path) -> None:
    result = await run(FILES / "scripted.toml", tmp_path)
    assert result.passed, result.steps[0].failures
    assert result.steps[0].record.replies == ["Good morning, this reply is scripted."]
    assert result.journal is None and list(tmp_path.iterdir()) == []


async def test_a_spoken_turn_from_a_wav_goes_through_the_audio_path(tmp_path: Path) -> None:
    pcm = await asyncio.to_thread(speech.speak, "how is the weather in Tokyo")
    write_wav(tmp_path / "question.wav", pcm)
    scenario = tmp_path / "spoken.toml"
    # The last expectation fails on purpose, so the journal is kept to look into.
    scenario.write_text(
        '[[turns]]\naudio = "question.wav"\n[turns.expect]\nheard_matches = "weather"\n'
        'reply_contains = "no such words"\n[[turns.expect.tools]]\nname = "get_weather"\n'
    )
    result = await run(scenario, tmp_path / "journals")
    [step] = result.steps
    assert step.failures == [
        f"expected the reply to contain 'no such words'; got {step.record.reply!r}"
    ]
    assert "weather" in " ".join(step.record.heard)
    assert result.journal is not None
    records = list(read_records(result.journal))
    sent = [r["data"] for r in records if r["kind"] == "sent"]
    received = [r["data"]["type"] for r in records if r["kind"] == "recv"]
    appended = [d["audio_bytes"] for d in sent if d["type"] == "input_audio_buffer.append"]
    # 20 ms PCM16 chunks at 24 kHz: the words, then a second of silence for server VAD.
    assert sum(appended) == len(speech.with_silence(pcm))
    assert set(appended[:-1]) == {speech.CHUNK_BYTES}
    assert not [d for d in sent if d["type"] == "conversation.item.create"
                and d["item"].get("role") == "user"]
    assert received.index("input_audio_buffer.speech_started") < received.index(
        "input_audio_buffer.committed") < received.index(
        "conversation.item.input_audio_transcription.completed")


async def test_push_to_talk_commits_the_last_chunk(tmp_path: Path) -> None:
    scenario = tmp_path / "ptt.toml"
    scenario.write_text('[[turns]]\nspeak = "what is the weather"\ncommit = true\n'
                        '[turns.expect]\nheard_matches = "weather"\n')

    def no_vad() -> tuple[Sequence[Any], dict[str, Any]]:
        return demo_agents(), {"model_settings": {"turn_detection": None}}

    result = await run(scenario, agents=no_vad)
    assert result.passed, result.steps[0].failures
    assert result.steps[0].record.latency_ms is not None


async def test_a_zero_latency_budget_fails_with_the_time_taken(
    scenario_file: Callable[..., Path],
) -> None:
    path = scenario_file('[[turns]]\nsay = "hello"\n[turns.expect]\nmax_latency_ms = 0\n')
    result = await run(path)
    [failure] = result.steps[0].failures
    assert failure.startswith("expected a reply within 0 ms; took ")


blocked = asyncio.Event()


@function_tool
async def wait_forever() -> str:
    """Wait forever."""
    await blocked.wait()
    return "never"


def waiting_agent() -> tuple[Sequence[Any], None]:
    return [RealtimeAgent("Waiter", instructions="Wait.", tools=[wait_forever])], None


async def test_a_turn_that_never_settles_times_out_and_the_rest_is_skipped(
    scenario_file: Callable[..., Path],
) -> None:
    path = scenario_file(
        'timeout_s = 5\n[[turns]]\nsay = "please wait forever"\n[[turns]]\nsay = "hello"\n'
    )
    result = await run(path, agents=waiting_agent)
    [step] = result.steps
    assert step.failures == [
        # The call comes within milliseconds; 5 s leaves a loaded machine room to make it.
        "the turn did not settle within 5 s (waiting for tool output for 1 call(s))"
    ]
    assert [c.name for c in step.record.calls] == ["wait_forever"]
    assert result.skipped_steps == 1 and not result.passed


async def test_another_server_by_url_with_a_key_that_never_reaches_the_journal(
    tmp_path: Path,
) -> None:
    # The --backend openai path (a URL and a key, no engine of our own), against a local
    # engine started apart, as `rtconsole serve` would be.
    from console.engine import LocalEngine
    from console.scenarios.runner import Backend

    async with LocalEngine(pace=None) as engine:
        assert engine.token is not None
        backend = Backend("openai", url=engine.url, api_key=engine.token)
        assert engine.token not in repr(backend)
        options = RunOptions(agents=demo, backend=backend, journal_dir=tmp_path, tap=ConsoleTap)
        [result] = await run_all([load_scenario(FILES / "failing.toml")], options)
    assert [step.passed for step in result.steps] == [False, True]
    assert result.journal is not None
    text = result.journal.read_text()
    assert "get_weather" in text and engine.token not in text


async def test_a_server_that_cannot_be_reached_fails_the_scenario_in_one_line(
    tmp_path: Path,
) -> None:
    from console.scenarios.runner import Backend

    key = "sk-test-0123456789abcdef"
    # Port 9 (discard) on loopback: nothing listens there.
    backend = Backend("openai", url="ws://127.0.0.1:9/v1/realtime", api_key=key)
    options = RunOptions(agents=demo, backend=backend, journal_dir=tmp_path, tap=ConsoleTap)
    [result] = await run_all([load_scenario(FILES / "scripted.toml")], options)
    assert not result.passed and result.steps == []
    assert result.error is not None and "\n" not in result.error
    assert key not in result.error
    assert result.journal is not None and key not in result.journal.read_text()
