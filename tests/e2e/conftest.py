"""Fixtures for end-to-end tests: the local engine, and a validating tap in front of it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from console.engine import LocalEngine
from console.engine.scenario import Scenario

from .support import WireTap


@pytest.fixture
def pace() -> float | None:
    """Times faster than real time the engine streams audio; None for as fast as it can.
    Modules that need a response still streaming when they act override this."""
    return None


@pytest.fixture
def scenario() -> Scenario | None:
    """Scripted engine turns; None for the engine's own policy."""
    return None


@pytest.fixture
async def engine(pace: float | None, scenario: Scenario | None) -> AsyncIterator[LocalEngine]:
    async with LocalEngine(
        seed=11, voice="synthetic", transcriber="placeholder", pace=pace, scenario=scenario
    ) as eng:
        yield eng


@pytest.fixture
async def tap(engine: LocalEngine) -> AsyncIterator[WireTap]:
    wire = await WireTap(engine.url).start()
    try:
        yield wire
    finally:
        await wire.stop()
    assert not wire.invalid, f"events that are not valid GA events: {wire.invalid}"
