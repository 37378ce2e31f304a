"""The echo gate's decisions, chunk by chunk."""

from __future__ import annotations

from console.audio.echo_gate import EchoGate, EchoGateSettings

SETTINGS = EchoGateSettings(margin_db=10.0, hold_ms=60.0, min_db=-50.0, chunk_ms=20.0)


def test_without_playback_everything_passes() -> None:
    gate: EchoGate[int] = EchoGate(SETTINGS)
    assert [gate.process(i, -70.0, False, -90.0) for i in range(3)] == [[0], [1], [2]]
    assert gate.blocked == 0


def test_echo_below_the_playback_level_is_blocked() -> None:
    gate: EchoGate[int] = EchoGate(SETTINGS)
    # The speaker plays at -20 dBFS; its echo in the mic arrives at -32 dBFS.
    assert [gate.process(i, -32.0, True, -20.0) for i in range(10)] == [[]] * 10
    assert gate.blocked == 10
    assert gate.state == "idle"


def test_a_voice_clearly_louder_than_playback_barges_in_after_the_hold() -> None:
    gate: EchoGate[int] = EchoGate(SETTINGS)
    assert SETTINGS.hold_chunks == 3
    assert gate.process(1, -8.0, True, -20.0) == []
    assert gate.state == "holding"
    assert gate.process(2, -9.0, True, -20.0) == []
    # The third loud chunk opens the gate and releases the held ones, start of the word first.
    assert gate.process(3, -7.0, True, -20.0) == [1, 2, 3]
    assert gate.state == "open"
    # Open until playback stops, even for quieter chunks (the barge-in will stop playback).
    assert gate.process(4, -40.0, True, -20.0) == [4]
    assert gate.process(5, -60.0, False, -90.0) == [5]
    assert gate.state == "idle"
    assert gate.process(6, -30.0, True, -20.0) == []


def test_a_short_click_does_not_barge_in() -> None:
    gate: EchoGate[int] = EchoGate(SETTINGS)
    assert gate.process(1, -5.0, True, -20.0) == []
    assert gate.process(2, -5.0, True, -20.0) == []
    assert gate.process(3, -35.0, True, -20.0) == []  # fell back under the margin: start over
    assert gate.blocked == 3
    assert gate.process(4, -5.0, True, -20.0) == []
    assert gate.state == "holding"


def test_margin_is_exactly_the_threshold() -> None:
    gate: EchoGate[int] = EchoGate(EchoGateSettings(margin_db=10.0, hold_ms=20.0))
    assert gate.process(1, -10.5, True, -20.0) == []
    assert gate.process(2, -10.0, True, -20.0) == [2]


def test_quiet_playback_does_not_let_room_noise_through() -> None:
    gate: EchoGate[int] = EchoGate(SETTINGS)
    # Playback in a pause (-85 dBFS): room noise at -60 is 25 dB louder but under min_db.
    assert [gate.process(i, -60.0, True, -85.0) for i in range(5)] == [[]] * 5
    assert gate.process(9, -45.0, True, -85.0) == []
    assert gate.state == "holding"


def test_held_chunks_are_released_when_playback_ends_mid_hold() -> None:
    gate: EchoGate[int] = EchoGate(SETTINGS)
    assert gate.process(1, -8.0, True, -20.0) == []
    assert gate.process(2, -8.0, False, -90.0) == [1, 2]


def test_headset_mode_turns_the_gate_off() -> None:
    gate: EchoGate[int] = EchoGate(SETTINGS, enabled=False)
    assert [gate.process(i, -40.0, True, -10.0) for i in range(3)] == [[0], [1], [2]]
    assert gate.blocked == 0


def test_hold_is_counted_in_chunks_of_the_configured_length() -> None:
    assert EchoGateSettings(hold_ms=60, chunk_ms=20).hold_chunks == 3
    assert EchoGateSettings(hold_ms=50, chunk_ms=20).hold_chunks == 3
    assert EchoGateSettings(hold_ms=0, chunk_ms=20).hold_chunks == 1
    assert EchoGateSettings(hold_ms=100, chunk_ms=10).hold_chunks == 10
