"""The `rtconsole` command: argument parsing and wiring only (heavy imports wait until needed)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn

import console

if TYPE_CHECKING:
    from console.ui.config import ConsoleConfig

PROG = "rtconsole"
DESCRIPTION = "A terminal operator console for realtime voice agents."
EPILOG = """sessions: every console session is journaled (wire events, what the panes showed, the
operator's decisions; secrets redacted) under the user data directory, or under
$RTCONSOLE_DATA_DIR/sessions when that is set; --record also keeps mic and speaker WAVs.
The connection is restored by itself if it drops (ctrl+r retries at once).

backend: OpenAI when OPENAI_API_KEY is set (or --backend openai), otherwise the built-in
local engine, offline. Settings also come from the config file (see --config).

audio: the default microphone and speaker, with echo cancellation (WebRTC AEC3) so you can
talk over the agent and it never hears itself; --headset (or --no-aec) turns it off for
headphones; --noise-suppression for a noisy room. Pick devices by the names `rtconsole
devices` shows. No usable device means text mode with a notice. Native audio-library
messages go to the log file (rtconsole.log and native.log in the user log directory), never
to the terminal."""

RECONNECT: dict[str, Any] = {"enabled": True}
"""The console always reconnects (the core's default delays: 0.5 s doubling to 10 s, 10 tries)."""
RESPONSE_TIMEOUT_S = 30.0
"""A server silent this long while a reply is awaited is reported in the transcript."""


class UsageError(Exception):
    """A bad command line, flag value, agents path or config file: one line, exit status 2."""

    def __init__(self, message: str, prog: str = PROG) -> None:
        super().__init__(message)
        self.prog = prog
        """The command the message is about (``rtconsole serve``), which the line starts with."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self.prog)


def build_parser() -> argparse.ArgumentParser:
    """The one parser: the console's flags, and a subparser per command."""
    parser = _Parser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {console.__version__}")
    _console_arguments(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    _serve_arguments(commands.add_parser(
        "serve", help="run the local engine alone",
        description="Run the offline realtime engine (OpenAI Realtime GA protocol) on a WebSocket.",
    ))
    _devices_arguments(commands.add_parser(
        "devices", help="list audio devices",
        description="The sources and sinks of the sound server (PulseAudio or PipeWire) when "
        "there is one, else PortAudio's devices.",
    ))
    _sessions_arguments(commands.add_parser(
        "sessions", help="list recorded sessions",
        description="List recorded console sessions, newest first.",
    ))
    _replay_arguments(commands.add_parser(
        "replay", help="play a recorded session back in the console",
        description="Play a recorded session back in the console (no network, read-only). "
        "Keys: space pauses, n steps one event, + and - change the speed.",
    ))
    _export_arguments(commands.add_parser(
        "export", help="write a session's transcript",
        description="Write a recorded session's transcript, with tool calls, approvals and "
        "handoffs, as Markdown or JSON.",
    ))
    _test_arguments(commands.add_parser(
        "test", help="run scenario tests",
        description="Run scenario files (TOML) against your agents through the real stack: "
        "the core, the transport and the local engine over a loopback WebSocket (offline), "
        "or the OpenAI Realtime API. Exit status 0 when all pass, 1 when any fails, 2 for "
        "usage errors (including bad scenario files). Without files and --agents: the demo "
        "agents and their suite.",
    ))
    return parser


def _console_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend", choices=("auto", "openai", "local"),
        help="where the session runs (default: auto = openai if OPENAI_API_KEY is set, else local)",
    )
    parser.add_argument("--url", help="WebSocket URL of an OpenAI-compatible realtime server")
    parser.add_argument(
        "--token", help="bearer token for the --url server (or RTCONSOLE_TOKEN; OpenAI itself "
        "uses OPENAI_API_KEY)",
    )
    parser.add_argument("--model", help="realtime model name (default: gpt-realtime)")
    parser.add_argument("--voice", help="voice of the assistant (default: the server's)")
    parser.add_argument(
        "--agents", metavar="MODULE:ATTR",
        help="your RealtimeAgent, a list of them (first starts), or a zero-argument factory",
    )
    parser.add_argument("--theme", help="colour theme name (F2 cycles themes in the console)")
    parser.add_argument(
        "--keymap", type=_key_binding, action="append", metavar="ACTION=KEYS",
        help="bind an action to keys, e.g. approve=ctrl+o (repeatable; like [keymap] in the "
        "config file)",
    )
    parser.add_argument("--config", type=Path, metavar="FILE", help="config file to read")
    parser.add_argument("--input-device", metavar="NAME|INDEX", help="microphone to use")
    parser.add_argument("--output-device", metavar="NAME|INDEX", help="speaker to use")
    parser.add_argument("--headset", action="store_true", default=None,
                        help="headphones: no echo cancellation needed")
    parser.add_argument("--no-aec", action="store_true", default=None,
                        help="speakers without echo cancellation (the agent may hear itself)")
    parser.add_argument("--noise-suppression", action="store_true", default=None,
                        help="suppress steady background noise in the microphone")
    parser.add_argument(
        "--no-audio", action="store_true", help="text only: no microphone or speaker"
    )
    parser.add_argument("--record", action="store_true", help="also record the session's audio")
    parser.add_argument(
        "--inactivity-timeout", type=_seconds, metavar="SECONDS",
        help="close the session after this long without user activity, with a countdown in "
        "the status bar for the last 5 s (default: off)",
    )
    parser.add_argument(
        "--tool-timeout", type=_seconds, metavar="SECONDS",
        help="tell the model a tool call timed out after this long (default: 60)",
    )


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--scenario", metavar="FILE", help="TOML or JSON file of scripted turns")
    parser.add_argument("--no-auth", action="store_true", help="accept clients without a token")
    parser.add_argument("--token", help="token clients must send (default: a new random one)")
    parser.add_argument(
        "--voice", choices=("auto", "espeak", "synthetic"), default="auto",
        help="speech output (default auto: espeak-ng if installed, else synthetic)",
    )
    parser.add_argument(
        "--no-holding-line", action="store_true",
        help="say nothing before a call to a tool that needs approval "
        "(default: 'One moment while I get that approved.')",
    )


def _devices_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--input", action="store_true", help="only devices that can record")
    group.add_argument("--output", action="store_true", help="only devices that can play")
    parser.add_argument("--portaudio", action="store_true", help="PortAudio's device list instead")


def _sessions_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir", type=Path, help="where journals are (default: the sessions folder under the "
        "user data directory, or $RTCONSOLE_DATA_DIR/sessions)",
    )
    parser.add_argument(
        "--all", action="store_true", help="also list launches that never connected"
    )


def _replay_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a journal file, or its name in the sessions folder")
    parser.add_argument("--speed", type=_speed, default=1.0, help="playback speed (default 1)")
    parser.add_argument("--paused", action="store_true", help="start paused (step with n)")


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a journal file, or its name in the sessions folder")
    parser.add_argument("--format", choices=("md", "json"), default="md")
    parser.add_argument("-o", "--output", type=Path, help="write here instead of to stdout")


def _test_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, metavar="SCENARIO_FILES_OR_DIRS",
                        help="scenario files, or folders searched for *.toml")
    parser.add_argument("--agents", metavar="MODULE:ATTR",
                        help="your RealtimeAgent, a list of them (first starts), or a "
                        "zero-argument factory (use a factory with --jobs above 1, so "
                        "scenarios share no agent state); default: the demo agents")
    parser.add_argument("--backend", choices=("local", "openai"), default="local",
                        help="local engine (default, offline) or OpenAI (needs OPENAI_API_KEY)")
    parser.add_argument("--model", default="gpt-realtime", help="realtime model (OpenAI)")
    parser.add_argument("--url", help="WebSocket URL of another realtime server")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML here")
    parser.add_argument("-k", dest="pattern", metavar="PATTERN",
                        help="only scenarios whose name or file name contains PATTERN "
                        "(case-insensitive)")
    parser.add_argument("--jobs", type=_jobs, default=1, metavar="N",
                        help="run N scenarios at a time (default 1)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show what happened in every turn, not only in failed ones")
    parser.add_argument("--journal-dir", type=Path, metavar="DIR",
                        help="where failing scenarios keep their journals (default: the "
                        "sessions folder, so `rtconsole replay` and `rtconsole sessions` "
                        "find them)")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be above 0 seconds: {text!r}")
    return value


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be above 0: {text!r}")
    return value


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _key_binding(text: str) -> tuple[str, str]:
    action, sep, keys = text.partition("=")
    if not sep or not action.strip() or not keys.strip():
        raise argparse.ArgumentTypeError(f"expected ACTION=KEYS, e.g. approve=ctrl+o: {text!r}")
    return action.strip(), keys.strip()


# -- agents ---------------------------------------------------------------------------------------


def load_agents(spec: str) -> list[Any]:
    """Resolve ``module:attr`` to a list of RealtimeAgents (the first is the starting agent)."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"--agents {spec!r}: expected MODULE:ATTR, e.g. myagents:triage")
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # like `python -m`, find the user's modules in cwd
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise UsageError(f"--agents {spec!r}: cannot import {module_name!r}: {exc}") from None
    except Exception as exc:
        raise UsageError(
            f"--agents {spec!r}: importing {module_name!r} failed: {type(exc).__name__}: {exc}"
        ) from None
    for part in attr.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise UsageError(
                f"--agents {spec!r}: {module_name!r} has no attribute {attr!r}"
            ) from None
    from console.realtime.agent import RealtimeAgent

    if callable(target) and not isinstance(target, RealtimeAgent | type):
        try:
            target = target()
        except TypeError as exc:
            raise UsageError(
                f"--agents {spec!r}: the factory must take no arguments ({exc})"
            ) from None
        except Exception as exc:
            raise UsageError(
                f"--agents {spec!r}: the factory failed: {type(exc).__name__}: {exc}"
            ) from None
    agents = list(target) if isinstance(target, list | tuple) else [target]
    if not agents or not all(isinstance(agent, RealtimeAgent) for agent in agents):
        kind = type(target).__name__
        raise UsageError(
            f"--agents {spec!r}: expected a RealtimeAgent, a list of them, or a factory; got {kind}"
        )
    return agents


# -- backend --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What to connect to. The key is kept out of repr so it never reaches a log or traceback."""

    backend: str  # "openai" or "local"
    model: str
    voice: str | None
    url: str | None
    api_key: str = ""
    note: str | None = None

    def __repr__(self) -> str:
        return f"Plan(backend={self.backend!r}, model={self.model!r}, url={self.url!r})"

    @property
    def label(self) -> str:
        """The backend as the status bar names it: ours, OpenAI, or the --url server's host."""
        if self.url:
            from console.ui.first_connection import endpoint

            return endpoint(self.url)
        return "local engine" if self.backend == "local" else "openai"


def plan_backend(
    config: ConsoleConfig, environ: dict[str, str] | None = None, token: str | None = None
) -> Plan:
    environ = dict(os.environ) if environ is None else environ
    key = environ.get("OPENAI_API_KEY", "").strip()
    token = (token or environ.get("RTCONSOLE_TOKEN", "")).strip()
    model = config.model or "gpt-realtime"
    backend = config.backend
    if token and not config.url:
        raise UsageError("--token (or RTCONSOLE_TOKEN) is for a server given with --url; "
                         "OpenAI itself takes OPENAI_API_KEY")
    if backend == "auto":
        backend = "openai" if key or config.url else "local"
    if backend == "openai" and not key and not config.url:
        raise UsageError("--backend openai needs OPENAI_API_KEY in the environment (or --url)")
    note = None
    if backend == "local" and not config.url:
        why = "--backend local" if config.backend == "local" else "no OPENAI_API_KEY set"
        note = f"{why}: running on the built-in local engine (offline)"
    if config.url and token:
        key = token  # the --url server's own token; without one, OPENAI_API_KEY as before
    return Plan(backend, model, config.voice, config.url, key, note)


@asynccontextmanager
async def open_session(
    agents: Sequence[Any],
    plan: Plan,
    extra_config: dict[str, Any] | None = None,
    run_config: dict[str, Any] | None = None,
    *,
    listener: Any = None,
    lifecycle_clock: Any = None,
    journal: Any = None,
    wire_tap: Any = None,
) -> AsyncIterator[Any]:
    """Start (for the local backend) the engine, then run and enter a session; close both after.

    ``listener`` goes to the runner, so it replaces the starting agent's: pass a fan-out (see
    ``console.ui.listener``) to keep the user's. ``lifecycle_clock`` is for tests. ``journal``
    (a JournalWriter) sees every wire event both ways, and learns the key or engine token in
    use so it never writes them. ``wire_tap`` (the console's ``WireTap``) sees the same."""
    import asyncio

    from console.realtime import OpenAIRealtimeWebSocketModel, RealtimeRunner

    async with AsyncExitStack() as stack:
        settings: dict[str, Any] = {"model_name": plan.model}
        if plan.voice:
            settings["voice"] = plan.voice
        model_config: dict[str, Any] = {"initial_model_settings": settings}
        if plan.url:
            model_config["url"] = plan.url
        if plan.api_key:
            model_config["api_key"] = plan.api_key
        elif plan.url:
            model_config["headers"] = {}  # a server that takes no token: connect without one
        if plan.backend == "local" and not plan.url:
            from console.engine import LocalEngine

            # Building the engine loads its voice and recogniser: keep that off the event loop.
            engine = await stack.enter_async_context(await asyncio.to_thread(LocalEngine))
            model_config.update(engine.model_config())
        model_config.update(extra_config or {})
        transport = OpenAIRealtimeWebSocketModel()
        if journal is not None:
            key = model_config.get("api_key")
            journal.redactor.add(key if isinstance(key, str) else None)
            transport.add_wire_observer(journal.wire)
        if wire_tap is not None:
            key = model_config.get("api_key")
            wire_tap.redactor.add(key if isinstance(key, str) else None)
            transport.add_wire_observer(wire_tap.observe)
        runner: RealtimeRunner[Any] = RealtimeRunner(
            agents[0], model=transport, config=run_config,  # type: ignore[arg-type]
            listener=listener, lifecycle_clock=lifecycle_clock,
        )
        session = await runner.run(model_config=model_config)  # type: ignore[arg-type]
        await stack.enter_async_context(session)
        yield session


def _make_audio(config: ConsoleConfig, no_audio: bool) -> tuple[Any, str | None]:
    """The audio layer's console port, or None with the reason (text-only mode)."""
    if no_audio or not config.devices.enabled:
        return None, "audio off: text only"
    try:
        from console.ui.audio_port import open_audio

        return open_audio(config.devices), None
    except ImportError:
        return None, "audio layer not available: text only"
    except Exception as exc:
        return None, f"no audio device ({type(exc).__name__}: {exc}): text only"


# -- main -----------------------------------------------------------------------------------------


def _settings(args: argparse.Namespace) -> ConsoleConfig:
    from pydantic import ValidationError

    from console.ui.config import ConfigError, DeviceConfig, flag_error, load_config

    try:
        config = load_config(args.config, must_exist=args.config is not None)
    except ConfigError as exc:
        raise UsageError(f"--config: {exc}" if args.config else str(exc)) from None
    devices = config.devices
    if (args.input_device or args.output_device or args.headset or args.no_aec
            or args.noise_suppression):
        devices = DeviceConfig(
            input=args.input_device or devices.input,
            output=args.output_device or devices.output,
            headset=bool(args.headset) or devices.headset,
            enabled=devices.enabled,
            aec=devices.aec and not args.no_aec,
            noise_suppression=bool(args.noise_suppression) or devices.noise_suppression,
        )
    keymap = {**config.keymap, **dict(args.keymap)} if args.keymap else None
    try:
        return config.override(
            backend=args.backend, url=args.url, model=args.model, voice=args.voice,
            agents=args.agents, theme=args.theme, devices=devices, keymap=keymap,
            inactivity_timeout=args.inactivity_timeout, tool_timeout=args.tool_timeout,
        )
    except ValidationError as exc:
        raise UsageError(f"--keymap: {flag_error(exc)}") from None


def _check_choices(config: ConsoleConfig, args: argparse.Namespace) -> None:
    """Before the terminal is taken: the theme and any device the user named must exist."""
    from console.ui.device_check import DeviceNotFound, check_named_devices
    from console.ui.themes import theme_names

    source = "the config file" if args.config is None else str(args.config)
    names = theme_names()
    if config.theme not in names:
        where = "--theme" if args.theme else f"theme in {source}"
        raise UsageError(f"{where} {config.theme!r}: no such theme; themes: {', '.join(names)}")
    if args.no_audio or not config.devices.enabled:
        return
    try:
        check_named_devices(config.devices, {
            "input": "--input-device" if args.input_device else f"devices.input in {source}",
            "output": "--output-device" if args.output_device else f"devices.output in {source}",
        })
    except DeviceNotFound as exc:
        raise UsageError(str(exc)) from None


def session_run_config(
    config: ConsoleConfig, run_config: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The run config with the console's settings applied: reconnect on, the response timeout,
    and the inactivity timeout when set. The agents' own run config wins where it says."""
    merged: dict[str, Any] = {
        "reconnect": dict(RECONNECT), "response_timeout_s": RESPONSE_TIMEOUT_S,
        "tool_timeout_s": config.tool_timeout, **(run_config or {}),
    }
    if config.inactivity_timeout is not None:
        merged["user_inactivity_timeout_s"] = config.inactivity_timeout
    return merged


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


def run_console(args: argparse.Namespace) -> int:
    config = _settings(args)
    plan = plan_backend(config, token=args.token)
    _check_choices(config, args)
    run_config: dict[str, Any] | None = None
    if config.agents:
        agents = load_agents(config.agents)
    else:
        from console.ui.demo_agents import DEMO_RUN_CONFIG, demo_agents

        agents, run_config = demo_agents(), dict(DEMO_RUN_CONFIG)
    run_config = session_run_config(config, run_config)
    # Before anything loads PortAudio, and before the app takes the terminal's stream.
    divert_logs()
    from console.realtime.reconnect import ReconnectPolicy
    from console.ui.app import BackendInfo, RtConsoleApp
    from console.ui.listener import console_callbacks, fan_out

    notes = [plan.note] if plan.note else []
    audio, audio_note = _make_audio(config, args.no_audio)
    if audio_note and audio_note != "audio off: text only":
        notes.append(audio_note)
    hint = None if config.agents else (
        "demo agents: ask about the weather, billing refunds, travel bookings, or ask "
        "for research (a subagent)"
    )
    extra: dict[str, Any] = {}
    if audio is not None:
        # Playback reports what was really played, so an interrupt truncates exactly there.
        extra["playback_tracker"] = audio.playback_tracker
    wanted = console_callbacks(agents, run_config)
    from console.journal import open_journal

    secrets = [plan.api_key, os.environ.get("OPENAI_API_KEY")]
    journal, journal_note = open_journal(secrets, record=bool(args.record))
    if journal_note:
        notes.append(journal_note)

    def opener() -> Any:
        # The console's listener and the user's agent listener share the runner's one slot.
        listener = fan_out(app.listener, agents[0].listener, wanted)
        return open_session(agents, plan, extra, run_config, listener=listener, journal=journal,
                            wire_tap=app.wire_tap)

    app = RtConsoleApp(
        agents=agents,
        open_session=opener,
        backend=BackendInfo(plan.label, plan.model, plan.url),
        config=config,
        audio=audio,
        notes=notes,
        recording=bool(args.record),
        audio_status="text only" if audio is None else "",
        journal=journal,
        first_connection_retry=ReconnectPolicy.from_config((run_config or {}).get("reconnect")),
        hint=hint,
    )
    for secret in secrets:
        app.redactor.add(secret)  # the journal's own when there is one; this covers none
    result = app.run()
    if journal is not None:
        # After the TUI has given the terminal back: where this session was written.
        print(f"session journal: {journal.path}")
    return int(result or 0)


def scenario_agents(spec: str | None) -> Any:
    """`rtconsole test`'s agents: a source of fresh ones per scenario (the demo agents, with
    their run config, when ``spec`` is None). A bad spec fails here, as a usage error."""
    if spec is None:
        from console.ui.demo_agents import DEMO_RUN_CONFIG, demo_agents

        return lambda: (demo_agents(), dict(DEMO_RUN_CONFIG))
    load_agents(spec)
    return lambda: (load_agents(spec), None)


def run_command(args: argparse.Namespace) -> int:
    """A subcommand, its module imported only now (``rtconsole --help`` stays lean)."""
    if args.command == "serve":
        from console.engine.serve import serve

        return serve(
            host=args.host, port=args.port, scenario=args.scenario, no_auth=args.no_auth,
            token=args.token, voice=args.voice, holding_line=not args.no_holding_line,
        )
    if args.command == "devices":
        from console.audio.devices import show_devices

        direction: Literal["input", "output"] | None = (
            "input" if args.input else "output" if args.output else None
        )
        return show_devices(direction, portaudio=args.portaudio)
    if args.command == "sessions":
        from console.journal.commands import sessions

        return sessions(args.dir, show_all=args.all)
    if args.command == "export":
        from console.journal.commands import export_command

        return export_command(args.file, args.format, args.output)
    if args.command == "replay":
        from console.ui.replay import run_replay

        return run_replay(args.file, speed=args.speed, paused=args.paused)
    if args.command == "test":
        from console.scenarios.command import run_scenarios
        from console.ui.scenario_tap import ConsoleTap

        return run_scenarios(args, load_agents=scenario_agents, tap=ConsoleTap)
    return run_console(args)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        return run_command(build_parser().parse_args(args_list))
    except UsageError as exc:
        print(f"{exc.prog}: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help and --version print, then exit 0
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
