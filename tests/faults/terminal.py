"""The real `rtconsole` in a pseudo-terminal: start it, type into it, read its journal, kill it."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from console.journal.store import read_records

ROOT = Path(__file__).resolve().parents[2]
ESCAPES = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
POLLS = 1500
"""How many 0.05 s waits a condition gets: a hang guard, never a speed assertion."""


def isolated_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment whose config, data, logs and runtime files all live under ``home``."""
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    (home / "run").mkdir(parents=True, exist_ok=True)
    env.update({
        "TERM": "xterm-256color", "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
        "XDG_RUNTIME_DIR": str(home / "run"), "RTCONSOLE_DATA_DIR": str(home / "rt"),
        "PULSE_SERVER": "unix:/nonexistent",
    })
    env.update(extra)
    return env


class Console:
    """``python -m console.cli ARGS`` on a 140x40 pseudo-terminal; its output is drained (and
    kept) so it never blocks on a full terminal."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.sessions = Path(env["RTCONSOLE_DATA_DIR"]) / "sessions"
        self.screen = bytearray()
        pid, fd = pty.fork()
        if pid == 0:  # the child: the console on a real terminal
            os.chdir(ROOT)
            os.execve(sys.executable, [sys.executable, "-m", "console.cli", *args], env)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
        self.status: int | None = None

    def drain(self, wait: float = 0.05) -> None:
        ready, _, _ = select.select([self.fd], [], [], wait)
        if ready:
            with contextlib.suppress(OSError):
                self.screen += os.read(self.fd, 65536)

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def shows(self, text: str) -> bool:
        """Drain until ``text`` is on the terminal (escape sequences removed)."""
        for _ in range(POLLS // 5):
            if text.encode() in ESCAPES.sub(b"", bytes(self.screen)):
                return True
            self.drain()
        return False

    def journal(self) -> Path | None:
        found = sorted(self.sessions.glob("*.jsonl")) if self.sessions.exists() else []
        return found[-1] if found else None

    def records(self) -> list[dict[str, Any]]:
        path = self.journal()
        return list(read_records(path)) if path is not None else []

    def until(self, condition: Callable[[list[dict[str, Any]]], bool], what: str) -> None:
        """Drain the terminal until ``condition(journal records)`` holds."""
        for _ in range(POLLS):
            if condition(self.records()):
                return
            self.drain()
        raise AssertionError(f"never saw {what}; screen tail: {bytes(self.screen[-600:])!r}")

    def kill9(self) -> int:
        os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        self.status = status
        return status

    def close(self) -> None:
        if self.status is None:
            os.write(self.fd, b"\x11")  # ctrl+q
            for _ in range(200):
                self.drain()
                done, status = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    self.status = status
                    break
            else:
                self.kill9()
        os.close(self.fd)


def wire_types(records: list[dict[str, Any]], direction: str = "recv") -> list[str]:
    return [r["data"].get("type", "") for r in records if r.get("kind") == direction]


def events(records: list[dict[str, Any]], type_: str) -> list[dict[str, Any]]:
    return [r for r in records if r.get("kind") == "event" and r.get("type") == type_]


def wait_s(seconds: float) -> None:
    time.sleep(seconds)
