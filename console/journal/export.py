"""Export a journal as a transcript (Markdown or JSON) with tool calls, decisions and handoffs."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .heard import Heard, HeardTracker, mark_cuts
from .record_names import canonical
from .store import read_records
from .summary import SessionSummary, header_markdown, summarise, table, turns_markdown


def _user_text(item: dict[str, Any]) -> str | None:
    parts = [
        part.get("text") or part.get("transcript")
        for part in item.get("content") or []
        if isinstance(part, dict)
    ]
    text = " ".join(p for p in parts if isinstance(p, str) and p)
    return text or None


def transcript_entries(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation as entries ``{t, kind, ...}`` in the order they happened.

    Kinds: ``user``, ``assistant`` (with the ``agent`` that spoke), ``tool_call``,
    ``tool_output``, ``decision`` (``by`` the operator or a rule, with ``waited_ms``), ``revoke``,
    ``guardrail``, ``handoff``, ``error``. Built from the wire records (what was really said) plus
    the console's decisions and the session's events. Session facts are not repeated here (see
    ``summarise``).
    """
    records = list(records)
    entries: list[dict[str, Any]] = []
    user_entries: dict[str, dict[str, Any]] = {}
    speakers = _speakers(records)
    agent: str | None = None
    tracker, cuts = HeardTracker(), list[Heard]()
    for record in records:
        kind, t = record.get("kind"), record.get("t", 0.0)
        raw = record.get("data")
        data: dict[str, Any] = raw if isinstance(raw, dict) else {}
        etype = data.get("type")
        fields = table(record.get("fields"))
        cut = tracker.wire(str(kind), data) if kind in ("sent", "recv") else None
        if cut is not None:
            cuts.append(cut)
        if kind == "meta":
            agent = record.get("agent") or agent
        elif kind == "event" and canonical(record.get("type")) == "call.agent":
            agent = fields.get("agent") or agent
        elif kind == "recv" and etype == "conversation.item.added":
            item = data.get("item") or {}
            if item.get("role") == "user" and item.get("id") not in user_entries:
                entry = {
                    "t": t,
                    "kind": "user",
                    "item_id": item.get("id"),
                    "text": _user_text(item),
                }
                user_entries[str(item.get("id"))] = entry
                entries.append(entry)
        elif kind == "recv" and etype == "conversation.item.input_audio_transcription.completed":
            heard = user_entries.get(str(data.get("item_id")))
            if heard is not None:
                heard["text"] = data.get("transcript")
        elif kind == "recv" and etype in (
            "response.output_audio_transcript.done",
            "response.output_text.done",
        ):
            text = data.get("transcript") if "transcript" in data else data.get("text")
            item_id = data.get("item_id")
            entries.append({
                "t": t, "kind": "assistant", "agent": speakers.get(str(item_id), agent),
                "item_id": item_id, "text": text,
            })
        elif kind == "recv" and etype == "response.function_call_arguments.done":
            entries.append(
                {
                    "t": t,
                    "kind": "tool_call",
                    "call_id": data.get("call_id"),
                    "name": data.get("name"),
                    "arguments": data.get("arguments"),
                }
            )
        elif kind == "sent" and etype == "conversation.item.create":
            item = data.get("item") or {}
            if item.get("type") == "function_call_output":
                entries.append(
                    {
                        "t": t,
                        "kind": "tool_output",
                        "call_id": item.get("call_id"),
                        "output": item.get("output"),
                    }
                )
        elif kind == "recv" and etype == "error":
            error = data.get("error") or {}
            entries.append({"t": t, "kind": "error", "message": error.get("message")})
        elif kind == "decision":
            entries.append({"t": t, **{k: v for k, v in record.items() if k not in ("t", "kind")}})
            entries[-1]["kind"] = "decision"
        elif kind == "event" and record.get("type") == "handoff":
            agent = record.get("to") or agent
            entries.append(
                {"t": t, "kind": "handoff", "from": record.get("from"), "to": record.get("to")}
            )
        elif kind == "event" and canonical(record.get("type")) == "call.decided_by_rule":
            entries.append({
                "t": t, "kind": "decision", "by": "rule", "always": True, "waited_ms": 0.0,
                **{k: fields.get(k) for k in ("call_id", "tool", "agent", "decision")},
            })
        elif kind == "event" and record.get("type") == "console.revoke":
            entries.append({"t": t, "kind": "revoke", "tool": fields.get("tool")})
        elif kind == "event" and canonical(record.get("type")) == "call.guardrail":
            entries.append({
                "t": t, "kind": "guardrail", "guardrails": fields.get("guardrails"),
                "text": fields.get("text"),
            })
    mark_cuts(entries, cuts)
    return entries


