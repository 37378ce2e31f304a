"""`rtconsole serve`: run the local engine alone until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from .policy import HOLDING_LINE
from .scenario import ScenarioError
from .server import LocalEngine, is_loopback


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


def serve(
    *,
    host: str | None = None,
    port: int = 0,
    scenario: str | None = None,
    no_auth: bool = False,
    token: str | None = None,
    voice: str = "auto",
    holding_line: bool = True,
) -> int:
    """Run the engine until Ctrl-C or SIGTERM: 0 when stopped, 2 for bad settings, 1 when it
    cannot listen."""
    host = host or "127.0.0.1"
    # Warnings (a rejected client, a failing job) on stderr, with the time they happened.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if port < 0 or port > 65535:
        print(f"rtconsole serve: error: port {port} is out of range 0-65535", file=sys.stderr)
        return 2
    if not is_loopback(host):
        print(
            f"rtconsole serve: warning: listening on {host}, reachable from other machines",
            file=sys.stderr,
        )
    try:
        engine = LocalEngine(
            host=host,
            port=port,
            token=token,
            require_auth=not no_auth,
            scenario=scenario,
            voice=voice,
            holding_line=HOLDING_LINE if holding_line else None,
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
            f"rtconsole serve: error: cannot listen on {host}:{port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        pass
    print("stopped.", flush=True)
    return 0


if __name__ == "__main__":
    # `python -m console.engine.serve ...` is `rtconsole serve ...`: the one parser is the CLI's.
    from console.cli import main

    raise SystemExit(main(["serve", *sys.argv[1:]]))
