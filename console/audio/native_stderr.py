"""Keeps ALSA, JACK and PortAudio chatter off the terminal: native log handlers and an fd-2 guard.

Textual draws the UI on stderr (fd 2), and the C libraries under PyAudio print there too: ALSA's
probe of every PCM, JACK's "cannot connect to server", PortAudio's "Expression ... failed". Three
layers, from least to most invasive:

- ``install_native_log_handlers()`` gives ALSA and JACK no-op/logging error handlers (ctypes), so
  they never write to stderr at all, at any time.
- ``quiet_stderr()`` points fd 2 at a temp file around PyAudio's init and stream opens (os.dup2),
  then restores it, sends the noise lines to the log and writes anything else captured (a UI
  frame drawn meanwhile) back to the terminal, so nothing of the UI is lost.
- ``divert_native_stderr(path)`` is for the CLI, before the UI starts: fd 2 goes to a log file
  for good and ``sys.stderr``/``sys.__stderr__`` move to a duplicate of the terminal, so even
  PortAudio's messages when a device vanishes mid-session never reach the screen.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import io
import logging
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

log = logging.getLogger("console.audio.native")

NOISE = re.compile(
    rb"^(ALSA lib |Expression '|Cannot connect to server|Cannot lock down|jack server|"
    rb"JackShm|Jack[A-Z]\w*::|connect\(2\) call to|attempt to connect to server failed|"
    rb"jack_client_new|Cannot (open|create|read|write) )"
)
"""Lines the native audio libraries print; anything else captured on fd 2 is passed through."""

_ALSA_HANDLER = ctypes.CFUNCTYPE(
    None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
)
_JACK_HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_char_p)
_keep_alive: list[object] = []  # ctypes callbacks must outlive the libraries' references to them
_installed = False
_install_lock = threading.Lock()
_fd_lock = threading.RLock()
_fd_depth = 0


def _alsa_error(
    file: bytes | None, line: int, function: bytes | None, err: int, fmt: bytes | None
) -> None:
    # The handler is variadic in C; the format's arguments are not readable here, the template is.
    log.debug("alsa: %s:%s %s (%s): %s", _text(file), line, _text(function), err, _text(fmt))


def _jack_message(message: bytes | None) -> None:
    log.debug("jack: %s", _text(message))


def _text(raw: bytes | None) -> str:
    return raw.decode("utf-8", "replace") if raw else ""


def _load(name: str) -> ctypes.CDLL | None:
    path = ctypes.util.find_library(name)
    if not path:
        return None
    try:
        return ctypes.CDLL(path)
    except OSError:
        return None


def install_native_log_handlers() -> bool:
    """Route ALSA and JACK messages to the log, not stderr. Idempotent; True if ALSA was found."""
    global _installed
    with _install_lock:
        if _installed:
            return True
        asound = _load("asound")
        if asound is not None:
            handler = _ALSA_HANDLER(_alsa_error)
            asound.snd_lib_error_set_handler(handler)
            _keep_alive.append(handler)
        jack = _load("jack")
        if jack is not None:
            callback = _JACK_HANDLER(_jack_message)
            for setter in ("jack_set_error_function", "jack_set_info_function"):
                if hasattr(jack, setter):
                    getattr(jack, setter)(callback)
            _keep_alive.append(callback)
        _installed = asound is not None
        return _installed


def split_noise(data: bytes) -> tuple[list[bytes], bytes]:
    """Split captured fd-2 output into native-library noise lines and everything else."""
    noise: list[bytes] = []
    keep: list[bytes] = []
    for line in data.splitlines(keepends=True):
        (noise if NOISE.match(line) else keep).append(line)
    return noise, b"".join(keep)


@contextmanager
def quiet_stderr(logger: logging.Logger = log) -> Iterator[None]:
    """While inside, fd 2 goes to a temp file; afterwards noise is logged and the rest replayed.

    Re-entrant and thread-safe (one redirect at a time; nested uses share it)."""
    global _fd_depth
    with _fd_lock:
        _fd_depth += 1
        if _fd_depth > 1:
            try:
                yield
            finally:
                _fd_depth -= 1
            return
        for stream in (sys.stderr, sys.__stderr__):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
        saved = os.dup(2)
        try:
            with tempfile.TemporaryFile() as sink:
                os.dup2(sink.fileno(), 2)
                try:
                    yield
                finally:
                    os.dup2(saved, 2)
                    sink.seek(0)
                    noise, keep = split_noise(sink.read())
                    for line in noise:
                        logger.debug("native: %s", line.decode("utf-8", "replace").rstrip())
                    if keep:
                        os.write(2, keep)
        finally:
            os.close(saved)
            _fd_depth -= 1


def divert_native_stderr(log_path: str | Path) -> TextIO:
    """Send fd 2 to ``log_path`` for the rest of the process; Python's stderr keeps the terminal.

    Call before the UI starts (Textual writes to ``sys.__stderr__``, which this replaces). Returns
    the new terminal stream."""
    sys.stderr.flush()
    terminal_fd = os.dup(2)
    target = os.open(os.fspath(log_path), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(target, 2)
    os.close(target)
    stream = io.TextIOWrapper(
        io.FileIO(terminal_fd, "w", closefd=True),
        encoding="utf-8",
        errors="replace",
        line_buffering=True,
        write_through=True,
    )
    sys.stderr = stream
    sys.__stderr__ = stream  # type: ignore[misc]
    return stream
