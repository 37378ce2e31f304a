"""Smaller faults: a journal cut mid-character, a tool result that is not JSON, serve's log."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
import websockets
from websockets.exceptions import InvalidStatus

from console.journal import JournalWriter
from console.journal.export import export
from console.journal.store import list_sessions, read_records
from console.realtime import RealtimeAgent, RealtimeRunner, function_tool
from console.realtime.model_events import RealtimeModelToolCallEvent
from console.realtime.testing import ScriptedRealtimeModel
from tests.reconnect.support import GUARD_S, Reader, free_port

ROOT = Path(__file__).resolve().parents[2]


def test_a_journal_cut_inside_a_multibyte_character_keeps_every_complete_line(
    tmp_path: Path,
) -> None:
    journal = JournalWriter(tmp_path / "cut.jsonl")
    journal.meta(agent="Main")
    journal.wire("recv", {"type": "response.done", "response": {"id": "r1"}})
    for text in ("crème brûlée", "日本語のテキスト"):
        journal.wire("recv", {"type": "response.output_text.done", "item_id": "a", "text": text})
    journal.close()
    data = journal.path.read_bytes()
    cut = data.rindex("本".encode()) + 1  # inside the three bytes of 本
    journal.path.write_bytes(data[:cut])
    records = list(read_records(journal.path))
    assert [r["data"].get("text") for r in records if r["kind"] == "recv"] == [None,
                                                                               "crème brûlée"]
    assert [info.path.name for info in list_sessions(tmp_path)] == ["cut.jsonl"]
    assert list_sessions(tmp_path)[0].turns == 1
    exported = export(journal.path, "json")
    assert "crème brûlée" in exported


async def test_a_tool_result_that_is_not_json_is_an_error_output_and_an_error_event() -> None:
    @function_tool
    def opaque() -> object:
        """Returns something that is not JSON."""
        return object()

    model = ScriptedRealtimeModel(strict=False)
    session = await (await RealtimeRunner(RealtimeAgent("Main", tools=[opaque]),
                                          model=model).run()).enter()
    reader = Reader(session)
    await model.emit(RealtimeModelToolCallEvent("opaque", "c1", "{}"))
    error = await reader.until("error")
    await reader.until("tool_end")
    await session.close()
    assert (error.error["kind"], error.error["call_id"]) == ("tool_failed", "c1")
    assert "not JSON-serialisable" in error.error["message"]
    [sent] = model.sent_of("send_tool_output")
    assert sent.output.startswith("An error occurred while running the tool")
    assert "object at 0x" not in sent.output


async def test_serve_logs_rejected_tokens_without_the_token() -> None:
    port, token, wrong = free_port(), "right-token-123", "wrong-token-456"
    proc = subprocess.Popen(
        [sys.executable, "-m", "console.engine.serve", "--port", str(port), "--token", token,
         "--voice", "synthetic"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), GUARD_S)  # type: ignore[union-attr]
        url = line.rsplit(" ", 1)[1].strip()
        for headers in ({"Authorization": f"Bearer {wrong}"}, {}):
            with pytest.raises(InvalidStatus):
                await websockets.connect(url, additional_headers=headers)
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=GUARD_S)
    rejected = [line for line in stderr.splitlines() if "rejected a client" in line]
    assert len(rejected) == 2
    assert "invalid_api_key" in rejected[0] and "missing_api_key" in rejected[1]
    assert "127.0.0.1" in rejected[0]
    assert wrong not in stderr and token not in stderr
    assert "Traceback" not in stderr
    json.dumps(rejected)  # plain text lines
