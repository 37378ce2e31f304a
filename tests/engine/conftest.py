"""Fixtures for the engine tests: a started engine with fast, deterministic settings."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from console.engine import LocalEngine

from .support import FIXTURES, HAS_ESPEAK, Client


@pytest.fixture(autouse=True, scope="session")
def _set_up_as_the_readme_says() -> None:
    """These tests need what the README's set-up installs: a clear failure, never a skip."""
    if not HAS_ESPEAK:
        pytest.fail("the engine tests need espeak-ng: apt-get install espeak-ng")
    if not FIXTURES.exists():
        pytest.fail(f"the engine tests need the recorded sessions in {FIXTURES}")


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
