"""A full disk under the journal: said at once, the session goes on, writing resumes, exit 0.

The journal lives on a real 8 MB tmpfs mounted for the test (the tests run as root, as the
CI container does); a ballast file fills it and is deleted to give the space back.
"""

from __future__ import annotations

import errno
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.journal import JournalWriter
from console.journal.store import read_records, summarize
from tests.ui.test_app_local import connect, lines, say, wait_for
from tests.ui.test_replay import journaled_app


class TinyDisk:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.ballast = root / "ballast"

    def fill(self) -> None:
        with self.ballast.open("ab", buffering=0) as out:
            try:
                while out.write(b"\0" * 65536):
                    pass
            except OSError as exc:
                assert exc.errno == errno.ENOSPC

    def free(self) -> None:
        self.ballast.unlink()


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[TinyDisk]:
    root = tmp_path / "disk"
    root.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs",
                           str(root)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"mounting a tmpfs needs root (as in CI): {done.stderr.strip()}")
    try:
        yield TinyDisk(root)
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False)


def _tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info is not None]


def test_the_writer_says_so_once_keeps_the_records_and_resumes(
    tiny_disk: TinyDisk, caplog: pytest.LogCaptureFixture
) -> None:
    told: list[str] = []
    journal = JournalWriter(tiny_disk.root / "sessions" / "s.jsonl")
    journal.on_trouble = told.append
    journal.meta(agent="Main")
    tiny_disk.fill()
    for n in range(200):
        journal.event("turn", n=n)
    assert told == ["journal stopped: disk full"]
    assert journal.stopped == "disk full"
    tiny_disk.free()
    journal.event("after")
    assert told == ["journal stopped: disk full", "journal resumed"]
    journal.close()
    records = list(read_records(journal.path))
    assert [r["n"] for r in records if r.get("type") == "turn"] == list(range(200))
    assert records[-1]["type"] == "journal_closed"
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == ["journal s.jsonl stopped: disk full"]
    assert _tracebacks(caplog) == []


def test_closing_on_a_full_disk_does_not_raise(tiny_disk: TinyDisk) -> None:
    journal = JournalWriter(tiny_disk.root / "s.jsonl", record_audio=True)
    journal.meta()
    journal.audio("mic", b"\0" * 4800)
    tiny_disk.fill()
    journal.audio("mic", b"\0" * 480_000)
    journal.event("lost")
    journal.close()  # nothing raised
    assert journal.closed


async def test_the_console_shows_it_goes_on_resumes_and_quits_with_0(
    tiny_disk: TinyDisk, caplog: pytest.LogCaptureFixture
) -> None:
    journal = JournalWriter(tiny_disk.root / "sessions" / "live.jsonl")
    app = journaled_app(journal)
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        await say(pilot, "alpha note")
        await wait_for(pilot, lambda: 'You said: "alpha note"' in lines(app))
        tiny_disk.fill()
        await say(pilot, "beta note")
        await wait_for(pilot, lambda: "journal stopped: disk full" in lines(app))
        await wait_for(pilot, lambda: 'You said: "beta note"' in lines(app))
        tiny_disk.free()
        await say(pilot, "gamma note")
        await wait_for(pilot, lambda: 'You said: "gamma note"' in lines(app))
        await wait_for(pilot, lambda: "journal resumed" in lines(app))
        # The reply's line shows before its turn ends; the journal counts a turn at its end.
        await wait_for(pilot, lambda: summarize(journal.path).turns == 3)
        await pilot.press("ctrl+q")
    assert app.return_code == 0
    assert lines(app).count("journal stopped") == 1
    info = summarize(journal.path)
    assert info.turns == 3 and info.complete
    assert _tracebacks(caplog) == []


def test_a_long_outage_keeps_memory_bounded_and_marks_the_gap(tiny_disk: TinyDisk) -> None:
    journal = JournalWriter(tiny_disk.root / "s.jsonl")
    journal.meta()
    tiny_disk.fill()
    text = "x" * 1000
    for n in range(6000):  # about 6 MB of lines: more than is kept while the disk is full
        journal.event("turn", n=n, text=text)
    tiny_disk.free()
    journal.flush()
    journal.event("after")
    journal.close()
    kinds = [r.get("type") for r in read_records(journal.path)]
    kept = kinds.count("turn")
    gap = kinds.index("journal_gap")
    assert 0 < kept < 6000 and kinds[gap - 1] == "turn" and kinds[gap + 1] == "after"
    lost = [r for r in read_records(journal.path) if r.get("type") == "journal_gap"]
    assert lost[0]["lost_records"] == 6000 - kept
