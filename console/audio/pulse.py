"""PulseAudio/PipeWire sources and sinks by name (pactl), and routing a stream to one of them.

PortAudio on Linux sees the sound server only as one ``pulse`` (or ``default``) device, so a user
cannot pick "Headset Microphone" through it. The system's own list comes from ``pactl list
sources``/``pactl list sinks`` (PipeWire answers the same through pipewire-pulse); a stream is
routed by the PULSE_SOURCE / PULSE_SINK environment variables, which libpulse reads as the default
device when ALSA's pulse plugin connects a new stream: they are set only around PyAudio's open of
the ``pulse`` device and restored right after, so nothing else in the process is affected.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

Direction = Literal["input", "output"]

_ENV = {"input": "PULSE_SOURCE", "output": "PULSE_SINK"}
_env_lock = threading.Lock()


class PulseError(RuntimeError):
    """No sound server to ask, or no source/sink fits the name given."""


@dataclass(frozen=True, slots=True)
class PulseDevice:
    """One source (microphone side) or sink (speaker side) as the sound server names it."""

    index: int
    name: str
    description: str
    direction: Direction
    is_default: bool = False

    @property
    def is_monitor(self) -> bool:
        """A sink's monitor: records what that sink plays, not a microphone."""
        return self.direction == "input" and self.name.endswith(".monitor")

    @property
    def label(self) -> str:
        return self.description or self.name


def _pactl(*args: str) -> str:
    if shutil.which("pactl") is None:
        raise PulseError("pactl not found (no PulseAudio/PipeWire tools)")
    try:
        done = subprocess.run(
            ["pactl", *args], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PulseError(f"pactl failed: {exc}") from exc
    if done.returncode != 0:
        raise PulseError(f"pactl {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout


def parse_pactl_list(text: str, direction: Direction, default: str | None) -> list[PulseDevice]:
    """Devices from ``pactl list sources|sinks`` text: the ``Source #N``/``Sink #N`` headers and
    their ``Name:`` and ``Description:`` lines (the rest is ignored)."""
    devices: list[PulseDevice] = []
    index: int | None = None
    name = description = ""

    def flush() -> None:
        if index is not None and name:
            devices.append(PulseDevice(index, name, description, direction, name == default))

    for raw in text.splitlines():
        line = raw.strip()
        if raw[:1] not in (" ", "\t") and "#" in line:
            flush()
            head = line.rpartition("#")[2]
            index = int(head) if head.isdigit() else None
            name = description = ""
        elif line.startswith("Name:"):
            name = line.partition(":")[2].strip()
        elif line.startswith("Description:"):
            description = line.partition(":")[2].strip()
    flush()
    return devices


def _default(kind: str) -> str | None:
    try:
        return _pactl(f"get-default-{kind}").strip() or None
    except PulseError:
        return None


def list_pulse_devices(direction: Direction | None = None) -> list[PulseDevice]:
    """The sound server's sources and/or sinks. Raises PulseError when there is no server."""
    found: list[PulseDevice] = []
    for side, kind in (("input", "source"), ("output", "sink")):
        if direction not in (None, side):
            continue
        text = _pactl("list", f"{kind}s")
        found += parse_pactl_list(text, side, _default(kind))  # type: ignore[arg-type]
    return found


def match_pulse_device(
    devices: Sequence[PulseDevice], spec: str | int, direction: Direction
) -> PulseDevice:
    """The one device of ``direction`` that ``spec`` names: its index, its exact name or
    description, or a substring of either (case-insensitive). A substring that fits several
    devices is an error naming them, except that a microphone wins over sink monitors."""
    usable = [d for d in devices if d.direction == direction]
    text = str(spec).strip()
    if text.isdigit():
        for d in usable:
            if d.index == int(text):
                return d
        raise PulseError(f"no {_kind(direction)} with index {text}")
    wanted = text.casefold()
    exact = [d for d in usable if wanted in (d.name.casefold(), d.description.casefold())]
    matches = exact or [
        d for d in usable if wanted in d.name.casefold() or wanted in d.description.casefold()
    ]
    if len(matches) > 1:
        matches = [d for d in matches if not d.is_monitor] or matches
    if not matches:
        raise PulseError(f"no {_kind(direction)} matches {text!r}")
    if len(matches) > 1:
        names = ", ".join(f"{d.index}: {d.name}" for d in matches)
        raise PulseError(f"{text!r} matches several {_kind(direction)}s ({names})")
    return matches[0]


def _kind(direction: Direction) -> str:
    return "source" if direction == "input" else "sink"


@contextlib.contextmanager
def routed(direction: Direction, device: PulseDevice | None) -> Iterator[None]:
    """While inside, a new PulseAudio stream of ``direction`` goes to ``device`` (None: leave the
    server's default). Serialised, because the environment is the process's."""
    if device is None:
        yield
        return
    key = _ENV[direction]
    with _env_lock:
        saved = os.environ.get(key)
        os.environ[key] = device.name
        try:
            yield
        finally:
            if saved is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = saved
