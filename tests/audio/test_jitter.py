"""The jitter buffer: prebuffering, per-item accounting, underruns, fades and late chunks."""

from __future__ import annotations

import numpy as np

from console.audio.jitter import JitterBuffer

A = ("item_a", 0)
B = ("item_b", 0)


def ramp(n: int, start: int = 1) -> np.ndarray:
    return np.arange(start, start + n, dtype=np.int16)


def test_nothing_plays_until_the_prebuffer_is_full() -> None:
    jb = JitterBuffer(prebuffer=1440)
    jb.push(A, ramp(480))
    jb.push(A, ramp(480, 481))
    out, played = jb.read(120)
    assert not out.any() and played == [] and jb.state == "idle"
    jb.push(A, ramp(480, 961))
    out, played = jb.read(120)
    assert out.tolist() == list(range(1, 121))
    assert played == [(A, 120)] and jb.state == "playing"


def test_samples_come_out_in_order_and_each_item_is_accounted() -> None:
    jb = JitterBuffer(prebuffer=0)
    jb.push(A, ramp(100))
    jb.end(A)
    jb.push(B, ramp(200, 1000))
    out, played = jb.read(150)
    assert out.tolist() == list(range(1, 101)) + list(range(1000, 1050))
    assert played == [(A, 100), (B, 50)]
    assert jb.current == B


def test_a_short_item_plays_once_its_end_is_known_and_ends_without_underrun() -> None:
    jb = JitterBuffer(prebuffer=1440)
    jb.push(A, ramp(300))
    assert jb.read(120)[1] == []
    jb.end(A)
    played = [jb.read(120)[1] for _ in range(4)]
    assert played == [[(A, 120)], [(A, 120)], [(A, 60)], []]
    assert jb.underruns == 0 and jb.state == "idle" and not jb.pending


def test_ending_exactly_on_a_block_boundary_goes_idle() -> None:
    jb = JitterBuffer(prebuffer=0)
    jb.push(A, ramp(240))
    jb.end(A)
    jb.read(120)
    jb.read(120)
    assert jb.state == "idle" and not jb.pending and jb.underruns == 0


def test_running_dry_mid_item_counts_an_underrun_and_rebuffers() -> None:
    jb = JitterBuffer(prebuffer=480)
    jb.push(A, ramp(480))
    for _ in range(4):
        jb.read(120)
    out, _ = jb.read(120)
    assert jb.underruns == 1 and jb.state == "buffering" and not out.any()
    jb.push(A, ramp(240))  # under the prebuffer again: wait rather than stutter
    assert jb.read(120)[1] == []
    jb.push(A, ramp(240))
    assert jb.read(120)[1] == [(A, 120)]
    assert jb.underruns == 1


def test_local_interrupt_fades_within_the_fade_length_and_drops_everything() -> None:
    jb = JitterBuffer(prebuffer=0, fade=120)
    loud = np.full(4800, 20000, dtype=np.int16)
    jb.push(A, loud)
    jb.read(480)
    assert jb.interrupt() is True
    out, played = jb.read(480)
    assert played == [(A, 120)]
    fade = out[:120].astype(int)
    assert fade[0] == 20000 and np.all(np.diff(fade) < 0) and fade[-1] < 20000 / 100
    assert not out[120:].any()
    assert not jb.pending and jb.queued == 0
    assert jb.read(480)[1] == []


def test_late_chunks_of_an_interrupted_item_are_never_played() -> None:
    jb = JitterBuffer(prebuffer=0)
    jb.push(A, ramp(960))
    jb.read(120)
    jb.interrupt()
    jb.read(120)
    assert jb.push(A, ramp(960)) is False
    jb.end(A)
    assert jb.late_dropped == 1
    assert [jb.read(120)[1] for _ in range(3)] == [[], [], []]
    # The next response's item plays normally.
    assert jb.push(B, ramp(240)) is True
    assert jb.read(120)[1] == [(B, 120)]


def test_server_interrupt_of_one_item_keeps_the_next_item() -> None:
    jb = JitterBuffer(prebuffer=0, fade=60)
    jb.push(A, ramp(480))
    jb.push(B, ramp(480, 2000))
    jb.read(120)
    assert jb.interrupt(A) is True
    out, played = jb.read(120)
    assert played == [(A, 60)]
    out, played = jb.read(120)
    assert played == [(B, 120)] and out[0] == 2000


def test_interrupting_an_item_that_is_only_queued_drops_it_without_a_fade() -> None:
    jb = JitterBuffer(prebuffer=0)
    jb.push(A, ramp(480))
    jb.push(B, ramp(480, 2000))
    jb.read(120)
    jb.interrupt(B)
    assert [jb.read(120)[1] for _ in range(4)] == [[(A, 120)]] * 3 + [[]]
    assert jb.push(B, ramp(10)) is False


def test_interrupt_when_idle_reports_nothing_stopped_but_still_blocks_the_item() -> None:
    jb = JitterBuffer(prebuffer=0)
    assert jb.interrupt(A) is False
    assert jb.push(A, ramp(10)) is False


def test_the_interrupted_set_is_bounded() -> None:
    jb = JitterBuffer(prebuffer=0, remember_interrupted=4)
    for i in range(10):
        jb.interrupt((f"item_{i}", 0))
    assert not jb.is_interrupted(("item_0", 0))
    assert all(jb.is_interrupted((f"item_{i}", 0)) for i in range(6, 10))
