"""Before the console opens: a microphone or speaker the user named must exist."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .config import DeviceConfig

if TYPE_CHECKING:
    from console.audio.devices import AudioDevice, Direction
    from console.audio.pulse import PulseDevice


class DeviceNotFound(Exception):
    """A named device that is not there; ``str()`` is one line listing the devices there are."""


def check_named_devices(devices: DeviceConfig, flags: dict[Direction, str]) -> None:
    """Raise DeviceNotFound if ``devices`` names a microphone or speaker that cannot be found.

    ``flags`` says how the user named each direction (``--input-device`` or the config key), for
    the message. Nothing named means nothing to check: the defaults are tried when the session
    starts, and having none is text mode with a notice, not an error."""
    wanted: tuple[tuple[Direction, str | int | None], ...] = (
        ("input", devices.input), ("output", devices.output),
    )
    named = [(d, spec) for d, spec in wanted if spec is not None and str(spec).strip()]
    if not named:
        return
    from console.audio.devices import AudioDeviceError, list_devices
    from console.audio.pulse import PulseError, list_pulse_devices
    from console.audio.route import choose_route

    try:
        found = list_devices()
    except AudioDeviceError as exc:
        direction, spec = named[0]
        raise DeviceNotFound(f"{flags[direction]} {spec}: no audio devices ({exc})") from None
    try:
        server: list[PulseDevice] = list_pulse_devices()
    except PulseError:
        server = []  # no sound server: PortAudio's devices are all there is
    for direction, spec in named:
        try:
            # As the stream will be opened: the sound server's sources and sinks by name when
            # there is one, else PortAudio's devices.
            choose_route(found, spec, direction, server or None)
        except AudioDeviceError as exc:
            raise DeviceNotFound(
                f"{flags[direction]} {spec}: {exc}; {direction} devices: "
                f"{describe(found, server, direction)} (see: rtconsole devices)"
            ) from None


def describe(
    devices: Sequence[AudioDevice], server: Sequence[PulseDevice], direction: Direction
) -> str:
    named = [f"{d.index} {d.label!r}" for d in server if d.direction == direction]
    if named:
        return ", ".join(named)
    usable = [d for d in devices if d.supports(direction)]
    if not usable:
        return "none"
    return ", ".join(f"{d.index} {d.name!r}" for d in usable)
