"""Starting the console: its settings from the config file and flags, checks, then the app."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from .agents import load_agents
from .backend import open_session, plan_backend
from .errors import UsageError
from .logs import divert_logs

if TYPE_CHECKING:
    from console.ui.config import ConsoleConfig

RECONNECT: dict[str, Any] = {"enabled": True}
"""The console always reconnects (the core's default delays: 0.5 s doubling to 10 s, 10 tries)."""
RESPONSE_TIMEOUT_S = 30.0
"""A server silent this long while a reply is awaited is reported in the transcript."""


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


def settings_from(args: argparse.Namespace) -> ConsoleConfig:
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


def check_choices(config: ConsoleConfig, args: argparse.Namespace) -> None:
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


def run_console(args: argparse.Namespace) -> int:
    config = settings_from(args)
    plan = plan_backend(config, token=args.token)
    check_choices(config, args)
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
