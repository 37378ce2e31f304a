"""The console's device picker: command palette entries that move the mic or speaker, live.

The real app with audio on the room's two PulseAudio null sinks, the local engine and the demo
agents; the palette is driven by keys as a person would. Waits are bounded by steps."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input

from console.launch.backend import open_session
from console.ui.app import RtConsoleApp
from console.ui.audio_port import open_audio
from console.ui.config import DeviceConfig
from console.ui.demo_agents import DEMO_RUN_CONFIG, demo_agents
from tests.ui.conftest import make_app
from tests.ui.test_app_local import LOCAL

from .conftest import MonitorRecorder, Room


async def until(pilot: Pilot[Any], condition: Callable[[], bool], what: str) -> None:
    for _ in range(1500):  # about 30 s of short pauses
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"not reached: {what}")


async def pick(pilot: Pilot[Any], app: RtConsoleApp, title: str) -> None:
    """Open the command palette, enter ``title`` in its search box (pasted: a key press per
    character is slow under Pilot), run the entry that comes up."""
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
    palette = app.screen
    assert isinstance(palette, CommandPalette)
    palette.query_one(Input).value = title

    def offered() -> bool:
        options = palette.query_one("CommandList")
        return getattr(options, "option_count", 0) > 0 and title in str(
            options.get_option_at_index(0).prompt  # type: ignore[attr-defined]
        )

    await until(pilot, offered, f"{title!r} offered")
    await pilot.press("down", "enter")
    await until(pilot, lambda: not isinstance(app.screen, CommandPalette), "the palette closed")


async def test_the_palette_switches_microphone_and_speaker_live_and_the_pane_says_so(
    room: Room,
) -> None:
    port = open_audio(DeviceConfig(input="Monitor of Room Microphone", output="Room Speaker"))
    agents = demo_agents()

    @asynccontextmanager
    async def opener() -> AsyncIterator[Any]:
        extra = {"playback_tracker": port.playback_tracker}
        async with open_session(agents, LOCAL, extra, DEMO_RUN_CONFIG) as session:
            yield session

    app = make_app(agents=agents, open_session=opener, audio=port, frame_rate=30.0)
    async with app.run_test(size=(160, 44)) as pilot:
        await until(pilot, lambda: app.main.status.connection == "connected", "connected")
        meters = app.main.meters
        await until(pilot, lambda: "Room Speaker" in str(meters.border_subtitle), "devices shown")
        assert meters.border_subtitle == "mic: Monitor of Room Microphone · spk: Room Speaker"

        await pick(pilot, app, "Speaker: Null Output")
        await until(pilot, lambda: port.audio.device_labels["output"] == "Null Output",
                    "the speaker moved")
        await pick(pilot, app, "Microphone: Monitor of Room Speaker")
        await until(pilot, lambda: "Room Speaker" in port.audio.device_labels["input"],
                    "the microphone moved")
        assert meters.border_subtitle == "mic: Monitor of Room Speaker · spk: Null Output"
        lines = [e.text for e in app.main.transcript.entries]
        assert "speaker: Null Output" in lines and "microphone: Monitor of Room Speaker" in lines

        # The reply now plays on the new speaker (the private server's rtnull sink).
        recorder = MonitorRecorder(room.server)
        await recorder.recording()
        app.main.input.value = "Say something short."
        await pilot.press("enter")
        await until(pilot, lambda: any(e.kind == "assistant" for e in app.main.transcript.entries),
                    "an answer")
        await recorder.quiet_after_sound()
        assert abs(recorder.stop().astype(int)).max() > 3000
        await pilot.press("ctrl+q")
