"""Pane titles and text meet WCAG AA (4.5:1) in every shipped theme: ratios computed from the
colours the running console really resolved from each theme's data file, in each focus state."""

from __future__ import annotations

from typing import Any

import pytest
from textual.color import Color
from textual.widget import Widget

from console.ui.app import RtConsoleApp
from console.ui.config import ConsoleConfig
from console.ui.contrast import AA_TEXT, contrast_ratio, flatten
from console.ui.themes import builtin_theme_dirs, load_themes
from console.ui.widgets.approvals import PendingApproval

from .conftest import make_app

THEMES = [theme.name for theme in load_themes(builtin_theme_dirs())[0]]
TEXT_CLASSES = {
    "transcript": ("time", "user", "assistant", "tool", "handoff", "error", "system"),
    "graph": ("agent", "current", "edge", "taken"),
    "meters": ("label", "state", "muted"),
    "status": ("key", "value", "connected", "connecting", "disconnected", "reconnecting",
               "on", "alert"),
}
PANES = ("transcript", "graph", "approvals", "history", "meters")


def _beneath(widget: Widget) -> list[Color]:
    """The widget's background and its ancestors', nearest first."""
    return [node.styles.background for node in (widget, *widget.ancestors_with_self[:-1])
            if isinstance(node, Widget)]


def title_ratio(widget: Widget) -> float:
    beneath = _beneath(widget)
    background = flatten(widget.styles.border_title_background, *beneath)
    color = widget.styles.border_title_color
    assert color.a > 0, f"#{widget.id}: no title colour set (it would fall back to the border)"
    return contrast_ratio(flatten(color, background), background)


def text_ratios(widget: Widget, prefix: str) -> dict[str, float]:
    background = flatten(widget.styles.background, *_beneath(widget)[1:])
    return {
        name: contrast_ratio(
            flatten(widget.get_component_styles(f"{prefix}--{name}").color, background),
            background,
        )
        for name in TEXT_CLASSES[prefix]
    }


def titles(app: RtConsoleApp) -> dict[str, float]:
    return {pane: title_ratio(app.query_one(f"#{pane}")) for pane in PANES}


@pytest.mark.parametrize("theme", THEMES)
async def test_titles_and_text_meet_aa_in_every_state(theme: str) -> None:
    app = make_app(config=ConsoleConfig(theme=theme))
    failures: list[str] = []

    def check(state: str, ratios: dict[str, float]) -> None:
        failures.extend(f"{state} {name}: {ratio:.2f}" for name, ratio in ratios.items()
                        if ratio < AA_TEXT)

    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        check("unfocused title", titles(app))
        for pane in ("transcript", "approvals", "history"):
            app.query_one(f"#{pane}").focus()
            await pilot.pause()
            check("focused title", {pane: title_ratio(app.query_one(f"#{pane}"))})
        app.main.approvals.show((PendingApproval("call_1", "Billing", "refund", "{}"),))
        await pilot.pause()
        check("pending, focused title", {"approvals": title_ratio(app.main.approvals)})
        app.main.input.focus()
        await pilot.pause()
        check("pending title", {"approvals": title_ratio(app.main.approvals)})
        for prefix, widget in (("transcript", app.main.transcript), ("graph", app.main.graph),
                               ("meters", app.main.meters), ("status", app.main.status)):
            check("text", {f"{prefix} {k}": v for k, v in text_ratios(widget, prefix).items()})
    assert not failures, f"{theme}: below {AA_TEXT}:1: " + "; ".join(failures)


async def test_the_focused_pane_and_the_alert_are_told_apart() -> None:
    """Focus changes the title's look and the border; calls waiting keep the heavy border."""
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        history = app.main.history
        approvals = app.main.approvals
        idle: Any = (history.styles.border_top, history.styles.border_title_background)
        history.focus()
        await pilot.pause()
        assert (history.styles.border_top, history.styles.border_title_background) != idle
        approvals.show((PendingApproval("call_1", "Billing", "refund", "{}"),))
        await pilot.pause()
        alert = approvals.styles.border_top
        assert alert[0] == "heavy"
        approvals.focus()
        await pilot.pause()
        assert approvals.styles.border_top == alert
        assert approvals.styles.border_title_background.a > 0  # and the focus cue on top
