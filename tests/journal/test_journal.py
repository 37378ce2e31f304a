"""Journals: redaction, what is written and flushed, reading back after a crash, listing, export."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

from console.journal import JournalWriter, Redactor, list_sessions, open_journal
from console.journal.export import export, transcript_entries
from console.journal.store import JournalError, read_records

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "openai-realtime"
FAKE_KEY = "sk-proj-FAKEKEY0123456789abcdefXYZ"


def _journal_from_fixture(tmp_path: Path, name: str) -> Path:
    writer = JournalWriter(tmp_path / "s.jsonl", redactor=Redactor([FAKE_KEY]))
    writer.meta(agent="Assistant", backend="openai", model="gpt-realtime")
    for line in (FIXTURES / name).read_text().splitlines():
        record = json.loads(line)
        writer.wire("sent" if record["direction"] == "sent" else "recv", record["data"])
    writer.close()
    return writer.path


def test_redactor_removes_registered_keyed_and_shaped_secrets() -> None:
    redactor = Redactor(["local-token-abcdef"])
    value = {
        "headers": {"Authorization": f"Bearer {FAKE_KEY}", "X-Trace": "ok"},
        "api_key": "whatever-it-is",
        "message": "token local-token-abcdef rejected; url wss://h/v1?api_key=zzz&model=m",
        "list": [f"key {FAKE_KEY}", 3, None],
    }
    text = json.dumps(redactor.value(value))
    assert FAKE_KEY not in text
    assert "local-token-abcdef" not in text
    assert "whatever-it-is" not in text
    assert "zzz" not in text
    assert "X-Trace" in text and "model=m" in text


def test_writer_drops_audio_payloads_but_keeps_their_size(tmp_path: Path) -> None:
    path = _journal_from_fixture(tmp_path, "text_in_audio_out_turn.jsonl")
    records = list(read_records(path))
    assert records[0]["kind"] == "meta"
    deltas = [r for r in records if r.get("data", {}).get("type") == "response.output_audio.delta"]
    assert deltas, "the fixture has audio deltas"
    assert all("delta" not in r["data"] and r["data"]["delta_bytes"] > 0 for r in deltas)


def test_flushed_at_turn_end_so_a_crash_loses_only_the_turn_in_progress(tmp_path: Path) -> None:
    path = tmp_path / "crash.jsonl"
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from console.journal import JournalWriter
        w = JournalWriter(Path({str(path)!r}))
        w.meta(agent="A")
        w.wire("recv", {{"type": "response.output_audio_transcript.delta", "delta": "one"}})
        w.wire("recv", {{"type": "response.done", "response": {{"id": "r1"}}}})
        w.wire("recv", {{"type": "response.output_audio_transcript.delta", "delta": "lost"}})
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    types = [r.get("data", {}).get("type") for r in read_records(path)]
    assert types[-1] == "response.done"
    assert "response.output_audio_transcript.delta" in types


def test_torn_last_line_is_skipped(tmp_path: Path) -> None:
    path = _journal_from_fixture(tmp_path, "tool_call_round.jsonl")
    whole = len(list(read_records(path)))
    with path.open("a") as handle:
        handle.write('{"kind": "recv", "data": {"type": "resp')
    assert len(list(read_records(path))) == whole


def test_not_a_journal_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("hello\n")
    with pytest.raises(JournalError, match="not an rtconsole journal"):
        list(read_records(bad))
    with pytest.raises(JournalError, match="cannot read"):
        list(read_records(tmp_path / "missing.jsonl"))


def test_listing_counts_turns_and_marks_incomplete_sessions(tmp_path: Path) -> None:
    _journal_from_fixture(tmp_path, "tool_call_round.jsonl")
    (tmp_path / "junk.jsonl").write_text("not json\n")
    torn = JournalWriter(tmp_path / "torn.jsonl")
    torn.meta(agent="B")
    torn.wire("recv", {"type": "response.done", "response": {}})
    torn.flush()
    infos = {info.path.name: info for info in list_sessions(tmp_path)}
    assert set(infos) == {"s.jsonl", "torn.jsonl"}
    assert infos["s.jsonl"].agent == "Assistant" and infos["s.jsonl"].complete
    assert infos["s.jsonl"].turns == 2  # the call, then the answer after the tool output
    assert not infos["torn.jsonl"].complete and infos["torn.jsonl"].turns == 1


def test_export_has_the_tool_round_and_decisions(tmp_path: Path) -> None:
    writer = JournalWriter(tmp_path / "s.jsonl", redactor=Redactor([FAKE_KEY]))
    writer.meta(agent="Assistant", api_key=FAKE_KEY)
    lines = (FIXTURES / "tool_call_round.jsonl").read_text().splitlines()
    for line in lines:
        record = json.loads(line)
        data = record["data"]
        if (
            record["direction"] == "sent"
            and data.get("item", {}).get("type") == "function_call_output"
        ):
            writer.decision(
                call_id=data["item"]["call_id"],
                tool="get_weather",
                decision="approved",
                always=False,
                by="operator",
            )
        writer.wire("sent" if record["direction"] == "sent" else "recv", data)
    writer.event("handoff", **{"from": "Triage", "to": "Billing"})
    writer.close()
    entries = transcript_entries(read_records(writer.path))
    kinds = [e["kind"] for e in entries]
    assert kinds.index("tool_call") < kinds.index("decision") < kinds.index("tool_output")
    assert kinds[-1] == "handoff" and "assistant" in kinds and "user" in kinds
    call = next(e for e in entries if e["kind"] == "tool_call")
    assert json.loads(call["arguments"])  # the recorded arguments, intact
    markdown = export(writer.path, "md")
    assert "**Operator approved**" in markdown and "Triage → Billing" in markdown
    document = json.loads(export(writer.path, "json"))
    assert document["entries"][0]["kind"] == "user"
    assert FAKE_KEY not in writer.path.read_text() + markdown


def test_recording_writes_wavs(tmp_path: Path) -> None:
    import wave

    writer = JournalWriter(tmp_path / "r.jsonl", record_audio=True)
    writer.meta()
    writer.audio("mic", b"\x01\x00" * 480)
    writer.audio("speaker", b"\x02\x00" * 960)
    writer.close()
    with wave.open(str(tmp_path / "r.speaker.wav")) as wav:
        assert (wav.getframerate(), wav.getnframes()) == (24_000, 960)
    assert os.path.exists(tmp_path / "r.mic.wav")


def test_sessions_and_export_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from console.cli import main

    path = _journal_from_fixture(tmp_path, "tool_call_round.jsonl")
    assert main(["sessions", "--dir", str(tmp_path)]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split() == ["date", "agents", "turns", "duration", "file"]
    assert "Assistant" in listing[1] and "s.jsonl" in listing[1]
    out = tmp_path / "t.md"
    assert main(["export", str(path), "--format", "md", "-o", str(out)]) == 0
    assert "**Tool call**" in out.read_text()
    assert main(["export", str(tmp_path / "nope.jsonl")]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
    assert main(["export", str(path), "--format", "pdf"]) == 2
    assert capsys.readouterr().err.startswith("rtconsole export: error: argument --format")


def test_open_journal_in_the_data_dir_or_a_reason_why_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.journal import open_journal, sessions_dir

    monkeypatch.setenv("RTCONSOLE_DATA_DIR", str(tmp_path / "data"))
    assert sessions_dir() == tmp_path / "data" / "sessions"
    journal, note = open_journal([FAKE_KEY], record=True)
    assert journal is not None and note is None and journal.record_audio
    assert journal.path.parent == sessions_dir()
    journal.meta(note=f"key {FAKE_KEY}")
    journal.close()
    assert FAKE_KEY not in journal.path.read_text()
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    journal, note = open_journal([], directory=blocked / "sessions")
    assert journal is None and note is not None and note.startswith("session not journaled:")


def test_a_recording_cut_off_by_a_crash_still_opens(tmp_path: Path) -> None:
    import wave

    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from console.journal import JournalWriter
        w = JournalWriter(Path({str(tmp_path / "c.jsonl")!r}), record_audio=True)
        w.meta()
        w.audio("speaker", b"\\x01\\x00" * 2400)
        w.wire("recv", {{"type": "response.done", "response": {{}}}})
        w.audio("speaker", b"\\x02\\x00" * 480)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    with wave.open(str(tmp_path / "c.speaker.wav")) as wav:
        assert wav.getnframes() == 2400  # everything up to the turn end


def test_launches_that_never_connected_are_left_out_unless_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from console.journal.commands import sessions

    _journal_from_fixture(tmp_path, "tool_call_round.jsonl")
    handed = JournalWriter(tmp_path / "h.jsonl")
    handed.meta(agent="Triage")
    handed.wire("recv", {"type": "session.created", "session": {}})
    handed.event("handoff", **{"from": "Triage", "to": "Billing"})
    handed.event("handoff", **{"from": "Billing", "to": "Triage"})
    handed.close()
    never = JournalWriter(tmp_path / "n.jsonl")  # the server was never reached
    never.meta(agent="Triage")
    never.wire("sent", {"type": "session.update", "session": {}})
    never.close()
    infos = {info.path.name: info for info in list_sessions(tmp_path)}
    assert infos["h.jsonl"].agents == ("Triage", "Billing") and infos["h.jsonl"].connected
    assert not infos["n.jsonl"].connected

    assert sessions(tmp_path) == 0
    listing = capsys.readouterr().out
    assert "h.jsonl" in listing and "s.jsonl" in listing and "n.jsonl" not in listing
    assert "Triage, Billing" in listing
    assert "1 launch that never connected not shown; --all lists them" in listing
    assert sessions(tmp_path, show_all=True) == 0
    listing = capsys.readouterr().out
    assert "n.jsonl (never connected)" in listing and "not shown" not in listing


class _HeldRedactor(Redactor):
    """A redactor that holds the writer thread until released (what a slow disk would do)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.threads: set[str] = set()

    def value(self, value: Any) -> Any:
        self.threads.add(threading.current_thread().name)
        self.release.wait(30)
        return super().value(value)


