"""The wire codecs: session formats (PCM16, G.711) to and from the 24 kHz audio path."""

from __future__ import annotations

import numpy as np
import pytest

from console.audio import codecs

from .conftest import tone


def level_db(x: np.ndarray, ref: float) -> float:
    rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))
    return 20 * np.log10(max(rms, 1e-6) / ref)


def test_wire_codecs_by_session_format_name() -> None:
    chunk = tone(1000, 20)
    assert codecs.WireEncoder("audio/pcm").encode(chunk) == chunk.tobytes()
    assert (
        codecs.WireDecoder({"type": "audio/pcm", "rate": 24000}).decode(chunk.tobytes()).tolist()
        == chunk.tolist()
    )
    for name in ("g711_ulaw", "audio/pcmu", "g711_alaw", "audio/pcma"):
        encoder, decoder = codecs.WireEncoder(name), codecs.WireDecoder(name)
        wire = [encoder.encode(tone(1000, 200)[i : i + 480]) for i in range(0, 4800, 480)]
        assert all(len(w) == 160 for w in wire)  # 20 ms at 8 kHz, one byte per sample
        back = np.concatenate([decoder.decode(w) for w in wire] + [decoder.flush()])
        assert len(back) >= 4800
        assert level_db(back[600:4200], 0.5 * 32767 / np.sqrt(2)) == pytest.approx(0, abs=0.5)
    assert codecs.wire_bytes_for_ms("pcm16", 20) == 960
    assert codecs.wire_bytes_for_ms("audio/pcmu", 20) == 160
