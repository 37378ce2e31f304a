"""The transcript follows its end as rows are added, and stays where the operator scrolled to."""

from __future__ import annotations

from textual.geometry import Size

from console.ui.widgets.transcript import TranscriptView

from .conftest import make_app


def _stream(transcript: TranscriptView, key: str, count: int) -> None:
    for number in range(count):
        transcript.append_text(key, f"word{number} " * 3, label="Triage")


async def test_streamed_rows_are_followed_until_the_operator_scrolls_up() -> None:
    app = make_app(frame_rate=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        transcript = app.main.transcript
        transcript.focus()
        _stream(transcript, "a1", 200)  # many rows: the scrollbar shows
        await pilot.pause()
        rows = len(transcript.plain_lines())
        assert transcript.virtual_size == Size(transcript.virtual_size.width, rows)
        assert transcript.scroll_y == transcript.max_scroll_y > 0
        assert transcript.vertical_scrollbar.window_virtual_size == rows

        _stream(transcript, "a1", 100)  # rows added while following: still at the end
        await pilot.pause()
        assert len(transcript.plain_lines()) > rows
        assert transcript.scroll_y == transcript.max_scroll_y
        assert transcript.vertical_scrollbar.window_virtual_size == len(transcript.plain_lines())

        await pilot.press("pageup")
        await pilot.pause()
        held = transcript.scroll_y
        assert held < transcript.max_scroll_y
        _stream(transcript, "a2", 100)  # the operator reads above: the view stays there
        await pilot.pause()
        assert transcript.scroll_y == held < transcript.max_scroll_y

        await pilot.press("end")
        await pilot.pause()
        _stream(transcript, "a3", 100)  # back at the end: followed again
        await pilot.pause()
        assert transcript.scroll_y == transcript.max_scroll_y
        assert transcript.plain_lines()[-1].strip().endswith("word99")


async def test_a_short_transcript_grows_into_a_scrollbar_and_shrinks_out_of_it() -> None:
    app = make_app(frame_rate=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        transcript = app.main.transcript
        transcript.clear()
        await pilot.pause()
        assert not transcript.show_vertical_scrollbar
        for number in range(60):
            transcript.add("user", "you", f"line {number}")
            await pilot.pause()  # one row at a time, as a slow conversation adds them
        assert transcript.show_vertical_scrollbar
        assert transcript.scroll_y == transcript.max_scroll_y > 0
        assert transcript.plain_lines()[-1].strip().endswith("line 59")
        transcript.clear()
        await pilot.pause()
        assert not transcript.show_vertical_scrollbar and transcript.scroll_y == 0
