"""Where a stream goes: a PulseAudio/PipeWire source or sink by name, else a PortAudio device."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .devices import AudioDevice, AudioDeviceError, Direction, choose_device
from .pulse import PulseDevice, PulseError, list_pulse_devices, match_pulse_device


@dataclass(frozen=True, slots=True)
class Route:
    """The PortAudio device to open and, on a sound server, the source/sink to route it to."""

    device: AudioDevice
    pulse: PulseDevice | None
    label: str
    """What the Audio pane shows: the sound server's description, else PortAudio's name."""


def _pulse_portaudio(devices: Sequence[AudioDevice], direction: Direction) -> AudioDevice | None:
    for name in ("default", "pulse"):  # ALSA's default is the server; its timing is exact
        for d in devices:
            if d.name.casefold() == name and d.supports(direction):
                return d
    return None


def choose_route(
    devices: Sequence[AudioDevice],
    spec: int | str | None,
    direction: Direction,
    pulse_devices: Sequence[PulseDevice] | None = None,
) -> Route:
    """Resolve ``spec`` (None: the default) to a Route. With a sound server (``pactl`` answers
    and PortAudio has its ``pulse`` device), names, descriptions and indexes are the server's,
    as ``rtconsole devices`` lists them; otherwise they are PortAudio's. Raises
    AudioDeviceError with the reason."""
    via = _pulse_portaudio(devices, direction)
    if pulse_devices is None and via is not None:
        try:
            pulse_devices = list_pulse_devices(direction)
        except PulseError:
            pulse_devices = None
    if via is None or not pulse_devices:
        device = choose_device(devices, spec, direction)
        return Route(device, None, device.name)
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        # PortAudio's own default (on a sound server, its default source/sink), named as the
        # server names it.
        device = choose_device(devices, None, direction)
        default = next(
            (d for d in pulse_devices if d.direction == direction and d.is_default), None
        )
        return Route(device, None, default.label if default else device.name)
    try:
        target = match_pulse_device(pulse_devices, spec, direction)
    except PulseError as exc:
        raise AudioDeviceError(str(exc)) from None
    return Route(via, target, target.label)
