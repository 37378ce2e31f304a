"""The export's header and audit lines, from journal records written by hand."""

from __future__ import annotations

import json
from pathlib import Path

from console.journal import JournalWriter
from console.journal.export import export


def test_header_audit_lines_and_one_session_object(tmp_path: Path) -> None:
    ticks = iter(float(n) for n in range(100))
    writer = JournalWriter(tmp_path / "s.jsonl", clock=lambda: next(ticks))
    writer.meta(agent="Triage", backend="openai", model="gpt-realtime-2025-08-28",
                graph={"nodes": ["Triage", "Billing"], "edges": {}})
    writer.event("call.agent", fields={"agent": "Billing"})
    writer.wire("recv", {"type": "response.output_text.done", "item_id": "a1", "text": "Hi"})
    writer.event("call.usage", fields={
        "tokens": {"text_in": 100, "audio_in": 50, "cached_text": 64, "cached_audio": 0,
                   "text_out": 10, "audio_out": 40}, "cost": 0.0025})
    writer.event("call.decided_by_rule", fields={
        "agent": "Billing", "tool": "refund_order", "arguments": "{}", "call_id": "c1",
        "decision": "approved"})
    writer.decision(by="operator", call_id="c2", tool="refund_order", decision="rejected",
                    always=False, waited_ms=2300.0)
    writer.event("console.revoke", fields={"tool": "refund_order"})
    writer.event("call.guardrail",
                 fields={"text": "card 4111", "guardrails": ["no_card_numbers"]})
    writer.close()
    markdown = export(writer.path, "md")
    assert markdown.splitlines()[:10] == [
        "# Session s", "",
        "- **Backend:** openai", "- **Model:** gpt-realtime-2025-08-28",
        "- **Agents:** Triage, Billing", f"- **Started:** {markdown.split('Started:** ')[1][:24]}",
        "- **Duration:** 9.0 s", "- **Turns:** 0",
        "- **Tokens:** 200 (in: 100 text, 50 audio, 64 cached; out: 10 text, 40 audio)",
        "- **Cost:** $0.0025",
    ]
    assert "**Billing:** Hi" in markdown
    assert "**Rule approved** `refund_order` (c1), at once" in markdown
    assert "**Operator rejected** `refund_order` (c2) after 2.3 s" in markdown
    assert "**Operator revoked** the always rule for `refund_order`" in markdown
    assert "**Guardrail no_card_numbers tripped** on: card 4111" in markdown
    document = json.loads(export(writer.path, "json"))
    assert document["session"]["tokens"]["total"] == 200
    assert document["session"]["agents"] == ["Triage", "Billing"]
    kinds = [entry["kind"] for entry in document["entries"]]
    assert kinds == ["assistant", "decision", "decision", "revoke", "guardrail"]
    assert all(set(entry) & {"session", "session_started", "model"} == set()
               for entry in document["entries"])
