"""Fill a tool's arguments from the user's words per its JSON schema (strings, numbers, enums)."""

from __future__ import annotations

import re
from typing import Any

from .words import STOP_WORDS, identifier_words, numbers, tokens

_PREPOSITIONS = ("in", "for", "to", "at", "from", "about", "called", "named", "on", "near", "of")
_TRUE_WORDS = {"yes", "true", "enable", "enabled", "on", "with", "please"}
_FALSE_WORDS = {"no", "false", "disable", "disabled", "off", "without", "not", "don't"}
_ID_WORDS = {"id", "number", "no", "code", "ref", "reference", "num"}


def resolve(schema: Any, root: dict[str, Any]) -> dict[str, Any]:
    """Follow `$ref` into `$defs`, and pick the non-null branch of `anyOf`/`oneOf`/type lists."""
    for _ in range(8):
        if not isinstance(schema, dict):
            return {}
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = root
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            continue
        branches = schema.get("anyOf") or schema.get("oneOf")
        if isinstance(branches, list):
            real = [b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
            rest = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
            schema = {**rest, **(real[0] if real and isinstance(real[0], dict) else {})}
            continue
        break
    out = dict(schema) if isinstance(schema, dict) else {}
    kind = out.get("type")
    if isinstance(kind, list):
        out["type"] = next((t for t in kind if t != "null"), "null")
    if "type" not in out and "enum" in out:
        out["type"] = "string"
    return out


class _Words:
    """The user's words plus which candidate strings have been used already."""

    def __init__(self, text: str, exclude: set[str]) -> None:
        self.text = text
        self.exclude = exclude
        self.used: set[str] = set()
        self.used_numbers: set[int] = set()

    def quoted(self) -> list[str]:
        found = re.findall(r"\"([^\"]+)\"|\u201c([^\u201d]+)\u201d", self.text)
        return [c for c in (a or b for a, b in found) if c.lower() not in self.used]

    def candidates(self) -> list[str]:
        out = self.quoted()
        # Runs of capitalised words (proper nouns), skipping words that name the tool itself; one
        # that opens a sentence may just be capitalised there, so it comes last.
        initial: list[str] = []
        for m in re.finditer(r"\b[A-Z][\w'\u2019-]*(?:\s+[A-Z][\w'\u2019-]*)*", self.text):
            words = [w for w in m.group().split() if not self.ignorable(w)]
            if words:
                opens = re.search(r"(?:^|[.!?]\s*)$", self.text[: m.start()]) is not None
                (initial if opens else out).append(" ".join(words))
        out.extend(self.after_preposition())
        out.extend(initial)
        return [c for c in out if c.lower() not in self.used]

    def ignorable(self, word: str) -> bool:
        base = re.split(r"['\u2019]", word.lower())[0]
        return base in STOP_WORDS or base in self.exclude

    def after_preposition(self) -> list[str]:
        out = []
        words = re.findall(r"[\w'\u2019-]+|[^\w\s]", self.text)
        for i, word in enumerate(words[:-1]):
            if word.lower() not in _PREPOSITIONS:
                continue
            phrase: list[str] = []
            if numbers(" ".join(words[i + 1 : i + 2])):
                continue  # "for four guests": a count, not a name
            for nxt in words[i + 1 : i + 4]:
                low = nxt.lower()
                if not re.match(r"\w", nxt) or low in _PREPOSITIONS:
                    break
                if self.ignorable(low):
                    if phrase:
                        break
                    continue
                phrase.append(nxt)
            if phrase:
                out.append(" ".join(phrase))
        return out

    def named(self, name: str) -> str | None:
        """The words right after the parameter's own name: "city of Paris", "name is Ada"; for an
        identifier (``order_id``, ``booking_ref``) the one token after its subject: "order 42"."""
        parts = identifier_words(name)
        word = r"[\w'\u2019-]+"
        glue = r"(?:\s+(?:is|of|=|:|called|named|number|no\.?|#))?\s*[:=#]?\s*"
        if len(parts) > 1 and parts[-1] in _ID_WORDS:
            # One token, after the full name or after its subject alone ("order 42").
            for label_words, value in ((parts, r"[\w-]+"), (parts[:-1], r"[\w-]*\d[\w-]*")):
                label = r"\s+".join(map(re.escape, label_words))
                m = re.search(rf"\b{label}\b{glue}({value})", self.text, re.IGNORECASE)
                if m and m.group(1).lower() not in STOP_WORDS:
                    return m.group(1)
            return None
        label = r"\s+".join(map(re.escape, parts))
        m = re.search(rf"\b{label}\b{glue}({word}(?:\s+[A-Z]{word})*)", self.text, re.IGNORECASE)
        if m and m.group(1).lower() not in STOP_WORDS:
            return m.group(1)
        return None

    def take(self, value: str) -> str:
        self.used.add(value.lower())
        # Digits that went into a string ("order 42") are not also an amount or a count.
        for match in re.finditer(rf"(?<![\w.]){re.escape(value)}(?![\w])", self.text):
            for offset, _ in numbers(match.group()):
                self.used_numbers.add(match.start() + offset)
        return value


def _string(words: _Words, name: str, schema: dict[str, Any], required: bool) -> str | None:
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        present = set(tokens(words.text))
        text = words.text.lower()
        for value in enum:
            if str(value).lower() in present or f" {str(value).lower()} " in f" {text} ":
                return words.take(str(value))
        return str(enum[0]) if required else None
    value = words.named(name)
    if value is None:
        # An optional string takes only what is clearly meant for it: its name, or a quote.
        found = words.candidates() if required else words.quoted()
        value = found[0] if found else None
    if value is None and required:
        # Nothing stands out: the words that are left, possibly none.
        value = " ".join(w for w in tokens(words.text) if not words.ignorable(w))
    return words.take(value) if value is not None else None


def _number(words: _Words, name: str, schema: dict[str, Any], required: bool) -> float | None:
    found = [(pos, val) for pos, val in numbers(words.text) if pos not in words.used_numbers]
    if found:
        label = re.search(rf"\b{re.escape(identifier_words(name)[0])}", words.text, re.IGNORECASE)
        pos, value = min(found, key=lambda pv: abs(pv[0] - label.start())) if label else found[0]
        words.used_numbers.add(pos)
    elif "default" in schema and isinstance(schema["default"], int | float):
        value = float(schema["default"])
    elif required:
        value = float(schema.get("minimum", 1))
    else:
        return None
    if isinstance(schema.get("minimum"), int | float):
        value = max(value, float(schema["minimum"]))
    if isinstance(schema.get("maximum"), int | float):
        value = min(value, float(schema["maximum"]))
    return value


def _boolean(words: _Words, name: str, required: bool) -> bool | None:
    present = set(tokens(words.text))
    if set(identifier_words(name)) & present:
        return not (present & _FALSE_WORDS)
    if present & _FALSE_WORDS:
        return False
    if present & _TRUE_WORDS:
        return True
    return False if required else None


def _value(
    words: _Words, name: str, schema: dict[str, Any], root: dict[str, Any], required: bool
) -> Any:
    kind = schema.get("type", "string")
    if kind == "string":
        return _string(words, name, schema, required)
    if kind in ("number", "integer"):
        number = _number(words, name, schema, required)
        if number is None:
            return None
        return round(number) if kind == "integer" else number
    if kind == "boolean":
        return _boolean(words, name, required)
    if kind == "array":
        item = resolve(schema.get("items", {}), root)
        enum = item.get("enum")
        if isinstance(enum, list):
            present = set(tokens(words.text))
            chosen = [v for v in enum if str(v).lower() in present]
            return chosen if chosen or required else None
        single = _value(words, name, item, root, required=False)
        return [single] if single is not None else ([] if required else None)
    if kind == "object":
        value = _fill(words, schema, root)
        return value if value or required else None
    return None


def _fill(words: _Words, schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return {}
    required = set(schema.get("required") or [])
    out: dict[str, Any] = {}
    for name, raw in properties.items():
        value = _value(words, name, resolve(raw, root), root, name in required)
        if value is not None or name in required:
            out[name] = value
    return out


def extract_arguments(text: str, schema: Any, *, tool_name: str = "") -> dict[str, Any]:
    """Arguments for a call, taken from `text`: required ones always, optional ones when found."""
    if not isinstance(schema, dict):
        return {}
    root = schema
    exclude = set(identifier_words(tool_name))
    return _fill(_Words(text, exclude), resolve(schema, root), root)