def test_background_writer_never_makes_the_caller_wait(tmp_path: Path) -> None:
    redactor = _HeldRedactor()
    writer = JournalWriter(tmp_path / "bg.jsonl", redactor=redactor, background=True)
    writer.meta(agent="A")
    for n in range(200):
        writer.event("turn", n=n)  # returns although the writer thread is held
    writer.decision(by="operator", call_id="c1", decision="approved")
    assert not redactor.release.is_set()
    redactor.release.set()
    writer.flush()
    records = list(read_records(writer.path))
    assert [r.get("n") for r in records if r.get("type") == "turn"] == list(range(200))
    assert records[-1]["kind"] == "decision"
    writer.close()
    assert list(read_records(writer.path))[-1]["type"] == "journal_closed"
    assert redactor.threads == {"journal bg.jsonl"}
    assert stat.S_IMODE(writer.path.stat().st_mode) == 0o600


def test_open_journal_writes_in_the_background(tmp_path: Path) -> None:
    journal, problem = open_journal([], directory=tmp_path / "sessions")
    assert problem is None and journal is not None
    journal.meta(agent="A")
    journal.close()
    assert [r["kind"] for r in read_records(journal.path)] == ["meta", "event"]
    assert stat.S_IMODE((tmp_path / "sessions").stat().st_mode) == 0o700
