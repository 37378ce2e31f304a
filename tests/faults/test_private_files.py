"""Journals, recordings and logs are 0600 in 0700 folders, whatever the umask."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from console.journal import JournalWriter

ROOT = Path(__file__).resolve().parents[2]


def test_journal_files_and_folders_are_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        journal = JournalWriter(tmp_path / "data" / "sessions" / "s.jsonl", record_audio=True)
        journal.meta()
        journal.audio("mic", b"\0" * 960)
        journal.close()
    finally:
        os.umask(old)
    modes: dict[str, Any] = {p.name: p.stat().st_mode & 0o777
                             for p in (tmp_path / "data", tmp_path / "data" / "sessions",
                                       journal.path, journal.path.with_suffix(".mic.wav"))}
    assert modes == {"data": 0o700, "sessions": 0o700, "s.jsonl": 0o600, "s.mic.wav": 0o600}


def test_the_console_logs_are_private_whatever_the_umask(tmp_path: Path) -> None:
    folder = tmp_path / "logs" / "rtconsole"
    script = (
        "import logging, os, sys; from pathlib import Path;"
        "from console.launch.logs import divert_logs;"
        f"os.umask(0o022); assert divert_logs(Path({str(folder)!r})) is not None;"
        "logging.getLogger('x').warning('written'); os.write(2, b'native chatter')"
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=60)
    modes = {p.name: p.stat().st_mode & 0o777
             for p in (tmp_path / "logs", folder, folder / "rtconsole.log", folder / "native.log")}
    assert modes == {"logs": 0o700, "rtconsole": 0o700, "rtconsole.log": 0o600,
                     "native.log": 0o600}
    assert "written" in (folder / "rtconsole.log").read_text()
    assert "native chatter" in (folder / "native.log").read_text()


def test_files_that_existed_with_open_modes_are_made_private(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir(mode=0o755)
    path = folder / "old.jsonl"
    path.write_text("")
    path.chmod(0o644)
    JournalWriter(path).close()
    assert (folder.stat().st_mode & 0o777, path.stat().st_mode & 0o777) == (0o700, 0o600)
