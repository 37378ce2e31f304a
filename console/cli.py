"""The `rtconsole` command: argument parsing and wiring only (heavy imports wait until needed)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, NoReturn

import console
from console.launch.errors import PROG, UsageError

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
        from console.launch.agents import scenario_agents
        from console.scenarios.command import run_scenarios
        from console.ui.scenario_tap import ConsoleTap

        return run_scenarios(args, load_agents=scenario_agents, tap=ConsoleTap)
    from console.launch.console_app import run_console

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
