"""Greedy word wrap by terminal cells, resumable from any line start (for streamed text)."""

from __future__ import annotations

from rich.cells import get_character_cell_size


def wrap_spans(text: str, width: int, start: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each line of ``text[start:]`` wrapped at ``width`` cells.

    Lines break after spaces; a word longer than a line is folded; ``\\n`` forces a break. Every
    line but the last ends where the next word did not fit, and that word is complete, so
    wrapping again from the last line's start after text is appended gives the same lines as
    wrapping everything: a streamed reply re-wraps one line per delta, not the whole reply.
    """
    width = max(width, 1)
    spans: list[tuple[int, int]] = []
    size = len(text)
    position = start
    while True:
        line_start, column, index, last_space = position, 0, position, -1
        while index < size:
            char = text[index]
            if char == "\n":
                break
            cells = get_character_cell_size(char)
            if column + cells > width:
                break
            column += cells
            if char == " ":
                last_space = index + 1
            index += 1
        if index >= size:
            spans.append((line_start, size))
            return spans
        if text[index] == "\n":
            spans.append((line_start, index))
            position = index + 1
            continue
        if text[index] == " ":
            end = index
            while index < size and text[index] == " ":
                index += 1
            position = index
        elif last_space > line_start:
            end = position = last_space
            while end > line_start and text[end - 1] == " ":
                end -= 1
        else:
            end = position = max(index, line_start + 1)  # fold: always make progress
        spans.append((line_start, end))
        if position >= size:
            return spans
