"""Session journals: append-only JSONL records of a session, their listing, reading and export."""

from .redact import Redactor
from .store import JournalInfo, list_sessions, sessions_dir
from .writer import JournalWriter, open_journal

__all__ = [
    "JournalInfo",
    "JournalWriter",
    "Redactor",
    "list_sessions",
    "open_journal",
    "sessions_dir",
]
