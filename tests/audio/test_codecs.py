"""G.711 against reference tables and the stdlib's independent codec; the resampler's filter."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from console.audio import codecs
from console.audio.resample import Resampler, resample

from .conftest import tone

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # an independent G.711 implementation (Sun's reference code), stdlib until 3.13

ALL = np.arange(-32768, 32768).astype(np.int16)


def level_db(x: np.ndarray, ref: float) -> float:
    rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))
    return 20 * np.log10(max(rms, 1e-6) / ref)


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
    assert codecs.ulaw_decode(bytes([code]))[0] == value


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
    assert codecs.alaw_decode(bytes([code]))[0] == value


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
    assert codecs.ulaw_encode(x) == bytes([ulaw])
    assert codecs.alaw_encode(x) == bytes([alaw])


def test_decode_tables_match_the_stdlib_for_all_256_codes() -> None:
    every = bytes(range(256))
    assert np.array_equal(
        codecs.ulaw_decode(every), np.frombuffer(audioop.ulaw2lin(every, 2), "<i2")
    )
    assert np.array_equal(
        codecs.alaw_decode(every), np.frombuffer(audioop.alaw2lin(every, 2), "<i2")
    )


def test_alaw_encode_matches_the_stdlib_for_every_sample() -> None:
    assert codecs.alaw_encode(ALL) == audioop.lin2alaw(ALL.tobytes(), 2)


def test_ulaw_encode_is_itu_symmetric_and_matches_the_stdlib_for_non_negatives() -> None:
    ours = np.frombuffer(codecs.ulaw_encode(ALL), np.uint8)
    sun = np.frombuffer(audioop.lin2ulaw(ALL.tobytes(), 2), np.uint8)
    positive = ALL >= 0
    assert np.array_equal(ours[positive], sun[positive])
    # ITU-T G.191 treats x < 0 as the one's complement ~x with the sign bit cleared, so
    # code(x) == code(~x) ^ 0x80; Sun's code (audioop) rounds some negatives one step off.
    negatives = ALL[~positive]
    mirrored = np.frombuffer(codecs.ulaw_encode(~negatives), np.uint8) ^ 0x80
    assert np.array_equal(ours[~positive], mirrored)


def test_round_trip_error_stays_within_the_quantisation_step() -> None:
    mag = np.abs(ALL.astype(np.int64))
    u = np.abs(codecs.ulaw_decode(codecs.ulaw_encode(ALL)).astype(np.int64) - ALL)
    a = np.abs(codecs.alaw_decode(codecs.alaw_encode(ALL)).astype(np.int64) - ALL)
    # Four mantissa bits: half a step is at most 1/32 of the segment top (A-law), μ-law's
    # 16->14-bit truncation and bias make that 1/16; both are exact to 8 near zero.
    assert np.all(a <= np.maximum(8, mag / 32))
    assert np.all(u <= np.maximum(8, mag / 16))


def test_every_code_survives_decode_then_encode() -> None:
    every = bytes(range(256))
    assert codecs.alaw_encode(codecs.alaw_decode(every)) == every
    back = codecs.ulaw_encode(codecs.ulaw_decode(every))
    # 0x7F is μ-law's negative zero; it decodes to 0, which encodes as positive zero 0xFF.
    assert [i for i in range(256) if back[i] != every[i]] == [0x7F]


def test_downsampling_keeps_the_passband_and_removes_what_would_alias() -> None:
    for freq in (300.0, 1000.0, 3000.0):
        out = resample(tone(freq, 500), 24_000, 8_000)
        assert len(out) == 4000
        assert abs(level_db(out[200:-200], 0.5 * 32767 / np.sqrt(2))) < 0.1
    for freq in (4500.0, 6000.0, 10000.0):
        # Naive decimation would fold these to 3.5, 2 and 2 kHz at full level.
        out = resample(tone(freq, 500), 24_000, 8_000)
        assert level_db(out[200:-200], 0.5 * 32767 / np.sqrt(2)) < -60


def test_upsampling_suppresses_images() -> None:
    low = tone(1000, 500, rate=8_000)
    out = resample(low, 8_000, 24_000)
    assert len(out) == 12_000
    spectrum = np.abs(np.fft.rfft(out[600:-600].astype(np.float64) * np.hanning(len(out) - 1200)))
    freqs = np.fft.rfftfreq(len(out) - 1200, 1 / 24_000)
    main = spectrum[(freqs > 900) & (freqs < 1100)].max()
    images = spectrum[freqs > 4200].max()  # images of 1 kHz sit at 7 and 9 kHz
    assert 20 * np.log10(images / main) < -60


@pytest.mark.parametrize("size", [1, 7, 160, 480, 1001])
def test_chunked_streaming_equals_one_pass(size: int) -> None:
    x = (np.random.default_rng(size).normal(0, 4000, 6000)).astype(np.int16)
    for src, dst in ((24_000, 8_000), (8_000, 24_000), (24_000, 44_100)):
        whole = Resampler(src, dst).process(x)
        r = Resampler(src, dst)
        pieces = np.concatenate([r.process(x[i : i + size]) for i in range(0, len(x), size)])
        assert np.array_equal(pieces, whole)


def test_device_rate_conversion_keeps_the_pitch() -> None:
    out = resample(tone(440, 400), 24_000, 44_100)
    from .conftest import dominant_frequency

    assert len(out) == 17_640
    assert dominant_frequency(out, 44_100) == pytest.approx(440, abs=2)


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
