"""`rtconsole sessions` and `rtconsole export`: list journals, and write one out as a transcript."""

from __future__ import annotations

import sys
from pathlib import Path

from .export import export
from .store import JournalError, list_sessions, sessions_dir


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def sessions(directory: Path | None = None, *, show_all: bool = False) -> int:
    """`rtconsole sessions`: recorded console sessions, newest first (launches that never
    connected only with ``show_all``)."""
    directory = directory or sessions_dir()
    every = list_sessions(directory)
    infos = every if show_all else [info for info in every if info.connected]
    hidden = len(every) - len(infos)
    if not infos:
        print(f"no sessions in {directory}" + _hidden_note(hidden))
        return 0
    rows = [("date", "agents", "turns", "duration", "file")]
    for info in infos:
        date = info.started.replace("T", " ")[:19]
        mark = "" if info.complete else " (interrupted)"
        if not info.connected:
            mark += " (never connected)"
        agents = ", ".join(info.agents) or info.agent
        rows.append(
            (date, agents, str(info.turns), _duration(info.duration_s), info.path.name + mark)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    if hidden:
        print(_hidden_note(hidden).strip())
    return 0


def _hidden_note(hidden: int) -> str:
    if not hidden:
        return ""
    launches = "launch" if hidden == 1 else "launches"
    return f" ({hidden} {launches} that never connected not shown; --all lists them)"


def resolve_journal(name: str) -> Path:
    """A journal path as given, or a file name (or stem) in the sessions folder."""
    path = Path(name).expanduser()
    if path.exists():
        return path
    for candidate in (sessions_dir() / name, sessions_dir() / f"{name}.jsonl"):
        if candidate.exists():
            return candidate
    raise JournalError(f"no such session journal: {name}")


def export_command(file: str, fmt: str = "md", output: Path | None = None) -> int:
    """`rtconsole export`: a recorded session's transcript, with tool calls, approvals and
    handoffs, as Markdown or JSON, to ``output`` or stdout; 2 (one line) when it cannot."""
    try:
        text = export(resolve_journal(file), fmt)
    except JournalError as exc:
        print(f"rtconsole export: error: {exc}", file=sys.stderr)
        return 2
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(
            f"rtconsole export: error: cannot write {output}: {exc.strerror}", file=sys.stderr
        )
        return 2
    return 0
