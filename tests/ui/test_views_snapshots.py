"""Snapshots of issue 15's views: the inspector filtered to one type, an interrupted reply (heard
vs cut), the layout at 80x24 (side panes as tabs) and at 240x70 (the sidebar's share)."""

from __future__ import annotations

import base64
from typing import Any

from textual.pilot import Pilot

from console.ui.app import RtConsoleApp
from console.ui.bridge import SessionBridge as B
from console.ui.screens.inspector import InspectorScreen

from .conftest import make_app
from .test_snapshots import APPROVAL, MID_STREAM, NOTE, WIDE, call, post, user

REPLY = "Sure. The weather in Lisbon is sunny. Tomorrow brings rain from the west."
SENTENCES = ("Sure. ", "The weather in Lisbon is sunny. ", "Tomorrow brings rain from the west.")


def audio_delta(ms: int) -> dict[str, Any]:
    pcm = bytes(48 * ms)
    return {"type": "response.output_audio.delta", "response_id": "resp_1", "item_id": "item_a1",
            "output_index": 0, "content_index": 0, "delta": base64.b64encode(pcm).decode()}


def spoken_wire(app: RtConsoleApp, cut_at_ms: int | None) -> None:
    """The wire of a spoken reply as the local engine sends it (each sentence's words, then its
    audio), and the client's truncate at ``cut_at_ms``; journal-style times."""
    t = 1.0
    observe = app.wire_tap.observe
    observe("sent", {"type": "conversation.item.create", "item": {
        "type": "message", "role": "user",
        "content": [{"type": "input_text", "text": "Weather in Lisbon?"}]}}, t)
    observe("sent", {"type": "response.create"}, t + 0.001)
    observe("recv", {"type": "response.created", "response": {"id": "resp_1"}}, t + 0.02)
    for n, sentence in enumerate(SENTENCES):
        t += 0.1
        observe("recv", {"type": "response.output_audio_transcript.delta", "response_id": "resp_1",
                         "item_id": "item_a1", "delta": sentence}, t)
        for k in range(3):
            observe("recv", audio_delta(400 if n else 200), t + 0.01 * (k + 1))
    if cut_at_ms is not None:
        observe("sent", {"type": "conversation.item.truncate", "item_id": "item_a1",
                         "content_index": 0, "audio_end_ms": cut_at_ms}, t + 0.2)
        observe("sent", {"type": "response.cancel"}, t + 0.201)


def test_inspector_filtered_to_one_type(snap_compare: Any) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, RtConsoleApp)
        spoken_wire(app, 1500)
        await pilot.press("f4")
        screen = app.screen
        assert isinstance(screen, InspectorScreen)
        await pilot.pause()
        screen.set_filter("response.output_audio_transcript.delta")
        await pilot.pause()
        assert screen.table.row_count == len(SENTENCES)

    assert snap_compare(make_app(), terminal_size=WIDE, run_before=run)


def test_interrupted_reply_heard_and_cut(snap_compare: Any) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, RtConsoleApp)
        for message in (B.ConnectionChanged("connected"), B.AgentStarted("Triage"),
                        user("item_u1", "Weather in Lisbon?")):
            app.post_message(message)
        app.post_message(B.TranscriptStreamed("item_a1", "Triage", REPLY, []))
        await pilot.pause()
        # 600 ms of the "Sure." sentence, then 900 of the 1200 ms that speak the second one.
        spoken_wire(app, 1500)
        app.post_message(B.Interrupted("item_a1"))
        await pilot.pause()
        await pilot.pause()
        assert app.main.transcript.heard_of("item_a1") == len(SENTENCES[0]) + 24

    assert snap_compare(make_app(), terminal_size=WIDE, run_before=run)


def test_layout_80x24_side_panes_as_tabs(snap_compare: Any) -> None:
    app = make_app(notes=[NOTE])
    assert snap_compare(app, terminal_size=(80, 24), run_before=post(*MID_STREAM, *APPROVAL[1:]))


def test_layout_240x70(snap_compare: Any) -> None:
    history = call("item_c9", "book_trip",
                   '{"from": "Lisbon", "to": "Reykjavik", "date": "2026-03-14", "seats": 2, '
                   '"class": "economy", "note": "window seats if possible, vegetarian meals"}',
                   "booked: LIS-KEF 14 Mar, 2 seats, confirmation QX7R2P")
    app = make_app(notes=[NOTE])

    async def run(pilot: Pilot[Any]) -> None:
        # The turn's figures show on its History node (the bridge measures it when it ends).
        tokens = {"text_in": 640, "audio_in": 212, "text_out": 48, "audio_out": 310}
        measured = B.TurnMeasured(1, {"response": 96.0}, 412.0, 0.0, 1842.0, tokens, 0.0031)
        await post(*MID_STREAM, history, measured)(pilot)
        tree = pilot.app.query_one("#history")
        for node in tree.root.children:  # type: ignore[attr-defined]
            node.expand_all()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(240, 70), run_before=run)
