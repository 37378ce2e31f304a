"""Line numbers of TOML keys and tables, so a validation error can say file:line."""

from __future__ import annotations

import re
from collections.abc import Sequence

Path = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.\- ]+?)\s*=""")


def _parts(dotted: str) -> list[str]:
    return [part.strip().strip("\"'") for part in dotted.split(".")]


def key_lines(text: str) -> dict[Path, int]:
    """Path of every table header and ``key =`` line (array-of-table entries numbered from 0)
    -> its 1-based line. Keys inside inline tables and multi-line values are not listed: an
    error there is reported at the line of the key that holds them."""
    lines: dict[Path, int] = {}
    counts: dict[Path, int] = {}
    table: Path = ()
    in_string = False
    for number, line in enumerate(text.splitlines(), 1):
        if in_string:
            in_string = line.count('"""') % 2 == 0 and line.count("'''") % 2 == 0
            continue
        header = _HEADER.match(line)
        if header:
            table = _resolve(_parts(header.group(2)), counts)
            if header.group(1) == "[[":
                index = counts.get(table, -1) + 1
                counts[table] = index
                table = (*table, index)
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault((*table, *_parts(key.group(1))), number)
            rest = line[key.end():]
            in_string = rest.count('"""') % 2 == 1 or rest.count("'''") % 2 == 1
    return lines


def _resolve(parts: Sequence[str], counts: dict[Path, int]) -> Path:
    """A header's path, with the current entry's index after each array of tables in it."""
    path: Path = ()
    for i, part in enumerate(parts):
        path = (*path, part)
        if i < len(parts) - 1 and path in counts:
            path = (*path, counts[path])
    return path


def line_of(lines: dict[Path, int], loc: Sequence[str | int]) -> int | None:
    """The line of ``loc`` or of its nearest ancestor that has one."""
    path = tuple(loc)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None
