"""The audio layer: PyAudio capture and playback, codecs, meters, echo cancellation and devices.

The UI needs ``AudioIO`` (see ``console.audio.io``), ``LevelSource`` and ``AudioDeviceError``;
``rtconsole devices`` is ``console.audio.devices.main``. Importing this package does not import
PyAudio: that happens when devices are first opened, so a missing PyAudio means text mode.
"""

from __future__ import annotations

from console.dsp import peak_dbfs, rms_dbfs

from .devices import AudioDevice, AudioDeviceError, choose_device, list_devices
from .echo import EchoCanceller, EchoSettings
from .io import AudioIO, AudioStats
from .meters import LevelMeter, LevelSource, MeterReading

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
