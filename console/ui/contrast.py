"""WCAG 2 contrast ratios between Textual colours (alpha composited over what lies beneath)."""

from __future__ import annotations

from textual.color import Color

AA_TEXT = 4.5
"""WCAG AA for normal text."""


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: Color) -> float:
    return 0.2126 * _channel(color.r) + 0.7152 * _channel(color.g) + 0.0722 * _channel(color.b)


def flatten(color: Color, *beneath: Color) -> Color:
    """``color`` as seen: blended over the layers beneath it (nearest first) down to an opaque
    one, as the terminal shows a translucent Textual colour."""
    base = Color(0, 0, 0)
    for layer in reversed(beneath):
        base = base + layer  # Color.__add__ blends by the top colour's alpha
    return base + color


def contrast_ratio(foreground: Color, background: Color) -> float:
    """(L1 + 0.05) / (L2 + 0.05) of two opaque colours, lighter over darker: 1 to 21."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    high, low = max(a, b), min(a, b)
    return (high + 0.05) / (low + 0.05)
