"""kill -9 of the console itself mid-turn: the journal keeps every completed turn and reads back."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from console.journal import list_sessions
from console.journal.export import export
from console.journal.store import read_records

from .terminal import Console, events, isolated_env, wire_types

LONG = " ".join(f"Sentence number {n} is here." for n in range(1, 61))


def test_console_killed_mid_turn_keeps_every_completed_turn(tmp_path: Path) -> None:
    term = Console(["--no-audio"], isolated_env(tmp_path))
    try:
        term.until(
            lambda rs: any(e["fields"]["status"] == "connected"
                           for e in events(rs, "call.connection")),
            "the console connected",
        )
        term.type("remember the word pineapple\r")
        term.until(lambda rs: wire_types(rs).count("response.done") == 1, "turn 1 completed")
        term.type(LONG + "\r")
        # The second reply has begun (event records are flushed as the app shows them).
        term.until(lambda rs: len(events(rs, "call.turn_started")) >= 2, "turn 2 under way")
        status = term.kill9()
    finally:
        term.close()
    assert status == -signal.SIGKILL or (status & 0x7F) == signal.SIGKILL

    path = term.journal()
    assert path is not None
    records = list(read_records(path))  # a torn last line is skipped, never an error
    types = wire_types(records)
    # Killed mid-response: turn 1 is complete, turn 2 had started and never finished.
    assert types.count("response.done") == 1
    assert types.count("response.created") == 2
    assert not events(records, "journal_closed")
    (info,) = list_sessions(path.parent)
    assert info.turns == 1 and not info.complete and info.agent == "Triage"
    markdown = export(path, "md")
    assert "**User:** remember the word pineapple" in markdown
    assert '**Triage:** You said: "remember the word pineapple".' in markdown
    entries = json.loads(export(path, "json"))["entries"]
    assert [e["kind"] for e in entries][:2] == ["user", "assistant"]

    # And it replays, in a real terminal, to its last recorded event.
    replay = Console(["replay", path.name, "--speed", "64"], isolated_env(tmp_path))
    try:
        assert replay.shows("replay ■ ended"), bytes(replay.screen[-800:])
        assert replay.shows("remember the word pineapple")
    finally:
        replay.close()
    assert replay.status == 0
