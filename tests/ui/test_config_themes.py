"""Config file parsing and theme loading: defaults, overrides, one-line errors, shipped themes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from console.ui.config import ConfigError, ConsoleConfig, DeviceConfig, load_config, parse_config
from console.ui.themes import (
    CUSTOM_VARIABLES,
    ThemeError,
    builtin_theme_dirs,
    load_theme_file,
    load_themes,
    variable_defaults,
)

ROOT = Path(__file__).resolve().parents[2]
GOOD = """
theme = "rtconsole-light"
backend = "local"
model = "gpt-realtime-mini"
voice = "marin"
agents = "pkg.mod:agent"

[keymap]
approve = "ctrl+o"

[devices]
input = "USB"
output = 3
headset = true
"""


def test_full_config_parses() -> None:
    config = parse_config(GOOD, Path("c.toml"))
    assert config.theme == "rtconsole-light" and config.backend == "local"
    assert config.model == "gpt-realtime-mini" and config.voice == "marin"
    assert config.agents == "pkg.mod:agent"
    assert config.keymap == {"approve": "ctrl+o"}
    assert config.devices == DeviceConfig(input="USB", output=3, headset=True)


def test_inactivity_timeout_from_the_file_and_the_flag() -> None:
    from console.cli import build_parser
    from console.launch.console_app import session_run_config

    config = parse_config("inactivity_timeout = 45\n", Path("c.toml"))
    assert config.inactivity_timeout == 45.0 and ConsoleConfig().inactivity_timeout is None
    base = {"reconnect": {"enabled": True}, "response_timeout_s": 30.0, "tool_timeout_s": 60.0}
    assert session_run_config(ConsoleConfig(), None) == base
    merged = session_run_config(config, {"tool_timeout_s": 5})
    assert merged == {**base, "tool_timeout_s": 5, "user_inactivity_timeout_s": 45.0}
    # The agents' own run config wins where it says something.
    assert session_run_config(ConsoleConfig(), {"reconnect": {"enabled": False}})["reconnect"] == {
        "enabled": False
    }
    args = build_parser().parse_args(["--inactivity-timeout", "12.5"])
    assert config.override(inactivity_timeout=args.inactivity_timeout).inactivity_timeout == 12.5


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "absent.toml") == ConsoleConfig()


def test_flags_override_only_what_they_set() -> None:
    config = parse_config(GOOD, Path("c.toml")).override(model="other", voice=None)
    assert config.model == "other" and config.voice == "marin"


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ('theme = "x"\nbackend =\n', ["invalid TOML", "line 2"]),
        ('theme = 3\n', ["c.toml:1", "theme must be a string"]),
        ('\n\nbackend = "cloud"\n', ["c.toml:3", "backend must be one of"]),
        ('colour = "red"\n', ["c.toml:1", "not a known setting"]),
        ('[keymap]\napprove = ""\n', ["c.toml:2", "keymap.approve"]),
        ('[devices]\ninput = true\n', ["c.toml:2", "devices.input"]),
        ('[devices]\nspeakers = 1\n', ["devices.speakers", "not a known setting"]),
        ('inactivity_timeout = 0\n', ["c.toml:1", "inactivity_timeout must be a number"]),
        ('inactivity_timeout = true\n', ["c.toml:1", "inactivity_timeout"]),
        ('inactivity_timeout = "30"\n', ["c.toml:1", "inactivity_timeout"]),
        ('\ntool_timeout = inf\n', ["c.toml:2", "tool_timeout must be a number of seconds"]),
        ('[keymap]\nlaunch = "x"\n', ["c.toml:2", "keymap.launch is not an action id", "approve"]),
        ('keymap = 3\n', ["c.toml:1", "keymap must be a table"]),
        ('[devices]\n\nheadset = "yes"\n', ["c.toml:3", "devices.headset must be true or false"]),
        ('devices = "USB"\n', ["c.toml:1", "devices must be a table"]),
        ('[devices]\noutput = 1.5\n', ["c.toml:2", "devices.output must be a device name"]),
    ],
)
def test_errors_are_one_line_with_file_and_line(text: str, needles: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("c.toml"))
    message = str(caught.value)
    assert "\n" not in message and "c.toml" in message
    for needle in needles:
        assert needle in message


def test_shipped_themes_load_with_every_custom_variable() -> None:
    themes, problems = load_themes(builtin_theme_dirs())
    assert problems == []
    names = {theme.name for theme in themes}
    assert {"rtconsole-dark", "rtconsole-light", "rtconsole-high-contrast"} <= names
    for theme in themes:
        assert set(CUSTOM_VARIABLES) <= set(theme.variables), theme.name
    light = next(t for t in themes if t.name == "rtconsole-light")
    assert light.dark is False


def test_user_theme_overrides_and_gets_defaults(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text('name = "mine"\nprimary = "#00AA00"\nerror = "#AA0000"\n')
    (tmp_path / "broken.toml").write_text('name = "broken"\nprimary = "not-a-colour"\n')
    themes, problems = load_themes([*builtin_theme_dirs(), tmp_path])
    assert "mine" in {t.name for t in themes}
    assert len(problems) == 1 and "broken.toml" in problems[0]
    mine = next(t for t in themes if t.name == "mine")
    defaults = variable_defaults(mine)
    assert defaults["rt-error"] == "#AA0000" and defaults["rt-user"] == "#00AA00"
    assert set(defaults) == set(CUSTOM_VARIABLES)


def test_unknown_theme_key_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "odd.toml"
    path.write_text('name = "odd"\nprimary = "#000000"\nsparkle = true\n')
    with pytest.raises(ThemeError, match="sparkle"):
        load_theme_file(path)


def test_stylesheet_uses_only_theme_variables_for_colour() -> None:
    css = (ROOT / "console" / "ui" / "console.tcss").read_text()
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert not re.search(r"#[0-9a-fA-F]{3,8}\b", css)
    assert not re.search(r"\b(rgb|hsl)a?\(", css)
    for line in css.splitlines():
        # Text styles and alignments of borders (border-title-style: bold) are not colours.
        if re.match(r"\s*[\w-]*-(style|align)\s*:", line):
            continue
        if re.match(r"\s*(color|background|border[\w-]*)\s*:", line):
            value = line.split(":", 1)[1]
            words = [w for w in re.findall(r"[a-z]+", value) if w not in {
                "round", "tall", "heavy", "solid", "none", "hidden", "wide", "blank"}]
            colours = [w for w in re.findall(r"\$[\w-]+", value)]
            assert colours or not words, f"colour outside theme variables: {line.strip()}"


def test_the_keymap_ids_are_the_binding_ids() -> None:
    """The config file is checked against BINDING_IDS without importing Textual; this keeps that
    list the same as the ids the console and replay really bind."""
    from textual.binding import Binding

    from console.ui.app import RtConsoleApp
    from console.ui.config import BINDING_IDS
    from console.ui.replay import ReplayApp
    from console.ui.screens.always_rules import AlwaysRulesScreen
    from console.ui.screens.inspector import InspectorScreen
    from console.ui.screens.main import MainScreen
    from console.ui.screens.metrics import MetricsScreen
    from console.ui.widgets.message_input import MessageInput

    declared = {
        binding.id
        for owner in (
            RtConsoleApp, ReplayApp, MainScreen, MetricsScreen, AlwaysRulesScreen, MessageInput,
            InspectorScreen,
        )
        for binding in owner.BINDINGS
        if isinstance(binding, Binding) and binding.id
    }
    assert declared == set(BINDING_IDS)


def test_an_unknown_keymap_id_is_an_error_with_file_and_line() -> None:
    text = '[keymap]\napprove = "ctrl+o"\napprov = "ctrl+p"\n'
    with pytest.raises(ConfigError, match=r"c\.toml:3: keymap\.approv is not an action id"):
        parse_config(text, Path("c.toml"))
