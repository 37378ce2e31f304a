"""The audio layer: PyAudio capture and playback, codecs, meters, echo cancellation and devices.

The UI needs ``AudioIO`` (see ``console.audio.io``), ``LevelSource`` and ``AudioDeviceError``;
``rtconsole devices`` is ``console.audio.devices.main``. Importing this package does not import
PyAudio: that happens when devices are first opened, so a missing PyAudio means text mode.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from console.dsp import peak_dbfs, rms_dbfs

    from .devices import AudioDevice, AudioDeviceError, choose_device, list_devices
    from .echo import EchoCanceller, EchoSettings
    from .io import AudioIO, AudioStats
    from .meters import LevelMeter, LevelSource, MeterReading

# Names are loaded on first use: the console imports console.audio.native_stderr before its
# first frame, and that must not pull in NumPy and the whole audio path with the package.
_HOMES = {
    "peak_dbfs": "console.dsp",
    "rms_dbfs": "console.dsp",
    "AudioDevice": ".devices",
    "AudioDeviceError": ".devices",
    "choose_device": ".devices",
    "list_devices": ".devices",
    "EchoCanceller": ".echo",
    "EchoSettings": ".echo",
    "AudioIO": ".io",
    "AudioStats": ".io",
    "LevelMeter": ".meters",
    "LevelSource": ".meters",
    "MeterReading": ".meters",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "AudioDevice",
    "AudioDeviceError",
    "AudioIO",
    "AudioStats",
    "EchoCanceller",
    "EchoSettings",
    "LevelMeter",
    "LevelSource",
    "MeterReading",
    "choose_device",
    "list_devices",
    "peak_dbfs",
    "rms_dbfs",
]
