"""Colour themes as data: load themes/*.toml (shipped and the user's) into Textual themes."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.theme import Theme

if TYPE_CHECKING:
    from textual.app import App

DEFAULT_THEME = "rtconsole-dark"

# Custom variables the stylesheet uses; a theme file may leave any out (see variable_defaults).
CUSTOM_VARIABLES = (
    "rt-user",
    "rt-assistant",
    "rt-tool",
    "rt-handoff",
    "rt-error",
    "rt-system",
    "rt-meter-low",
    "rt-meter-mid",
    "rt-meter-high",
    "rt-graph-current",
    "rt-graph-taken",
)


class ThemeError(Exception):
    """A theme file that cannot be used; ``str()`` names the file."""


def builtin_theme_dirs() -> list[Path]:
    """Where the shipped themes may be: inside the installed package, or the source checkout."""
    package = Path(__file__).resolve().parent.parent
    candidates = [
        package / "themes",  # wheel: themes/ mapped into the package as console/themes
        package.parent / "themes",  # source checkout and editable installs
        Path(sys.prefix) / "share" / "rtconsole" / "themes",  # data-files installs
    ]
    return [path for path in candidates if path.is_dir()]


def user_theme_dir() -> Path:
    from .config import default_config_dir

    return default_config_dir() / "themes"


def theme_from_mapping(data: dict[str, Any], source: str) -> Theme:
    allowed = {f.name for f in fields(Theme)}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ThemeError(f"{source}: unknown theme keys: {', '.join(unknown)}")
    if not isinstance(data.get("name"), str) or not isinstance(data.get("primary"), str):
        raise ThemeError(f"{source}: a theme needs string 'name' and 'primary' values")
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise ThemeError(f"{source}: [variables] must map names to colour strings")
    try:
        theme = Theme(**data)
        theme.to_color_system()  # parses every colour now, so a typo fails here, not mid-render
    except Exception as exc:
        raise ThemeError(f"{source}: {exc}") from None
    return theme


def load_theme_file(path: Path) -> Theme:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ThemeError(f"{path}: {exc}") from None
    return theme_from_mapping(data, str(path))


def load_themes(dirs: list[Path]) -> tuple[list[Theme], list[str]]:
    """Every theme in ``dirs`` (later dirs override earlier names) and one-line problems found."""
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    for directory in dirs:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except ThemeError as exc:
                problems.append(str(exc))
                continue
            themes[theme.name] = theme
    return list(themes.values()), problems


def install_themes(
    app: App[Any], dirs: Sequence[Path] | None, wanted: str
) -> tuple[list[str], list[str]]:
    """Register the themes of ``dirs`` (None: the shipped ones and the user's) with ``app`` and
    switch it to ``wanted`` (the default if no such theme): the names registered, in order,
    and what went wrong, to be said once the console is up."""
    if dirs is None:
        dirs = [*builtin_theme_dirs(), user_theme_dir()]
    themes, problems = load_themes(list(dirs))
    for theme in themes:
        app.register_theme(theme)
    if wanted not in app.available_themes:
        problems.append(f"unknown theme {wanted!r}; using {DEFAULT_THEME}")
        wanted = DEFAULT_THEME
    app.theme = wanted
    return [theme.name for theme in themes], problems


def next_theme(names: Sequence[str], current: str) -> str:
    """The theme after ``current`` in ``names``, round and round."""
    names = list(names) or [current]
    position = names.index(current) if current in names else -1
    return names[(position + 1) % len(names)]


def variable_defaults(theme: Theme) -> dict[str, str]:
    """Fallbacks for custom variables a theme leaves out, derived from the theme's own colours."""
    fallback = theme.foreground or theme.primary
    derived = {
        "rt-user": theme.primary,
        "rt-assistant": fallback,
        "rt-tool": theme.warning or theme.accent or theme.primary,
        "rt-handoff": theme.secondary or theme.accent or theme.primary,
        "rt-error": theme.error or theme.primary,
        "rt-system": fallback,
        "rt-meter-low": theme.success or theme.primary,
        "rt-meter-mid": theme.warning or theme.primary,
        "rt-meter-high": theme.error or theme.primary,
        "rt-graph-current": theme.accent or theme.primary,
        "rt-graph-taken": theme.secondary or theme.primary,
    }
    return {name: value or theme.primary for name, value in derived.items()}


def theme_names() -> list[str]:
    """The names of every theme the console can use: shipped, and the user's own."""
    themes, _problems = load_themes([*builtin_theme_dirs(), user_theme_dir()])
    return [theme.name for theme in themes]
