"""A decision is recorded as taken only once the session took it: never after it closed."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from console.journal import JournalWriter
from console.journal.export import export
from console.journal.store import read_records
from console.realtime import RealtimeRunner
from console.realtime.testing import ScriptedRealtimeModel
from console.ui.bridge import describe_error
from console.ui.decisions import Decisions, pending_of
from console.ui.demo_agents import demo_agents
from console.ui.widgets.approvals import PendingApproval

from .test_app_local import connect, lines, say, texts, wait_for
from .test_keys import REFUND
from .test_replay import journaled_app


async def test_approve_as_the_session_closes_is_refused_everywhere(tmp_path: Path) -> None:
    path = tmp_path / "closed.jsonl"
    journal = JournalWriter(path)
    app = journaled_app(journal)
    async with app.run_test(size=(140, 40)) as pilot:
        await connect(pilot, app)
        await say(pilot, "I need billing help")
        await wait_for(pilot, lambda: "You are now talking to billing" in lines(app))
        await say(pilot, "refund order 42 amount 20")
        await wait_for(pilot, lambda: bool(app.main.approvals.pending))
        (call_id,) = app.main.approvals.pending
        session = app.session
        # The operator approves as the session closes: the decision's worker starts only
        # after close() has begun, so it reaches a closed session.
        app.action_approve()
        await session.close()
        await wait_for(pilot, lambda: "refused: the session is closed" in lines(app))
        await wait_for(pilot, lambda: app.session is None and not app.main.approvals.pending)
        await wait_for(pilot, lambda: any(
            "was not decided: the session ended" in text for text in texts(app)))
        # After the close there is nothing left to decide: the keys say so and change nothing.
        await pilot.press("ctrl+y")
        await pilot.press("ctrl+n")
        shown = lines(app)
        assert "approve refund_order refused: the session is closed" in shown
        assert "approved refund_order" not in shown and "rejected refund_order" not in shown
        assert "refunded $" not in shown
    records = list(read_records(path))
    assert not [r for r in records if r.get("kind") == "decision"]
    (refused,) = [r for r in records if r.get("type") == "console.refused"]
    assert refused["fields"]["call_id"] == call_id
    assert refused["fields"]["reason"] == "the session is closed"
    outputs = [
        r for r in records if r.get("kind") == "sent"
        and (r["data"].get("item") or {}).get("call_id") == call_id
    ]
    assert not outputs
    markdown = export(path, "md")
    assert "refund_order" in markdown  # the model's call is there, no decision on it
    assert "**Operator" not in markdown
    assert all(e["kind"] != "decision" for e in json.loads(export(path, "json"))["entries"])


async def test_no_session_refuses_without_asking() -> None:
    outcomes: list[Any] = []
    decisions = Decisions(lambda: None, outcomes.append, describe_error)
    approval = PendingApproval("call_1", "Billing", "refund_order", "{}")
    await decisions.decide(approval, True, True)
    (outcome,) = outcomes
    assert isinstance(outcome, Decisions.Refused) and outcome.reason == "not connected"


def refund_agent() -> Any:
    agent = demo_agents()[0]
    agent.tools.append(agent.handoffs[0].tools[0])  # type: ignore[union-attr]
    return agent


async def test_a_decision_reaching_a_closed_session_is_refused() -> None:
    """The race the app cannot rule out: the decision reaches a session that closed meanwhile
    (which ignores it silently, as the SDK's does); it is refused, not taken."""
    model = ScriptedRealtimeModel(strict=False)
    session = await RealtimeRunner(refund_agent(), model=model).run()
    outcomes: list[Any] = []
    recorded: list[Any] = []
    decisions = Decisions(lambda: session, outcomes.append, describe_error, recorded.append)
    async with session:
        await model.emit(REFUND)
        for _ in range(500):
            if session.pending_approvals:
                break
            await asyncio.sleep(0.01)
        (approval,) = pending_of(session)
        assert approval.tool == "refund_order"
        await session.close()
        await decisions.decide(approval, True, False)
    (outcome,) = outcomes
    assert isinstance(outcome, Decisions.Refused) and outcome.reason == "the session is closed"
    assert recorded == outcomes
    assert not model.sent_of("send_tool_output")


async def test_an_open_session_takes_the_decision() -> None:
    model = ScriptedRealtimeModel(strict=False)
    session = await RealtimeRunner(refund_agent(), model=model).run()
    outcomes: list[Any] = []
    decisions = Decisions(lambda: session, outcomes.append, describe_error)
    async with session:
        await model.emit(REFUND)
        for _ in range(500):
            if session.pending_approvals:
                break
            await asyncio.sleep(0.01)
        (approval,) = pending_of(session)
        await decisions.decide(approval, False, False)
        (outcome,) = outcomes
        assert isinstance(outcome, Decisions.Taken) and not outcome.approve
        assert not session.pending_approvals
