"""Devices: choosing by index or name, the `rtconsole devices` table, and a quiet terminal."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from console.audio.devices import (
    AudioDevice,
    AudioDeviceError,
    choose_device,
    format_table,
    list_devices,
    show_devices,
)

from .conftest import PulseServer

ROOT = Path(__file__).resolve().parents[2]


def dev(index: int, name: str, ins: int = 2, outs: int = 2, **flags: bool) -> AudioDevice:
    return AudioDevice(
        index,
        name,
        "ALSA",
        ins,
        outs,
        48000.0,
        **{
            "is_default_input": flags.get("di", False),
            "is_default_output": flags.get("do", False),
        },
    )


DEVICES = [
    dev(0, "HDA Intel PCH: ALC257 Analog (hw:0,0)", 2, 2),
    dev(1, "USB Headset: Audio (hw:1,0)", 1, 2),
    dev(2, "HDMI 0 (hw:0,3)", 0, 8),
    dev(3, "pulse", 32, 32),
    dev(4, "default", 32, 32, di=True, do=True),
]


def test_default_and_index_and_name_choices() -> None:
    assert choose_device(DEVICES, None, "input").index == 4
    assert choose_device(DEVICES, None, "output").index == 4
    assert choose_device(DEVICES, 1, "input").name.startswith("USB")
    assert choose_device(DEVICES, " 2 ", "output").index == 2
    assert choose_device(DEVICES, "headset", "input").index == 1
    assert choose_device(DEVICES, "PULSE", "output").index == 3
    # An exact name wins even though it is also a substring of others ("default" is exact).
    assert choose_device([*DEVICES, dev(5, "default-dmix")], "default", "output").index == 4


@pytest.mark.parametrize(
    ("spec", "direction", "message"),
    [
        (9, "input", "no audio device with index 9"),
        (2, "input", "has no input channels"),
        ("hdmi", "input", "no input device matches 'hdmi'"),
        ("hw:0", "output", "matches several output devices (0: HDA"),
        ("nothing", "output", "no output device matches 'nothing'"),
    ],
)
def test_clear_errors(spec: int | str, direction: str, message: str) -> None:
    with pytest.raises(AudioDeviceError, match=re.escape(message)):
        choose_device(DEVICES, spec, direction)  # type: ignore[arg-type]


def test_no_device_of_a_direction_at_all() -> None:
    with pytest.raises(AudioDeviceError, match="no audio input device"):
        choose_device([dev(0, "HDMI", 0, 2)], None, "input")
    # Without a marked default the first usable device is taken.
    assert choose_device([dev(0, "HDMI", 0, 2), dev(1, "mic", 1, 0)], None, "input").index == 1


def test_table_lists_every_field_and_marks_defaults() -> None:
    lines = format_table(DEVICES).splitlines()
    assert lines[0].split() == ["index", "name", "host", "api", "in", "out", "rate", "default"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[-1].split() == ["4", "default", "ALSA", "32", "32", "48000", "input", "output"]
    assert "HDMI 0 (hw:0,3)" in lines[4] and " 0 " in lines[4]


def test_real_devices_on_the_null_sink(pulse: PulseServer) -> None:
    devices = list_devices()
    names = {d.name: d for d in devices}
    assert "default" in names and "pulse" in names
    assert names["default"].is_default_input and names["default"].is_default_output
    assert names["pulse"].host_api == "ALSA" and names["pulse"].max_output_channels > 0


def test_devices_command_prints_the_table(
    pulse: PulseServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert show_devices() == 0
    out = capsys.readouterr().out
    # The sound server's own names: the null sink and its monitor, as pactl lists them.
    assert out.splitlines()[0].split() == ["kind", "index", "name", "description", "default"]
    assert "rtnull.monitor" in out and "Null Output" in out
    assert show_devices("input") == 0
    assert "rtnull.monitor" in capsys.readouterr().out
    assert show_devices(portaudio=True) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("index") and "default" in out and "pulse" in out


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_devices_subcommand_keeps_alsa_and_jack_off_stderr(pulse: PulseServer) -> None:
    result = run_python(
        "from console.cli import main; raise SystemExit(main(['devices']))",
        {**os.environ, **pulse.env},
    )
    assert result.returncode == 0, result.stderr
    assert "pulse" in result.stdout
    assert result.stderr == ""


def bare_env() -> dict[str, str]:
    """No PulseAudio reachable and no sound card: what a headless box without audio looks like."""
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_RUNTIME_DIR", "PULSE_SERVER")}
    env["PULSE_SERVER"] = "unix:/nonexistent/pulse/native"
    return env


def test_no_audio_at_all_means_text_mode_with_a_reason_and_no_noise() -> None:
    result = run_python(
        """
        import asyncio
        from console.audio import AudioIO

        async def main():
            audio = AudioIO()
            async def send(data): pass
            ok = audio.start(asyncio.get_running_loop(), send)
            print(ok, audio.available, "|", audio.error)
            await audio.aclose()

        asyncio.run(main())
        """,
        bare_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("False False | ")
    assert "no speaker" in result.stdout and "no microphone" in result.stdout
    assert "ALSA lib" not in result.stderr and "jack" not in result.stderr.lower()


def test_devices_subcommand_without_devices_says_so() -> None:
    result = run_python(
        "from console.cli import main; raise SystemExit(main(['devices']))", bare_env()
    )
    assert result.returncode == 1
    assert "no audio devices found" in result.stderr
    assert "ALSA lib" not in result.stderr


def test_quiet_stderr_logs_noise_and_replays_everything_else() -> None:
    result = run_python(
        r"""
        import logging, os, sys
        logging.basicConfig(stream=sys.stdout, level=logging.DEBUG, format="%(message)s")
        from console.audio.native_stderr import quiet_stderr
        with quiet_stderr():
            os.write(2, b"ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM cards.pcm.rear\n")
            os.write(2, b"\x1b[2J<ui frame>\x1b[0m")
            os.write(2, b"\nCannot connect to server socket err = No such file or directory\n")
        os.write(2, b"|after")
        """,
        dict(os.environ),
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "\x1b[2J<ui frame>\x1b[0m\n|after"
    assert "native: ALSA lib pcm.c:2666" in result.stdout
    assert "native: Cannot connect to server socket" in result.stdout


def test_divert_native_stderr_keeps_python_output_on_the_terminal(tmp_path: Path) -> None:
    log = tmp_path / "native.log"
    result = run_python(
        f"""
        import os, sys
        from console.audio.native_stderr import divert_native_stderr
        divert_native_stderr({str(log)!r})
        os.write(2, b"Expression 'alsa_snd_pcm_poll_descriptors_revents' failed\\n")
        print("drawn by the UI", file=sys.__stderr__)
        """,
        dict(os.environ),
    )
    assert result.returncode == 0
    assert result.stderr == "drawn by the UI\n"
    assert log.read_text() == "Expression 'alsa_snd_pcm_poll_descriptors_revents' failed\n"
