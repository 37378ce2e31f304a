"""Audio devices: open PortAudio quietly, list and choose devices; the `rtconsole devices` table."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .native_stderr import install_native_log_handlers, quiet_stderr
from .pulse import Direction, PulseDevice, PulseError, list_pulse_devices

if TYPE_CHECKING:
    import pyaudio



class AudioDeviceError(RuntimeError):
    """No usable device, PortAudio failed, or a device went away: the console falls back to text."""


@dataclass(frozen=True, slots=True)
class AudioDevice:
    index: int
    name: str
    host_api: str
    max_input_channels: int
    max_output_channels: int
    default_sample_rate: float
    is_default_input: bool
    is_default_output: bool

    def supports(self, direction: Direction) -> bool:
        channels = self.max_input_channels if direction == "input" else self.max_output_channels
        return channels > 0


def open_pyaudio() -> pyaudio.PyAudio:
    """A PyAudio instance, initialised without ALSA/JACK chatter on the terminal.

    Raises AudioDeviceError if PyAudio is missing or PortAudio fails to initialise."""
    install_native_log_handlers()
    try:
        import pyaudio
    except ImportError as exc:  # the wheel builds from source; a failed build leaves text mode
        raise AudioDeviceError("PyAudio is not installed (it needs portaudio19-dev)") from exc
    try:
        with quiet_stderr():
            return pyaudio.PyAudio()
    except Exception as exc:
        raise AudioDeviceError(f"PortAudio failed to start: {exc}") from exc


def terminate_pyaudio(pa: pyaudio.PyAudio) -> None:
    with quiet_stderr():
        pa.terminate()


def list_devices(pa: pyaudio.PyAudio | None = None) -> list[AudioDevice]:
    """Every device PortAudio sees, with which are the defaults."""
    own = pa is None
    pa = open_pyaudio() if pa is None else pa
    try:
        with quiet_stderr():
            return _collect(pa)
    except AudioDeviceError:
        raise
    except Exception as exc:
        raise AudioDeviceError(f"could not list audio devices: {exc}") from exc
    finally:
        if own:
            terminate_pyaudio(pa)


def _default_index(pa: pyaudio.PyAudio, direction: Direction) -> int | None:
    try:
        info = (
            pa.get_default_input_device_info()
            if direction == "input"
            else pa.get_default_output_device_info()
        )
    except Exception:  # PortAudio raises IOError when there is no default
        return None
    return int(info["index"])


def _collect(pa: pyaudio.PyAudio) -> list[AudioDevice]:
    default_in = _default_index(pa, "input")
    default_out = _default_index(pa, "output")
    apis: dict[int, str] = {}
    for i in range(pa.get_host_api_count()):
        apis[i] = str(pa.get_host_api_info_by_index(i)["name"])
    devices = []
    for i in range(pa.get_device_count()):
        info: dict[str, Any] = dict(pa.get_device_info_by_index(i))
        devices.append(
            AudioDevice(
                index=int(info["index"]),
                name=str(info["name"]),
                host_api=apis.get(int(info["hostApi"]), str(info["hostApi"])),
                max_input_channels=int(info["maxInputChannels"]),
                max_output_channels=int(info["maxOutputChannels"]),
                default_sample_rate=float(info["defaultSampleRate"]),
                is_default_input=int(info["index"]) == default_in,
                is_default_output=int(info["index"]) == default_out,
            )
        )
    return devices


def choose_device(
    devices: Sequence[AudioDevice], spec: int | str | None, direction: Direction
) -> AudioDevice:
    """The device ``spec`` names: an index, a name (exact, case-insensitive) or a unique name
    substring; ``None`` means the default. Raises AudioDeviceError saying why nothing fits."""
    usable = [d for d in devices if d.supports(direction)]
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        for d in usable:
            if d.is_default_input if direction == "input" else d.is_default_output:
                return d
        if usable:
            return usable[0]
        raise AudioDeviceError(f"no audio {direction} device")
    if isinstance(spec, int) or spec.strip().isdigit():
        index = int(spec)
        for d in devices:
            if d.index == index:
                if not d.supports(direction):
                    raise AudioDeviceError(f"device {index} ({d.name}) has no {direction} channels")
                return d
        raise AudioDeviceError(f"no audio device with index {index}")
    wanted = spec.strip().casefold()
    exact = [d for d in usable if d.name.casefold() == wanted]
    if len(exact) == 1:
        return exact[0]
    matches = exact or [d for d in usable if wanted in d.name.casefold()]
    if not matches:
        raise AudioDeviceError(f"no {direction} device matches {spec!r}")
    if len(matches) > 1:
        names = ", ".join(f"{d.index}: {d.name}" for d in matches)
        raise AudioDeviceError(
            f"{spec!r} matches several {direction} devices ({names}); use an index"
        )
    return matches[0]


def format_table(devices: Sequence[AudioDevice]) -> str:
    """The `rtconsole devices` table; '*' marks the default input/output."""
    headers = ("index", "name", "host api", "in", "out", "rate", "default")
    rows = [
        (
            str(d.index),
            d.name,
            d.host_api,
            str(d.max_input_channels),
            str(d.max_output_channels),
            f"{d.default_sample_rate:g}",
            " ".join(
                label
                for label, flag in (("input", d.is_default_input), ("output", d.is_default_output))
                if flag
            ),
        )
        for d in devices
    ]
    return _table(headers, rows)


def format_pulse_table(devices: Sequence[PulseDevice]) -> str:
    """The sound server's sources and sinks: what ``--input-device``/``--output-device`` take."""
    headers = ("kind", "index", "name", "description", "default")
    rows = [
        (
            "source" if d.direction == "input" else "sink",
            str(d.index),
            d.name,
            d.description,
            "*" if d.is_default else "",
        )
        for d in devices
    ]
    return _table(headers, rows)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, a rule under the headers."""
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [headers, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def show_devices(direction: Direction | None = None, *, portaudio: bool = False) -> int:
    """`rtconsole devices`: the sources and sinks of the sound server (PulseAudio or PipeWire)
    when there is one, else PortAudio's devices; ``direction`` keeps only those that record
    ("input") or play ("output")."""
    if not portaudio:
        try:
            pulse = list_pulse_devices(direction)
        except PulseError:
            pulse = []
        if pulse:
            print(format_pulse_table(pulse))
            print(
                "\n--input-device/--output-device take a name, a description (or part of "
                "either) or an index;\nthe stream opens PortAudio's 'pulse' device, routed "
                "there with PULSE_SOURCE/PULSE_SINK."
            )
            return 0
    try:
        devices = list_devices()
    except AudioDeviceError as exc:
        print(f"rtconsole: {exc}", file=sys.stderr)
        return 1
    if direction is not None:
        devices = [d for d in devices if d.supports(direction)]
    if not devices:
        print("no audio devices found", file=sys.stderr)
        return 1
    print(format_table(devices))
    return 0
