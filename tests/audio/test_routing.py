"""Devices by the sound server's names: pactl's lists parsed, names matched, streams routed."""

from __future__ import annotations

import os

import pytest

from console.audio.devices import AudioDevice, AudioDeviceError
from console.audio.pulse import (
    PulseDevice,
    PulseError,
    match_pulse_device,
    parse_pactl_list,
    routed,
)
from console.audio.route import choose_route

SOURCES = """Source #0
\tState: SUSPENDED
\tName: alsa_output.pci-0000_00_1f.3.analog-stereo.monitor
\tDescription: Monitor of Built-in Audio Analog Stereo
\tDriver: module-alsa-card.c
Source #1
\tState: RUNNING
\tName: alsa_input.pci-0000_00_1f.3.analog-stereo
\tDescription: Built-in Audio Analog Stereo
\tProperties:
\t\tdevice.description = "Built-in Audio Analog Stereo"
Source #7
\tName: bluez_input.00_1B_66_AA_BB_CC.0
\tDescription: Headset Microphone
"""


def pa(index: int, name: str) -> AudioDevice:
    return AudioDevice(index, name, "ALSA", 32, 32, 44100.0, name == "default", name == "default")


def test_pactl_lists_become_named_devices_with_the_default_marked() -> None:
    found = parse_pactl_list(SOURCES, "input", "bluez_input.00_1B_66_AA_BB_CC.0")
    assert [(d.index, d.description) for d in found] == [
        (0, "Monitor of Built-in Audio Analog Stereo"),
        (1, "Built-in Audio Analog Stereo"),
        (7, "Headset Microphone"),
    ]
    assert [d.is_default for d in found] == [False, False, True]
    assert found[0].is_monitor and not found[1].is_monitor


def test_names_descriptions_substrings_and_indexes_match() -> None:
    found = parse_pactl_list(SOURCES, "input", None)
    assert match_pulse_device(found, "headset", "input").index == 7
    assert match_pulse_device(found, "7", "input").description == "Headset Microphone"
    assert match_pulse_device(found, "bluez_input", "input").index == 7
    # "Built-in" fits the mic and the speaker's monitor: the microphone is meant.
    assert match_pulse_device(found, "built-in", "input").index == 1
    with pytest.raises(PulseError, match="no source matches 'usb'"):
        match_pulse_device(found, "usb", "input")
    with pytest.raises(PulseError, match="no source with index 3"):
        match_pulse_device(found, 3, "input")
    twins = [*found, PulseDevice(9, "other", "Headset Microphone 2", "input")]
    with pytest.raises(PulseError, match="matches several sources"):
        match_pulse_device(twins, "headset", "input")


def test_a_named_device_opens_the_servers_port_routed_there() -> None:
    portaudio = [pa(0, "HDA Intel PCH: ALC257 Analog (hw:0,0)"), pa(5, "pulse"), pa(6, "default")]
    servers = parse_pactl_list(SOURCES, "input", "alsa_input.pci-0000_00_1f.3.analog-stereo")
    route = choose_route(portaudio, "Headset", "input", servers)
    assert route.device.name == "default" and route.pulse is not None
    assert route.pulse.name == "bluez_input.00_1B_66_AA_BB_CC.0"
    assert route.label == "Headset Microphone"
    default = choose_route(portaudio, None, "input", servers)
    assert default.pulse is None and default.label == "Built-in Audio Analog Stereo"
    with pytest.raises(AudioDeviceError, match="no source matches"):
        choose_route(portaudio, "usb", "input", servers)
    # No sound server: PortAudio's names.
    assert choose_route(portaudio, "ALC257", "input", []).device.index == 0


def test_routing_sets_the_stream_target_only_while_opening() -> None:
    device = PulseDevice(7, "bluez_input.00_1B_66_AA_BB_CC.0", "Headset Microphone", "input")
    before = os.environ.get("PULSE_SOURCE")
    with routed("input", device):
        assert os.environ["PULSE_SOURCE"] == device.name
    assert os.environ.get("PULSE_SOURCE") == before
