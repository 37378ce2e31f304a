"""`rtconsole serve`: run the local engine alone until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from .policy import HOLDING_LINE
from .scenario import ScenarioError
from .server import LocalEngine, is_loopback


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # One line, no usage block: the message says what to fix.
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rtconsole serve",
        description="Run the offline realtime engine (OpenAI Realtime GA protocol) on a WebSocket.",
    )
    parser.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--scenario", metavar="FILE", help="TOML or JSON file of scripted turns")
    parser.add_argument("--no-auth", action="store_true", help="accept clients without a token")
    parser.add_argument("--token", help="token clients must send (default: a new random one)")
    parser.add_argument(
        "--voice",
        choices=("auto", "espeak", "synthetic"),
        default="auto",
        help="speech output (default auto: espeak-ng if installed, else synthetic)",
    )
    parser.add_argument(
        "--no-holding-line",
        action="store_true",
        help="say nothing before a call to a tool that needs approval "
        "(default: 'One moment while I get that approved.')",
    )
    return parser


async def _run(engine: LocalEngine) -> None:
    await engine.start()
    print(f"rtconsole local engine listening on {engine.url}", flush=True)
    if engine.require_auth and engine.token:
        print(f"token: {engine.token}")
        print(f"  clients send it as 'Authorization: Bearer {engine.token}'")
        print(f"  console: rtconsole --url {engine.url} --token {engine.token}")
    else:
        print("token: none (--no-auth): any client on this network may connect")
        print(f"  console: rtconsole --url {engine.url}")
    base = engine.url.rsplit("/realtime", 1)[0]
    print(f"  openai client: AsyncOpenAI(api_key=..., websocket_base_url='{base}')")
    print(f"  voice: {engine.voice.name}; transcription: {engine.transcriber.name}")
    print("Press Ctrl-C to stop.", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await engine.stop()


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a bad argument already reported in one line
        return exc.code if isinstance(exc.code, int) else 2
    host = args.host or "127.0.0.1"
    # Warnings (a rejected client, a failing job) on stderr, with the time they happened.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.port < 0 or args.port > 65535:
        print(f"rtconsole serve: error: port {args.port} is out of range 0-65535", file=sys.stderr)
        return 2
    if not is_loopback(host):
        print(
            f"rtconsole serve: warning: listening on {host}, reachable from other machines",
            file=sys.stderr,
        )
    try:
        engine = LocalEngine(
            host=host,
            port=args.port,
            token=args.token,
            require_auth=not args.no_auth,
            scenario=args.scenario,
            voice=args.voice,
            holding_line=None if args.no_holding_line else HOLDING_LINE,
        )
    except ScenarioError as exc:
        print(f"rtconsole serve: error: {exc}", file=sys.stderr)
        return 2
    except (RuntimeError, ValueError) as exc:
        print(f"rtconsole serve: error: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_run(engine))
    except OSError as exc:
        print(
            f"rtconsole serve: error: cannot listen on {host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        pass
    print("stopped.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
