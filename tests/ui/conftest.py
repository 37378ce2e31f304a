"""UI test fixtures: snapshots redirected to the top-level snapshots/ folder, deterministic apps."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_textual_snapshot import SVGImageExtension
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.base import AbstractSyrupyExtension
from syrupy.location import PyTestLocation

from console.ui.app import BackendInfo, RtConsoleApp
from console.ui.audio_protocols import StaticLevels
from console.ui.themes import builtin_theme_dirs

# The audio tests' private PulseAudio null sink (one recipe, one place): the Pilot tests with real
# devices use the same session fixture.
from tests.audio.conftest import PulseServer, pulse, start_pulse

__all__ = ["FIXED_NOW", "PulseServer", "make_app", "pulse", "snapshot", "start_pulse"]

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT_DIR = ROOT / "snapshots"
FIXED_NOW = datetime(2026, 1, 1, 9, 30, 0)


class TopLevelSVGExtension(SVGImageExtension):
    """pytest-textual-snapshot's SVG extension, storing files in <repo>/snapshots/<test module>/."""

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        return str(SNAPSHOT_DIR / test_location.basename)


class _TopLevelSnapshot(SnapshotAssertion):
    # snap_compare calls snapshot.use_extension(SVGImageExtension); swap in our subclass there.
    def with_defaults(self, **kwargs: Any) -> SnapshotAssertion:
        extension: type[AbstractSyrupyExtension] | None = kwargs.get("extension_class")
        if extension is SVGImageExtension:
            kwargs["extension_class"] = TopLevelSVGExtension
        return super().with_defaults(**kwargs)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return _TopLevelSnapshot(
        session=snapshot.session,
        extension_class=snapshot.extension_class,
        test_location=snapshot.test_location,
        update_snapshots=snapshot.update_snapshots,
    )


def make_app(**overrides: Any) -> RtConsoleApp:
    """An app with every nondeterministic input fixed: clocks, blink, timers, levels, themes."""
    from console.ui.demo_agents import demo_agents

    options: dict[str, Any] = {
        "agents": demo_agents(),
        "backend": BackendInfo("local engine", "gpt-realtime"),
        "now": lambda: FIXED_NOW,
        "timer": lambda: 0.0,
        "frame_rate": 0.0,
        "blink": False,
        "levels": StaticLevels(),
        "theme_dirs": builtin_theme_dirs(),
    }
    options.update(overrides)
    return RtConsoleApp(**options)
