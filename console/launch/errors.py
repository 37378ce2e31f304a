"""UsageError: a bad command line, flag value, agents path or config file (exit status 2)."""

from __future__ import annotations

PROG = "rtconsole"


class UsageError(Exception):
    """A bad command line, flag value, agents path or config file: one line, exit status 2."""

    def __init__(self, message: str, prog: str = PROG) -> None:
        super().__init__(message)
        self.prog = prog
        """The command the message is about (``rtconsole serve``), which the line starts with."""


