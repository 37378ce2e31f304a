"""The console's TOML config file: where it lives, what it holds, and one-line errors about it."""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

BACKENDS = ("auto", "openai", "local")
BINDING_IDS = (
    "approve", "reject", "approve_always", "reject_always", "interrupt", "reconnect_now", "mute",
    "push_to_talk", "theme", "clear", "quit", "send", "focus_next", "focus_previous",
    "cancel_tool", "replay_pause", "replay_step", "replay_faster", "replay_slower",
    "inspector", "inspector_close", "inspector_pause", "inspector_follow", "inspector_regex",
    "inspector_type",
)
"""The ids ``[keymap]`` may remap: every Binding id of the console and replay (a test keeps this
in step with the Binding declarations, so the file can be checked without importing Textual)."""


class ConfigError(Exception):
    """A config file that cannot be used; ``str()`` is one line naming the file (and line)."""


@dataclass(frozen=True, slots=True)
class DeviceConfig:
    input: str | int | None = None
    output: str | int | None = None
    headset: bool = False
    enabled: bool = True
    aec: bool = True
    """Echo cancellation with speakers (ignored with a headset)."""
    noise_suppression: bool = False


DEFAULT_TOOL_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    """Every setting of the console; CLI flags override what the file says."""

    theme: str = "rtconsole-dark"
    backend: str = "auto"
    model: str | None = None
    voice: str | None = None
    url: str | None = None
    agents: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    devices: DeviceConfig = field(default_factory=DeviceConfig)
    inactivity_timeout: float | None = None
    tool_timeout: float | None = DEFAULT_TOOL_TIMEOUT_S
    """Seconds a tool call may run before the model is told it timed out (a tool's own
    ``timeout_s`` wins): a tool that never returns must not stall the conversation."""
    """Seconds of user inactivity before the session closes (off when None)."""

    def override(self, **changes: Any) -> ConsoleConfig:
        """A copy with every change that is not None applied (flags left unset keep the file's)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def default_config_dir() -> Path:
    # platformdirs is imported here, not at module level, to keep `rtconsole --help` lean.
    import platformdirs

    return Path(platformdirs.user_config_path("rtconsole"))


def default_config_path() -> Path:
    return default_config_dir() / "config.toml"


_STRING_KEYS = ("theme", "backend", "model", "voice", "url", "agents")


def _line_of(text: str, dotted: str) -> int | None:
    """The line that sets ``dotted`` (``key`` or ``table.key``); tomllib gives no positions for
    valid documents, so find it by pattern: after the table's header, the key's assignment."""
    table, _, key = dotted.rpartition(".")
    start = 0
    if table:
        header = re.search(rf"^[ \t]*\[[ \t]*{re.escape(table)}[ \t]*\]", text, re.M)
        if header is None:
            return None
        start = header.end()
    match = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", re.M).search(text, start)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _fail(path: Path, text: str, key: str, why: str) -> ConfigError:
    line = _line_of(text, key)
    where = f"{path}:{line}" if line else str(path)
    return ConfigError(f"{where}: {key} {why}")


def parse_config(text: str, path: Path) -> ConsoleConfig:
    """Parse and validate a config document; raise ConfigError with file and line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line L, column C)", which is what the user needs.
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    known = {f.name for f in fields(ConsoleConfig)}
    for key in data:
        if key not in known:
            raise _fail(path, text, key, "is not a known setting")
    values: dict[str, Any] = {}
    for key in _STRING_KEYS:
        if key in data:
            if not isinstance(data[key], str):
                raise _fail(path, text, key, "must be a string")
            values[key] = data[key]
    if values.get("backend", "auto") not in BACKENDS:
        raise _fail(path, text, "backend", f"must be one of {', '.join(BACKENDS)}")
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict):
        raise _fail(path, text, "keymap", "must be a table")
    for binding_id, keys in keymap.items():
        if binding_id not in BINDING_IDS:
            raise _fail(
                path, text, f"keymap.{binding_id}",
                f"is not an action id; the ids are: {', '.join(BINDING_IDS)}",
            )
        if not isinstance(keys, str) or not keys:
            raise _fail(path, text, f"keymap.{binding_id}", "must be a key string like 'ctrl+y'")
    values["keymap"] = dict(keymap)
    if "inactivity_timeout" in data:
        values["inactivity_timeout"] = _parse_timeout(data["inactivity_timeout"], path, text)
    if "tool_timeout" in data:
        values["tool_timeout"] = _parse_timeout(data["tool_timeout"], path, text, "tool_timeout")
    values["devices"] = _parse_devices(data.get("devices", {}), path, text)
    return ConsoleConfig(**values)


def _parse_timeout(raw: Any, path: Path, text: str, key: str = "inactivity_timeout") -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 < raw < math.inf:
        raise _fail(path, text, key, "must be a number of seconds above 0")
    return float(raw)


def _parse_devices(raw: Any, path: Path, text: str) -> DeviceConfig:
    if not isinstance(raw, dict):
        raise _fail(path, text, "devices", "must be a table")
    known = {f.name for f in fields(DeviceConfig)}
    for key, value in raw.items():
        if key not in known:
            raise _fail(path, text, f"devices.{key}", "is not a known setting")
        if key in ("input", "output") and (
            isinstance(value, bool) or not isinstance(value, str | int)
        ):
            raise _fail(path, text, f"devices.{key}", "must be a device name or index")
        if key in ("headset", "enabled", "aec", "noise_suppression") and not isinstance(
            value, bool
        ):
            raise _fail(path, text, f"devices.{key}", "must be true or false")
    return DeviceConfig(**raw)


def load_config(path: Path | None = None, *, must_exist: bool = False) -> ConsoleConfig:
    """Read the config file; a missing file means defaults (unless ``must_exist``: a file the
    user named), a broken one raises ConfigError."""
    path = path or default_config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if must_exist:
            raise ConfigError(f"{path}: no such config file") from None
        return ConsoleConfig()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_config(text, path)
