"""F2 re-renders every transcript line and pane in the new theme (no colours left from the old)."""

from __future__ import annotations

from typing import Any

import pytest
from rich.color import Color
from textual.geometry import Region
from textual.pilot import Pilot

from console.ui.audio_protocols import StaticLevels
from console.ui.config import ConsoleConfig

from .conftest import make_app
from .test_snapshots import APPROVAL, MID_STREAM, WIDE, post

CONTENT = (*MID_STREAM, *APPROVAL[1:])
ORDER = ["rtconsole-dark", "rtconsole-high-contrast", "rtconsole-light"]
KINDS = ("user", "assistant", "tool", "handoff", "error", "system")


def levels() -> StaticLevels:
    return StaticLevels(mic_db=-20.0, speaker_db=-6.0, user_speaking=True)


def luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = color.get_truecolor()
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(fg: Color, bg: Color) -> float:
    high, low = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


async def switch(pilot: Pilot[Any], times: int) -> None:
    for _ in range(times):
        await pilot.press("f2")
        await pilot.pause()
    pilot.app.clear_notifications()  # the "theme: ..." toast is not part of what is compared
    await pilot.pause()


@pytest.mark.parametrize("start", ORDER)
async def test_switching_twice_renders_like_starting_in_that_theme(start: str) -> None:
    """The whole screen after two F2s is, cell for cell and colour for colour, the screen of a
    console that started in the theme it ended on."""
    end = ORDER[(ORDER.index(start) + 2) % len(ORDER)]
    switched = make_app(config=ConsoleConfig(theme=start), levels=levels())
    async with switched.run_test(size=WIDE) as pilot:
        await post(*CONTENT)(pilot)
        await switch(pilot, 2)
        assert switched.theme == end
        after_switching = switched.export_screenshot()
    fresh = make_app(config=ConsoleConfig(theme=end), levels=levels())
    async with fresh.run_test(size=WIDE) as pilot:
        await post(*CONTENT)(pilot)
        await switch(pilot, 0)
        started_there = fresh.export_screenshot()
    assert after_switching == started_there


async def test_every_transcript_line_takes_the_new_themes_colours() -> None:
    app = make_app(levels=levels())
    async with app.run_test(size=WIDE) as pilot:
        await post(*CONTENT)(pilot)
        view = app.main.transcript
        for _ in range(2):
            await switch(pilot, 1)
            body = {
                kind: view.get_component_rich_style(f"transcript--{kind}").color for kind in KINDS
            }
            background = view.rich_style.bgcolor
            assert background is not None
            checked = set()
            for y in range(view.size.height):
                for segment in view.render_line(y):
                    entry = next(
                        (e for e in view.entries if segment.text and e.text.startswith(
                            segment.text.rstrip()) and segment.text.strip()), None,
                    )
                    if entry is None or segment.style is None:
                        continue
                    checked.add(entry.text)
                    assert segment.style.color == body[entry.kind], (app.theme, entry.text)
                    assert segment.style.bgcolor == background
                    assert contrast(segment.style.color, background) > 3.0, (app.theme, entry.text)
            assert checked == {e.text for e in view.entries}


async def test_every_pane_is_readable_after_switching_twice() -> None:
    app = make_app(levels=levels())
    async with app.run_test(size=WIDE) as pilot:
        await post(*CONTENT)(pilot)
        await switch(pilot, 2)
        assert app.theme == "rtconsole-light"
        panes = [app.main.transcript, app.main.status, app.main.approvals, app.main.graph,
                 app.main.history, app.main.meters]
        for pane in panes:
            region = Region(0, 0, pane.size.width, pane.size.height)
            strips = pane.render_lines(region)
            if pane.styles.border_top[0]:
                strips = strips[1:-1]  # borders and their titles are faint on purpose
            for strip in strips:
                for segment in strip:
                    style = segment.style
                    words = any(c.isalnum() for c in segment.text)
                    if not words or style is None or not style.color:
                        continue
                    assert style.bgcolor is not None
                    assert contrast(style.color, style.bgcolor) > 2.0, (
                        type(pane).__name__, segment.text, str(style),
                    )


def test_snapshot_after_switching_twice(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await post(*CONTENT)(pilot)
        await switch(pilot, 2)

    app = make_app(levels=levels())
    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


def test_snapshot_after_switching_back(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await post(*CONTENT)(pilot)
        await switch(pilot, 3)

    app = make_app(levels=levels())
    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)
