"""Fixtures for the engine tests: a started engine with fast, deterministic settings."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from console.engine import LocalEngine

from .support import Client


@pytest.fixture
async def engine() -> AsyncIterator[LocalEngine]:
    """Synthetic voice, placeholder transcripts, audio as fast as possible."""
    async with LocalEngine(voice="synthetic", transcriber="placeholder", pace=None, seed=7) as eng:
        yield eng


@pytest.fixture
async def client(engine: LocalEngine) -> AsyncIterator[Client]:
    c = await Client.connect(engine)
    yield c
    await c.close()
