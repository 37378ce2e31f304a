"""The rtconsole command line: help, version, and one-line errors with exit status 2."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import console
from console.launch.agents import load_agents
from console.launch.backend import Plan, plan_backend
from console.launch.errors import UsageError
from console.ui.config import ConsoleConfig
from tests.audio.conftest import PulseServer, pulse

__all__ = ["pulse"]  # the audio tests' PulseAudio fixture, for the named-device tests

ROOT = Path(__file__).resolve().parent.parent


def rtconsole(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "console.cli", *args], capture_output=True, text=True,
        env=environment, cwd=cwd, timeout=60, stdin=subprocess.DEVNULL,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


def test_help_lists_options_and_commands() -> None:
    result = rtconsole("--help")
    assert result.returncode == 0
    for word in ("--backend", "--agents", "--url", "--model", "--voice", "serve", "devices",
                 "sessions", "replay", "export", "RTCONSOLE_DATA_DIR", "--record"):
        assert word in result.stdout


def test_help_imports_nothing_heavy() -> None:
    code = textwrap.dedent("""
        import sys
        from console.cli import main
        try:
            main(["--help"])
        except SystemExit:
            pass
        heavy = [m for m in ("textual", "websockets", "rich", "pydantic", "numpy", "pyaudio")
                 if m in sys.modules]
        print("HEAVY", heavy)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr


def test_version() -> None:
    result = rtconsole("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"rtconsole {console.__version__}"


def test_unknown_flag() -> None:
    assert_one_line_error(rtconsole("--bogus"), "rtconsole: error:", "--bogus")


def test_bad_backend_value() -> None:
    assert_one_line_error(rtconsole("--backend", "cloud"), "--backend", "cloud")


@pytest.mark.parametrize("value", ["0", "-3", "soon", "inf"])
def test_bad_inactivity_timeout(value: str) -> None:
    assert_one_line_error(rtconsole("--inactivity-timeout", value), "--inactivity-timeout")


def test_openai_backend_without_key() -> None:
    assert_one_line_error(rtconsole("--backend", "openai"), "OPENAI_API_KEY")


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("no_colon_here", "MODULE:ATTR"),
        ("no_such_module_xyz:agent", "cannot import"),
        ("json:no_such_attr", "no attribute"),
        ("json:__name__", "expected a RealtimeAgent"),
    ],
)
def test_bad_agents_path(spec: str, needle: str) -> None:
    assert_one_line_error(rtconsole("--agents", spec), needle)


def test_broken_config_names_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('theme = "rtconsole-dark"\nbackend = \n')
    line = assert_one_line_error(rtconsole("--config", str(config)), str(config), "line 2")
    assert "invalid TOML" in line


