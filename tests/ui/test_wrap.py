"""The resumable word wrap: same lines whether wrapped at once or one delta at a time."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from console.ui.wrap import wrap_spans


def lines(text: str, width: int) -> list[str]:
    return [text[a:b] for a, b in wrap_spans(text, width)]


def test_breaks_at_spaces_and_folds_long_words() -> None:
    assert lines("the quick brown fox", 10) == ["the quick", "brown fox"]
    assert lines("abcdefghijkl", 5) == ["abcde", "fghij", "kl"]
    assert lines("one\ntwo", 20) == ["one", "two"]
    assert lines("", 5) == [""]
    assert lines("日本語の文章", 4) == ["日本", "語の", "文章"]


@given(
    words=st.lists(st.text(alphabet="abcdefghij日", min_size=1, max_size=12), max_size=30),
    width=st.integers(min_value=1, max_value=30),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=8),
)
def test_resuming_from_the_last_line_matches_a_full_wrap(
    words: list[str], width: int, cuts: list[int]
) -> None:
    text = " ".join(words)
    spans: list[tuple[int, int]] = []
    for cut in [*sorted(c for c in cuts if c < len(text)), len(text)]:
        prefix = text[:cut]
        if spans:
            spans = spans[:-1] + wrap_spans(prefix, width, spans[-1][0])
        else:
            spans = wrap_spans(prefix, width)
    assert spans == wrap_spans(text, width)
