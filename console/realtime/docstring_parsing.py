"""Docstring parsing for tool schemas: the description and per-parameter text (Google, Sphinx,
NumPy styles)."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import Literal

DocstringStyle = Literal["google", "sphinx", "numpy"]

_GOOGLE_PARAM_HEADERS = {"args", "arguments", "parameters", "params", "keyword args",
                         "keyword arguments", "kwargs"}
_GOOGLE_HEADERS = _GOOGLE_PARAM_HEADERS | {
    "returns", "return", "raises", "yields", "yield", "examples", "example", "note", "notes",
    "attributes", "see also", "warning", "warnings", "todo", "references",
}
_SPHINX_FIELD = re.compile(r"^:(\w+)(?:\s+([^:]*?))?\s*:\s*(.*)$")
_NUMPY_RULE = re.compile(r"^\s*-{3,}\s*$")
_GOOGLE_ENTRY = re.compile(r"^\*{0,2}(\w+)\s*(?:\(([^)]*)\))?\s*:\s*(.*)$")


@dataclass(slots=True)
class ParsedDocstring:
    description: str | None = None
    params: dict[str, str] = field(default_factory=dict)


def detect_style(text: str) -> DocstringStyle:
    lines = text.splitlines()
    for i in range(len(lines) - 1):
        if lines[i].strip() and _NUMPY_RULE.match(lines[i + 1]):
            return "numpy"
    if any(_SPHINX_FIELD.match(line.strip()) for line in lines):
        return "sphinx"
    return "google"


def parse_docstring(doc: str | None, style: DocstringStyle | None = None) -> ParsedDocstring:
    """Split a docstring into its leading description and the descriptions of its parameters."""
    if not doc:
        return ParsedDocstring()
    text = inspect.cleandoc(doc)
    lines = text.splitlines()
    style = style or detect_style(text)
    if style == "numpy":
        end, params = _parse_numpy(lines)
    elif style == "sphinx":
        end, params = _parse_sphinx(lines)
    else:
        end, params = _parse_google(lines)
    description = "\n".join(lines[:end]).strip() or None
    return ParsedDocstring(description=description, params=params)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _parse_google(lines: list[str]) -> tuple[int, dict[str, str]]:
    params: dict[str, str] = {}
    end = len(lines)
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        header = stripped[:-1].strip().lower() if stripped.endswith(":") else None
        if header is None or header not in _GOOGLE_HEADERS:
            i += 1
            continue
        end = min(end, i)
        base = _indent(lines[i])
        i += 1
        if header not in _GOOGLE_PARAM_HEADERS:
            continue
        entry_indent: int | None = None
        current: str | None = None
        while i < len(lines):
            line = lines[i]
            if line.strip() and _indent(line) <= base:
                break
            if line.strip():
                indent = _indent(line)
                if entry_indent is None:
                    entry_indent = indent
                match = _GOOGLE_ENTRY.match(line.strip()) if indent == entry_indent else None
                if match:
                    current = match.group(1)
                    params[current] = match.group(3).strip()
                elif current is not None:
                    params[current] = f"{params[current]} {line.strip()}".strip()
            i += 1
    return end, params


def _parse_sphinx(lines: list[str]) -> tuple[int, dict[str, str]]:
    params: dict[str, str] = {}
    end = len(lines)
    current: str | None = None
    for i, line in enumerate(lines):
        match = _SPHINX_FIELD.match(line.strip())
        if match:
            end = min(end, i)
            kind, target, text = match.groups()
            current = None
            if kind in {"param", "parameter", "arg", "argument", "key", "keyword"} and target:
                current = target.split()[-1]
                params[current] = text.strip()
        elif current is not None and line.strip():
            params[current] = f"{params[current]} {line.strip()}".strip()
        elif not line.strip():
            current = None
    return end, params


def _parse_numpy(lines: list[str]) -> tuple[int, dict[str, str]]:
    params: dict[str, str] = {}
    end = len(lines)
    section: str | None = None
    current: str | None = None
    base = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and line.strip() and _NUMPY_RULE.match(lines[i + 1]):
            end = min(end, i)
            section = line.strip().lower()
            base = _indent(line)
            current = None
            i += 2
            continue
        if section in {"parameters", "other parameters", "keyword arguments"} and line.strip():
            if _indent(line) <= base:
                names = line.split(":", 1)[0]
                current = None
                for name in names.split(","):
                    name = name.strip().lstrip("*")
                    if name:
                        params[name] = ""
                        current = name
                if "," in names:
                    # "x, y : int" documents several parameters with one description.
                    current = ",".join(n.strip().lstrip("*") for n in names.split(","))
            elif current is not None:
                for name in current.split(","):
                    params[name] = f"{params[name]} {line.strip()}".strip()
        i += 1
    return end, params