def _speakers(records: list[dict[str, Any]]) -> dict[str, str]:
    """Item id -> the agent whose reply it was, as the console showed it."""
    speakers: dict[str, str] = {}
    for record in records:
        if record.get("kind") == "event" and canonical(record.get("type")) == "call.transcript":
            fields = table(record.get("fields"))
            if fields.get("agent"):
                speakers.setdefault(str(fields.get("item_id")), str(fields["agent"]))
    return speakers


def _stamp(t: Any) -> str:
    seconds = float(t or 0.0)
    return f"{int(seconds // 60):02d}:{seconds % 60:06.3f}"


def _decision(e: dict[str, Any]) -> str:
    always = " always" if e.get("always") else ""
    who = str(e.get("by", "operator"))
    waited = e.get("waited_ms")
    after = f" after {waited / 1000:.1f} s" if isinstance(waited, int | float) and waited else ""
    if who == "rule":
        return f"**Rule {e.get('decision')}** `{e.get('tool')}` ({e.get('call_id')}), at once"
    return f"**{who.capitalize()} {e.get('decision')}{always}** `{e.get('tool')}` " + (
        f"({e.get('call_id')}){after}"
    )


def to_markdown(
    entries: list[dict[str, Any]], title: str, summary: SessionSummary | None = None
) -> str:
    lines = header_markdown(summary, title) if summary is not None else [f"# {title}", ""]
    for e in entries:
        at = _stamp(e["t"])
        kind = e["kind"]
        if kind == "user":
            lines.append(f"- `{at}` **User:** {e.get('text') or '(audio, no transcript)'}")
        elif kind == "assistant" and "heard_chars" in e:
            text = str(e.get("text") or "")
            heard, cut = text[: e["heard_chars"]], text[e["heard_chars"] :]
            note = f"caller heard {e['played_ms'] / 1000:.1f} s of {e['audio_ms'] / 1000:.1f} s"
            struck = f"~~{cut.strip()}~~" if cut.strip() else ""
            speaker = e.get("agent") or "Assistant"
            lines.append(f"- `{at}` **{speaker}:** {heard}{' ' if heard else ''}{struck} "
                         f"_(interrupted: {note}; struck text was not heard)_")
        elif kind == "assistant":
            lines.append(f"- `{at}` **{e.get('agent') or 'Assistant'}:** {e.get('text') or ''}")
        elif kind == "tool_call":
            lines.append(f"- `{at}` **Tool call** `{e.get('name')}` `{e.get('arguments')}`")
        elif kind == "tool_output":
            lines.append(f"- `{at}` **Tool output** ({e.get('call_id')}): {e.get('output')}")
        elif kind == "decision":
            lines.append(f"- `{at}` {_decision(e)}")
        elif kind == "revoke":
            lines.append(f"- `{at}` **Operator revoked** the always rule for `{e.get('tool')}`")
        elif kind == "guardrail":
            names = ", ".join(e.get("guardrails") or []) or "guardrail"
            lines.append(f"- `{at}` **Guardrail {names} tripped** on: {e.get('text')}")
        elif kind == "handoff":
            lines.append(f"- `{at}` **Handoff:** {e.get('from')} → {e.get('to')}")
        elif kind == "error":
            lines.append(f"- `{at}` **Error:** {e.get('message')}")
    return "\n".join(lines) + "\n"


def export(path: Path, fmt: str) -> str:
    """The transcript of the journal at ``path`` as ``md`` or ``json`` text."""
    records = list(read_records(path))
    entries = transcript_entries(records)
    summary = summarise(records)
    if fmt == "json":
        document = {
            "session": {"name": path.name, **summary.as_dict()},
            "entries": entries,
            "turns": summary.figures,
        }
        return json.dumps(document, indent=2, ensure_ascii=False)
    markdown = to_markdown(entries, f"Session {path.stem}", summary)
    return markdown + "".join(line + "\n" for line in turns_markdown(summary))
