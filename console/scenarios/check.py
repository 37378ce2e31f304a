"""A turn's expectations checked against what happened: one line per expectation not met."""

from __future__ import annotations

import json
import re
from typing import Any

from .model import Expect, ToolExpectation
from .outcome import ToolCall, TurnRecord


def is_subset(expected: Any, actual: Any) -> bool:
    """Tables compare key by key (extra keys in ``actual`` are fine); numbers by value, so
    20 matches 20.0; anything else by equality."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and is_subset(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(
            is_subset(e, a) for e, a in zip(expected, actual, strict=True)
        )
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual  # true is not 1
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return float(expected) == float(actual)
    return bool(expected == actual)


def _matches_call(want: ToolExpectation, call: ToolCall) -> bool:
    if call.name != want.name:
        return False
    if want.arguments is not None:
        try:
            arguments = json.loads(call.arguments or "{}")
        except json.JSONDecodeError:
            return False
        if not is_subset(want.arguments, arguments):
            return False
    if want.arguments_match is not None and not re.search(want.arguments_match, call.arguments):
        return False
    return want.ran is None or want.ran == call.ran


def _describe(want: ToolExpectation) -> str:
    parts = [want.name]
    if want.arguments is not None:
        parts.append(f"arguments ⊇ {json.dumps(want.arguments)}")
    if want.arguments_match is not None:
        parts.append(f"arguments ~ /{want.arguments_match}/")
    if want.ran is not None:
        parts.append("ran" if want.ran else "not run")
    return ", ".join(parts)


def _names(values: list[str]) -> str:
    return ", ".join(values) if values else "none"


def check(expect: Expect, record: TurnRecord) -> list[str]:
    """Every expectation of ``expect`` that ``record`` does not meet, as ``expected ...; got``."""
    failures: list[str] = []
    calls = record.calls
    called = [f"{c.name}({c.arguments})" + ("" if c.ran else " not run") for c in calls]
    for want in expect.tools:
        if not any(_matches_call(want, call) for call in calls):
            failures.append(f"expected tool call {_describe(want)}; got {_names(called)}")
    if expect.no_tools and calls:
        failures.append(f"expected no tool call; got {_names(called)}")
    if expect.handoff is not None and expect.handoff not in record.handoffs:
        failures.append(
            f"expected a handoff to {expect.handoff}; got {_names(record.handoffs)}"
        )
    if expect.agent is not None and record.agent != expect.agent:
        failures.append(f"expected agent {expect.agent} at the end; got {record.agent}")
    failures += _approvals(expect.approval, [c.name for c in calls if c.approval_asked])
    failures += _guardrails(expect.guardrail, record.guardrails)
    reply = record.reply
    wanted = [expect.reply_contains] if isinstance(expect.reply_contains, str) else \
        expect.reply_contains or []
    for text in wanted:
        if text.lower() not in reply.lower():
            failures.append(f"expected the reply to contain {text!r}; got {reply!r}")
    if expect.reply_matches is not None and not re.search(expect.reply_matches, reply, re.I):
        failures.append(f"expected the reply to match /{expect.reply_matches}/; got {reply!r}")
    heard = " ".join(record.heard)
    if expect.heard_matches is not None and not re.search(expect.heard_matches, heard, re.I):
        failures.append(f"expected to hear /{expect.heard_matches}/; heard {heard!r}")
    if expect.max_latency_ms is not None:
        latency = record.latency_ms
        if latency is None:
            failures.append(f"expected a reply within {expect.max_latency_ms:g} ms; got none")
        elif latency > expect.max_latency_ms:
            failures.append(
                f"expected a reply within {expect.max_latency_ms:g} ms; took {latency:.0f} ms"
            )
    return failures


def _approvals(wanted: str | list[str] | bool | None, asked: list[str]) -> list[str]:
    if wanted is None:
        return []
    if wanted is False:
        return [] if not asked else [f"expected no approval request; got {_names(asked)}"]
    if wanted is True:
        return [] if asked else ["expected an approval request; got none"]
    names = [wanted] if isinstance(wanted, str) else wanted
    return [
        f"expected an approval request for {name}; got {_names(asked)}"
        for name in names if name not in asked
    ]


def _guardrails(wanted: str | bool | None, tripped: list[str]) -> list[str]:
    if wanted is None:
        return []
    if wanted is False:
        return [] if not tripped else [f"expected no guardrail to trip; got {_names(tripped)}"]
    if wanted is True:
        return [] if tripped else ["expected a guardrail to trip; none did"]
    if wanted in tripped:
        return []
    return [f"expected guardrail {wanted} to trip; got {_names(tripped)}"]
