"""Echo cancellation (WebRTC AEC3 via livekit) on speech, and the self-interruption watch."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from console.audio.echo import EchoCanceller, EchoSettings
from console.audio.self_interruption import SelfInterruptionWatch

from .conftest import RATE


def espeak(tmp_path: Path, text: str, name: str) -> npt.NDArray[np.float64]:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed (apt-get install espeak-ng)", pytrace=False)
    path = tmp_path / f"{name}.wav"
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True, capture_output=True)
    with wave.open(str(path)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    return np.interp(np.arange(int(len(x) * RATE / rate)) * rate / RATE, np.arange(len(x)), x)


def run_room(
    canceller: EchoCanceller, far: npt.NDArray[np.float64], mic: npt.NDArray[np.float64]
) -> npt.NDArray[np.int16]:
    """Speaker and mic in lockstep, 20 ms at a time, with the canceller's learning step
    every 250 ms as the audio layer's watchdog does."""
    out = []
    step = 480
    for i in range(0, len(far) - step, step):
        canceller.render(far[i : i + step].astype(np.int16))
        out.append(canceller.capture(mic[i : i + step].astype(np.int16)))
        if (i // step) % 12 == 0:
            canceller.update()
    return np.concatenate(out)


def power(x: npt.NDArray[np.float64] | npt.NDArray[np.int16]) -> float:
    return float(np.mean(np.asarray(x, dtype=np.float64) ** 2)) + 1e-9


@pytest.mark.parametrize("delay_ms", [40, 300, 700])
def test_the_agents_voice_is_removed_even_past_aec3s_own_reach(
    tmp_path: Path, delay_ms: int
) -> None:
    far = espeak(tmp_path, "The weather in Paris is sunny with a light breeze today, twenty "
                 "two degrees, a lovely day for a long walk along the river.", "far")
    near = espeak(tmp_path, "Stop, I have another question about my order.", "near")
    delay = RATE * delay_ms // 1000
    echo = np.concatenate((np.zeros(delay), far))[: len(far)] * 10 ** (-12 / 20)
    rng = np.random.default_rng(7)
    mic = echo + rng.normal(0, 20, len(far))  # a quiet room's noise floor
    start = len(far) * 2 // 3  # the person talks over the last third
    mic[start : start + len(near)] += near[: len(far) - start] * 0.5
    canceller = EchoCanceller()
    out = run_room(canceller, far, mic)
    n = len(out)
    assert canceller.ready and canceller.echo_lag_ms is not None
    assert abs(canceller.echo_lag_ms - delay_ms) <= 30
    # Echo return loss enhancement once converged (from 3 s up to the person): > 25 dB.
    a, b = RATE * 3, start
    erle = 10 * np.log10(power(mic[a:b]) / power(out[a:b]))
    assert erle > 25, erle
    # The person's voice survives (within 6 dB) while the agent is still talking.
    talk = slice(start, min(n, start + len(near)))
    assert 10 * np.log10(power(out[talk]) / power(near[: talk.stop - start] * 0.5)) > -6


def test_what_plainly_copies_what_was_played_is_told_from_a_person(tmp_path: Path) -> None:
    # The audio layer holds such a chunk even when AEC3 is trusted: a moment of AEC3 letting
    # the echo through must not reach the server as speech.
    far = espeak(tmp_path, "The weather in Paris is sunny with a light breeze today.", "far")
    near = espeak(tmp_path, "Stop, I have another question about my order.", "near")
    delay = RATE * 3 // 10
    echo = np.concatenate((np.zeros(delay), far))[: len(far)] * 10 ** (-12 / 20)
    n = min(len(far), len(near))
    for mic, expected in ((echo, True), (near * 0.5, False)):
        canceller, verdicts = EchoCanceller(), []
        for i in range(0, n - 480, 480):
            canceller.render(far[i : i + 480].astype(np.int16))
            canceller.capture(mic[i : i + 480].astype(np.int16))
            if power(mic[i : i + 480]) > 1000:
                verdicts.append(canceller.plainly_echo())
        assert verdicts.count(expected) > 0.9 * len(verdicts), (expected, verdicts)


def test_noise_suppression_alone_quiets_a_steady_noise_and_keeps_the_voice(
    tmp_path: Path,
) -> None:
    canceller = EchoCanceller(EchoSettings(echo_cancellation=False, noise_suppression=True))
    assert canceller.ready  # nothing to learn without echo cancellation
    voice = espeak(tmp_path, "Could you book a table for two tomorrow evening?", "voice")
    rng = np.random.default_rng(3)
    lead = RATE * 2  # two seconds of fan noise before the person speaks
    mic = np.concatenate((np.zeros(lead), voice)) + rng.normal(0, 300, lead + len(voice))
    frames = range(0, len(mic) - 480, 480)
    out = np.concatenate([canceller.capture(mic[i : i + 480].astype(np.int16)) for i in frames])
    noise_before, noise_after = power(mic[RATE : lead]), power(out[RATE : lead])
    assert 10 * np.log10(noise_before / noise_after) > 6
    speech = slice(lead, len(out))
    assert 10 * np.log10(power(out[speech]) / power(voice[: len(out) - lead])) > -6


def test_three_early_barge_ins_trip_the_watch_a_late_one_does_not_count() -> None:
    watch = SelfInterruptionWatch()
    for start in (0.0, 10.0):
        watch.reply_started(start)
        assert not watch.barged_in(start + 0.8)
    watch.reply_started(20.0)
    assert not watch.barged_in(21.5)  # a second and a half in: a person, not an echo
    watch.reply_started(30.0)
    assert watch.barged_in(30.6) and watch.tripped
    watch.reply_started(40.0)
    assert not watch.barged_in(40.5)  # reported once


def test_early_barge_ins_spread_over_minutes_do_not_trip() -> None:
    watch = SelfInterruptionWatch()
    for start in (0.0, 40.0, 80.0, 120.0):
        watch.reply_started(start)
        assert not watch.barged_in(start + 1.0)


def test_the_quiet_after_a_reply_is_not_taken_for_an_echo_removed(tmp_path: Path) -> None:
    # A short first reply, then quiet: the last second at the mic is silent because the agent
    # stopped, not because its echo was removed. Ready (the mic open while the agent speaks)
    # must mean the echo was seen removed, or never heard.
    far = espeak(tmp_path, "Sure, it is twenty two degrees and sunny in Paris.", "far")
    far = np.concatenate((far, np.zeros(RATE * 6 // 5)))
    delay = RATE * 300 // 1000
    mic = np.concatenate((np.zeros(delay), far))[: len(far)] * 10 ** (-12 / 20)
    mic += np.random.default_rng(4).normal(0, 20, len(far))
    canceller = EchoCanceller()
    run_room(canceller, far, mic)
    assert not canceller.ready or (canceller.erle_db or 0.0) >= 20


def test_a_noisy_room_without_echo_is_ready_but_not_one_that_hears_the_speaker(
    tmp_path: Path,
) -> None:
    far = espeak(tmp_path, "The weather in Paris is sunny with a light breeze today, twenty "
                 "two degrees, a lovely day for a long walk along the river.", "far")
    gaps = np.concatenate([np.concatenate((far[i : i + RATE], np.zeros(RATE // 2)))
                           for i in range(0, len(far), RATE)])
    fan = np.random.default_rng(9).normal(0, 300, len(gaps))  # -40 dBFS of steady noise
    canceller = EchoCanceller()
    run_room(canceller, gaps, fan)
    assert canceller.ready  # nothing of the speaker at the mic: nothing to wait for
