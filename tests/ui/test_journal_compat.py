"""Journals written by earlier versions still replay (same transcript) and export."""

from __future__ import annotations

import json
from pathlib import Path

from console.journal.export import export
from console.ui.replay import ReplayApp

from .test_replay import lines, replay_app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "journals"
MAIN_3677727 = FIXTURES / "main-3677727.jsonl"

SHOWN_LIVE = """\
09:30:00 you        what is the weather in Paris
09:30:00 tool       get_weather {"city": "Paris"}
09:30:00 tool       get_weather → Paris: windy, 11 °C
09:30:00 Triage     The get weather tool says: Paris: windy, 11 °C.
09:30:00 you        I need billing help
09:30:00 tool       transfer_to_billing {}
09:30:00 handoff    Triage → Billing
09:30:00 tool       transfer_to_billing → {"assistant": "Billing"}
09:30:00 Billing    You are now talking to billing, how can I help?
09:30:00 you        refund order 42 amount 20
09:30:00 Billing    One moment while I get that approved.
09:30:00 approval   refund_order {"order_id": "42", "amount": 20.0} needs
                    approval: ctrl+y approves, ctrl+n rejects
09:30:00 operator   approved refund_order ({"order_id": "42", "amount": 20.0})
09:30:00 tool       refund_order {"order_id": "42", "amount": 20.0}
09:30:00 tool       refund_order → refunded $20.00 for order 42
09:30:00 Billing    The refund order tool says: refunded $20.00 for order 42."""
"""What main's console showed live when it wrote the journal (its time column fixed)."""


def _at_fixed_time(app: ReplayApp) -> list[str]:
    # Replay shows each record's own time of day; the live run's clock was fixed at 09:30:00.
    return [line[8:] for line in lines(app).splitlines()]


async def test_a_journal_of_main_3677727_replays_the_same_transcript() -> None:
    app = replay_app(MAIN_3677727)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        # Up to the approval request: the pane holds the call the operator is asked about.
        steps = app.recording.steps
        asked = next(i for i, s in enumerate(steps) if s.get("type") == "bridge.ApprovalRequested")
        while app.position <= asked:
            app.step()
        await pilot.pause()
        assert [a.tool for a in app.main.approvals.pending.values()] == ["refund_order"]
        app.play_all()
        await pilot.pause()
        assert app.ended
        assert _at_fixed_time(app) == [line[8:] for line in SHOWN_LIVE.splitlines()]
        assert not app.main.approvals.pending
        assert app.main.graph.current == "Billing"
        assert app.main.graph.taken[("Triage", "Billing")] == 1


def test_a_journal_of_main_3677727_exports() -> None:
    entries = json.loads(export(MAIN_3677727, "json"))["entries"]
    kinds = [e["kind"] for e in entries]
    assert kinds.count("user") == 3 and kinds.count("assistant") == 4
    (decision,) = [e for e in entries if e["kind"] == "decision"]
    assert decision["tool"] == "refund_order" and decision["decision"] == "approved"
    assert [(e["from"], e["to"]) for e in entries if e["kind"] == "handoff"] == [
        ("Triage", "Billing")]
    calls = [e["name"] for e in entries if e["kind"] == "tool_call"]
    assert calls == ["get_weather", "transfer_to_billing", "refund_order"]
    assert kinds.index("decision") < max(
        i for i, e in enumerate(entries) if e["kind"] == "tool_output")
    markdown = export(MAIN_3677727, "md")
    assert "**Operator approved** `refund_order`" in markdown
    assert "refunded $20.00 for order 42" in markdown
