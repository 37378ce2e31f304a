"""Scenario tests' helpers: the real `rtconsole` command, scenario files written on the fly."""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from collections.abc import Callable
from pathlib import Path

import pytest

from console.scenarios.command import demo_suite

HERE = Path(__file__).parent
FILES = HERE / "files"
DEMO_SUITE = demo_suite()
DEMO_NAMES = sorted(p.stem for p in DEMO_SUITE.glob("*.toml"))
COMMAND_TIMEOUT_S = 600.0
"""A guard against a hung command, never a timing assertion."""


def rtconsole(
    *args: str | Path, data_dir: Path, key: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed `rtconsole` command, offline, journals under ``data_dir``; ``key`` is the
    OPENAI_API_KEY it sees (none by default)."""
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env["RTCONSOLE_DATA_DIR"] = str(data_dir)
    if key is not None:
        env["OPENAI_API_KEY"] = key
    command = [str(Path(sys.executable).parent / "rtconsole"), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=env,
                          timeout=COMMAND_TIMEOUT_S, check=False)


def write_wav(path: Path, pcm: bytes, *, rate: int = 24_000, channels: int = 1,
              width: int = 2) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(pcm)
    return path


@pytest.fixture
def scenario_file(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(text: str, name: str = "case.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