def test_a_config_file_that_is_not_there(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    assert_one_line_error(rtconsole("--config", str(missing)), "--config", str(missing),
                          "no such config file")


def test_an_unknown_theme_lists_the_themes() -> None:
    line = assert_one_line_error(rtconsole("--theme", "nosuch"), "--theme", "nosuch")
    for name in ("rtconsole-dark", "rtconsole-light", "rtconsole-high-contrast"):
        assert name in line


def test_an_unknown_theme_in_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('theme = "nosuch"\n')
    assert_one_line_error(rtconsole("--config", str(config)), str(config), "rtconsole-dark")


def test_an_unknown_keymap_action_names_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('theme = "rtconsole-dark"\n\n[keymap]\napprove = "ctrl+o"\nnosuch = "f3"\n')
    line = assert_one_line_error(rtconsole("--config", str(config)), f"{config}:5",
                                 "keymap.nosuch")
    assert "approve" in line and "reconnect_now" in line  # the ids there are


def test_broken_default_config_via_xdg(tmp_path: Path) -> None:
    folder = tmp_path / "rtconsole"
    folder.mkdir()
    (folder / "config.toml").write_text('[keymap]\napprove = 5\n')
    line = assert_one_line_error(rtconsole(env={"XDG_CONFIG_HOME": str(tmp_path)}), "config.toml:2")
    assert "keymap.approve" in line


def test_session_commands_use_the_data_dir(tmp_path: Path) -> None:
    env = {"RTCONSOLE_DATA_DIR": str(tmp_path)}
    listing = rtconsole("sessions", env=env)
    assert listing.returncode == 0
    assert listing.stdout.strip() == f"no sessions in {tmp_path / 'sessions'}"
    assert_one_line_error(rtconsole("replay", "nope", env=env), "rtconsole replay: error:", "nope")
    assert_one_line_error(rtconsole("export", "nope", env=env), "rtconsole export: error:")
    assert_one_line_error(rtconsole("replay", env=env), "rtconsole replay: error:")


def test_subcommand_errors_are_one_line() -> None:
    result = rtconsole("serve", "--no-such-flag")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


# -- in-process: agents loading and backend planning ------------------------------------------


AGENTS_MODULE = '''
from console.realtime import RealtimeAgent

first = RealtimeAgent(name="First")
second = RealtimeAgent(name="Second", handoffs=[first])
both = [second, first]

def factory():
    return RealtimeAgent(name="Made")

def needs_args(x):
    return first

def broken():
    raise ValueError("nope")
'''


@pytest.fixture
def agents_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "my_test_agents.py").write_text(AGENTS_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    return "my_test_agents"


def test_load_agent_list_and_factory(agents_module: str) -> None:
    assert [a.name for a in load_agents(f"{agents_module}:first")] == ["First"]
    assert [a.name for a in load_agents(f"{agents_module}:both")] == ["Second", "First"]
    assert [a.name for a in load_agents(f"{agents_module}:factory")] == ["Made"]


@pytest.mark.parametrize(("attr", "needle"), [("needs_args", "no arguments"), ("broken", "nope")])
def test_bad_factories(agents_module: str, attr: str, needle: str) -> None:
    with pytest.raises(UsageError, match=needle):
        load_agents(f"{agents_module}:{attr}")


def test_backend_selection_and_key_never_shown() -> None:
    key = "sk-test-DO-NOT-SHOW-1234567890"
    openai = plan_backend(ConsoleConfig(), {"OPENAI_API_KEY": key})
    assert openai.backend == "openai" and openai.api_key == key and openai.note is None
    assert key not in repr(openai) and key not in str(openai)
    local = plan_backend(ConsoleConfig(), {})
    assert local.backend == "local" and local.note and "local engine" in local.note
    forced = plan_backend(ConsoleConfig(backend="local"), {"OPENAI_API_KEY": key})
    assert forced.backend == "local" and forced.api_key == key
    with pytest.raises(UsageError, match="OPENAI_API_KEY"):
        plan_backend(ConsoleConfig(backend="openai"), {})
    custom = plan_backend(ConsoleConfig(url="ws://127.0.0.1:9/v1/realtime", model="m"), {})
    assert custom == Plan("openai", "m", None, "ws://127.0.0.1:9/v1/realtime", "", None)


def test_a_server_of_your_own_takes_a_token_and_is_named_by_its_host() -> None:
    url = "ws://127.0.0.1:8765/v1/realtime"
    key = "sk-openai-never-sent-elsewhere"
    config = ConsoleConfig(url=url)
    flag = plan_backend(config, {"OPENAI_API_KEY": key}, token="engine-token")
    assert flag.api_key == "engine-token" and flag.label == "127.0.0.1:8765"
    env = plan_backend(config, {"OPENAI_API_KEY": key, "RTCONSOLE_TOKEN": "from-env"})
    assert env.api_key == "from-env"
    # Without a token, the OpenAI key (an OpenAI-compatible proxy); without either, none.
    assert plan_backend(config, {"OPENAI_API_KEY": key}).api_key == key
    assert plan_backend(config, {}).api_key == ""
    proxy = plan_backend(ConsoleConfig(url="wss://api.openai.com/v1/realtime"), {})
    assert proxy.label == "api.openai.com"
    assert plan_backend(ConsoleConfig(), {}).label == "local engine"
    assert plan_backend(ConsoleConfig(), {"OPENAI_API_KEY": key}).label == "openai"
    with pytest.raises(UsageError, match="--url"):
        plan_backend(ConsoleConfig(), {}, token="t")


# -- in a terminal: native audio noise never reaches the screen ------------------------------

NATIVE_NOISE = ("ALSA lib", "Expression '", "Cannot connect to server", "jack server", "JackShm")
ESCAPES = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def _read_until(fd: int, buffer: bytearray, done: Callable[[bytes], bool], reads: int) -> bool:
    """Read the terminal into ``buffer`` until ``done(screen text)``; at most ``reads`` waits."""
    for _ in range(reads):
        if done(ESCAPES.sub(b"", bytes(buffer))):
            return True
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                return done(ESCAPES.sub(b"", bytes(buffer)))
            if not chunk:
                break
            buffer += chunk
    return done(ESCAPES.sub(b"", bytes(buffer)))


def test_no_devices_in_a_real_terminal_shows_text_mode_and_no_native_noise(
    tmp_path: Path,
) -> None:
    # No sound server and no sound card: opening PortAudio makes ALSA print dozens of lines.
    (tmp_path / "run").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env.update({
        "TERM": "xterm-256color", "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_RUNTIME_DIR": str(tmp_path / "run"), "PULSE_SERVER": "unix:/nonexistent",
    })
    # No device named and none there: text mode with a notice (a named one would be an error).
    argv = [sys.executable, "-m", "console.cli"]
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console on a real terminal
        os.chdir(ROOT)
        os.execve(sys.executable, argv, env)
    screen = bytearray()
    try:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
        shown = _read_until(fd, screen, lambda text: b"text only" in text, reads=600)
        assert shown, ESCAPES.sub(b"", bytes(screen))[-2000:]
        # fd 2 of the console goes to the log file, not the terminal.
        native = tmp_path / "state" / "rtconsole" / "log" / "native.log"
        assert os.readlink(f"/proc/{pid}/fd/2") == str(native)
        os.write(fd, b"\x11")  # ctrl+q
        _read_until(fd, screen, lambda text: False, reads=100)
    finally:
        for _ in range(100):
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                break
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    text = ESCAPES.sub(b"", bytes(screen)).decode("utf-8", "replace")
    for noise in NATIVE_NOISE:
        assert noise not in text
    # On quit, after the TUI has left the screen: the one line saying where the journal is.
    journals = list((tmp_path / "data" / "rtconsole" / "sessions").glob("*.jsonl"))
    assert len(journals) == 1
    assert text.rstrip().endswith(f"session journal: {journals[0]}")  # last thing written
    assert text.count("session journal:") == 1
    assert (tmp_path / "state" / "rtconsole" / "log" / "rtconsole.log").exists()


# -- named audio devices: they must exist ----------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "value", "direction"),
    [("--input-device", "99", "input"), ("--output-device", "nosuchspeaker", "output")],
)
def test_a_named_device_that_is_not_there_lists_the_devices(
    pulse: PulseServer, flag: str, value: str, direction: str
) -> None:
    from console.audio.pulse import list_pulse_devices

    result = rtconsole(flag, value, env=pulse.env)
    line = assert_one_line_error(result, flag, value, f"{direction} devices:", "rtconsole devices")
    # The sound server's sources or sinks, as `rtconsole devices` names them.
    there = list_pulse_devices(direction)  # type: ignore[arg-type]
    assert there, "the null sink gives devices in both directions"
    for device in there:
        assert f"{device.index} {device.label!r}" in line


