"""Where journals live, and reading them back: records, a per-session summary, the listing."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

DATA_DIR_ENV = "RTCONSOLE_DATA_DIR"


def data_dir() -> Path:
    """``$RTCONSOLE_DATA_DIR`` when set (tests, portable setups), else
    ``platformdirs.user_data_path("rtconsole")``."""
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_path("rtconsole"))


def sessions_dir() -> Path:
    """Where journals are written: ``data_dir() / "sessions"``."""
    return data_dir() / "sessions"


def new_journal_path(directory: Path | None = None) -> Path:
    directory = directory or sessions_dir()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = directory / f"{stamp}.jsonl"
    n = 1
    while path.exists():
        n += 1
        path = directory / f"{stamp}-{n}.jsonl"
    return path


class JournalError(Exception):
    """A journal that cannot be read (missing, not a journal)."""


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a journal in order. A torn last line (a crash or a full disk mid-write,
    even inside a multi-byte character) is skipped; every complete line is read."""
    try:
        # Undecodable bytes become U+FFFD: the line holding them fails to parse and is skipped
        # (a binary file fails on its first line), instead of refusing the whole journal.
        handle = path.open(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise JournalError(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        yield from _records(path, handle)


def _records(path: Path, handle: IO[str]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(handle, 1):
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            if number == 1:
                raise JournalError(f"{path} is not an rtconsole journal") from None
            continue
        if number == 1 and (not isinstance(record, dict) or record.get("kind") != "meta"):
            raise JournalError(f"{path} is not an rtconsole journal")
        if isinstance(record, dict):
            yield record


@dataclass(frozen=True, slots=True)
class JournalInfo:
    path: Path
    started: str
    agent: str
    turns: int
    duration_s: float
    complete: bool
    agents: tuple[str, ...] = ()
    """Every agent that held the call, in the order they first did (the starting one first)."""
    connected: bool = True
    """The server said something: False for a launch whose connection never came up."""


def summarize(path: Path) -> JournalInfo:
    meta: dict[str, Any] = {}
    turns = 0
    last_t = 0.0
    complete = connected = False
    held: dict[str, None] = {}  # ordered set
    for record in read_records(path):
        kind = record.get("kind")
        last_t = max(last_t, float(record.get("t", 0.0) or 0.0))
        if kind == "meta":
            meta = record
            if meta.get("agent"):
                held.setdefault(str(meta["agent"]), None)
        elif kind == "recv":
            connected = True
            if record.get("data", {}).get("type") == "response.done":
                turns += 1
        elif kind == "event" and record.get("type") == "handoff" and record.get("to"):
            held.setdefault(str(record["to"]), None)
        elif kind == "event" and record.get("type") == "journal_closed":
            complete = True
    return JournalInfo(
        path=path,
        started=str(meta.get("started", "")),
        agent=str(meta.get("agent", "")),
        turns=turns,
        duration_s=last_t,
        complete=complete,
        agents=tuple(held),
        connected=connected,
    )


def list_sessions(directory: Path | None = None) -> list[JournalInfo]:
    """Every readable journal in ``directory`` (default: the user data dir), newest first."""
    directory = directory or sessions_dir()
    infos = []
    for path in sorted(directory.glob("*.jsonl"), reverse=True):
        try:
            infos.append(summarize(path))
        except JournalError:
            continue
    return infos
