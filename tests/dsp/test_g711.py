"""G.711 against the standard's tables: all 256 codes decoded, all 65,536 PCM16 inputs encoded."""

from __future__ import annotations

import numpy as np
import pytest

from console.dsp import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode

ALL = np.arange(-32768, 32768).astype(np.int16)
EVERY_CODE = bytes(range(256))


def ulaw_table() -> dict[int, int]:
    """G.711 Table 2a, μ-law: segment s, step n decodes to ((33 + 2n) << s) - 33 in 14-bit units.

    The character is the bit-inverted (sign, segment, step), sign 1 for positive; PCM16 holds
    the 14-bit value left-justified (x 4)."""
    table = {}
    for s in range(8):
        for n in range(16):
            y = 4 * (((33 + 2 * n) << s) - 33)
            table[0xFF - (s << 4 | n)] = y
            table[0x7F - (s << 4 | n)] = -y
    return table


def alaw_table() -> dict[int, int]:
    """G.711 Table 1a, A-law: segment 0 decodes to 2n + 1, segment s >= 1 to (33 + 2n) << (s - 1).

    In 13-bit units; the character has its even bits inverted (XOR 0x55), sign 1 for positive;
    PCM16 holds the 13-bit value left-justified (x 8)."""
    table = {}
    for s in range(8):
        for n in range(16):
            y = 8 * ((2 * n + 1) if s == 0 else (33 + 2 * n) << (s - 1))
            table[(0x80 | s << 4 | n) ^ 0x55] = y
            table[(s << 4 | n) ^ 0x55] = -y
    return table


def ulaw_decisions() -> list[int]:
    """Table 2a's decision values (where the code changes), positive side, in PCM16 units.

    Between steps n and n + 1 of segment s: ((34 + 2n) << s) - 33; the last one (8159) clips."""
    return [4 * (((34 + 2 * n) << s) - 33) for s in range(8) for n in range(16)][:-1]


def alaw_decisions() -> list[int]:
    """Table 1a's decision values, positive side, in PCM16 units."""
    seg0 = [8 * (2 * n + 2) for n in range(16)]
    rest = [8 * ((34 + 2 * n) << (s - 1)) for s in range(1, 8) for n in range(16)]
    return (seg0 + rest)[:-1]


@pytest.mark.parametrize(
    ("decode", "table"), [(ulaw_decode, ulaw_table()), (alaw_decode, alaw_table())]
)
def test_decode_of_all_256_codes_matches_the_standard_table(decode, table) -> None:  # type: ignore[no-untyped-def]
    assert len(table) == 256
    assert decode(EVERY_CODE).tolist() == [table[c] for c in range(256)]


@pytest.mark.parametrize(
    ("encode", "decisions"),
    [(ulaw_encode, ulaw_decisions()), (alaw_encode, alaw_decisions())],
)
def test_encoder_changes_code_exactly_at_the_standard_decision_values(encode, decisions) -> None:  # type: ignore[no-untyped-def]
    codes = np.frombuffer(encode(ALL), np.uint8)
    positive = codes[ALL >= 0]
    changes = (np.flatnonzero(np.diff(positive.astype(np.int32))) + 1).tolist()
    assert changes == decisions
    # Negatives mirror positives: x < 0 is coded as its one's complement ~x with the sign
    # cleared (ITU-T G.191), so the quantiser is symmetric about -0.5.
    negatives = ALL[ALL < 0]
    mirrored = np.frombuffer(encode(~negatives), np.uint8) ^ 0x80
    assert np.array_equal(codes[ALL < 0], mirrored)


@pytest.mark.parametrize(
    ("encode", "decode", "top", "minus_zero"),
    [(ulaw_encode, ulaw_decode, 4 * 8159, 0x7F), (alaw_encode, alaw_decode, 8 * 4096, None)],
)
def test_all_65536_inputs_round_trip(encode, decode, top, minus_zero) -> None:  # type: ignore[no-untyped-def]
    codes = np.frombuffer(encode(ALL), np.uint8)
    assert len(codes) == 65536
    back = decode(codes.tobytes()).astype(np.int64)
    # encode -> decode -> encode is stable; only μ-law's negative zero (0x7F) comes back as +0.
    again = np.frombuffer(encode(back.astype(np.int16)), np.uint8)
    assert np.array_equal(again, np.where(codes == minus_zero, 0xFF, codes))
    # Each input decodes to its nearest level: within half the gap to the next level out, up
    # to the last decision value (beyond it the coder clips).
    levels = np.unique(back)
    i = np.searchsorted(levels, back)
    gap = np.maximum(
        back - levels[np.maximum(i - 1, 0)], levels[np.minimum(i + 1, len(levels) - 1)] - back
    )
    inside = np.abs(ALL.astype(np.int64)) < top
    assert np.all(np.abs(back - ALL)[inside] <= gap[inside] // 2)
    assert np.all(np.diff(back) >= 0)  # a monotonic quantiser


def test_all_256_codes_survive_decode_then_encode() -> None:
    assert alaw_encode(alaw_decode(EVERY_CODE)) == EVERY_CODE
    back = ulaw_encode(ulaw_decode(EVERY_CODE))
    # 0x7F is μ-law's negative zero; it decodes to 0, which encodes as positive zero 0xFF.
    assert [c for c in range(256) if back[c] != EVERY_CODE[c]] == [0x7F]
    assert back[0x7F] == 0xFF


def test_bytes_and_arrays_encode_alike() -> None:
    pcm = ALL[::97]
    assert ulaw_encode(pcm) == ulaw_encode(pcm.astype("<i2").tobytes())
    assert alaw_encode(pcm) == alaw_encode(pcm.astype("<i2").tobytes())


@pytest.mark.parametrize(
    ("code", "value"),
    [
        (0x00, -32124),
        (0x01, -31100),
        (0x0F, -16764),
        (0x10, -15996),
        (0x7E, -8),
        (0x7F, 0),
        (0x80, 32124),
        (0xFE, 8),
        (0xFF, 0),
    ],
)
def test_ulaw_decode_reference_code_points(code: int, value: int) -> None:
    assert ulaw_decode(bytes([code]))[0] == value


@pytest.mark.parametrize(
    ("code", "value"),
    [
        (0x00, -5504),
        (0x01, -5248),
        (0x02, -6016),
        (0x03, -5760),
        (0x55, -8),
        (0xD5, 8),
        (0x2A, -32256),
        (0xAA, 32256),
        (0x80, 5504),
    ],
)
def test_alaw_decode_reference_code_points(code: int, value: int) -> None:
    assert alaw_decode(bytes([code]))[0] == value


@pytest.mark.parametrize(
    ("sample", "ulaw", "alaw"),
    [
        (0, 0xFF, 0xD5),
        (-1, 0x7F, 0x55),
        (32767, 0x80, 0xAA),
        (-32768, 0x00, 0x2A),
        (8, 0xFE, 0xD5),
        (1000, 0xCE, 0xFA),
    ],
)
def test_encode_known_code_points(sample: int, ulaw: int, alaw: int) -> None:
    x = np.array([sample], dtype=np.int16)
    assert ulaw_encode(x) == bytes([ulaw])
    assert alaw_encode(x) == bytes([alaw])