def test_devices_named_as_the_sound_server_names_them_pass_the_check(
    pulse: PulseServer,
) -> None:
    from console.audio.pulse import list_pulse_devices
    from console.cli import build_parser
    from console.launch.console_app import check_choices, settings_from

    source = next(d for d in list_pulse_devices("input"))
    sink = next(d for d in list_pulse_devices("output"))
    for spec in ((source.description, sink.description), (source.name, sink.name)):
        args = build_parser().parse_args(["--input-device", spec[0], "--output-device", spec[1]])
        check_choices(settings_from(args), args)  # no error: the stream opens these


def test_a_named_device_with_no_devices_at_all_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    env = {"XDG_RUNTIME_DIR": str(tmp_path / "run"), "PULSE_SERVER": "unix:/nonexistent"}
    assert_one_line_error(rtconsole("--input-device", "headset mic", env=env), "--input-device",
                          "headset mic")


def test_no_audio_skips_the_device_check() -> None:
    from console.cli import build_parser
    from console.launch.console_app import check_choices, settings_from

    args = build_parser().parse_args(["--no-audio", "--input-device", "99"])
    check_choices(settings_from(args), args)  # nothing to open, so nothing to check


# -- rtconsole serve prints the command that connects to it ---------------------------------------


@pytest.mark.parametrize("auth", [[], ["--no-auth"]])
async def test_serve_prints_the_console_command_that_connects_to_it(auth: list[str]) -> None:
    import shlex

    from console.cli import build_parser
    from console.launch.backend import open_session
    from console.launch.console_app import settings_from
    from console.realtime import RealtimeAgent

    proc = subprocess.Popen(
        [sys.executable, "-m", "console.cli", "serve", "--voice", "synthetic", *auth],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        command = ""
        for _ in range(40):
            line = proc.stdout.readline()
            if "console: " in line:
                command = line.split("console: ", 1)[1].strip()
                break
        words = shlex.split(command)
        assert words[0] == "rtconsole" and "--url" in words
        assert ("--token" in words) == (not auth)
        # Exactly those flags, parsed as `rtconsole` parses them, reach the engine.
        args = build_parser().parse_args(words[1:])
        plan = plan_backend(settings_from(args), {}, token=args.token)
        async with open_session([RealtimeAgent(name="a")], plan) as session:
            assert session.connection_state == "connected"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize("command", ["serve", "devices", "sessions", "replay", "export", "test"])
def test_every_subcommand_has_its_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    from console.cli import main

    assert main([command, "--help"]) == 0
    assert capsys.readouterr().out.startswith(f"usage: rtconsole {command} ")


def test_keymap_flag_is_checked_like_the_file() -> None:
    line = assert_one_line_error(rtconsole("--keymap", "launch=f3"), "--keymap", "keymap.launch")
    assert "approve" in line
    assert_one_line_error(rtconsole("--keymap", "approve"), "--keymap", "ACTION=KEYS")
