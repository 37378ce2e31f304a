"""Keeping logs and native audio-library chatter off the terminal: files in the user log dir."""

from __future__ import annotations

from pathlib import Path


def log_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_log_path("rtconsole"))


def divert_logs(folder: Path | None = None) -> Path | None:
    """Before the UI starts: Python logging to ``rtconsole.log`` and fd 2 (where ALSA, JACK and
    PortAudio write) to ``native.log``, both in the user log directory. Returns the directory,
    or None if it cannot be written (then the audio layer's own guards still apply)."""
    import logging

    from console.journal.private import private_dir, touch_private

    folder = folder or log_dir()
    try:
        # Logs can quote what was said: 0600 files in a 0700 folder.
        private_dir(folder)
        touch_private(folder / "native.log")
        handler = logging.FileHandler(touch_private(folder / "rtconsole.log"), encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # A log on a full disk must not print "--- Logging error ---" tracebacks onto the screen.
    logging.raiseExceptions = False
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.WARNING)
    from console.audio.native_stderr import divert_native_stderr

    try:
        divert_native_stderr(folder / "native.log")
    except OSError:
        return None
    return folder
