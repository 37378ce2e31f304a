"""A known fake key never reaches any file a console session writes: journal, recording metadata,
exports, the console's log and the native-stderr log."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from console.journal.store import read_records
from tests.reconnect.support import EngineProcess

from .terminal import ROOT, Console, events, isolated_env, wire_types

FAKE_KEY = "sk-test-REDACTME0123456789abcdefXYZ"


async def test_a_fake_key_is_in_no_file_written(tmp_path: Path) -> None:
    # The engine demands the fake key as its bearer token: the session works only if the key
    # really went out in the Authorization header.
    engine = await EngineProcess(token=FAKE_KEY).start()
    env = isolated_env(tmp_path, OPENAI_API_KEY=FAKE_KEY)
    try:
        term = await asyncio.to_thread(
            Console, ["--url", engine.url, "--no-audio", "--record"], env
        )
        try:
            await asyncio.to_thread(term.until, lambda rs: any(
                e["fields"]["status"] == "connected"
                for e in events(rs, "call.connection")), "connected")
            # The user pastes the key into the conversation: it is on the wire, and must still
            # be redacted from everything written down.
            term.type(f"my key is {FAKE_KEY} keep it\r")
            await asyncio.to_thread(term.until, lambda rs: "response.done" in wire_types(rs),
                                    "the reply")
        finally:
            await asyncio.to_thread(term.close)
    finally:
        engine.stop()

    journal = term.journal()
    assert journal is not None
    records = list(read_records(journal))
    assert records[0]["kind"] == "meta" and records[0]["status"]["recording"] is True
    assert events(records, "journal_closed"), "a clean quit closes the journal"
    assert "[redacted]" in journal.read_text()
    assert not list(journal.parent.glob("*.wav")), "no audio devices: nothing to record"
    for fmt in ("md", "json"):
        out = tmp_path / f"export.{fmt}"
        result = subprocess.run(
            [sys.executable, "-m", "console.cli", "export", str(journal), "--format", fmt,
             "-o", str(out)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert "my key is [redacted] keep it" in out.read_text()
    logs = tmp_path / "state" / "rtconsole" / "log"
    assert (logs / "rtconsole.log").exists() and (logs / "native.log").exists()

    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) >= 5
    leaks = [str(p) for p in written if FAKE_KEY.encode() in p.read_bytes()]
    assert leaks == []
