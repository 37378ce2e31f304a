"""The audit: calls an "always" rule decided are shown and journaled as such; rules revoked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from console.journal import JournalWriter
from console.journal.export import export
from console.realtime import events as ev
from console.realtime.run_context import RunContextWrapper
from console.ui.audit import DecisionWatch
from console.ui.bridge import SessionBridge as B
from console.ui.reducer import guardrail_line
from console.ui.screens.always_rules import AlwaysRulesScreen

from .conftest import make_app
from .test_app_local import _to_billing_and_request_refund, lines, local_app, say, wait_for
from .test_snapshots import CONNECTED, WIDE, post


class Named:
    def __init__(self, name: str) -> None:
        self.name = name


TOOL: Any = Named("refund_order")
AGENT: Any = Named("Billing")


def test_rules_are_listed_and_revoked_on_the_run_context() -> None:
    ctx = RunContextWrapper(None)
    ctx.approve_tool("refund_order", always_approve=True)
    ctx.reject_tool("delete_account", always_reject=True)
    ctx.approve_tool("lookup", call_id="c1")  # one call: not a rule
    assert ctx.always_rules() == {"refund_order": True, "delete_account": False}
    assert ctx.revoke_always("refund_order")
    assert not ctx.revoke_always("refund_order")
    assert not ctx.revoke_always("lookup")
    assert ctx.is_tool_approved("refund_order", "c9") is None
    assert ctx.is_tool_approved("lookup", "c1") is True


def test_a_call_that_never_asked_is_the_rules_when_a_rule_covers_it() -> None:
    ctx = RunContextWrapper(None)
    info = ev.RealtimeEventInfo(ctx)
    clock = iter([1.0, 3.5])
    watch = DecisionWatch(lambda: next(clock))
    start = ev.RealtimeToolStart(AGENT, TOOL, "{}", info, call_id="c1")
    assert watch.observe(start) is None  # no rule: the tool needs no approval
    ctx.approve_tool("refund_order", always_approve=True)
    ruled = watch.observe(ev.RealtimeToolStart(AGENT, TOOL, '{"a": 1}', info, call_id="c2"))
    assert ruled is not None and (ruled.decision, ruled.tool, ruled.agent) == (
        "approved", "refund_order", "Billing"
    )
    ctx.reject_tool("refund_order", always_reject=True)
    ended = watch.observe(ev.RealtimeToolEnd(AGENT, TOOL, "no", info, call_id="c3"))
    assert ended is not None and ended.decision == "rejected"
    # A call that asked was the operator's to decide; its wait is measured.
    watch.observe(ev.RealtimeToolApprovalRequired(AGENT, TOOL, "c4", "{}", info))
    assert watch.waited_ms("c4") == 2500.0
    assert watch.observe(ev.RealtimeToolEnd(AGENT, TOOL, "no", info, call_id="c4")) is None
    assert watch.waited_ms("c4") is None


def test_a_guardrail_line_names_it_and_the_text() -> None:
    assert guardrail_line(["no_card_numbers"], "my card is\n4111") == (
        "no_card_numbers tripped on “my card is 4111”: reply stopped"
    )
    long = guardrail_line(["g"], "x" * 200)
    assert long.startswith("g tripped on “…x") and len(long) < 120


def decisions(path: Path) -> list[dict[str, Any]]:
    """The operator's decision records and the rule decisions' (journaled as their message)."""
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return [
        r if r.get("kind") == "decision" else {"by": "rule", **r["fields"]}
        for r in records
        if r.get("kind") == "decision" or r.get("type") == "call.decided_by_rule"
    ]


async def test_approve_always_then_the_rule_decides_and_can_be_revoked(tmp_path: Path) -> None:
    journal = JournalWriter(tmp_path / "s.jsonl")
    app = local_app(journal=journal)
    async with app.run_test(size=(140, 40)) as pilot:
        await _to_billing_and_request_refund(pilot, app)
        await pilot.press("f5")  # approve always
        await wait_for(pilot, lambda: "The refund order tool says: refunded $" in lines(app))
        await say(pilot, "refund order 43 amount 10")
        await wait_for(pilot, lambda: "approved by the always rule: refund_order" in lines(app))
        assert not app.main.approvals.pending
        await app.run_action("always_rules")
        await pilot.pause()
        assert isinstance(app.screen, AlwaysRulesScreen)
        assert app.screen.rules == {"refund_order": True}
        await pilot.press("enter")
        await wait_for(pilot, lambda: "revoked the always rule for refund_order" in lines(app))
        assert app.session.context_wrapper.always_rules() == {}
        await say(pilot, "refund order 44 amount 5")
        await wait_for(pilot, lambda: bool(app.main.approvals.pending))
    first, ruled = decisions(tmp_path / "s.jsonl")
    assert (first["by"], first["decision"], first["always"]) == ("operator", "approved", True)
    assert first["waited_ms"] >= 0
    assert (ruled["by"], ruled["decision"], ruled["tool"]) == ("rule", "approved", "refund_order")
    exported = export(tmp_path / "s.jsonl", "md")
    assert "**Operator approved always** `refund_order`" in exported
    assert "**Rule approved** `refund_order`" in exported


def test_an_auto_approved_call(snap_compare: Any) -> None:
    arguments = '{"order_id": "43", "amount": 10}'
    steps = (
        CONNECTED,
        B.AgentStarted("Billing"),
        B.UserSpoke("item_u1", "Refund order 43, ten dollars"),
        B.DecidedByRule("Billing", "refund_order", arguments, "call_7", "approved"),
        B.ToolStarted("Billing", "refund_order", arguments, "call_7"),
        B.ToolEnded("Billing", "refund_order", "refunded $10 on order 43", "call_7"),
        B.GuardrailTripped("Your card 4111 1111 1111 1111 was", ["no_card_numbers"]),
    )
    assert snap_compare(make_app(), terminal_size=WIDE, run_before=post(*steps))
