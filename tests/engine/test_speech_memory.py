"""Long replies without punctuation are synthesised in bounded pieces (memory, first audio)."""

from __future__ import annotations

from console.dsp import Samples
from console.engine import LocalEngine
from console.engine.text_pieces import (
    FIRST_PHRASE_CHARS,
    MAX_PHRASE_CHARS,
    cap_length,
    split_phrases,
)
from console.engine.voice import SyntheticVoice

from .support import Client

UNPUNCTUATED = " ".join(f"word{n}" for n in range(4000))  # about 30 KB, no punctuation


class RecordingVoice(SyntheticVoice):
    """The synthetic voice, keeping every text it was asked to speak."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def synthesize(self, text: str, voice: str) -> Samples:
        self.texts.append(text)
        return super().synthesize(text, voice)


def test_phrases_are_bounded_and_join_back_whatever_the_punctuation() -> None:
    for text in (UNPUNCTUATED, "x" * 1000, "short one", "A sentence. " * 100, "a,b " * 500):
        pieces = split_phrases(text)
        assert "".join(pieces) == text
        assert max(len(p) for p in pieces) <= MAX_PHRASE_CHARS
        if len(pieces) > 1 and len(text.split(".")[0]) > MAX_PHRASE_CHARS:
            assert len(pieces[0]) <= FIRST_PHRASE_CHARS


def test_cap_length_cuts_after_whitespace_and_inside_only_overlong_words() -> None:
    assert cap_length("aaa bbb ccc", 8) == ["aaa bbb ", "ccc"]
    assert cap_length("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert cap_length("", 4) == [""]


async def test_the_engine_speaks_a_long_unpunctuated_message_piece_by_piece() -> None:
    voice = RecordingVoice()
    async with LocalEngine(voice="synthetic", transcriber="placeholder", pace=None) as engine:
        engine.voice = voice
        client = await Client.connect(engine, max_size=None)
        item = {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": UNPUNCTUATED}],
        }
        await client.send({"type": "conversation.item.create", "item": item})
        await client.send({"type": "response.create"})
        await client.until("response.output_audio.delta", timeout=30)
        await client.send({"type": "response.cancel"})
        await client.until("response.done", timeout=30)
        await client.close()
    assert voice.texts and max(len(t) for t in voice.texts) <= MAX_PHRASE_CHARS
    assert len(voice.texts[0]) <= FIRST_PHRASE_CHARS  # all the first audio waited for
