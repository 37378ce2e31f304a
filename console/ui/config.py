"""The console's TOML config file: where it lives, what it holds, and one-line errors about it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)

from .metrics import StageBudgets
from .pricing import PriceTable

Backend = Literal["auto", "openai", "local"]
BACKENDS: tuple[str, ...] = get_args(Backend)
BindingId = Literal[
    "approve", "reject", "approve_always", "reject_always", "interrupt", "reconnect_now", "mute",
    "push_to_talk", "theme", "clear", "quit", "send", "focus_next", "focus_previous",
    "cancel_tool", "metrics", "metrics_close", "rules_close", "replay_pause", "replay_step",
    "replay_faster", "replay_slower", "inspector", "inspector_close", "inspector_pause",
    "inspector_follow", "inspector_regex", "inspector_type",
]
BINDING_IDS: tuple[str, ...] = get_args(BindingId)
"""The ids ``[keymap]`` may remap: every Binding id of the console and replay (a test keeps this
in step with the Binding declarations, so the file can be checked without importing Textual)."""

Seconds = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]
KeyString = Annotated[StrictStr, Field(min_length=1)]


def _binding_id(name: str) -> str:
    if name not in BINDING_IDS:
        raise ValueError("not an action id")
    return name


ActionId = Annotated[str, AfterValidator(_binding_id)]
DeviceRef = StrictStr | StrictInt | None
"""A device by name (or part of its name or description) or by index."""

DEFAULT_TOOL_TIMEOUT_S = 60.0


class ConfigError(Exception):
    """A config file that cannot be used; ``str()`` is one line naming the file (and line)."""


class _Settings(BaseModel):
    # Frozen and closed: a typo in the file is an error, not a setting silently ignored.
    model_config = ConfigDict(frozen=True, extra="forbid")


class DeviceConfig(_Settings):
    """``[devices]``: which microphone and speaker, and how they are used."""

    input: DeviceRef = None
    output: DeviceRef = None
    headset: StrictBool = False
    enabled: StrictBool = True
    aec: StrictBool = True
    """Echo cancellation with speakers (ignored with a headset)."""
    noise_suppression: StrictBool = False


class ConsoleConfig(_Settings):
    """Every setting of the console; CLI flags override what the file says."""

    theme: StrictStr = "rtconsole-dark"
    backend: Backend = "auto"
    model: StrictStr | None = None
    voice: StrictStr | None = None
    url: StrictStr | None = None
    agents: StrictStr | None = None
    keymap: dict[ActionId, KeyString] = Field(default_factory=dict)
    devices: DeviceConfig = DeviceConfig()  # frozen: one shared default is safe
    inactivity_timeout: Seconds | None = Field(
        default=None, description="seconds of user inactivity before the session closes (None: off)"
    )
    tool_timeout: Seconds | None = Field(
        default=DEFAULT_TOOL_TIMEOUT_S,
        description="seconds a tool call may run before the model is told it timed out (a "
        "tool's own timeout_s wins): a tool that never returns must not stall the conversation",
    )
    prices: PriceTable = PriceTable()
    budgets: StageBudgets = StageBudgets()

    def override(self, **changes: Any) -> ConsoleConfig:
        """A copy with every change that is not None applied (flags left unset keep the file's),
        validated like the file."""
        return ConsoleConfig.model_validate(
            {**dict(self), **{k: v for k, v in changes.items() if v is not None}}
        )


def default_config_dir() -> Path:
    # platformdirs is imported here, not at module level, to keep `rtconsole --help` lean.
    import platformdirs

    return Path(platformdirs.user_config_path("rtconsole"))


def default_config_path() -> Path:
    return default_config_dir() / "config.toml"


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


_WHY = {
    "backend": f"must be one of {', '.join(BACKENDS)}",
    "inactivity_timeout": "must be a number of seconds above 0",
    "tool_timeout": "must be a number of seconds above 0",
    "keymap": "must be a table",
    "devices": "must be a table",
    "devices.input": "must be a device name or index",
    "devices.output": "must be a device name or index",
}
"""What a setting must be, where pydantic's own wording would name its types instead."""
_UNION_MEMBERS = {"str", "int"}
_WHY_BY_TYPE = {
    "string_type": "must be a string",
    "bool_type": "must be true or false",
}


def _where_and_why(error: Any) -> tuple[str, str]:
    """The dotted setting (``devices.input``) and one line on what it must be."""
    loc = [str(part) for part in error["loc"]]
    if loc[0] == "keymap" and len(loc) >= 2:
        if loc[-1] == "[key]":
            return f"keymap.{loc[1]}", f"is not an action id; the ids are: {', '.join(BINDING_IDS)}"
        return f"keymap.{loc[1]}", "must be a key string like 'ctrl+y'"
    # A union adds its members' type names after the setting: ('devices', 'input', 'str').
    while len(loc) > 1 and loc[-1] in _UNION_MEMBERS:
        loc.pop()
    key = ".".join(loc)
    if error["type"] == "extra_forbidden":
        return key, "is not a known setting"
    return key, _WHY.get(key) or _WHY_BY_TYPE.get(error["type"], str(error["msg"]).lower())


def flag_error(exc: ValidationError) -> str:
    """One line about a setting given on the command line (``--keymap``): which, and why."""
    key, why = _where_and_why(exc.errors()[0])
    return f"{key} {why}"


def parse_config(text: str, path: Path) -> ConsoleConfig:
    """Parse and validate a config document; raise ConfigError with file and line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line L, column C)", which is what the user needs.
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    try:
        return ConsoleConfig.model_validate(data)
    except ValidationError as exc:
        key, why = _where_and_why(exc.errors()[0])
        line = _line_of(text, key)
        where = f"{path}:{line}" if line else str(path)
        raise ConfigError(f"{where}: {key} {why}") from None


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
