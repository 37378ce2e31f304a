"""Telling a person at the mic from the speaker's echo (EchoLikeness), on synthetic rooms."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from console.audio.doubletalk import EchoLikeness

RATE = 24_000


def voice(seed: int, seconds: float, level_dbfs: float = -20.0) -> npt.NDArray[np.float64]:
    x = np.random.default_rng(seed).normal(0, 1, int(RATE * seconds))
    x = np.convolve(x, np.ones(4) / 4, mode="same")
    return x * (32768 * 10 ** (level_dbfs / 20) / np.sqrt(np.mean(x**2)))


def run(played: npt.NDArray[np.float64], heard: npt.NDArray[np.float64]) -> list[bool | None]:
    """Both streams 20 ms at a time, as the audio threads feed them; a verdict per chunk."""
    likeness = EchoLikeness()
    verdicts = []
    for i in range(0, len(played) - 480, 480):
        likeness.played(played[i : i + 480].astype(np.int16))
        likeness.heard(np.clip(heard[i : i + 480], -32768, 32767).astype(np.int16))
        verdicts.append(likeness.person())
    return verdicts


def echo_of(
    played: npt.NDArray[np.float64], delay: int, gain: float = 0.25
) -> npt.NDArray[np.float64]:
    return np.concatenate((np.zeros(delay), played))[: len(played)] * gain


def test_the_echo_is_never_a_person_even_when_the_speaker_runs_dry_in_it() -> None:
    agent = voice(1, 3.0)
    heard = echo_of(agent, RATE * 3 // 10)
    # The speaker ran dry for 40 ms at 1.5 s: everything after sounds 40 ms later.
    gap = RATE * 40 // 1000
    cut = RATE * 3 // 2
    heard = np.concatenate((heard[:cut], np.zeros(gap), heard[cut:-gap]))
    verdicts = run(agent, heard)
    assert verdicts.count(True) == 0
    assert verdicts.count(False) > 100


def test_a_person_louder_than_the_echo_is_a_person_a_quiet_one_under_it_is_not() -> None:
    agent = voice(1, 3.0)
    echo = echo_of(agent, RATE * 3 // 10)
    start = RATE * 3 // 2
    for level, expected in ((-20.0, True), (-45.0, False)):
        person = np.zeros(len(agent))
        person[start:] = voice(2, 1.5, level)[: len(agent) - start]
        verdicts = run(agent, echo + person)
        before, during = verdicts[: start // 480 - 5], verdicts[start // 480 + 5 :]
        assert True not in before
        if expected:
            assert during.count(True) > 0.8 * len(during)
        else:
            assert True not in during


def test_a_person_heard_before_any_echo_came_back_is_a_person() -> None:
    # The first reply, a long echo path: 0.5 s in, the person speaks before the echo arrives.
    agent = voice(1, 1.0)
    person = np.zeros(len(agent))
    person[RATE // 2 :] = voice(3, 0.5)
    verdicts = run(agent, person)
    assert verdicts[RATE // 2 // 480 + 5 :].count(True) >= 15
